import { ElementReader, invalid, notSupported } from './element-reader.js';
import { generateMac, normalizeMac } from './identity.js';
import { readPciIdentity as readIdentity } from './parse-address.js';
import { parseChannel, parseInput, parseRedirdev } from './parse-bus-devices.js';
import { readControllers } from './parse-pci-devices.js';
import { readMediaDevices } from './parse-media.js';
import { readVideos } from './parse-video.js';
import { parseCharDev } from './parse-chardev.js';
import { parseGraphics } from './parse-graphics.js';
import { isAbsolutePath, parseDisk } from './parse-disk.js';
import { readBootOrder } from './parse-disk-options.js';
import { buildPortgroupError, NIC_MODELS } from './nic-models.js';
import type { CharDevConfig, DevicesConfig, InterfaceConfig } from './types.js';

/** Host interface names (bridges, taps): Linux allows at most 15 bytes. */
export const IFNAME_PATTERN = /^[A-Za-z0-9_.:-]{1,15}$/;

const DEVICE_ELEMENTS = [
  'emulator',
  'disk',
  'interface',
  'serial',
  'console',
  'graphics',
  'memballoon',
  'video',
  'controller',
  'sound',
  'audio',
  'rng',
  'watchdog',
  'panic',
  'channel',
  'input',
  'redirdev',
] as const;

/** Read <devices>; any device element outside the supported set is an error naming it. */
export function parseDevices(r: ElementReader | undefined): DevicesConfig {
  if (!r)
    return {
      disks: [],
      interfaces: [],
      serials: [],
      consoles: [],
      graphics: [],
      memballoon: { model: 'virtio' },
    };
  const els = Object.fromEntries(DEVICE_ELEMENTS.map((name) => [name, r.children(name)])) as Record<
    (typeof DEVICE_ELEMENTS)[number],
    ElementReader[]
  >;
  r.finish(); // unknown device kinds first, so that the error names them
  const devices: DevicesConfig = {
    disks: els.disk.map(parseDisk),
    interfaces: els.interface.map(parseInterface),
    serials: numberPorts(
      els.serial.map((s) => parseCharDev(s, false)),
      els.serial,
    ),
    consoles: els.console.map((c) => parseCharDev(c, true)),
    graphics: els.graphics.map(parseGraphics),
    // libvirt adds a virtio balloon when the XML names none.
    memballoon: readMemballoon(r, els.memballoon),
  };
  Object.assign(devices, readVideos(r, els.video), readMediaDevices(r, els));
  Object.assign(devices, readControllers(els.controller));
  if (els.channel.length > 0) devices.channels = els.channel.map(parseChannel);
  if (els.input.length > 0) devices.inputs = els.input.map(parseInput);
  if (els.redirdev.length > 0) devices.redirdevs = els.redirdev.map(parseRedirdev);
  // libvirt gives a console without a serial the serial it stands for (on x86 both are COM1).
  if (devices.serials.length === 0) devices.serials = devices.consoles.map((c) => ({ ...c }));
  // ...and the first serial a console (virsh ttyconsole and console read it), as its define does.
  const first = devices.serials[0];
  if (devices.consoles.length === 0 && first) {
    const { alias: _serialOnly, ...console } = first;
    devices.consoles = [console];
  }
  const emulator = readEmulator(r, els.emulator);
  return emulator === undefined ? devices : { emulator, ...devices };
}

function numberPorts(serials: CharDevConfig[], els: ElementReader[]): CharDevConfig[] {
  // A serial without <target port=.../> takes the lowest port no other serial names.
  const hasPort = serials.map(
    (_, i) => els[i]?.el.children.find((c) => c.name === 'target')?.attrs.port !== undefined,
  );
  const taken = new Set(serials.filter((_, i) => hasPort[i]).map((s) => s.port));
  serials.forEach((s, i) => {
    if (hasPort[i]) return;
    let port = 0;
    while (taken.has(port)) port++;
    s.port = port;
    taken.add(port);
  });
  return serials;
}

function readEmulator(parent: ElementReader, els: ElementReader[]): string | undefined {
  if (els.length > 1)
    throw invalid(parent.el, 'element <emulator> appears twice', { expected: 'at most one' });
  const el = els[0];
  if (!el) return undefined;
  el.finish();
  const path = el.text();
  if (!isAbsolutePath(path))
    throw invalid(el.el, `'${path}' is not an absolute path`, {
      value: path,
      expected: 'the absolute path of qemu-system-x86_64',
    });
  return path;
}

