import type {
  BusControllerConfig,
  ChannelConfig,
  InputConfig,
  RedirdevConfig,
  UsbAddress,
} from './bus-types.js';

/** What libvirt's <on_poweroff>, <on_reboot> and <on_crash> may ask for. */
export type LifecycleAction = 'destroy' | 'restart' | 'preserve' | 'rename-restart';

/** A boot device of <os><boot dev=.../>, in libvirt's names. */
export type BootDevice = 'hd' | 'cdrom' | 'network' | 'fd';

/** The <os> element: always hvm on x86_64, with an optional direct kernel boot. */
export interface OsConfig {
  type: 'hvm';
  arch: 'x86_64';
  /** A qemu machine type: pc, q35, pc-i440fx-X.Y or pc-q35-X.Y (libvirt's names are qemu's). */
  machine: string;
  /** Boot order from <boot dev=.../>, first to last. */
  boot: BootDevice[];
  kernel?: string;
  initrd?: string;
  cmdline?: string;
}

/** The <features> element: flags that are present or not. */
export interface FeaturesConfig {
  acpi: boolean;
  apic: boolean;
  /** <pae/>: kept for dumpxml; qemu64 and every x86_64 model have PAE anyway. */
  pae?: boolean;
  /** <hyperv mode='custom'>: Hyper-V enlightenments given to the guest's CPU. */
  hyperv?: HypervConfig;
  /** <vmport state=.../>: the VMware I/O port (-machine vmport=on|off). */
  vmport?: boolean;
  /** <kvm><hidden state=.../></kvm>: hide the KVM signature from the guest (-cpu kvm=off). */
  kvmHidden?: boolean;
}

/** Hyper-V enlightenments of <hyperv>, in libvirt's names (qemu's are hv-NAME). */
export const HYPERV_FEATURES = [
  'relaxed',
  'vapic',
  'spinlocks',
  'vpindex',
  'runtime',
  'synic',
  'stimer',
  'reset',
  'frequencies',
  'tlbflush',
  'ipi',
] as const;

/** One Hyper-V enlightenment's name. */
export type HypervFeature = (typeof HYPERV_FEATURES)[number];

/** <hyperv mode='custom'>: each listed enlightenment's state, and the spinlock retry count. */
export interface HypervConfig {
  mode: 'custom';
  features: Partial<Record<HypervFeature, boolean>>;
  /** <spinlocks retries=.../>: at least 4095 (libvirt's lower bound). */
  spinlockRetries?: number;
}

/** <pm>: whether the guest may suspend to RAM (S3) and to disk (S4); absent leaves qemu's default. */
export interface PmConfig {
  suspendToMem?: boolean;
  suspendToDisk?: boolean;
}

/** One <metadata> element as written: qualified name, attributes in order, and children or text. */
export interface MetadataElement {
  name: string;
  attrs: Array<[string, string]>;
  children: MetadataElement[];
  /** The text of an element without child elements. */
  text?: string;
}

/** <qemu:commandline>: extra qemu arguments and environment, which taint the domain (custom-argv). */
export interface QemuCommandline {
  args: string[];
  env: Array<{ name: string; value?: string }>;
}

/** The <cpu> element. */
export interface CpuConfig {
  mode: 'host-passthrough' | 'host-model' | 'custom';
  /** The qemu CPU model name of mode 'custom' (<model>NAME</model>). */
  model?: string;
  /** <model fallback=.../>: libvirt-side policy, kept for round trips. */
  modelFallback?: 'allow' | 'forbid';
  match?: 'minimum' | 'exact' | 'strict';
  check?: 'none' | 'partial' | 'full';
  migratable?: boolean;
  /** <feature policy=... name=.../>: CPU flags required (on) or disabled (off), in document order. */
  features?: Array<{ policy: 'require' | 'disable'; name: string }>;
  /** <topology>: how the vCPUs are arranged; their product is the vCPU count. */
  topology?: { sockets: number; dies: number; cores: number; threads: number };
}

/** The <clock> element. */
export interface ClockConfig {
  offset: 'utc' | 'localtime';
  /** <timer> children in document order. */
  timers?: ClockTimer[];
}

/** One <clock><timer>. */
export interface ClockTimer {
  name: 'rtc' | 'pit' | 'hpet' | 'kvmclock' | 'hypervclock' | 'tsc';
  tickpolicy?: 'delay' | 'catchup' | 'merge' | 'discard';
  present?: boolean;
  /** The TSC frequency in Hz (tsc only). */
  frequency?: number;
}

