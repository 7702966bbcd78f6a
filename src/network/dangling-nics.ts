/**
 * Running guests whose network is not running: after a restart of tsvirtd a network can come back
 * inactive (its bridge was gone, or its dnsmasq would not start) while guests on it run on. As in
 * libvirt, those guests keep running with their tap off any bridge; each such NIC is reported.
 */
import type { InterfaceConfig } from '../domain/types.js';

/** One NIC of a running guest's live definition. */
export interface RunningNic {
  domain: string;
  nic: Readonly<InterfaceConfig>;
}

/** One warning line per network NIC of a running guest whose network `isRunning` says is not running. */
export function buildDanglingNicWarnings(
  nics: readonly RunningNic[],
  isRunning: (network: string) => boolean,
): string[] {
  const lines: string[] = [];
  for (const { domain, nic } of nics) {
    if (nic.type !== 'network' || isRunning(nic.network)) continue;
    const name = nic.alias ?? nic.mac;
    const tap = nic.targetDev === undefined ? 'no tap' : `tap ${nic.targetDev}`;
    lines.push(
      `domain '${domain}': interface ${name} (${nic.mac}, ${tap}) is on network '${nic.network}', ` +
        'which is not running; the guest runs on without that link: start the network, then detach ' +
        'and attach the interface again or restart the guest',
    );
  }
  return lines;
}
