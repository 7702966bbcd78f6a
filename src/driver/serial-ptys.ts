/**
 * The /dev/pts paths of a running domain's pty serials. qemu opens each pty itself (as the qemu user,
 * so the pty belongs to that user, mode as the devpts mount gives it, as under libvirt); its path is
 * only known from query-chardev, asked at start and again when a restarted daemon adopts the qemu.
 */
import { buildChardevId, serialAlias } from '../domain/aliases.js';
import type { DomainConfig } from '../domain/types.js';
import { queryChardev, type QmpChardev, type QmpClient } from '../qmp/index.js';

/** The prefix query-chardev gives a pty backend's filename. */
const PTY_PREFIX = 'pty:';

/** The pty path of each serial (by index in devices.serials) from query-chardev's answer; pure. */
export function findSerialPtys(def: DomainConfig, chardevs: readonly QmpChardev[]): (string | undefined)[] {
  const byLabel = new Map(chardevs.map((c) => [c.label, c.filename]));
  return def.devices.serials.map((s, i) => {
    if (s.type !== 'pty') return undefined;
    const filename = byLabel.get(buildChardevId(s.alias ?? serialAlias(i)));
    return filename?.startsWith(PTY_PREFIX) ? filename.slice(PTY_PREFIX.length) : undefined;
  });
}

/** Ask qemu for the pty paths of the domain's pty serials; an empty list when it has none. */
export async function readSerialPtys(def: DomainConfig, qmp: QmpClient): Promise<(string | undefined)[]> {
  if (!def.devices.serials.some((s) => s.type === 'pty')) return [];
  return findSerialPtys(def, await queryChardev(qmp));
}
