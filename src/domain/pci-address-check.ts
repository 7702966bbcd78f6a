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
  value: number,
  expected: string,
  problem: string,
): TsvirtError {
  const shown = `0x${value.toString(16)}`;
  return new TsvirtError(
    code,
    `domain/devices: ${device}: address ${field}='${shown}' ${problem}; expected ${expected}`,
    { device, element: 'address', field, attribute: field, value: shown, expected },
  );
}

/** One address on its own: domain 0, bus 0, slot and function in range, not on a chipset slot. */
function checkAddress(label: string, a: PciAddress, facts: MachinePciFacts, machine: string): void {
  if (a.domain !== 0) {
    throw addressError('ERR_NOT_SUPPORTED', label, 'domain', a.domain, '0x0000', 'is not supported');
  }
  if (a.bus !== 0) {
    const expected = `0x00 (the root bus ${facts.rootBus}; tsvirt has no other)`;
    throw addressError('ERR_NOT_SUPPORTED', label, 'bus', a.bus, expected, 'is not supported');
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

/**
 * Check the PCI addresses a definition gives: each on its own (see checkAddress), no two devices on one
 * slot and function, another function of a slot only beside a function 0 device with
 * multifunction='on', and Q35's SATA controller only where it is built in.
 */
export function validatePciAddresses(config: DomainConfig): void {
  const machine = config.os.machine;
  const facts = getMachinePciFacts(machine);
  validateQ35Sata(config);
  const placed = listSlotUsers(config).flatMap((u) => (u.address ? [{ label: u.label, a: u.address }] : []));
  const taken = new Map<string, string>();
  for (const { label, a } of placed) {
    checkAddress(label, a, facts, machine);
    const other = taken.get(`${a.slot}.${a.function}`);
    if (other !== undefined) {
      const problem = `function ${a.function} is already used by ${other}`;
      throw addressError(
        'ERR_XML_INVALID',
        label,
        'slot',
        a.slot,
        'a slot and function no other device uses',
        problem,
      );
    }
    taken.set(`${a.slot}.${a.function}`, label);
  }
  for (const { label, a } of placed) {
    if (a.function === 0) continue;
    const head = placed.find((p) => p.a.slot === a.slot && p.a.function === 0);
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

/** Q35's SATA controller is built in: it can only be where it is. */
function validateQ35Sata(config: DomainConfig): void {
  const a = config.devices.sataController?.address;
  if (!a || !isQ35Machine(config.os.machine)) return;
  const q = Q35_SATA_ADDRESS;
  if (a.domain !== q.domain || a.bus !== q.bus || a.slot !== q.slot || a.function !== q.function) {
    throw addressError(
      'ERR_XML_INVALID',
      'controller sata',
      'slot',
      a.slot,
      `0000:00:1f.2, where machine ${config.os.machine} has its own SATA controller`,
      `(${describePciAddress(a)}) is not where the built-in controller is`,
    );
  }
}
