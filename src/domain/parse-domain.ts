import { isTsvirtError } from '../errors.js';
import { ElementReader, invalid, notSupported } from './element-reader.js';
import { generateUuid, normalizeUuid, validateDomainName } from './identity.js';
import { isUserAlias } from './aliases.js';
import { listBusDevices } from './bus-aliases.js';
import { parseDevices } from './parse-devices.js';
import { parseOs } from './parse-os.js';
import { parseCpu, validateCpuTopology } from './parse-cpu.js';
import { parseClock, parseFeatures, parsePm } from './parse-features.js';
import { applyDeviceBootOrder } from './boot-order.js';
import {
  parseMetadata,
  parseQemuCommandline,
  readNamespaceDecls,
  skipNamespaceDecls,
} from './parse-namespaces.js';
import type { DomainConfig, LifecycleAction } from './types.js';
import { parseCpuset, parseSizeToKiB } from './units.js';
import { validateDomainConfig } from './validate.js';
import { parseXmlTree } from './xml-tree.js';

const LIFECYCLE_ACTIONS = ['destroy', 'restart', 'preserve'] as const;

/** How parseDomainXml reads a document. */
export interface ParseDomainOptions {
  /**
   * The live definition of a running domain (the status file): keep every device alias and block node
   * index. Without it, as libvirt does for a definition, only user aliases (ua-...) are kept, and the
   * runtime ones of dumpxml output are read and dropped.
   */
  live?: boolean;
}

/**
 * Parse libvirt domain XML into a DomainConfig, filling in what libvirt fills in (a uuid, MAC addresses,
 * default lifecycle actions, a virtio memballoon). Throws TsvirtError ERR_XML_PARSE (not well-formed),
 * ERR_XML_INVALID (a missing or bad value) or ERR_NOT_SUPPORTED (outside tsvirt's subset).
 */
export function parseDomainXml(xml: string, options: ParseDomainOptions = {}): DomainConfig {
  const root = parseXmlTree(xml);
  if (root.name !== 'domain') {
    throw invalid(root, `root element is <${root.name}>`, { value: root.name, expected: '<domain>' });
  }
  const r = new ElementReader(root);
  const type = r.enumAttr('type', ['kvm', 'qemu']);
  if (type === undefined)
    throw invalid(root, "attribute 'type' is missing", { attribute: 'type', expected: 'kvm or qemu' });
  r.skip({ attrs: ['id'] }); // the id of a running domain (dumpxml output); a definition has none
  skipNamespaceDecls(r);
  const rootDecls = readNamespaceDecls(root);
  const name = readName(r);
  const memory = readSize(r, 'memory', true) as number;
  const vcpu = readVcpu(r);
  readResource(r.child('resource'));
  const config: DomainConfig = {
    type,
    name,
    uuid: readUuid(r),
    ...optionalText(r, 'title'),
    ...optionalText(r, 'description'),
    ...optional('metadata', parseMetadata(r.child('metadata'), rootDecls)),
    memoryKiB: memory,
    currentMemoryKiB: readSize(r, 'currentMemory', false) ?? memory,
    ...vcpu,
    vcpupin: readCputune(r),
    os: parseOs(r.child('os'), root),
    features: parseFeatures(r.child('features')),
    ...optional('cpu', parseCpu(r.child('cpu'))),
    ...optional('clock', parseClock(r.child('clock'))),
    onPoweroff: readLifecycle(r, 'on_poweroff', 'destroy'),
    onReboot: readLifecycle(r, 'on_reboot', 'restart'),
    onCrash: readLifecycle(r, 'on_crash', 'destroy'),
    ...optional('pm', parsePm(r.child('pm'))),
    devices: parseDevices(r.child('devices')),
    ...optional('qemuCommandline', parseQemuCommandline(r, rootDecls)),
  };
  r.finish();
  applyDeviceBootOrder(config, root);
  validateCpuTopology(config);
  if (!options.live) dropRuntimeIdentities(config);
  validateDomainConfig(config);
  return config;
}

/**
 * <resource><partition>/machine</partition></resource>: libvirt's default cgroup partition, which its
 * live (and migration) XML shows on a systemd host. tsvirt places guests in no partition, so it takes
 * the default and keeps nothing; another partition is not supported.
 */
function readResource(r: ElementReader | undefined): void {
  if (!r) return;
  const partition = r.child('partition');
  const path = partition?.text();
  if (partition && path !== '/machine') {
    throw notSupported(partition.el, { value: path, expected: ['/machine'] });
  }
  partition?.finish();
  r.finish();
}

/** Drop what a start assigns (aliases other than ua-, block node indexes) from a definition. */
function dropRuntimeIdentities(config: DomainConfig): void {
  const d = config.devices;
  for (const dev of [
    ...d.disks,
    ...d.interfaces,
    ...d.serials,
    ...d.consoles,
    ...(d.memballoon ? [d.memballoon] : []),
    ...(d.video ? [d.video] : []),
    ...(d.secondaryVideos ?? []),
    ...(d.sounds ?? []),
    ...(d.rngs ?? []),
    ...(d.watchdog ? [d.watchdog] : []),
    ...(d.panics ?? []),
    ...(d.sataController ? [d.sataController] : []),
    ...(d.rootPorts ?? []),
    ...listBusDevices(config),
  ]) {
    if (dev.alias !== undefined && !isUserAlias(dev.alias)) delete dev.alias;
  }
  for (const disk of d.disks) {
    delete disk.nodeIndex;
    for (const image of disk.backingChain ?? []) delete image.nodeIndex;
  }
  // A vnetN tap name is the live state of a run, dropped as libvirt drops it; a name of the user's stays.
  for (const nic of d.interfaces) {
    if ((nic.type === 'bridge' || nic.type === 'network') && /^vnet\d+$/.test(nic.targetDev ?? ''))
      delete nic.targetDev;
  }
}

