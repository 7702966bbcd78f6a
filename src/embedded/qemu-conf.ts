/**
 * qemu.conf: the keys of libvirt's qemu driver config that say whom qemu runs as and how it is
 * confined, and where graphics listen when a domain names no address. tsvirtd reads the qemu.conf beside its tsvirtd.conf; an embedded root reads
 * ROOT/etc/qemu.conf, as libvirt's embedded driver does. The syntax is libvirtd.conf's.
 */
import { readFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { TsvirtError } from '../errors.js';
import { parseConf } from '../daemon/conf-syntax.js';
import { checkString, type ValueChecker } from '../daemon/conf-keys.js';
import { DEFAULT_QEMU_CONFINEMENT, type QemuConfinementConf } from '../driver/qemu-user.js';
import { DEFAULT_GRAPHICS_LISTEN, type GraphicsListenConf } from '../driver/graphics-runtime.js';

/** The settings of qemu.conf that tsvirt implements. */
export type QemuConf = QemuConfinementConf & GraphicsListenConf;

/** qemu.conf's defaults. */
export const DEFAULT_QEMU_CONF: QemuConf = { ...DEFAULT_QEMU_CONFINEMENT, ...DEFAULT_GRAPHICS_LISTEN };

const checkFlag: ValueChecker<boolean> = (v) =>
  v === 0 || v === 1 ? { ok: v === 1 } : { expected: `0 or 1, not ${JSON.stringify(v)}` };

const checkSandbox: ValueChecker<boolean> = (v) =>
  v === -1 || v === 0 || v === 1 ? { ok: v !== 0 } : { expected: `-1, 0 or 1, not ${JSON.stringify(v)}` };

const checkAccount: ValueChecker<string> = (v) => {
  const s = checkString()(v);
  if ('expected' in s) return s;
  return /^(\+[0-9]+|[A-Za-z_][A-Za-z0-9_.-]*\$?)$/.test(s.ok)
    ? s
    : { expected: `a user or group name, or +ID, not "${s.ok}"` };
};

/** A listen address as qemu takes it: IPv4 or IPv6, no host names (qemu would resolve them at each start). */
const checkListen: ValueChecker<string> = (v) => {
  const s = checkString()(v);
  if ('expected' in s) return s;
  return isIP(s.ok) !== 0
    ? s
    : { expected: `an IPv4 or IPv6 address such as 127.0.0.1 or 0.0.0.0, not "${s.ok}"` };
};

const KEYS: { [K in keyof QemuConf]: [string, ValueChecker<QemuConf[K]>] } = {
  user: ['user', checkAccount],
  group: ['group', checkAccount],
  dynamicOwnership: ['dynamic_ownership', checkFlag],
  seccompSandbox: ['seccomp_sandbox', checkSandbox],
  clearEmulatorCapabilities: ['clear_emulator_capabilities', checkFlag],
  vncListen: ['vnc_listen', checkListen],
  spiceListen: ['spice_listen', checkListen],
};

/** Parses and checks qemu.conf text; `file` names it in errors. Pure. */
export function buildQemuConf(text: string, file: string): QemuConf {
  const conf: Record<string, unknown> = { ...DEFAULT_QEMU_CONF };
  for (const entry of parseConf(text, file)) {
    const field = Object.entries(KEYS).find(([, [key]]) => key === entry.key)?.[0];
    const where = { file, line: entry.line, field: entry.key, value: entry.value };
    if (field === undefined) {
      throw new TsvirtError(
        'ERR_CONFIG_FILE',
        `${file}:${entry.line}: key '${entry.key}' is not supported by tsvirt; it takes ${Object.values(KEYS)
          .map(([k]) => k)
          .join(', ')}`,
        where,
      );
    }
    const verdict = (KEYS[field as keyof QemuConf][1] as ValueChecker<unknown>)(entry.value);
    if ('expected' in verdict) {
      throw new TsvirtError(
        'ERR_CONFIG_FILE',
        `${file}:${entry.line}: '${entry.key}' must be ${verdict.expected}`,
        { ...where, expected: verdict.expected },
      );
    }
    conf[field] = verdict.ok;
  }
  return conf as unknown as QemuConf;
}

/** Reads qemu.conf at `path`; a missing file gives the defaults. */
export async function loadQemuConf(path: string): Promise<QemuConf> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { ...DEFAULT_QEMU_CONF };
    throw new TsvirtError(
      'ERR_CONFIG_FILE',
      `${path}: cannot read (${(err as Error).message})`,
      { file: path },
      { cause: err },
    );
  }
  return buildQemuConf(text, path);
}