/** Where a disk's bytes live. A volume is resolved to a path by the driver before argv is built. */
export type DiskSource =
  | { kind: 'file'; path: string }
  | { kind: 'block'; dev: string }
  | { kind: 'volume'; pool: string; volume: string; resolved?: { path: string; kind: 'file' | 'block' } };

/** <address type='pci'>: a slot on a PCI bus (tsvirt has only the root bus, domain 0 bus 0). */
export interface PciAddress {
  type: 'pci';
  domain: number;
  bus: number;
  /** 0-31. */
  slot: number;
  /** 0-7. */
  function: number;
  /** multifunction='on' on function 0 of a slot whose other functions are used. */
  multifunction?: boolean;
}

/** <address type='drive'>: where an IDE or SATA disk sits on its controller. */
export interface DriveAddress {
  type: 'drive';
  controller: number;
  bus: number;
  target: number;
  unit: number;
}

/** One image of a disk's backing chain. */
export interface BackingImage {
  path: string;
  format: 'raw' | 'qcow2' | 'vmdk';
  /** Its block node index N (libvirt-N-storage, libvirt-N-format) while qemu runs it; absent in a definition. */
  nodeIndex?: number;
}

/** One <disk>. */
export interface DiskConfig {
  device: 'disk' | 'cdrom';
  format: 'raw' | 'qcow2' | 'vmdk';
  /** Absent only for an empty cdrom drive. */
  source?: DiskSource;
  targetDev: string;
  bus: 'virtio' | 'ide' | 'sata' | 'scsi' | 'usb';
  readonly: boolean;
  /** PCI for virtio, drive for ide, sata and scsi, usb for usb; assigned at define. */
  address?: PciAddress | DriveAddress | UsbAddress;
  /** The device alias (qemu id): a user's ua- alias, or assigned at start (live definition only). */
  alias?: string;
  /**
   * The source's block node index N of a running domain (libvirt-N-storage, libvirt-N-format), shown as
   * <source index='N'/> in the live definition as libvirt shows it; assigned at start.
   */
  nodeIndex?: number;
  /**
   * The images below the source, top first (<backingStore>; [] when none is below). Probed at each start,
   * when qemu opens each as its own read-only node pair libvirt-N-storage/-format so that block jobs can
   * name every layer; kept current by snapshots and block jobs, in the persistent definition too.
   */
  backingChain?: BackingImage[];
  /** <driver cache= io= discard= detect_zeroes=>: how qemu's block layer treats the image. */
  driver?: DiskDriverOptions;
  /** <serial>: the serial number the guest sees. */
  serial?: string;
  /** <shareable/>: other guests may write the image at the same time. */
  shareable?: boolean;
  /** <boot order='N'/>: this device's place in the boot order (instead of <os><boot dev=.../>). */
  bootOrder?: number;
}

/** The block-layer options of a disk's <driver>. */
export interface DiskDriverOptions {
  cache?: 'default' | 'none' | 'writethrough' | 'writeback' | 'directsync' | 'unsafe';
  io?: 'native' | 'threads' | 'io_uring';
  discard?: 'unmap' | 'ignore';
  detectZeroes?: 'off' | 'on' | 'unmap';
}

/** One <interface>. */
export type InterfaceConfig = {
  mac: string;
  model: 'virtio' | 'e1000' | 'e1000e' | 'rtl8139';
  /** <boot order='N'/>: this NIC's place in the boot order. */
  bootOrder?: number;
  /** <rom enabled='no'/>: no option ROM (iPXE), which stalls SeaBIOS under kvm_pvm hosts. */
  romEnabled?: false;
  /** <link state=.../>: the virtual link's carrier as the guest sees it; absent is up (qemu's set_link). */
  linkState?: 'up' | 'down';
  /** Assigned at define. */
  address?: PciAddress;
  /** The device alias (netN, or a user's ua- alias); its netdev is 'host' + alias. */
  alias?: string;
} & (
  | { type: 'user' }
  | { type: 'ethernet'; targetDev: string }
  | ({ type: 'bridge'; bridge: string } & TapBacking)
  | ({ type: 'network'; network: string } & TapBacking)
);

/**
 * The tap tsvirtd makes for a bridge or network NIC and hands to qemu as a descriptor. `targetDev` is
 * in the live definition (`<target dev='vnetN'/>`); `tapFd` is tsvirtd's open descriptor between the
 * tap's creation and qemu's spawn, never written out.
 */
export interface TapBacking {
  targetDev?: string;
  tapFd?: number;
}

