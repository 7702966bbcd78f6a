/**
 * Descriptors handed to a running qemu over its monitor, as libvirt does it: the descriptor rides on a
 * newline (JSON whitespace) sent just before QMP getfd, which files it under a name that a later command
 * (add_client, netdev_add fd=NAME) takes. qemu keeps only the last descriptor it received, so the
 * hand-overs of one monitor run one after the other.
 */
import type { Socket } from 'node:net';
import { sendOnSocket } from '../kvm/fd-passing.js';
import type { QmpClient } from '../qmp/index.js';

/** The hand-over in progress on each monitor. */
const handOvers = new WeakMap<QmpClient, Promise<unknown>>();

/**
 * Give `fd` to qemu under `fdName`, then run `use` (the command that takes the name); if `use` fails,
 * qemu closes its copy (closefd). The caller keeps and closes its own descriptor.
 */
export async function handOverFd(
  qmp: QmpClient,
  fd: number,
  fdName: string,
  use: () => Promise<void>,
): Promise<void> {
  await inTurn(qmp, async () => {
    await sendOnSocket(qmp.transport as Socket, Buffer.from('\n'), [fd]);
    await qmp.execute('getfd', { fdname: fdName });
    await use().catch(async (err: unknown) => {
      await qmp.execute('closefd', { fdname: fdName }).catch(() => undefined);
      throw err;
    });
  });
}

async function inTurn(qmp: QmpClient, fn: () => Promise<void>): Promise<void> {
  const mine = (handOvers.get(qmp) ?? Promise.resolve()).catch(() => undefined).then(fn);
  handOvers.set(qmp, mine);
  await mine;
}
