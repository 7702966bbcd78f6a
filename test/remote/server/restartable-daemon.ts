/**
 * Test helper: the built tsvirtd as a real process on a temp root, served on its unix socket, that a
 * test kills with SIGKILL mid-job and starts again on the same root (its qemus live on and are
 * re-adopted).
 */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { connectRemote, type RemoteConnection } from '../../../src/remote/index.js';
import { makeDaemonRoot, startDaemon, stopDaemon, type DaemonProcess } from '../../daemon/daemon-harness.js';
import { findProcessesUnder, killAll, waitUntil } from '../../driver/helpers.js';

/** One tsvirtd on its own root, with a client on its unix socket. */
export interface RestartableDaemon {
  root: string;
  /** qemu+unix:// on the root's socket. */
  unixUri: string;
  daemon: DaemonProcess;
  conn: RemoteConnection;
  /**
   * Kills tsvirtd with SIGKILL and starts it again on the same root (after `whileDown` when given);
   * resolves once it serves.
   */
  restart(whileDown?: () => Promise<void>): Promise<void>;
  /** Stops tsvirtd and kills what is left under the root; resolves with the pids that were left. */
  close(): Promise<number[]>;
}

/** Starts tsvirtd (dist/) on a new root. */
export async function startRestartableDaemon(): Promise<RestartableDaemon> {
  const { root, confPath } = await makeDaemonRoot('');
  const launch = (): Promise<DaemonProcess> =>
    startDaemon(
      ['-f', confPath, '--root', root],
      join(root, 'tsvirtd.log'),
      join(root, 'run', 'tsvirtd.pid'),
    );
  const unixUri = `qemu+unix:///system?socket=${join(root, 'run', 'libvirt-sock')}`;
  const d: RestartableDaemon = {
    root,
    unixUri,
    daemon: await launch(),
    conn: undefined as unknown as RemoteConnection,
    restart: async (whileDown) => {
      await d.conn.close().catch(() => undefined);
      process.kill(d.daemon.child.pid, 'SIGKILL');
      await waitUntil(() => d.daemon.exit !== undefined, 10_000, `tsvirtd ${d.daemon.child.pid} to die`);
      await whileDown?.();
      d.daemon = await launch();
      d.conn = await connectRemote(unixUri);
    },
    close: async () => {
      await d.conn.close().catch(() => undefined);
      await stopDaemon(d.daemon).catch(() => undefined);
      const left = await findProcessesUnder(root);
      killAll(left);
      await rm(root, { recursive: true, force: true });
      return left;
    },
  };
  d.conn = await connectRemote(unixUri);
  return d;
}
