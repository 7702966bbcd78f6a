/**
 * Test helper: two "hosts" for migration tests, each a network namespace of its own joined to the other
 * by a veth pair, each with a tsvirtd (built dist/) on its own root, listening on TCP at its namespace's
 * address; a folder both see at the same path stands for shared storage.
 */
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectRemote, type RemoteConnection } from '../../../src/remote/index.js';
import { makeDaemonRoot, startDaemon, stopDaemon, type DaemonProcess } from '../../daemon/daemon-harness.js';
import { createNetns, joinByVeth, runInNetns, type TestNetns } from '../../network/netns.js';
import { findProcessesUnder, waitUntil } from '../../driver/helpers.js';

/** One host: its namespace, address, daemon, root and a client over its unix socket. */
export interface MigrationHost {
  netns: TestNetns;
  address: string;
  root: string;
  daemon: DaemonProcess;
  /** qemu+tcp://ADDRESS/system: reachable from either namespace. */
  tcpUri: string;
  /** qemu+unix:// on its root's socket: reachable from the test process. */
  unixUri: string;
  conn: RemoteConnection;
}

/** The two hosts and the shared folder. */
export interface MigrationPair {
  src: MigrationHost;
  dst: MigrationHost;
  shared: string;
  /** Runs argv inside a host's namespace. */
  exec(
    host: MigrationHost,
    argv: string[],
    timeoutMs?: number,
  ): Promise<{ code: number; stdout: string; stderr: string }>;
  /** Kills the host's tsvirtd with SIGKILL and starts it again on the same root (its qemus live on). */
  restart(host: MigrationHost): Promise<void>;
  /** Takes the veth of `host` down or up. */
  setLink(host: MigrationHost, up: boolean): Promise<void>;
  close(): Promise<number[]>;
}

/** How the pair is set up. */
export interface MigrationPairOptions {
  /** qemu.conf for both daemons (default: none, qemu confined as tsvirt's defaults say). */
  qemuConf?: string;
}

/** A tsvirtd host in `netns`, listening at `address` (its end of the pair's veth). */
export async function startHost(
  netns: TestNetns,
  address: string,
  opts: MigrationPairOptions,
): Promise<MigrationHost> {
  const conf = `listen_tls = 0\nlisten_tcp = 1\nlisten_addr = "${address}"\nauth_tcp = "none"\n`;
  const { root, confPath } = await makeDaemonRoot(conf);
  if (opts.qemuConf !== undefined) await writeFile(join(root, 'qemu.conf'), opts.qemuConf, { mode: 0o644 });
  const daemon = await launchDaemon(netns, root, confPath);
  const unixUri = `qemu+unix:///system?socket=${join(root, 'run', 'libvirt-sock')}`;
  const conn = await connectRemote(unixUri);
  return { netns, address, root, daemon, tcpUri: `qemu+tcp://${address}/system`, unixUri, conn };
}

/** tsvirtd on `root`, run in the namespace; resolves once it serves. */
async function launchDaemon(netns: TestNetns, root: string, confPath: string): Promise<DaemonProcess> {
  const pidFile = join(root, 'run', 'tsvirtd.pid');
  return startDaemon(['-f', confPath, '--root', root, '--listen'], join(root, 'tsvirtd.log'), pidFile, [
    'ip',
    'netns',
    'exec',
    netns.name,
  ]);
}

/** Kill the host's tsvirtd with SIGKILL (its qemus live on) and start it again on the same root. */
async function restartHost(h: MigrationHost): Promise<void> {
  await h.conn.close().catch(() => undefined);
  process.kill(h.daemon.child.pid, 'SIGKILL');
  await waitUntil(() => h.daemon.exit !== undefined, 10_000, `tsvirtd ${h.daemon.child.pid} to die`);
  h.daemon = await launchDaemon(h.netns, h.root, join(h.root, 'tsvirtd.conf'));
  h.conn = await connectRemote(h.unixUri);
}

/** Two namespaces joined by a veth pair (10.X.Y.1 and .2), a tsvirtd in each, and a shared folder. */
export async function startMigrationPair(opts: MigrationPairOptions = {}): Promise<MigrationPair> {
  const [a, b] = [await createNetns(), await createNetns()];
  const link = await joinByVeth(a, b, 'tm');
  const src = await startHost(a, link.addresses[0], opts);
  const dst = await startHost(b, link.addresses[1], opts);
  const shared = await mkdtemp(join(tmpdir(), 'tsvirt-shared-'));
  await chmod(shared, 0o755); // each host's qemu user reaches the guest's files in it
  const vethOf = (h: MigrationHost): string => (h === src ? link.veths[0] : link.veths[1]);
  return {
    src,
    dst,
    shared,
    exec: (host, argv, timeoutMs) => runInNetns(host.netns, argv, timeoutMs),
    restart: restartHost,
    setLink: async (host, up) => {
      await host.netns.ip(['link', 'set', vethOf(host), up ? 'up' : 'down']);
    },
    close: async () => {
      const left: number[] = [];
      for (const h of [src, dst]) {
        await h.conn.close().catch(() => undefined);
        await stopDaemon(h.daemon).catch(() => undefined);
        left.push(...(await findProcessesUnder(h.root)));
      }
      await a.remove().catch(() => undefined);
      await b.remove().catch(() => undefined);
      for (const h of [src, dst]) await rm(h.root, { recursive: true, force: true });
      await rm(shared, { recursive: true, force: true });
      return left;
    },
  };
}
