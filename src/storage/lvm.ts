import { CommandFailedError, run } from '../exec/index.js';
import { TsvirtError } from '../errors.js';
import {
  isLvmExists,
  isLvmInsufficientSpace,
  isLvmNoDeviceMapper,
  parseLvs,
  parseVgs,
  type LvRecord,
  type VgRecord,
  isLvmNotFound,
} from './lvm-report.js';

const LV_FIELDS = 'lv_name,lv_uuid,lv_size,lv_path,lv_attr';
const VG_FIELDS = 'vg_name,vg_uuid,vg_size,vg_free';
const REPORT = ['--reportformat', 'json', '--units', 'b', '--nosuffix'];

/** The lvm2 tools, each run with argv arrays and JSON reports; `env` adds e.g. LVM_SYSTEM_DIR. */
export class LvmTools {
  private readonly env: Record<string, string>;

  constructor(extraEnv: Record<string, string> = {}) {
    // lvm warns "File descriptor N leaked" when its parent leaks fds; that noise is not an error.
    this.env = { LVM_SUPPRESS_FD_WARNINGS: '1', ...extraEnv };
  }

  /** `pvcreate` on each device; `force` wipes signatures that are there (`-ff -y`). */
  async pvcreate(devices: readonly string[], force: boolean): Promise<void> {
    await this.exec(['pvcreate', ...(force ? ['-ff', '-y'] : []), ...devices]);
  }

  /** `pvremove -y` on each device. */
  async pvremove(devices: readonly string[]): Promise<void> {
    if (devices.length > 0) await this.exec(['pvremove', '-y', ...devices]);
  }

  /** `vgcreate VG DEVICES`. */
  async vgcreate(vg: string, devices: readonly string[]): Promise<void> {
    await this.exec(['vgcreate', vg, ...devices]);
  }

  /** `vgremove -f VG` (removes its LVs too). */
  async vgremove(vg: string): Promise<void> {
    await this.exec(['vgremove', '-f', vg]);
  }

  /** The VG's report, or undefined when no such VG exists. */
  async vgs(vg: string): Promise<VgRecord | undefined> {
    try {
      const { stdout } = await this.exec(['vgs', ...REPORT, '-o', VG_FIELDS, vg]);
      return parseVgs(stdout)[0];
    } catch (err) {
      if (err instanceof TsvirtError && err.cause instanceof CommandFailedError && isLvmNotFound(err.cause))
        return undefined;
      throw err;
    }
  }

  /** The VG's LVs. */
  async lvs(vg: string): Promise<LvRecord[]> {
    const { stdout } = await this.exec(['lvs', ...REPORT, '-o', LV_FIELDS, vg]);
    return parseLvs(stdout);
  }

  /** `lvcreate --yes -n NAME -L SIZEb VG`. */
  async lvcreate(vg: string, name: string, sizeBytes: bigint): Promise<void> {
    await this.exec(['lvcreate', '--yes', '-n', name, '-L', `${sizeBytes}b`, vg]);
  }

  /** `lvremove -f VG/NAME`. */
  async lvremove(vg: string, name: string): Promise<void> {
    await this.exec(['lvremove', '-f', `${vg}/${name}`]);
  }

  /** `lvresize -f -L SIZEb VG/NAME` (-f: no prompt when shrinking; the caller decided). */
  async lvresize(vg: string, name: string, sizeBytes: bigint): Promise<void> {
    await this.exec(['lvresize', '-f', '-L', `${sizeBytes}b`, `${vg}/${name}`]);
  }

  private async exec(argv: string[]): Promise<{ stdout: string }> {
    try {
      return await run(argv, { env: this.env, timeoutMs: 120_000 });
    } catch (err) {
      throw toLvmError(err);
    }
  }
}

/** Turn a failed lvm command into a TsvirtError whose message is lvm's own error line, keeping stderr. */
export function toLvmError(err: unknown): unknown {
  if (!(err instanceof CommandFailedError) || err.code !== 'ERR_COMMAND_FAILED') return err;
  const fields = { argv: err.argv, exitCode: err.exitCode, stderr: err.stderr };
  if (isLvmNoDeviceMapper(err)) {
    return new TsvirtError(
      'ERR_NO_DEVICE_MAPPER',
      'the kernel has no device-mapper; LVM volumes cannot be activated (load the dm_mod module or use a dir pool)',
      fields,
      { cause: err },
    );
  }
  if (isLvmExists(err))
    return new TsvirtError('ERR_VOLUME_EXISTS', `${errorLine(err.stderr)}; choose another name`, fields, {
      cause: err,
    });
  if (isLvmInsufficientSpace(err))
    return new TsvirtError(
      'ERR_NO_SPACE',
      `${errorLine(err.stderr)}; free space or choose a smaller size`,
      fields,
      { cause: err },
    );
  return new TsvirtError('ERR_OPERATION_FAILED', `${err.argv[0]} failed: ${errorLine(err.stderr)}`, fields, {
    cause: err,
  });
}

/** The first line of a tool's stderr that is not a warning: the one that says what went wrong. */
export function errorLine(stderr: string): string {
  const lines = stderr
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.length > 0);
  return lines.find((l) => !/^WARNING:/i.test(l)) ?? lines[0] ?? 'no message';
}
