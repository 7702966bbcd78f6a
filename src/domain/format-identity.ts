import type { UsbAddress, VirtioSerialAddress } from './bus-types.js';
import type {
  DevicesConfig,
  DriveAddress,
  PciAddress,
  RootPortConfig,
  SataControllerConfig,
} from './types.js';
import { el, type XmlNode } from './xml-writer.js';

/** <alias name='...'/>, or nothing for a device without one. */
export function buildAliasNode(name: string | undefined): XmlNode | undefined {
  return name === undefined ? undefined : el('alias', [['name', name]]);
}

function hex(n: number, width: number): string {
  return `0x${n.toString(16).padStart(width, '0')}`;
}

/** <address>, as libvirt writes it: a PCI one in hex (domain 4 digits, bus and slot 2), the others in decimal. */
export function buildAddressNode(
  a: PciAddress | DriveAddress | UsbAddress | VirtioSerialAddress | undefined,
): XmlNode | undefined {
  if (a === undefined) return undefined;
  if (a.type === 'usb') {
    return el('address', [
      ['type', 'usb'],
      ['bus', a.bus],
      ['port', a.port],
    ]);
  }
  if (a.type === 'virtio-serial') {
    return el('address', [
      ['type', 'virtio-serial'],
      ['controller', a.controller],
      ['bus', a.bus],
      ['port', a.port],
    ]);
  }
  if (a.type === 'drive') {
    return el('address', [
      ['type', 'drive'],
      ['controller', a.controller],
      ['bus', a.bus],
      ['target', a.target],
      ['unit', a.unit],
    ]);
  }
  return el('address', [
    ['type', 'pci'],
    ['domain', hex(a.domain, 4)],
    ['bus', hex(a.bus, 2)],
    ['slot', hex(a.slot, 2)],
    ['function', hex(a.function, 1)],
    ['multifunction', a.multifunction === undefined ? undefined : a.multifunction ? 'on' : 'off'],
  ]);
}

/** <controller type='sata' index='0'> with its alias and address. */
export function buildSataController(sata: SataControllerConfig): XmlNode {
  return el(
    'controller',
    [
      ['type', 'sata'],
      ['index', 0],
    ],
    [buildAliasNode(sata.alias), buildAddressNode(sata.address)],
  );
}

/** The PCI controllers as libvirt lists them: the root (index 0), then each pcie-root-port by index. */
export function buildPciControllers(d: DevicesConfig): XmlNode[] {
  const root =
    d.pciRoot &&
    el('controller', [
      ['type', 'pci'],
      ['index', 0],
      ['model', d.pciRoot],
    ]);
  const ports = [...(d.rootPorts ?? [])].sort((a, b) => a.index - b.index).map(buildRootPort);
  return root ? [root, ...ports] : ports;
}

function buildRootPort(p: RootPortConfig): XmlNode {
  return el(
    'controller',
    [
      ['type', 'pci'],
      ['index', p.index],
      ['model', 'pcie-root-port'],
    ],
    [
      el('model', [['name', 'pcie-root-port']]),
      el('target', [
        ['chassis', p.chassis],
        ['port', `0x${p.port.toString(16)}`],
      ]),
      buildAliasNode(p.alias),
      buildAddressNode(p.address),
    ],
  );
}