function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

function optionalText(
  r: ElementReader,
  name: 'title' | 'description',
): { title?: string; description?: string } {
  const child = r.child(name);
  if (!child) return {};
  child.finish();
  return { [name]: child.el.text };
}

function readName(r: ElementReader): string {
  const child = r.child('name');
  if (!child) throw invalid(r.el, 'element <name> is missing', { expected: '<name>NAME</name>' });
  child.finish();
  const name = child.text();
  validateDomainName(name);
  return name;
}

function readUuid(r: ElementReader): string {
  const child = r.child('uuid');
  if (!child) return generateUuid();
  child.finish();
  const uuid = normalizeUuid(child.text());
  if (uuid === undefined) {
    throw invalid(child.el, `'${child.text()}' is not a UUID`, {
      value: child.text(),
      expected: '32 hex digits such as 4dea22b3-1d52-d8f3-2516-782e98ab3fa0',
    });
  }
  return uuid;
}

function readSize(r: ElementReader, name: string, required: boolean): number | undefined {
  const child = r.child(name);
  if (!child) {
    if (!required) return undefined;
    throw invalid(r.el, `element <${name}> is missing`, { expected: `<${name} unit='KiB'>SIZE</${name}>` });
  }
  const unit = child.attr('unit') ?? 'KiB';
  child.finish();
  let kib: number;
  try {
    kib = parseSizeToKiB(child.text(), unit);
  } catch (err) {
    if (!isTsvirtError(err, 'ERR_INVALID_ARG')) throw err;
    const onUnit = err.fields.field === 'unit';
    throw invalid(child.el, err.message, {
      ...(onUnit ? { attribute: 'unit' } : {}),
      value: onUnit ? unit : child.text(),
      expected: String(err.fields.expected),
    });
  }
  if (kib === 0) throw invalid(child.el, 'size is 0', { value: child.text(), expected: 'a size above 0' });
  return kib;
}

function readVcpu(
  r: ElementReader,
): Pick<DomainConfig, 'vcpus' | 'vcpusCurrent' | 'vcpuPlacement' | 'vcpuCpuset'> {
  const child = r.child('vcpu');
  if (!child) return { vcpus: 1, vcpuPlacement: 'static' };
  const vcpuPlacement = child.enumAttr('placement', ['static', 'auto'], 'static');
  const cpuset = child.attr('cpuset');
  const current = child.attr('current');
  child.finish();
  const text = child.text();
  if (!/^\d+$/.test(text) || Number(text) < 1) {
    throw invalid(child.el, `'${text}' is not a vCPU count`, {
      value: text,
      expected: 'an integer of 1 or more',
    });
  }
  const vcpus = Number(text);
  const vcpusCurrent = current === undefined ? vcpus : readVcpuCurrent(child, current, vcpus);
  return {
    vcpus,
    ...(vcpusCurrent < vcpus ? { vcpusCurrent } : {}),
    vcpuPlacement,
    ...(cpuset === undefined ? {} : { vcpuCpuset: readCpuset(child, cpuset) }),
  };
}

/** `current` of <vcpu>: from 1 to the maximum. */
function readVcpuCurrent(r: ElementReader, text: string, max: number): number {
  if (/^\d+$/.test(text) && Number(text) >= 1 && Number(text) <= max) return Number(text);
  throw invalid(r.el, `current vCPU count '${text}' must be between 1 and the maximum ${max}`, {
    attribute: 'current',
    value: text,
    expected: `an integer from 1 to ${max}`,
  });
}

function readCpuset(r: ElementReader, text: string): number[] {
  try {
    return parseCpuset(text);
  } catch (err) {
    if (!isTsvirtError(err, 'ERR_INVALID_ARG')) throw err;
    throw invalid(r.el, err.message, {
      attribute: 'cpuset',
      value: text,
      expected: String(err.fields.expected),
    });
  }
}

function readCputune(r: ElementReader): DomainConfig['vcpupin'] {
  const tune = r.child('cputune');
  if (!tune) return [];
  const pins = tune.children('vcpupin').map((pin) => {
    const vcpu = pin.uintAttr('vcpu');
    if (vcpu === undefined)
      throw invalid(pin.el, "attribute 'vcpu' is missing", { attribute: 'vcpu', expected: 'a vCPU number' });
    const cpuset = readCpuset(pin, pin.requireAttr('cpuset', 'a cpuset such as 0-1'));
    pin.finish();
    return { vcpu, cpuset };
  });
  tune.finish();
  return pins;
}

function readLifecycle(r: ElementReader, name: string, fallback: LifecycleAction): LifecycleAction {
  const child = r.child(name);
  if (!child) return fallback;
  child.finish();
  const value = child.text();
  if (!(LIFECYCLE_ACTIONS as readonly string[]).includes(value)) {
    throw notSupported(child.el, { value, expected: LIFECYCLE_ACTIONS });
  }
  return value as LifecycleAction;
}