function readMemballoon(parent: ElementReader, els: ElementReader[]): DevicesConfig['memballoon'] {
  if (els.length > 1)
    throw invalid(parent.el, 'element <memballoon> appears twice', { expected: 'at most one' });
  const el = els[0];
  if (!el) return { model: 'virtio' };
  const model = el.enumAttr('model', ['virtio', 'none']);
  if (model === undefined)
    throw invalid(el.el, "attribute 'model' is missing", { attribute: 'model', expected: 'virtio or none' });
  const balloon: NonNullable<DevicesConfig['memballoon']> = { model };
  if (model === 'virtio') Object.assign(balloon, readIdentity(el));
  el.finish();
  return balloon;
}

/** Read one <interface> of type user, bridge or ethernet (a tap named by <target dev=.../>). */
export function parseInterface(r: ElementReader): InterfaceConfig {
  const type = r.enumAttr('type', ['user', 'bridge', 'ethernet', 'network']);
  if (type === undefined)
    throw invalid(r.el, "attribute 'type' is missing", {
      attribute: 'type',
      expected: 'user, bridge, network or ethernet',
    });
  const rom = readRom(r.child('rom'));
  const link = readLink(r.child('link'));
  const common = { mac: readMac(r.child('mac')), model: readModel(r.child('model')), ...rom, ...link };
  let nic: InterfaceConfig;
  if (type === 'bridge') {
    const source = r.child('source');
    if (!source) throw invalid(r.el, 'element <source> is missing', { expected: "<source bridge='br0'/>" });
    nic = { ...common, type, bridge: readIfname(source, 'bridge'), ...readTapTarget(r) };
    source.finish();
  } else if (type === 'network') {
    const source = r.child('source');
    if (!source)
      throw invalid(r.el, 'element <source> is missing', { expected: "<source network='default'/>" });
    if (source.el.attrs.portgroup !== undefined) throw buildPortgroupError(source.el);
    nic = { ...common, type, network: source.requireAttr('network', 'a network name'), ...readTapTarget(r) };
    // libvirt writes the bridge and port of the running guest on <source>; they are the live state's.
    delete source.el.attrs.bridge;
    delete source.el.attrs.portid;
    source.finish();
  } else if (type === 'ethernet') {
    const target = r.child('target');
    if (!target) throw invalid(r.el, 'element <target> is missing', { expected: "<target dev='tap0'/>" });
    nic = { ...common, type, targetDev: readIfname(target, 'dev') };
    target.finish();
  } else {
    nic = { ...common, type };
  }
  Object.assign(nic, readIdentity(r));
  const bootOrder = readBootOrder(r);
  if (bootOrder !== undefined) nic.bootOrder = bootOrder;
  r.finish();
  return nic;
}

/** `<target dev>` of a bridge or network NIC: the name its tap gets (a vnetN one is dropped with the runtime identities). */
function readTapTarget(r: ElementReader): { targetDev?: string } {
  const target = r.child('target');
  if (!target) return {};
  const dev = readIfname(target, 'dev');
  target.finish();
  return { targetDev: dev };
}

function readIfname(r: ElementReader, attribute: string): string {
  const name = r.requireAttr(attribute, 'an interface name');
  if (!IFNAME_PATTERN.test(name)) {
    throw invalid(r.el, `'${name}' is not an interface name`, {
      attribute,
      value: name,
      expected: '1-15 of A-Z a-z 0-9 _ . : -',
    });
  }
  return name;
}

function readLink(r: ElementReader | undefined): { linkState?: 'up' | 'down' } {
  if (!r) return {};
  const state = r.enumAttr('state', ['up', 'down']);
  r.finish();
  return state === undefined ? {} : { linkState: state };
}

function readRom(r: ElementReader | undefined): { romEnabled?: false } {
  if (!r) return {};
  const enabled = r.boolAttr('enabled');
  if (enabled === undefined)
    throw invalid(r.el, "attribute 'enabled' is missing", { attribute: 'enabled', expected: 'no' });
  r.finish();
  if (enabled) throw notSupported(r.el, { attribute: 'enabled', value: 'yes', expected: ['no'] });
  return { romEnabled: false };
}

function readMac(r: ElementReader | undefined): string {
  // libvirt generates a MAC at define time so that the definition keeps it.
  if (!r) return generateMac();
  const text = r.requireAttr('address', 'a MAC address such as 52:54:00:12:34:56');
  r.finish();
  const mac = normalizeMac(text);
  if (mac === undefined)
    throw invalid(r.el, `'${text}' is not a unicast MAC address`, {
      attribute: 'address',
      value: text,
      expected: 'six hex octets such as 52:54:00:12:34:56',
    });
  return mac;
}

function readModel(r: ElementReader | undefined): InterfaceConfig['model'] {
  // libvirt's own default is rtl8139, which tsvirt does not drive; virtio is written into the definition.
  if (!r) return 'virtio';
  const model = r.enumAttr('type', NIC_MODELS, 'virtio');
  r.finish();
  return model;
}
