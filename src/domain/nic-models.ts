import { TsvirtError } from '../errors.js';
import type { InterfaceConfig } from './types.js';
import type { XmlElement } from './xml-tree.js';

/** The NIC models tsvirt drives, each with its qemu device (libvirt's model names are qemu's). */
export const NIC_QEMU_DEVICES = {
  /** virtio-net: paravirtual, PCIe on Q35. */
  virtio: 'virtio-net-pci',
  /** Intel 82540EM: conventional PCI. */
  e1000: 'e1000',
  /** Intel 82574L: PCIe on Q35 (behind a root port). */
  e1000e: 'e1000e',
  /** Realtek 8139: conventional PCI. */
  rtl8139: 'rtl8139',
} as const satisfies Record<InterfaceConfig['model'], string>;

/** The model names of <model type=.../>. */
export const NIC_MODELS = Object.keys(NIC_QEMU_DEVICES) as Array<InterfaceConfig['model']>;

/** Whether a NIC model is a PCI Express device, placed behind a pcie-root-port on Q35. */
export function isPcieNicModel(model: InterfaceConfig['model']): boolean {
  return model === 'virtio' || model === 'e1000e';
}

/** ERR_NOT_SUPPORTED for `<source portgroup>`: tsvirt's networks have no port groups. */
export function buildPortgroupError(source: XmlElement): TsvirtError {
  return new TsvirtError(
    'ERR_NOT_SUPPORTED',
    `${source.path}: portgroup '${source.attrs.portgroup ?? ''}' is not supported: tsvirt's networks have no port groups; remove the portgroup attribute`,
    {
      element: 'source',
      path: source.path,
      attribute: 'portgroup',
      value: source.attrs.portgroup,
      expected: 'no portgroup',
    },
  );
}
