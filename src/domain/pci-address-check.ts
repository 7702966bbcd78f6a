import { TsvirtError } from '../errors.js';
import { isQ35Machine } from './parse-os.js';
import {
  describePciAddress,
  getMachinePciFacts,
  listSlotUsers,
  PCI_FUNCTION_MAX,
  PCI_SLOT_MAX,
  Q35_SATA_ADDRESS,
  type MachinePciFacts,
} from './pci-address.js';
import type { DomainConfig, PciAddress } from './types.js';

/** ERR_XML_INVALID / ERR_NOT_SUPPORTED naming the device, the field, the value and what was expected. */
function addressError(
  code: 'ERR_XML_INVALID' | 'ERR_NOT_SUPPORTED',
  device: string,
  field: string,
  value: number | string,
  expected: string,
  problem: string,
): TsvirtError {
  const shown = typeof value === 'number' ? `0x${value.toString(16)}` : value;
  const element = ['domain', 'bus', 'slot', 'function'].includes(field) ? 'address' : 'controller';
  return new TsvirtError(
    code,
    `domain/devices: ${device}: ${element} ${field}='${shown}' ${problem}; expected ${expected}`,
    { device, element, field, attribute: field, value: shown, expected },
  );
}

/** One address on its own: domain 0, an existing bus, slot and function in range, not on a chipset slot. */
function checkAddress(label: string, a: PciAddress, facts: MachinePciFacts, config: DomainConfig): void {
  const machine = config.os.machine;
  if (a.domain !== 0) {
    throw addressError('ERR_NOT_SUPPORTED', label, 'domain', a.domain, '0x0000', 'is not supported');
  }
  if (a.bus !== 0) {
    const ports = config.devices.rootPorts ?? [];
    if (!ports.some((p) => p.index === a.bus)) {
      const expected = `0x00 (the root bus ${facts.rootBus})${isQ35Machine(machine) ? ' or the index of a pcie-root-port' : ''}`;
      throw addressError('ERR_XML_INVALID', label, 'bus', a.bus, expected, 'names no bus of this domain');
    }
    if (a.slot !== 0 || a.function !== 0) {
      const field = a.slot !== 0 ? 'slot' : 'function';
      const expected = 'slot 0x00 function 0x0 (a root port has one device)';
      throw addressError('ERR_XML_INVALID', label, field, a[field], expected, `is not on a root port's bus`);
    }
    return;
  }
  if (a.slot > PCI_SLOT_MAX) {
    const expected = `0x00-0x${PCI_SLOT_MAX.toString(16)}`;
    throw addressError('ERR_XML_INVALID', label, 'slot', a.slot, expected, 'is out of range');
  }
  if (a.function > PCI_FUNCTION_MAX) {
    throw addressError('ERR_XML_INVALID', label, 'function', a.function, '0x0-0x7', 'is out of range');
  }
  const holder = facts.reserved.get(a.slot);
  if (holder !== undefined) {
    const others = [...facts.reserved.keys()].map((s) => `0x${s.toString(16)}`).join(' and ');
    const problem = `is reserved for ${holder} on machine ${machine}`;
    throw addressError('ERR_XML_INVALID', label, 'slot', a.slot, `a slot other than ${others}`, problem);
  }
}

/** Every addressed device and root port, with the name errors give it. */
function listPlaced(config: DomainConfig): Array<{ label: string; a: PciAddress }> {
  const ports = (config.devices.rootPorts ?? []).map((p) => ({
    label: `controller pci.${p.index}`,
    address: p.address,
  }));
  return [...ports, ...listSlotUsers(config)].flatMap((u) =>
    u.address ? [{ label: u.label, a: u.address }] : [],
  );
}

/**
 * Check the PCI addresses a definition gives: each on its own (see checkAddress), no two devices on one
 * bus, slot and function, another function of a slot only beside a function 0 device with
 * multifunction='on', the root controller and root ports of the machine's kind, and Q35's SATA
 * controller only where it is built in.
 */
export function validatePciAddresses(config: DomainConfig): void {
  const facts = getMachinePciFacts(config.os.machine);
  validateControllers(config);
  const placed = listPlaced(config);
  const taken = new Map<string, string>();
  for (const { label, a } of placed) {
    checkAddress(label, a, facts, config);
    const key = `${a.bus}:${a.slot}.${a.function}`;
    const other = taken.get(key);
    if (other !== undefined) {
      const problem = `(${describePciAddress(a)}) is already used by ${other}`;
      throw addressError(
        'ERR_XML_INVALID',
        label,
        'slot',
        a.slot,
        'an address no other device uses',
        problem,
      );
    }
    taken.set(key, label);
  }
  for (const { label, a } of placed) {
    if (a.function === 0) continue;
    const head = placed.find((p) => p.a.bus === a.bus && p.a.slot === a.slot && p.a.function === 0);
    if (!head?.a.multifunction) {
      const expected = `a device on function 0 of slot 0x${a.slot.toString(16)} with multifunction='on'`;
      throw addressError(
        'ERR_XML_INVALID',
        label,
        'function',
        a.function,
        expected,
        'has no multifunction device beside it',
      );
    }
  }
}

/** The PCI root and root ports fit the machine; Q35's SATA controller is where it is built in. */
function validateControllers(config: DomainConfig): void {
  const d = config.devices;
  const machine = config.os.machine;
  const q35 = isQ35Machine(machine);
  const rootModel = q35 ? 'pcie-root' : 'pci-root';
  if (d.pciRoot !== undefined && d.pciRoot !== rootModel) {
    throw addressError(
      'ERR_XML_INVALID',
      'controller pci.0',
      'model',
      d.pciRoot,
      `${rootModel} on machine ${machine}`,
      'does not fit the machine',
    );
  }
  const indexes = new Set<number>();
  for (const port of d.rootPorts ?? []) {
    const label = `controller pci.${port.index}`;
    if (!q35)
      throw addressError(
        'ERR_NOT_SUPPORTED',
        label,
        'model',
        'pcie-root-port',
        `no root ports on machine ${machine} (Q35 has them)`,
        'does not fit the machine',
      );
    if (indexes.has(port.index))
      throw addressError(
        'ERR_XML_INVALID',
        label,
        'index',
        port.index,
        'an index no other controller uses',
        'is used twice',
      );
    indexes.add(port.index);
    if (port.address && port.address.bus !== 0) {
      throw addressError(
        'ERR_NOT_SUPPORTED',
        label,
        'bus',
        port.address.bus,
        '0x00 (root ports plug into the root bus)',
        'is not supported',
      );
    }
  }
  const a = d.sataController?.address;
  const q = Q35_SATA_ADDRESS;
  if (
    a &&
    q35 &&
    (a.domain !== q.domain || a.bus !== q.bus || a.slot !== q.slot || a.function !== q.function)
  ) {
    throw addressError(
      'ERR_XML_INVALID',
      'controller sata',
      'slot',
      a.slot,
      `0000:00:1f.2, where machine ${machine} has its own SATA controller`,
      `(${describePciAddress(a)}) is not where the built-in controller is`,
    );
  }
}
