/**
 * A private mount namespace kept open by a holder process (`unshare --mount sleep`), into which commands
 * are entered with nsenter. Mounts made in it are seen only by processes inside it, so the reference
 * libvirtd can read its own /etc/libvirt and write its own /var and /run without touching the host's.
 */
import { readFileSync, readlinkSync } from 'node:fs';
import { run, spawnDetached, type DetachedChild } from '../../src/exec/index.js';
import { isAlive, killAndWait } from '../../scripts/loopback-daemon.js';

function readNs(path: string): string | undefined {
  try {
    return readlinkSync(path);
  } catch {
    return undefined;
  }
}

function readComm(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return undefined;
  }
}

/** A held mount namespace. */
export class MountNamespace {
  private constructor(
    private readonly holder: DetachedChild,
    private readonly withNet: boolean,
  ) {}

  /**
   * Create the namespace; mounts inside do not propagate to the host (propagation private). With
   * `netns` (a name from `ip netns add`), the holder also sits in that network namespace, and commands
   * entered with enterArgv() join both.
   */
  static async create(logFile: string, netns?: string): Promise<MountNamespace> {
    const inNet = netns === undefined ? [] : ['ip', 'netns', 'exec', netns];
    const holder = await spawnDetached(
      [...inNet, 'unshare', '--mount', '--propagation', 'private', '--', 'sleep', 'infinity'],
      { logFile },
    );
    // unshare execs sleep once the namespace exists; until then nsenter would enter the host's (or the
    // one `ip netns exec` makes for itself before it execs unshare).
    for (let i = 0; i < 200; i++) {
      const mine = readNs(`/proc/${holder.pid}/ns/mnt`);
      if (mine !== undefined && mine !== readNs('/proc/self/ns/mnt') && readComm(holder.pid) === 'sleep')
        return new MountNamespace(holder, netns !== undefined);
      await new Promise((r) => setTimeout(r, 10));
    }
    await killAndWait(holder.pid);
    throw new Error('unshare --mount: the namespace did not appear');
  }

  /** The argv prefix that runs a program inside the namespace (nsenter execs it: same pid). */
  enterArgv(): string[] {
    return ['nsenter', `--target=${this.holder.pid}`, '--mount', ...(this.withNet ? ['--net'] : []), '--'];
  }

  /** Run one command inside the namespace. */
  async run(argv: readonly string[]): Promise<void> {
    await run([...this.enterArgv(), ...argv], { timeoutMs: 10_000 });
  }

  /** Bind `source` over `target` inside the namespace. */
  bind(source: string, target: string): Promise<void> {
    return this.run(['mount', '--bind', source, target]);
  }

  /** Overlay `target` with a writable upper layer in `upper` (work folder `work`, same filesystem). */
  overlay(target: string, upper: string, work: string): Promise<void> {
    const opts = `lowerdir=${target},upperdir=${upper},workdir=${work}`;
    return this.run(['mount', '-t', 'overlay', 'overlay', '-o', opts, target]);
  }

  /** Overlay `target` read-only with `layers` above it, the first uppermost (no upper layer: nothing written). */
  stack(target: string, layers: readonly string[]): Promise<void> {
    const opts = `lowerdir=${[...layers, target].join(':')}`;
    return this.run(['mount', '-t', 'overlay', 'overlay', '-o', opts, target]);
  }

  /** End the holder; the namespace goes once no process is left in it. */
  async close(): Promise<void> {
    await killAndWait(this.holder.pid, 1_000);
    if (isAlive(this.holder.pid)) throw new Error(`namespace holder ${this.holder.pid} still runs`);
  }
}
