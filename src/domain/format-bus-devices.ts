/** The <controller>s, <channel>s, <input>s and <redirdev>s of libvirt's domain XML. */
import { join } from 'node:path';
import { listControllers } from './bus-controllers.js';
import type { BusControllerConfig, ChannelConfig, InputConfig, RedirdevConfig } from './bus-types.js';
import {
  buildAddressNode as address,
  buildAliasNode as alias,
  buildPciControllers,
  buildSataController,
} from './format-identity.js';
import { isQ35Machine } from './parse-os.js';
import type { DomainConfig, DomainLiveFacts } from './types.js';
import { el, type XmlNode } from './xml-writer.js';

/**
 * Every <controller> in the order libvirt keeps them for a definition it completed: USB, the PCI root
 * and root ports, Q35's built-in SATA, SCSI, IDE, the i440FX AHCI, virtio-serial. A running domain's
 * PCI root shows its bus name as alias.
 */
export function buildControllerNodes(config: DomainConfig, live: boolean): XmlNode[] {
  const d = config.devices;
  const q35 = isQ35Machine(config.os.machine);
  const sata = d.sataController && buildSataController(d.sataController);
  const pci = buildPciControllers(d);
  const root = pci[0];
  if (live && d.pciRoot && root) {
    root.children = [alias(d.pciRoot === 'pcie-root' ? 'pcie.0' : 'pci.0')];
  }
  const of = (type: BusControllerConfig['type']): XmlNode[] =>
    listControllers(config, type).map(buildBusController);
  return [
    ...of('usb'),
    ...pci,
    ...(q35 && sata ? [sata] : []),
    ...of('scsi'),
    ...of('ide'),
    ...(!q35 && sata ? [sata] : []),
    ...of('virtio-serial'),
  ];
}

function buildBusController(c: BusControllerConfig): XmlNode {
  const attrs: Array<[string, string | number | undefined]> = [
    ['type', c.type],
    ['index', c.index],
  ];
  if (c.type === 'usb') attrs.push(['model', c.model], ['ports', c.ports]);
  if (c.type === 'scsi') attrs.push(['model', c.model]);
  if (c.type === 'virtio-serial') attrs.push(['ports', c.ports], ['vectors', c.vectors]);
  const master = c.type === 'usb' && c.startport !== undefined && el('master', [['startport', c.startport]]);
  return el('controller', attrs, [alias(c.alias), master, address(c.address)]);
}

/** A <channel>; a running domain's unix channel without a path of its own shows the one tsvirt gave it. */
export function buildChannel(ch: ChannelConfig, live: DomainLiveFacts | undefined): XmlNode {
  const path = ch.path ?? (live?.channelDir === undefined ? undefined : join(live.channelDir, ch.name));
  const source =
    ch.type === 'unix' &&
    path !== undefined &&
    el('source', [
      ['mode', 'bind'],
      ['path', path],
    ]);
  const target = el('target', [
    ['type', 'virtio'],
    ['name', ch.name],
    // The agent's connection is not tracked: a running domain shows it as libvirt does before the agent talks.
    ['state', live ? 'disconnected' : undefined],
  ]);
  return el('channel', [['type', ch.type]], [source, target, alias(ch.alias), address(ch.address)]);
}

/** An <input>. */
export function buildInput(input: InputConfig): XmlNode {
  return el(
    'input',
    [
      ['type', input.type],
      ['bus', input.bus],
    ],
    [alias(input.alias), address(input.address)],
  );
}

/** A <redirdev>. */
export function buildRedirdev(dev: RedirdevConfig): XmlNode {
  return el(
    'redirdev',
    [
      ['bus', 'usb'],
      ['type', dev.type],
    ],
    [alias(dev.alias), address(dev.address)],
  );
}
