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

/** Where the namespace sits: inside a named network namespace, and with a hostname of its own. */
export interface MountNamespaceOptions {
  /** A network namespace (`ip netns add`) the holder, and so every entered command, runs in. */
  netns?: string;
  /** A private UTS namespace with this hostname. */
  hostname?: string;
}

/** Whether `pid` runs `sleep` yet: `ip netns exec` and unshare exec it only once their namespaces exist. */
function isUnshared(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'sleep';
  } catch {
    return false;
  }
}

/** A held mount namespace. */
export class MountNamespace {
  private constructor(
    private readonly holder: DetachedChild,
    private readonly opts: MountNamespaceOptions,
  ) {}

  /** Create the namespace; mounts inside do not propagate to the host (propagation private). */
  static async create(logFile: string, opts: MountNamespaceOptions = {}): Promise<MountNamespace> {
    const inNet = opts.netns === undefined ? [] : ['ip', 'netns', 'exec', opts.netns];
    const uts = opts.hostname === undefined ? [] : ['--uts'];
    const holder = await spawnDetached(
      [...inNet, 'unshare', '--mount', ...uts, '--propagation', 'private', '--', 'sleep', 'infinity'],
      { logFile },
    );
    // unshare execs sleep once the namespace exists; until then nsenter would enter the host's.
    for (let i = 0; i < 200; i++) {
      const mine = readNs(`/proc/${holder.pid}/ns/mnt`);
      if (mine !== undefined && mine !== readNs('/proc/self/ns/mnt') && isUnshared(holder.pid)) {
        const ns = new MountNamespace(holder, opts);
        if (opts.hostname !== undefined) await ns.run(['hostname', opts.hostname]);
        return ns;
      }
      await new Promise((r) => setTimeout(r, 10));
    }
    await killAndWait(holder.pid);
    throw new Error('unshare --mount: the namespace did not appear');
  }

  /** The argv prefix that runs a program inside the namespace (nsenter execs it: same pid). */
  enterArgv(): string[] {
    const more = [
      ...(this.opts.netns === undefined ? [] : ['--net']),
      ...(this.opts.hostname === undefined ? [] : ['--uts']),
    ];
    return ['nsenter', `--target=${this.holder.pid}`, '--mount', ...more, '--'];
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
