import { assignAliases } from './aliases.js';
import { assignBusAddresses, validateSpiceDevices } from './bus-addresses.js';
import { validateBusControllers } from './bus-controllers.js';
import { assignDriveAddresses, validateDiskAddresses } from './drive-address.js';
import { addImplicitDevices, addSpareRootPort, layOutPciSlots } from './pci-address.js';
import { validatePciAddresses } from './pci-address-check.js';
import type { DomainConfig } from './types.js';

/**
 * What define (and create) does to a parsed definition before keeping it, as libvirt does: add the
 * devices libvirt adds (the PCI root, a VGA <video> for a <graphics>, the SATA controller of SATA disks)
 * and give every device without an address one (PCI slots in libvirt's order, on Q35 a pcie-root-port
 * per PCIe device plus one spare for hotplug; drive addresses from target names).
 * Addresses already there are kept. Pure: returns a new definition. Throws ERR_OPERATION_FAILED when
 * the root bus is full.
 */
export function assignDeviceAddresses(config: DomainConfig): DomainConfig {
  const out = structuredClone(config);
  addImplicitDevices(out);
  assignDriveAddresses(out);
  validateBusControllers(out);
  validateSpiceDevices(out);
  assignBusAddresses(out);
  if (layOutPciSlots(out) > 0) addSpareRootPort(out);
  validateDiskAddresses(out);
  validatePciAddresses(out);
  return out;
}

/**
 * The live definition of a starting domain: addresses for any device still without one (a definition
 * kept before tsvirt assigned them), then the aliases and block node indexes of this run (see
 * assignAliases). Pure.
 */
export function assignLiveIdentities(config: DomainConfig): DomainConfig {
  return assignAliases(assignDeviceAddresses(config));
}