/** One <serial> or <console> (a character device). */
export interface CharDevConfig {
  /** pty and unix are served on a unix socket (see qemu-argv); file appends to a host file. */
  type: 'pty' | 'file' | 'unix';
  /** The file of type 'file', the socket of type 'unix'. */
  path?: string;
  /** <source mode=.../> of type 'unix'; only 'bind' (qemu is the server) is supported. */
  mode?: 'bind';
  /** <target port=.../>: the COM port index (0 = COM1). */
  port: number;
  /** The device alias of a serial (serialN, or a user's ua- alias); its chardev is 'char' + alias. */
  alias?: string;
}

/** Where a graphics server listens: a TCP address, a unix socket (VNC only), or nowhere (<listen type='none'/>). */
export type GraphicsListen =
  { kind: 'address'; address?: string } | { kind: 'socket'; socket?: string } | { kind: 'none' };

/** One <graphics type='vnc'>. */
export interface VncGraphicsConfig {
  type: 'vnc';
  listen: GraphicsListen;
  /** Pick a free port from 5900 upwards at start (autoport='yes'). */
  autoport: boolean;
  /** The fixed TCP port when autoport is false. */
  port?: number;
  /** passwd=: the VNC password, set over QMP after start; shown by dumpxml only with the secure flag. */
  passwd?: string;
}

/** One <graphics type='spice'>: plain (non-TLS) SPICE on an address, or with <listen type='none'/>. */
export interface SpiceGraphicsConfig {
  type: 'spice';
  /** An address listen without an address takes the default, 127.0.0.1, at start (as libvirt's spice_listen). */
  listen: { kind: 'address'; address?: string } | { kind: 'none' };
  /** Pick a free port from 5900 upwards at start (autoport='yes'). */
  autoport: boolean;
  /** The fixed TCP port when autoport is false. */
  port?: number;
  /** passwd=: the SPICE ticket, set over QMP after start; shown by dumpxml only with the secure flag. */
  passwd?: string;
  /** <image compression=.../>: qemu's image-compression. */
  imageCompression?: 'auto_glz' | 'auto_lz' | 'quic' | 'glz' | 'lz' | 'off';
}

/** One <graphics>: VNC or SPICE. */
export type GraphicsConfig = VncGraphicsConfig | SpiceGraphicsConfig;

/** A <video> model: libvirt's names (qemu's devices are in media-args). */
export type VideoModel = 'vga' | 'cirrus' | 'qxl' | 'virtio' | 'bochs' | 'ramfb' | 'none';

/** One <sound>: an emulated sound card with one codec (HDA models) on audio backend `audioId`. */
export interface SoundConfig {
  model: 'ich9' | 'ich6' | 'ac97';
  /** <audio id='N'/> inside <sound>: the backend it plays to (absent: the first <audio>). */
  audioId?: number;
  address?: PciAddress;
  alias?: string;
}

/** One <audio>: a qemu audiodev (id 'audio' + id). */
export interface AudioConfig {
  id: number;
  type: 'none' | 'spice';
}

/** One <rng model='virtio'> reading a host device. */
export interface RngConfig {
  model: 'virtio';
  backend: { model: 'random'; path: '/dev/urandom' | '/dev/random' };
  /** <rate bytes=... period=.../>: at most `bytes` per `periodMs` (qemu's max-bytes, period). */
  rate?: { bytes: number; periodMs?: number };
  address?: PciAddress;
  alias?: string;
}

/** The <watchdog>: a timer device and what qemu does when it fires. */
export interface WatchdogConfig {
  model: 'i6300esb' | 'ib700' | 'itco';
  action: 'reset' | 'poweroff' | 'pause' | 'none' | 'shutdown' | 'inject-nmi';
  /** i6300esb only: a PCI device. */
  address?: PciAddress;
  alias?: string;
}

/** One <panic>: a device through which the guest reports a crash. */
export interface PanicConfig {
  model: 'isa' | 'pvpanic' | 'hyperv';
  /** isa: <address type='isa' iobase=.../> (0x505, qemu's default port). */
  iobase?: number;
  /** pvpanic: a PCI device. */
  address?: PciAddress;
  alias?: string;
}

