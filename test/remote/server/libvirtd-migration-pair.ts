/**
 * Test helper: a migration pair whose one host runs the real libvirtd 9.0 (confined: its own mount and
 * UTS namespace, host UUID and /etc/libvirt, in its network namespace) and whose other host runs
 * tsvirtd, joined by a veth pair; a folder both see at the same path stands for shared storage.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { chmod, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HAS_QEMU_DRIVER, LIBVIRTD, startLibvirtd } from '../../../bench/libvirtd/confined-libvirtd.js';
import { stopDaemon } from '../../daemon/daemon-harness.js';
import { findProcessesUnder } from '../../driver/helpers.js';
import { createNetns, joinByVeth, runInNetns, type TestNetns } from '../../network/netns.js';
import { startHost, type MigrationHost } from './migration-hosts.js';

/** Why a libvirtd host cannot run here, or undefined when it can. */
export function whyNoLibvirtd(): string | undefined {
  if (!LIBVIRTD) return 'libvirtd is absent (apt-get install libvirt-daemon)';
  if (!HAS_QEMU_DRIVER)
    return "libvirtd's qemu driver is absent (apt-get install libvirt-daemon-driver-qemu)";
  return undefined;
}

/** The libvirtd host: its namespace, address, URI and log. */
export interface LibvirtdHost {
  netns: TestNetns;
  address: string;
  /** qemu+tcp://ADDRESS/system. */
  tcpUri: string;
  hostname: string;
  hostUuid: string;
  /** libvirtd's own log (errors and warnings). */
  log(): Promise<string>;
  /** The folder under which its /etc, /run and /var live. */
  dir: string;
  /** Binds `source` over `target` for libvirtd (and its qemus) only: storage the other host does not see. */
  bindPrivate(source: string, target: string): Promise<void>;
}

/** The pair: libvirtd at .1, tsvirtd at .2. */
export interface LibvirtdTsvirtdPair {
  lv: LibvirtdHost;
  ts: MigrationHost;
  shared: string;
  /** Runs argv inside a host's network namespace. */
  exec(
    host: { netns: TestNetns },
    argv: string[],
    timeoutMs?: number,
  ): Promise<{ code: number; stdout: string; stderr: string }>;
  /** Stops both daemons, removes the namespaces and folders; returns the pids left under tsvirtd's root. */
  close(): Promise<number[]>;
}

/** Two namespaces joined by a veth pair, the confined libvirtd in one and tsvirtd in the other. */
export async function startLibvirtdTsvirtdPair(): Promise<LibvirtdTsvirtdPair> {
  const tag = randomBytes(3).toString('hex');
  const [a, b] = [await createNetns(), await createNetns()];
  const cleanup: (() => Promise<unknown>)[] = [() => a.remove(), () => b.remove()];
  const closeAll = async (): Promise<void> => {
    for (const f of cleanup.reverse()) await f().catch(() => undefined);
  };
  try {
    const link = await joinByVeth(a, b, 'lm');
    const address = link.addresses[0];
    const hostname = `lvhost-${tag}`;
    const hostUuid = randomUUID();
    const logFilters = process.env['TSVIRT_LIBVIRTD_LOG_FILTERS'];
    const daemon = await startLibvirtd({
      netns: a.name,
      address,
      hostname,
      hostUuid,
      ...(logFilters ? { logFilters } : {}),
    });
    cleanup.push(() => daemon.stop());
    const lv: LibvirtdHost = {
      netns: a,
      address,
      tcpUri: daemon.uri,
      hostname,
      hostUuid,
      dir: daemon.dir,
      log: () => readFile(daemon.logFile, 'utf8').catch(() => ''),
      bindPrivate: (source, target) => daemon.ns.bind(source, target),
    };
    const ts = await startHost(b, link.addresses[1], {});
    cleanup.push(async () => {
      await ts.conn.close().catch(() => undefined);
      await stopDaemon(ts.daemon);
    });
    const shared = await mkdtemp(join(tmpdir(), 'tsvirt-shared-'));
    await chmod(shared, 0o755);
    cleanup.push(() => rm(shared, { recursive: true, force: true }));
    return {
      lv,
      ts,
      shared,
      exec: (host, argv, timeoutMs) => runInNetns(host.netns, argv, timeoutMs),
      close: async () => {
        const tsRoot = ts.root;
        // Stop the daemons first (libvirtd's qemus die with its namespace), then look for leftovers.
        const [removeA, removeB, ...rest] = cleanup;
        for (const f of rest.reverse()) await f().catch(() => undefined);
        const left = await findProcessesUnder(tsRoot);
        await removeB?.().catch(() => undefined);
        await removeA?.().catch(() => undefined);
        await rm(tsRoot, { recursive: true, force: true });
        return left;
      },
    };
  } catch (err) {
    await closeAll();
    throw err;
  }
}
