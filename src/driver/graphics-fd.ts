/**
 * virDomainOpenGraphicsFD for the QEMU driver, as libvirt does it: a socketpair, one end handed to qemu
 * (QMP getfd, then add_client for the graphics' protocol), the other returned to the caller, who then
 * speaks VNC or SPICE on it as a client that qemu already accepted.
 */
import { TsvirtError } from '../errors.js';
import { closeFd, createSocketPair } from '../kvm/fd-passing.js';
import type { DomainObject } from './domain-object.js';
import { giveFdToQemu, inHandOverTurn } from './fd-hand-over.js';
import { requireMonitor } from './power.js';
import { checkAction } from './state-machine.js';

/** virDomainOpenGraphicsFlags: SKIPAUTH (1) lets the client skip the graphics password. */
export const OpenGraphicsFlags = { SKIPAUTH: 1 } as const;
/** The name the descriptor has in qemu between getfd and add_client (libvirt's). */
const FD_NAME = 'graphicsfd';

/** Open a new client connection to graphics device `idx` of a running domain; returns the caller's fd. */
export async function openGraphicsFd(dom: DomainObject, idx: number, flags: number): Promise<number> {
  if ((flags & ~OpenGraphicsFlags.SKIPAUTH) !== 0) {
    throw new TsvirtError(
      'ERR_INVALID_ARG',
      `graphics flags 0x${flags.toString(16)} are not supported; give SKIPAUTH (1) or 0`,
      {
        field: 'flags',
        value: flags,
        expected: 'SKIPAUTH',
      },
    );
  }
  checkAction('live-query', dom.subject);
  const graphics = (dom.liveDef ?? dom.def).devices.graphics;
  const g = graphics[idx];
  if (!g) {
    throw new TsvirtError(
      'ERR_INVALID_ARG',
      `domain '${dom.name}' has no graphics device with index ${idx}; it has ${graphics.length}`,
      {
        domain: dom.name,
        field: 'idx',
        value: idx,
        expected: graphics.length > 0 ? `0-${graphics.length - 1}` : 'a domain with <graphics>',
      },
    );
  }
  const qmp = requireMonitor(dom);
  const [ours, theirs] = createSocketPair();
  try {
    await inHandOverTurn(qmp, async () => {
      await giveFdToQemu(qmp, ours, FD_NAME);
      // add_client takes the named descriptor out of qemu's list and serves a client on it.
      const args = {
        protocol: g.type,
        fdname: FD_NAME,
        skipauth: (flags & OpenGraphicsFlags.SKIPAUTH) !== 0,
        tls: false,
      };
      await qmp.execute('add_client', args).catch(async (err: unknown) => {
        await qmp.execute('closefd', { fdname: FD_NAME }).catch(() => undefined);
        throw err;
      });
    });
    return theirs;
  } catch (err) {
    closeFd(theirs);
    throw err;
  } finally {
    closeFd(ours);
  }
}
