/** Read the USB, virtio-serial, SCSI and IDE <controller>s and the <channel>, <input> and <redirdev> devices. */
import {
  USB_CONTROLLER_MODELS,
  type BusControllerConfig,
  type ChannelConfig,
  type InputConfig,
  type RedirdevConfig,
  type UsbAddress,
  type VirtioSerialAddress,
} from './bus-types.js';
import { ElementReader, invalid, notSupported } from './element-reader.js';
import { readAlias, readPciIdentity } from './parse-address.js';
import { isAbsolutePath } from './parse-disk.js';

/** The controller types this module reads (sata and pci are read with the PCI devices). */
export const BUS_CONTROLLER_TYPES = ['usb', 'virtio-serial', 'scsi', 'ide'] as const;

/** The channel names tsvirt knows, per channel type. */
const CHANNEL_NAMES = { unix: 'org.qemu.guest_agent.0', spicevmc: 'com.redhat.spice.0' } as const;

/** Whether a <controller type=...> is one readBusController reads. */
export function isBusControllerType(type: string): type is BusControllerConfig['type'] {
  return (BUS_CONTROLLER_TYPES as readonly string[]).includes(type);
}

/** Read one <controller> of type usb, virtio-serial, scsi or ide (index defaults to 0). */
export function readBusController(r: ElementReader, type: BusControllerConfig['type']): BusControllerConfig {
  const index = r.uintAttr('index') ?? 0;
  let c: BusControllerConfig;
  if (type === 'usb') {
    const model = r.enumAttr('model', USB_CONTROLLER_MODELS, 'piix3-uhci');
    c = { type, index, model };
    const ports = r.uintAttr('ports');
    if (ports !== undefined) {
      if (model !== 'qemu-xhci' || ports < 1 || ports > 15) {
        throw invalid(r.el, `ports='${ports}' does not fit model ${model}`, {
          attribute: 'ports',
          value: String(ports),
          expected: '1-15 on model qemu-xhci',
        });
      }
      c.ports = ports;
    }
    const master = r.child('master');
    if (master) {
      c.startport = master.uintAttr('startport') ?? 0;
      master.finish();
    }
  } else if (type === 'virtio-serial') {
    c = { type, index };
    const ports = r.uintAttr('ports');
    const vectors = r.uintAttr('vectors');
    if (ports !== undefined) c.ports = ports;
    if (vectors !== undefined) c.vectors = vectors;
  } else if (type === 'scsi') {
    // libvirt's own default model (lsilogic) is not built into this qemu; virtio-scsi is written instead.
    c = { type, index, model: r.enumAttr('model', ['virtio-scsi'], 'virtio-scsi') };
  } else {
    c = { type, index };
  }
  const driver = r.child('driver');
  driver?.finish(); // <driver queues=...> and the like are not in tsvirt's subset: an attribute there is refused
  Object.assign(c, readPciIdentity(r));
  r.finish();
  return c;
}

/** Read one <channel type='unix'|'spicevmc'> with a virtio target. */
export function parseChannel(r: ElementReader): ChannelConfig {
  const type = r.enumAttr('type', ['unix', 'spicevmc']);
  if (type === undefined) {
    throw invalid(r.el, "attribute 'type' is missing", { attribute: 'type', expected: 'unix or spicevmc' });
  }
  const channel: ChannelConfig = { type, name: CHANNEL_NAMES[type] };
  const source = r.child('source');
  if (source && type === 'unix') {
    source.enumAttr('mode', ['bind']);
    const path = source.attr('path');
    if (path !== undefined) {
      if (!isAbsolutePath(path)) {
        throw invalid(source.el, `'${path}' is not an absolute path`, {
          attribute: 'path',
          value: path,
          expected: 'an absolute path',
        });
      }
      channel.path = path;
    }
  }
  source?.finish();
  const target = r.child('target');
  if (!target) {
    throw invalid(r.el, 'element <target> is missing', {
      expected: `<target type='virtio' name='${CHANNEL_NAMES[type]}'/>`,
    });
  }
  target.enumAttr('type', ['virtio'], 'virtio');
  target.enumAttr('name', [CHANNEL_NAMES[type]]);
  target.skip({ attrs: ['state'] }); // the agent's connection state of a running domain (dumpxml output)
  target.finish();
  const address = readBusAddress(r, 'virtio-serial');
  if (address) channel.address = address;
  const alias = readAlias(r);
  if (alias !== undefined) channel.alias = alias;
  r.finish();
  return channel;
}

