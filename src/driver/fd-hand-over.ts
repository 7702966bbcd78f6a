/**
 * Handing a descriptor to qemu over its monitor (SCM_RIGHTS on a newline, then getfd), one hand-over at
 * a time per monitor: qemu keeps only the last descriptor it received until getfd names it.
 */
import type { Socket } from 'node:net';
import { sendOnSocket } from '../kvm/fd-passing.js';
import type { QmpClient } from '../qmp/index.js';

const handOvers = new WeakMap<QmpClient, Promise<unknown>>();

/** Runs `fn` after the monitor's earlier hand-overs have ended; `fn` names and uses the descriptor. */
export async function inHandOverTurn(qmp: QmpClient, fn: () => Promise<void>): Promise<void> {
  const mine = (handOvers.get(qmp) ?? Promise.resolve()).catch(() => undefined).then(fn);
  handOvers.set(qmp, mine);
  await mine;
}

/** Sends `fd` to qemu and names it `fdName` there (QMP getfd); call inside inHandOverTurn. */
export async function giveFdToQemu(qmp: QmpClient, fd: number, fdName: string): Promise<void> {
  // The descriptor rides on a newline, which is JSON whitespace to qemu's parser.
  await sendOnSocket(qmp.transport as Socket, Buffer.from('\n'), [fd]);
  await qmp.execute('getfd', { fdname: fdName });
}
