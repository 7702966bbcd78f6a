/**
 * NIC statistics: the interface group of bulk stats and virDomainInterfaceStats. Counters come from
 * the host side of a NIC's tap in /proc/net/dev, swapped into the guest's view (the tap's tx is what the
 * guest received). A user-mode NIC has no host interface: as libvirt, the group names no counters for it
 * and virDomainInterfaceStats refuses it.
 */
import { TsvirtError } from '../errors.js';
import type { InterfaceConfig } from '../domain/index.js';
import type { TypedParam } from '../api/types.js';
import type { DomainInterfaceStats } from '../api/stats-types.js';
import type { DomainObject } from './domain-object.js';
import { readNetDev, type NetDevCounters } from './stats-proc.js';
import { checkAction } from './state-machine.js';

/**
 * The host interface name of each NIC of a running domain, from its live definition: an ethernet NIC's
 * own tap, and the tap tsvirtd made for a bridge or network NIC (a hot-plugged one too); undefined for a
 * user-mode NIC.
 */
export function hostInterfaceNames(dom: DomainObject): Array<string | undefined> {
  const def = dom.liveDef ?? dom.def;
  return def.devices.interfaces.map((nic: InterfaceConfig) =>
    nic.type === 'user' ? undefined : nic.targetDev,
  );
}

/** The guest's view of a tap's host counters: what the host sent, the guest received. */
function swapToGuestView(c: NetDevCounters): DomainInterfaceStats {
  return {
    rxBytes: c.txBytes,
    rxPackets: c.txPackets,
    rxErrs: c.txErrs,
    rxDrop: c.txDrop,
    txBytes: c.rxBytes,
    txPackets: c.rxPackets,
    txErrs: c.rxErrs,
    txDrop: c.rxDrop,
  };
}

/** The interface group of one domain; `netDev` is read once per bulk call and shared by its domains. */
export function buildInterfaceParams(
  dom: DomainObject,
  netDev: () => Map<string, NetDevCounters>,
): TypedParam[] {
  const names = hostInterfaceNames(dom);
  const out: TypedParam[] = [{ name: 'net.count', type: 'uint', value: names.length }];
  names.forEach((name, i) => {
    if (name === undefined) return;
    const p = `net.${i}.`;
    out.push({ name: `${p}name`, type: 'string', value: name });
    const host = netDev().get(name);
    if (!host) return;
    const g = swapToGuestView(host);
    const fields: Array<[string, bigint]> = [
      ['rx.bytes', g.rxBytes],
      ['rx.pkts', g.rxPackets],
      ['rx.errs', g.rxErrs],
      ['rx.drop', g.rxDrop],
      ['tx.bytes', g.txBytes],
      ['tx.pkts', g.txPackets],
      ['tx.errs', g.txErrs],
      ['tx.drop', g.txDrop],
    ];
    for (const [field, value] of fields) out.push({ name: `${p}${field}`, type: 'ullong', value });
  });
  return out;
}

/** virDomainInterfaceStats: the NIC named by its host interface or its MAC address. */
export function interfaceStats(dom: DomainObject, device: string): DomainInterfaceStats {
  checkAction('live-query', dom.subject);
  const nics = (dom.liveDef ?? dom.def).devices.interfaces;
  const names = hostInterfaceNames(dom);
  const wanted = device.toLowerCase();
  let index = names.findIndex((n) => n !== undefined && n === device);
  if (index < 0) index = nics.findIndex((n) => n.mac.toLowerCase() === wanted);
  if (index < 0) {
    throw new TsvirtError('ERR_INVALID_ARG', `invalid argument: '${device}' is not a known interface`, {
      field: 'device',
      value: device,
      expected: nics.map((n, i) => names[i] ?? n.mac),
    });
  }
  const name = names[index];
  if (name === undefined) {
    // A user-mode NIC: qemu's own network stack, no host interface whose counters could be read.
    throw new TsvirtError('ERR_INTERNAL', 'internal error: Interface name not provided', {
      field: 'device',
      value: device,
      expected: 'a NIC with a host-side tap (type ethernet or bridge); user-mode NICs have none',
    });
  }
  const host = readNetDev().get(name);
  if (!host) {
    throw new TsvirtError('ERR_OPERATION_FAILED', `internal error: Interface not found: ${name}`, {
      field: 'device',
      value: name,
    });
  }
  return swapToGuestView(host);
}