/** The <devices> element. */
export interface DevicesConfig {
  emulator?: string;
  disks: DiskConfig[];
  interfaces: InterfaceConfig[];
  serials: CharDevConfig[];
  consoles: CharDevConfig[];
  graphics: GraphicsConfig[];
  memballoon?: MemballoonConfig;
  /** <video>: the primary video device; define adds one for a <graphics>, as libvirt does. */
  video?: VideoConfig;
  /** Further <video> elements (never primary), in document order. */
  secondaryVideos?: VideoConfig[];
  /** <sound> cards. */
  sounds?: SoundConfig[];
  /** <audio> backends; define adds one as libvirt does (spice with SPICE graphics, none otherwise). */
  audios?: AudioConfig[];
  /** <rng> devices. */
  rngs?: RngConfig[];
  watchdog?: WatchdogConfig;
  panics?: PanicConfig[];
  /** <controller type='sata' index='0'>: the AHCI controller; define adds one for SATA disks. */
  sataController?: SataControllerConfig;
  /** <controller type='pci' index='0' model=.../>: the root bus (pci-root on i440FX, pcie-root on Q35), as define writes it. */
  pciRoot?: 'pci-root' | 'pcie-root';
  /** Q35's PCIe root ports (<controller type='pci' model='pcie-root-port'>), one PCIe device behind each. */
  rootPorts?: RootPortConfig[];
  /** <controller> of types usb, virtio-serial, scsi and ide, in document order; define adds libvirt's implicit ones. */
  controllers?: BusControllerConfig[];
  /** <channel> elements (virtio serial ports). */
  channels?: ChannelConfig[];
  /** <input> elements; define adds the ps2 mouse and keyboard of every x86 guest, as libvirt does. */
  inputs?: InputConfig[];
  /** <redirdev> elements (USB redirection over SPICE). */
  redirdevs?: RedirdevConfig[];
}

/** One pcie-root-port: bus `index` of a Q35 guest, which holds one device at slot 0 and takes hotplug. */
export interface RootPortConfig {
  /** The controller index, which is also the bus number its device's address names. */
  index: number;
  /** <target chassis=...>: the index, as libvirt picks it. */
  chassis: number;
  /** <target port=...>: (slot << 3) + function of the port's own address, as libvirt picks it. */
  port: number;
  address?: PciAddress;
  alias?: string;
}

/** One <video>, with the sizes libvirt fills in for its model (KiB) and its head count. */
export interface VideoConfig {
  model: VideoModel;
  /** qxl: ram= (KiB). */
  ramKiB?: number;
  /** vga, cirrus, qxl, bochs: vram= (KiB). */
  vramKiB?: number;
  /** qxl: vgamem= (KiB). */
  vgamemKiB?: number;
  /** heads= (absent for model none). */
  heads?: number;
  address?: PciAddress;
  alias?: string;
}

/** The SATA (AHCI) controller: a PCI device on i440FX, built into Q35 at 00:1f.2. */
export interface SataControllerConfig {
  address?: PciAddress;
  alias?: string;
}

/** <memballoon>: virtio (a PCI device) or none. */
export interface MemballoonConfig {
  model: 'virtio' | 'none';
  address?: PciAddress;
  alias?: string;
}

/** A domain definition: the typed form of libvirt's domain XML, for the subset tsvirt supports. */
export interface DomainConfig {
  type: 'kvm' | 'qemu';
  name: string;
  /** Lower-case, dashed 8-4-4-4-12. */
  uuid: string;
  title?: string;
  description?: string;
  memoryKiB: number;
  currentMemoryKiB: number;
  /** The maximum vCPU count (<vcpu>MAX</vcpu>). */
  vcpus: number;
  /** <vcpu current='N'>: the vCPUs online at start when fewer than the maximum; absent when all are. */
  vcpusCurrent?: number;
  vcpuPlacement: 'static' | 'auto';
  /** Host CPUs all vCPUs may run on (<vcpu cpuset=...>), sorted. */
  vcpuCpuset?: number[];
  vcpupin: Array<{ vcpu: number; cpuset: number[] }>;
  os: OsConfig;
  features: FeaturesConfig;
  cpu?: CpuConfig;
  clock?: ClockConfig;
  onPoweroff: LifecycleAction;
  onReboot: LifecycleAction;
  onCrash: LifecycleAction;
  /** <pm>: the guest's suspend states. */
  pm?: PmConfig;
  devices: DevicesConfig;
  /** <metadata>'s child elements, kept as written (namespaced applications' own data). */
  metadata?: MetadataElement[];
  /** <qemu:commandline> of the qemu namespace. */
  qemuCommandline?: QemuCommandline;
}

/** Facts of a running domain that dumpxml adds to the definition, as libvirt does. */
export interface DomainLiveFacts {
  /** The domain id shown as <domain id='N'>. */
  id: number;
  /** The VNC TCP port qemu actually listens on (query-vnc). */
  vncPort?: number;
  /** The /dev/pts path of each pty serial, by its index in devices.serials (query-chardev). */
  serialPtys?: readonly (string | undefined)[];
  /** The VNC unix socket when the XML asked for one without a path. */
  vncSocket?: string;
  /** The folder of the unix channels that name no path (the domain's socket folder). */
  channelDir?: string;
  /** The SPICE TCP port qemu listens on (query-spice). */
  spicePort?: number;
}