/** Read one <input type='tablet'|'mouse'|'keyboard' bus='usb'|'ps2'|'virtio'>. */
export function parseInput(r: ElementReader): InputConfig {
  const type = r.enumAttr('type', ['tablet', 'mouse', 'keyboard']);
  if (type === undefined) {
    throw invalid(r.el, "attribute 'type' is missing", {
      attribute: 'type',
      expected: 'tablet, mouse or keyboard',
    });
  }
  // libvirt's default bus on x86 is ps2 for a mouse or keyboard and usb for a tablet.
  const bus = r.enumAttr('bus', ['usb', 'ps2', 'virtio'], type === 'tablet' ? 'usb' : 'ps2');
  if (type === 'tablet' && bus === 'ps2') {
    throw notSupported(r.el, { attribute: 'bus', value: bus, expected: ['usb', 'virtio'] });
  }
  const input: InputConfig = { type, bus };
  const address =
    bus === 'usb' ? readBusAddress(r, 'usb') : bus === 'virtio' ? readPciIdentity(r).address : undefined;
  if (bus === 'ps2' && r.child('address')) {
    throw notSupported(r.el, { attribute: 'address', value: 'address', expected: ['no <address> on ps2'] });
  }
  if (address) input.address = address;
  const alias = readAlias(r);
  if (alias !== undefined) input.alias = alias;
  r.finish();
  return input;
}

/** Read one <redirdev bus='usb' type='spicevmc'>. */
export function parseRedirdev(r: ElementReader): RedirdevConfig {
  r.enumAttr('bus', ['usb'], 'usb');
  if (r.enumAttr('type', ['spicevmc']) === undefined) {
    throw invalid(r.el, "attribute 'type' is missing", { attribute: 'type', expected: 'spicevmc' });
  }
  const dev: RedirdevConfig = { type: 'spicevmc' };
  const address = readBusAddress(r, 'usb');
  if (address) dev.address = address;
  const alias = readAlias(r);
  if (alias !== undefined) dev.alias = alias;
  r.finish();
  return dev;
}

function readNumber(r: ElementReader, name: string): number {
  return r.uintAttr(name) ?? 0; // libvirt takes a missing part of an address as 0
}

/** A device's <address type='usb'|'virtio-serial'>, or undefined without one. */
export function readBusAddress(parent: ElementReader, type: 'usb'): UsbAddress | undefined;
export function readBusAddress(parent: ElementReader, type: 'virtio-serial'): VirtioSerialAddress | undefined;
export function readBusAddress(
  parent: ElementReader,
  type: 'usb' | 'virtio-serial',
): UsbAddress | VirtioSerialAddress | undefined {
  const r = parent.child('address');
  if (!r) return undefined;
  if (r.enumAttr('type', [type]) === undefined) {
    throw invalid(r.el, "attribute 'type' is missing", { attribute: 'type', expected: type });
  }
  let a: UsbAddress | VirtioSerialAddress;
  if (type === 'usb') {
    const port = r.attr('port');
    if (port !== undefined && !/^[1-9]\d*$/.test(port)) {
      throw notSupported(r.el, { attribute: 'port', value: port, expected: ['a root-hub port 1-15'] });
    }
    a = { type, bus: readNumber(r, 'bus'), port: Number(port ?? 0) };
  } else {
    a = {
      type,
      controller: readNumber(r, 'controller'),
      bus: readNumber(r, 'bus'),
      port: readNumber(r, 'port'),
    };
  }
  r.finish();
  return a;
}
