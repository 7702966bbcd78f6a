/**
 * One device's XML, as attach-device, detach-device and update-device give it: read with the same
 * parsers as a <devices> child of a domain (the element is parsed as the only child of <devices>), and
 * found again in a definition the way libvirt matches it (a disk by its target, an interface by its MAC).
 */
import { TsvirtError } from '../errors.js';
import { isUserAlias } from './aliases.js';
import { describePciAddress } from './pci-address.js';
import { ElementReader } from './element-reader.js';
import { parseDevices } from './parse-devices.js';
import { parseXmlTree, type XmlElement } from './xml-tree.js';
import type { InputConfig } from './bus-types.js';
import type { DiskConfig, DomainConfig, InterfaceConfig, RngConfig } from './types.js';

/** A device read from XML, by kind. */
export type DeviceSpec =
  | { kind: 'disk'; disk: DiskConfig }
  /** `macGiven`: the XML named a MAC (else the parser made one up, and matching goes by type). */
  | { kind: 'interface'; nic: InterfaceConfig; macGiven: boolean }
  | { kind: 'input'; input: InputConfig }
  | { kind: 'rng'; rng: RngConfig };

/** The device elements tsvirt adds, removes and changes on a domain. */
const DEVICE_KINDS = ['disk', 'interface', 'input', 'rng'] as const;

/** How parseDeviceXml reads a device. */
export interface ParseDeviceOptions {
  /**
   * The XML only names a device to find (detach): a disk may lack its <source>, as libvirt accepts
   * `<disk><target dev='vdb'/></disk>`.
   */
  match?: boolean;
}

/**
 * Parse one device element (<disk>, <interface>, <input>). Runtime identities (aliases other than ua-,
 * block node indexes) are dropped, as define drops them. Throws ERR_XML_PARSE, ERR_XML_INVALID, or
 * ERR_NOT_SUPPORTED for a device kind tsvirt cannot add or remove.
 */
export function parseDeviceXml(xml: string, options: ParseDeviceOptions = {}): DeviceSpec {
  const parsed = parseXmlTree(xml);
  const sourceless = parsed.name === 'disk' && !parsed.children.some((c) => c.name === 'source');
  // A disk named only by its target is read as an empty drive (the one kind the parser lets go without a source).
  const el =
    options.match && sourceless ? { ...parsed, attrs: { ...parsed.attrs, device: 'cdrom' } } : parsed;
  if (!(DEVICE_KINDS as readonly string[]).includes(el.name)) {
    throw new TsvirtError(
      'ERR_NOT_SUPPORTED',
      `this function is not supported by the connection driver: device <${el.name}> cannot be attached, detached or updated; tsvirt handles ${DEVICE_KINDS.map((k) => `<${k}>`).join(', ')}`,
      { element: el.name, expected: DEVICE_KINDS.join(', ') },
    );
  }
  const devices = parseDevices(new ElementReader(wrapInDevices(el)));
  const spec = pickDevice(el, devices);
  if (spec.kind === 'disk' && el !== parsed)
    spec.disk.device = parsed.attrs['device'] === 'cdrom' ? 'cdrom' : 'disk';
  dropRuntimeIdentity(spec);
  return spec;
}

function wrapInDevices(el: XmlElement): XmlElement {
  const rebase = (e: XmlElement, parent: string): XmlElement => {
    const path = `${parent}/${e.name}`;
    return { ...e, path, children: e.children.map((c) => rebase(c, path)) };
  };
  return { name: 'devices', path: 'devices', attrs: {}, children: [rebase(el, 'devices')], text: '' };
}

function pickDevice(el: XmlElement, devices: DomainConfig['devices']): DeviceSpec {
  const [disk] = devices.disks;
  if (disk) return { kind: 'disk', disk };
  const [nic] = devices.interfaces;
  if (nic) return { kind: 'interface', nic, macGiven: el.children.some((c) => c.name === 'mac') };
  const input = devices.inputs?.[0];
  if (input) return { kind: 'input', input };
  const rng = devices.rngs?.[0];
  if (rng) return { kind: 'rng', rng };
  throw new TsvirtError('ERR_XML_INVALID', `device <${el.name}>: nothing to attach`, { element: el.name });
}

function dropRuntimeIdentity(spec: DeviceSpec): void {
  const dev = deviceOf(spec);
  if (dev.alias !== undefined && !isUserAlias(dev.alias)) delete dev.alias;
  if (spec.kind !== 'disk') return;
  delete spec.disk.nodeIndex;
  // qemu opens a plugged disk's backing images itself; the chain is a running disk's state.
  delete spec.disk.backingChain;
}

/** The position of the device `spec` names in `def`, or -1: a disk by target, an interface by MAC (else by type), an input by type and bus. */
export function findDeviceIndex(def: DomainConfig, spec: DeviceSpec): number {
  const d = def.devices;
  if (spec.kind === 'disk') return d.disks.findIndex((x) => x.targetDev === spec.disk.targetDev);
  if (spec.kind === 'interface') {
    if (spec.macGiven) return d.interfaces.findIndex((x) => x.mac === spec.nic.mac);
    const same = d.interfaces.filter((x) => x.type === spec.nic.type);
    if (same.length > 1) {
      throw new TsvirtError(
        'ERR_OPERATION_FAILED',
        `operation failed: multiple devices matching MAC address ${spec.nic.mac} found; give the MAC of the one to remove`,
        { field: 'mac', value: spec.nic.mac },
      );
    }
    return same[0] ? d.interfaces.indexOf(same[0]) : -1;
  }
  if (spec.kind === 'rng')
    return (d.rngs ?? []).findIndex(
      (x) => x.model === spec.rng.model && x.backend.path === spec.rng.backend.path,
    );
  return (d.inputs ?? []).findIndex((x) => x.type === spec.input.type && x.bus === spec.input.bus);
}

/** libvirt's words for a device `spec` names that `def` lacks (VIR_ERR_DEVICE_MISSING). */
export function buildDeviceMissingError(spec: DeviceSpec, live: boolean): TsvirtError {
  const what =
    spec.kind === 'disk'
      ? live
        ? `disk ${spec.disk.targetDev} not found`
        : `no target device ${spec.disk.targetDev}`
      : spec.kind === 'interface'
        ? `no device found at address '${spec.nic.address ? describePciAddress(spec.nic.address) : '(<null>)'}' matching MAC address '${spec.nic.mac}' and alias '${spec.nic.alias ?? '(<null>)'}'`
        : spec.kind === 'rng'
          ? 'matching rng device not found'
          : 'matching input device not found';
  return new TsvirtError('ERR_DEVICE_MISSING', `device not found: ${what}`, {
    device: spec.kind,
    live,
  });
}

/** The configuration of the device a spec holds (its alias and address live there). */
export function deviceOf(spec: DeviceSpec): { alias?: string } {
  switch (spec.kind) {
    case 'disk':
      return spec.disk;
    case 'interface':
      return spec.nic;
    case 'input':
      return spec.input;
    default:
      return spec.rng;
  }
}
