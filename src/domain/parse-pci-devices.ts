import { ElementReader, invalid, notSupported } from './element-reader.js';
import type { BusControllerConfig } from './bus-types.js';
import { readAlias, readPciIdentity } from './parse-address.js';
import { BUS_CONTROLLER_TYPES, isBusControllerType, readBusController } from './parse-bus-devices.js';
import type { RootPortConfig, SataControllerConfig } from './types.js';

/** What the <controller> elements of a definition give. */
export interface ControllersRead {
  sataController?: SataControllerConfig;
  pciRoot?: 'pci-root' | 'pcie-root';
  rootPorts?: RootPortConfig[];
  controllers?: BusControllerConfig[];
}

const CONTROLLER_TYPES = ['sata', 'pci', ...BUS_CONTROLLER_TYPES];

const PCI_MODELS = ['pci-root', 'pcie-root', 'pcie-root-port'] as const;

/**
 * Read <controller> elements: the SATA controller (index 0), the PCI root (pci-root, or pcie-root on Q35)
 * and Q35's pcie-root-ports; other controllers are not in tsvirt's subset.
 */
export function readControllers(els: ElementReader[]): ControllersRead {
  const out: ControllersRead = {};
  for (const r of els) {
    const type = r.attr('type');
    if (type === undefined) {
      throw invalid(r.el, "attribute 'type' is missing", {
        attribute: 'type',
        expected: CONTROLLER_TYPES.join(', '),
      });
    }
    if (isBusControllerType(type)) {
      (out.controllers ??= []).push(readBusController(r, type));
      continue;
    }
    if (type !== 'sata' && type !== 'pci') {
      throw notSupported(r.el, { attribute: 'type', value: type, expected: CONTROLLER_TYPES });
    }
    // A pcie-root-port without an index takes the one after the highest, as libvirt numbers them.
    const nextIndex = Math.max(0, ...(out.rootPorts ?? []).map((p) => p.index)) + 1;
    const index = r.uintAttr('index') ?? (r.attr('model') === 'pcie-root-port' ? nextIndex : 0);
    if (type === 'sata') {
      if (index !== 0 || out.sataController) throw twice(r, index, '0 (one SATA controller)');
      out.sataController = readPciIdentity(r);
    } else {
      const model = r.enumAttr('model', PCI_MODELS);
      if (model === undefined) {
        throw invalid(r.el, "attribute 'model' is missing", {
          attribute: 'model',
          expected: PCI_MODELS.join(', '),
        });
      }
      if (model === 'pcie-root-port') (out.rootPorts ??= []).push(readRootPort(r, index));
      else if (index !== 0 || out.pciRoot) throw twice(r, index, `0 (one ${model})`);
      else {
        out.pciRoot = model;
        readRootAlias(r, model);
      }
    }
    r.finish();
  }
  return out;
}

/** The root bus's alias in a live definition: always qemu's name of the bus, pci.0 or pcie.0. */
function readRootAlias(r: ElementReader, model: 'pci-root' | 'pcie-root'): void {
  const alias = readAlias(r);
  const expected = model === 'pcie-root' ? 'pcie.0' : 'pci.0';
  if (alias !== undefined && alias !== expected) {
    throw invalid(r.el, `alias '${alias}' is not the ${model}'s`, {
      attribute: 'name',
      value: alias,
      expected,
    });
  }
}

function twice(r: ElementReader, index: number, expected: string): Error {
  return notSupported(r.el, { attribute: 'index', value: String(index), expected: [expected] });
}

function readRootPort(r: ElementReader, index: number): RootPortConfig {
  if (index === 0) throw twice(r, index, '1 or more (0 is the root bus)');
  const model = r.child('model');
  if (model) {
    model.enumAttr('name', ['pcie-root-port']);
    model.finish();
  }
  const target = r.child('target');
  const port: RootPortConfig = {
    index,
    chassis: target?.uintAttr('chassis') ?? index,
    port: readHexAttr(target, 'port') ?? 0,
    ...readPciIdentity(r),
  };
  target?.finish();
  return port;
}

/** A number written 0x10 or 16. */
function readHexAttr(r: ElementReader | undefined, name: string): number | undefined {
  const text = r?.attr(name);
  if (text === undefined || r === undefined) return undefined;
  if (!/^(0x[0-9a-fA-F]+|\d+)$/.test(text)) {
    throw invalid(r.el, `'${text}' is not a number`, {
      attribute: name,
      value: text,
      expected: 'a number such as 0x10',
    });
  }
  return Number(text);
}
