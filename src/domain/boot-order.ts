import { TsvirtError } from '../errors.js';
import type { DomainConfig } from './types.js';
import type { XmlElement } from './xml-tree.js';

/** Whether any disk or interface has a <boot order=.../> of its own. */
export function hasDeviceBootOrder(config: DomainConfig): boolean {
  return (
    config.devices.disks.some((d) => d.bootOrder !== undefined) ||
    config.devices.interfaces.some((n) => n.bootOrder !== undefined)
  );
}

/**
 * Per-device boot order replaces <os><boot dev=.../>: libvirt refuses both at once, and a definition
 * with device orders has no <boot dev> (not even the implied 'hd'). Orders must be distinct.
 */
export function applyDeviceBootOrder(config: DomainConfig, root: XmlElement): void {
  if (!hasDeviceBootOrder(config)) return;
  const os = root.children.find((c) => c.name === 'os');
  if (os?.children.some((c) => c.name === 'boot')) {
    throw new TsvirtError(
      'ERR_XML_INVALID',
      'domain/os/boot: per-device boot elements cannot be used together with os/boot elements; keep one of them',
      {
        element: 'boot',
        path: 'domain/os/boot',
        expected: 'either <os><boot dev=.../> or <boot order=.../> in devices',
      },
    );
  }
  config.os.boot = [];
  const seen = new Set<number>();
  for (const dev of [...config.devices.disks, ...config.devices.interfaces]) {
    if (dev.bootOrder === undefined) continue;
    if (seen.has(dev.bootOrder)) {
      throw new TsvirtError(
        'ERR_XML_INVALID',
        `domain/devices: boot order ${dev.bootOrder} is used by two devices; give each its own`,
        {
          element: 'boot',
          attribute: 'order',
          value: String(dev.bootOrder),
          expected: 'a boot order used once',
        },
      );
    }
    seen.add(dev.bootOrder);
  }
}
