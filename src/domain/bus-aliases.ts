/** libvirt's aliases of the bus controllers and of the channels, inputs and redirdevs. */
import type { BusControllerConfig } from './bus-types.js';
import type { DomainConfig } from './types.js';

/** libvirt's alias of a controller: usb (usbN past index 0), ide, scsiN, virtio-serialN. */
export function buildControllerAlias(c: BusControllerConfig): string {
  if (c.type === 'usb') return c.index === 0 ? 'usb' : `usb${c.index}`;
  if (c.type === 'ide') return c.index === 0 ? 'ide' : `ide${c.index}`;
  return `${c.type}${c.index}`;
}

/** The devices of this module that carry an alias, with the names errors give them. */
export function listBusAliasHolders(
  config: DomainConfig,
): Array<{ device: string; dev: { alias?: string } }> {
  const d = config.devices;
  return [
    ...(d.channels ?? []).map((dev, i) => ({ device: `channel ${i}`, dev })),
    ...(d.inputs ?? []).map((dev, i) => ({ device: `input ${i}`, dev })),
    ...(d.redirdevs ?? []).map((dev, i) => ({ device: `redirdev ${i}`, dev })),
  ];
}

/** Every device of this module, controllers included, whose alias a start assigns and a definition drops. */
export function listBusDevices(config: DomainConfig): Array<{ alias?: string }> {
  return [...(config.devices.controllers ?? []), ...listBusAliasHolders(config).map((h) => h.dev)];
}

/**
 * Give the bus controllers, channels, inputs and redirdevs without an alias libvirt's: the controller's
 * from its type and index (ICH9 companions share the EHCI's), channelN, inputN and redirN with the first
 * free N in device order. `take` hands out the first free prefixN. Mutates.
 */
export function assignBusAliases(config: DomainConfig, take: (prefix: string) => string): void {
  const d = config.devices;
  for (const c of d.controllers ?? []) c.alias ??= buildControllerAlias(c);
  for (const ch of d.channels ?? []) ch.alias ??= take('channel');
  for (const input of d.inputs ?? []) input.alias ??= take('input');
  for (const dev of d.redirdevs ?? []) dev.alias ??= take('redir');
}
