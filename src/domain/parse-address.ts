import { ElementReader, invalid, notSupported } from './element-reader.js';
import type { DriveAddress, PciAddress } from './types.js';

/** A number attribute of <address>: hex with 0x (as libvirt writes them) or decimal. */
function readNumber(r: ElementReader, name: string): number {
  const text = r.attr(name);
  if (text === undefined) return 0; // libvirt takes a missing part of an address as 0
  if (!/^(0x[0-9a-fA-F]+|\d+)$/.test(text)) {
    throw invalid(r.el, `'${text}' is not a number`, {
      attribute: name,
      value: text,
      expected: 'a number such as 0x03 or 3',
    });
  }
  return Number(text);
}

function readPci(r: ElementReader): PciAddress {
  const address: PciAddress = {
    type: 'pci',
    domain: readNumber(r, 'domain'),
    bus: readNumber(r, 'bus'),
    slot: readNumber(r, 'slot'),
    function: readNumber(r, 'function'),
  };
  const multi = r.boolAttr('multifunction', ['on', 'off']);
  if (multi !== undefined) address.multifunction = multi;
  return address;
}

function readDrive(r: ElementReader): DriveAddress {
  return {
    type: 'drive',
    controller: readNumber(r, 'controller'),
    bus: readNumber(r, 'bus'),
    target: readNumber(r, 'target'),
    unit: readNumber(r, 'unit'),
  };
}

/** Read a device's <address> of one of the `allowed` types, or undefined without one. */
export function readAddress(
  parent: ElementReader,
  allowed: ReadonlyArray<'pci' | 'drive'>,
): PciAddress | DriveAddress | undefined {
  const r = parent.child('address');
  if (!r) return undefined;
  const type = r.attr('type');
  if (type === undefined)
    throw invalid(r.el, "attribute 'type' is missing", { attribute: 'type', expected: allowed.join(' or ') });
  if (!(allowed as readonly string[]).includes(type))
    throw notSupported(r.el, { attribute: 'type', value: type, expected: allowed });
  const address = type === 'pci' ? readPci(r) : readDrive(r);
  r.finish();
  return address;
}

/** A PCI device's <address type='pci'> and <alias>, as optional fields. */
export function readPciIdentity(r: ElementReader): { address?: PciAddress; alias?: string } {
  const address = readAddress(r, ['pci']) as PciAddress | undefined;
  const alias = readAlias(r);
  return { ...(address ? { address } : {}), ...(alias === undefined ? {} : { alias }) };
}

/** Read a device's <alias name='...'/>, or undefined without one. */
export function readAlias(parent: ElementReader): string | undefined {
  const r = parent.child('alias');
  if (!r) return undefined;
  const name = r.requireAttr('name', 'an alias such as ua-disk1');
  r.finish();
  return name;
}
