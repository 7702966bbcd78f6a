/**
 * The reliability suite's rig: tsvirtd as a real process on a temp root (restartable, killable), the
 * boot-sector guest per domain, a seeded PRNG, and byte snapshots of a folder.
 */
import { existsSync, readFileSync } from 'node:fs';
import { copyFile, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { guestPaths } from '../../scripts/guests/paths.js';
import { connectRemote, type RemoteConnection } from '../../src/remote/index.js';
import { buildBootSectorXml, cleanupRoot, isAlive, waitUntil } from '../driver/helpers.js';
import {
  findFreePort,
  makeDaemonRoot,
  startDaemon,
  whyNoDist,
  type DaemonProcess,
} from '../daemon/daemon-harness.js';

/** Why the suite's daemon cases cannot run here (no build, no guest image, no qemu), or undefined. */
export function whyNoDaemonRig(): string | undefined {
  const noDist = whyNoDist();
  if (noDist) return noDist;
  if (!existsSync(guestPaths().bootSectorImage)) return 'the boot-sector guest is not built (npm run setup)';
  return undefined;
}

/** A tsvirtd root with its config; the daemon itself can be killed and started again. */
export class DaemonRig {
  proc: DaemonProcess | undefined;
  private starts = 0;

  private constructor(
    readonly root: string,
    readonly confPath: string,
    readonly port: number,
  ) {}

  /** A temp root whose config listens on unix sockets and on TCP 127.0.0.1 with auth_tcp = "none". */
  static async create(extraConf = ''): Promise<DaemonRig> {
    const port = await findFreePort();
    const conf = `listen_tls = 0\nlisten_tcp = 1\nlisten_addr = "127.0.0.1"\ntcp_port = "${port}"\nauth_tcp = "none"\nunix_sock_ro_perms = "0777"\nunix_sock_rw_perms = "0700"\n${extraConf}`;
    const { root, confPath } = await makeDaemonRoot(conf);
    return new DaemonRig(root, confPath, port);
  }

  get pidFile(): string {
    return join(this.root, 'run', 'tsvirtd.pid');
  }
  get rwSocket(): string {
    return join(this.root, 'run', 'libvirt-sock');
  }
  get roSocket(): string {
    return join(this.root, 'run', 'libvirt-sock-ro');
  }
  get uri(): string {
    return `qemu+unix:///system?socket=${this.rwSocket}`;
  }
  get tcpUri(): string {
    return `qemu+tcp://127.0.0.1:${this.port}/system`;
  }

  /** Starts tsvirtd (with -l), under `argvPrefix` if given, and resolves once it has written its pidfile. */
  async start(extraArgs: string[] = [], argvPrefix: readonly string[] = []): Promise<DaemonProcess> {
    const log = join(this.root, `tsvirtd-${this.starts++}.log`);
    const args = ['-f', this.confPath, '--root', this.root, '-l', ...extraArgs];
    this.proc = await startDaemon(args, log, this.pidFile, argvPrefix);
    return this.proc;
  }

  /** kill -9 of the daemon; resolves once that pid has exited. */
  async kill9(): Promise<number> {
    const proc = this.requireProc();
    process.kill(proc.child.pid, 'SIGKILL');
    await waitUntil(() => proc.exit !== undefined, 10_000, `tsvirtd ${proc.child.pid} to die`);
    return proc.child.pid;
  }

  /** SIGTERM and wait; returns the exit. */
  async stop(): Promise<DaemonProcess['exit']> {
    const proc = this.proc;
    if (!proc || proc.exit) return proc?.exit;
    process.kill(proc.child.pid, 'SIGTERM');
    await waitUntil(() => proc.exit !== undefined, 15_000, `tsvirtd ${proc.child.pid} to exit`);
    return proc.exit;
  }

  /** A RemoteConnection over the read-write unix socket. */
  connect(timeoutMs = 20_000): Promise<RemoteConnection> {
    return connectRemote(this.uri, { timeoutMs });
  }

  /** A private copy of the boot-sector image for one guest (qemu locks its images). */
  async guestImage(name: string): Promise<string> {
    const image = join(this.root, `${name}.img`);
    await copyFile(guestPaths().bootSectorImage, image);
    return image;
  }

  /** Boot-sector domain XML (type qemu, no NIC) with its own image. */
  async guestXml(name: string, memMiB = 32, extra = ''): Promise<string> {
    return buildBootSectorXml(name, await this.guestImage(name), { memMiB, extra });
  }

  /** qemu's pid of a running domain, from run/qemu/NAME.pid. */
  qemuPid(name: string): number {
    return Number(readFileSync(join(this.root, 'run', 'qemu', `${name}.pid`), 'utf8').trim());
  }

  /** Stops the daemon, kills every process left under the root, removes it; returns the leftover pids. */
  async destroy(): Promise<number[]> {
    const proc = this.proc;
    if (proc && !proc.exit) {
      await this.stop().catch(() => undefined);
      if (!proc.exit) process.kill(proc.child.pid, 'SIGKILL');
    }
    const left = await cleanupRoot(this.root, []);
    if (proc && isAlive(proc.child.pid)) throw new Error(`tsvirtd ${proc.child.pid} survived cleanup`);
    return left;
  }

  /** The daemon's logs so far (every start), for failure messages. */
  async logs(): Promise<string> {
    const files = (await readdir(this.root)).filter((f) => /^tsvirtd-\d+\.log$/.test(f)).sort();
    const parts = await Promise.all(files.map((f) => readFile(join(this.root, f), 'utf8')));
    return parts.join('\n');
  }

  private requireProc(): DaemonProcess {
    if (!this.proc) throw new Error('the daemon was not started');
    return this.proc;
  }
}

/** Every regular file under `dir` (relative path → bytes), for byte comparisons. */
export async function snapshotFiles(dir: string): Promise<Map<string, Buffer>> {
  const out = new Map<string, Buffer>();
  const walk = async (rel: string): Promise<void> => {
    for (const entry of await readdir(join(dir, rel), { withFileTypes: true })) {
      const path = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory()) await walk(path);
      else out.set(path, await readFile(join(dir, path)));
    }
  };
  await walk('');
  return out;
}

/** Sorted names in a folder ([] when it is missing). */
export async function listNames(dir: string): Promise<string[]> {
  return (await readdir(dir).catch(() => [] as string[])).sort();
}

/**
 * What run/qemu holds with these boot-sector domains running: the socket folder NAME.d, the owners of
 * the files given to the qemu user (when tsvirt runs as root), the pid and the status, plus the
 * embedded connection's `autostarted` mark of this boot.
 */
export function runtimeFilesOf(names: readonly string[]): string[] {
  const exts = process.getuid?.() === 0 ? ['d', 'owners', 'pid', 'xml'] : ['d', 'pid', 'xml'];
  const perDomain = names.flatMap((n) => exts.map((ext) => `${n}.${ext}`));
  return ['autostarted', ...perDomain].sort();
}

/** A seeded PRNG (mulberry32): uniform floats in [0, 1). */
export function makePrng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The seed of a run: TSVIRT_SEED when set (to replay a failure), else a fresh one. */
export function pickSeed(): number {
  const given = process.env['TSVIRT_SEED'];
  return given ? Number(given) >>> 0 : (Date.now() ^ (process.pid << 16)) >>> 0;
}

/** Milliseconds since `startedAt` (performance.now()), rounded. */
export function elapsedMs(startedAt: number): number {
  return Math.round(performance.now() - startedAt);
}
