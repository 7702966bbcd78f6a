/**
 * The baseline no daemon can beat: the argv tsvirt builds for the guest, spawned directly (-S), QMP
 * connected (greeting, qmp_capabilities), `cont`; and stopped by `quit` until the process is gone.
 */
import { join } from 'node:path';
import { buildQemuArgv, parseDomainXml } from '../../src/domain/index.js';
import { probeHostFacts } from '../../src/driver/host.js';
import type { HostFacts } from '../../src/driver/index.js';
import { spawnDetached, type DetachedChild } from '../../src/exec/index.js';
import { QmpClient, cont } from '../../src/qmp/index.js';
import { isAlive, killAndWait, waitFor } from '../../scripts/loopback-daemon.js';

/** A guest started bare: its qemu and its monitor. */
export interface BareGuest {
  child: DetachedChild;
  qmp: QmpClient;
}

/** Builds argv for bare starts from one domain XML, with runtime files in `dir`. */
export class BareQemu {
  private constructor(
    private readonly argv: string[],
    private readonly dir: string,
  ) {}

  /** Parse the XML and probe the host once (outside any timed region). */
  static async prepare(xml: string, dir: string): Promise<BareQemu> {
    const host: HostFacts = await probeHostFacts();
    const config = parseDomainXml(xml);
    const argv = buildQemuArgv(config, host, {
      qmpSocket: join(dir, 'qmp.sock'),
      serialLog: join(dir, 'serial.log'),
    });
    return new BareQemu(argv, dir);
  }

  /** The argv, for the report. */
  get command(): readonly string[] {
    return this.argv;
  }

  /** Spawn to a running guest: the timed path of the start baseline. */
  async start(): Promise<BareGuest> {
    const child = await spawnDetached(this.argv, { logFile: join(this.dir, 'qemu.log') });
    try {
      const qmp = await QmpClient.connect(join(this.dir, 'qmp.sock'), { connectTimeoutMs: 10_000 });
      await cont(qmp);
      return { child, qmp };
    } catch (err) {
      await killAndWait(child.pid, 1_000);
      throw err;
    }
  }

  /** `quit` over QMP, then wait until the process is gone: the timed path of the stop baseline. */
  async stop(guest: BareGuest): Promise<void> {
    await guest.qmp.execute('quit').catch(() => undefined);
    guest.qmp.close();
    // Poll rather than await child.exited: spawnDetached's child does not hold the event loop open.
    // A 1 ms poll: the baseline is a few ms, so a coarser poll would be most of it.
    if (!(await waitFor(() => !isAlive(guest.child.pid), 5_000, 1)))
      await killAndWait(guest.child.pid, 1_000);
  }
}
