/**
 * The typed forms of the USB, virtio-serial, SCSI and IDE controllers and of the devices on their buses
 * (<channel>, <input>, <redirdev>), for the subset of libvirt's domain XML tsvirt supports.
 */
import type { PciAddress } from './types.js';

/** The USB controller models tsvirt drives, in libvirt's names; 'none' means no USB at all. */
export const USB_CONTROLLER_MODELS = [
  'qemu-xhci',
  'ich9-ehci1',
  'ich9-uhci1',
  'ich9-uhci2',
  'ich9-uhci3',
  'piix3-uhci',
  'none',
] as const;

/** A USB controller model. */
export type UsbControllerModel = (typeof USB_CONTROLLER_MODELS)[number];

/** <address type='usb' bus port>: a port of USB bus `bus` (the controller index). */
export interface UsbAddress {
  type: 'usb';
  bus: number;
  /** 1-based, as libvirt and qemu number root-hub ports. */
  port: number;
}

/** <address type='virtio-serial' controller bus port>: a port of a virtio-serial controller. */
export interface VirtioSerialAddress {
  type: 'virtio-serial';
  controller: number;
  bus: number;
  /** 1 and up; port 0 is the console port, which libvirt keeps for virtio consoles. */
  port: number;
}

/** <controller type='usb'>. */
export interface UsbControllerConfig {
  type: 'usb';
  index: number;
  model: UsbControllerModel;
  /** ports='N' of qemu-xhci (qemu's p2 and p3). */
  ports?: number;
  /** <master startport='N'/> of an ICH9 UHCI companion: its first port on the EHCI's bus. */
  startport?: number;
  address?: PciAddress;
  alias?: string;
}

/** <controller type='virtio-serial'>: a virtio-serial-pci bus for channels. */
export interface VirtioSerialControllerConfig {
  type: 'virtio-serial';
  index: number;
  /** ports='N': max_ports. */
  ports?: number;
  /** vectors='N': MSI-X vectors. */
  vectors?: number;
  address?: PciAddress;
  alias?: string;
}

/** <controller type='scsi' model='virtio-scsi'>: a virtio-scsi-pci HBA. */
export interface ScsiControllerConfig {
  type: 'scsi';
  index: number;
  model: 'virtio-scsi';
  address?: PciAddress;
  alias?: string;
}

/** <controller type='ide' index='0'>: the i440FX's PIIX3 IDE function at 00:01.1. */
export interface IdeControllerConfig {
  type: 'ide';
  index: number;
  address?: PciAddress;
  alias?: string;
}

/** A <controller> of a bus kind other than sata and pci (which DevicesConfig keeps apart). */
export type BusControllerConfig =
  UsbControllerConfig | VirtioSerialControllerConfig | ScsiControllerConfig | IdeControllerConfig;

/** One <channel> with a virtio target (a virtserialport). */
export interface ChannelConfig {
  /** unix: a socket qemu serves; spicevmc: the SPICE agent channel (needs SPICE graphics). */
  type: 'unix' | 'spicevmc';
  /** The socket of a unix channel; without one tsvirt places it in the domain's socket folder at start. */
  path?: string;
  /** <target name=...>: the port name the guest sees (org.qemu.guest_agent.0, com.redhat.spice.0). */
  name: string;
  address?: VirtioSerialAddress;
  alias?: string;
}

/** One <input>. ps2 mouse and keyboard are built into the i8042 and have no qemu device. */
export interface InputConfig {
  type: 'tablet' | 'mouse' | 'keyboard';
  bus: 'usb' | 'ps2' | 'virtio';
  address?: UsbAddress | PciAddress;
  alias?: string;
}

/** One <redirdev bus='usb' type='spicevmc'>: a USB redirection port fed by a SPICE client. */
export interface RedirdevConfig {
  type: 'spicevmc';
  address?: UsbAddress;
  alias?: string;
}
