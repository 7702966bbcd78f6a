import { TsvirtError } from '../errors.js';
import { assignBusAliases, listBusAliasHolders } from './bus-aliases.js';
import { findDriveAddress } from './drive-address.js';
import { isQ35Machine } from './parse-os.js';
import { targetDevIndex } from './parse-disk.js';
import type { DiskConfig, DomainConfig } from './types.js';
import { assignMediaAliases, listMediaAliasHolders } from './media-aliases.js';

/** libvirt's prefix of a user-chosen alias; only these survive in a persistent definition. */
export const USER_ALIAS_PREFIX = 'ua-';

/** A user alias: ua- then letters, digits, '_' and '-' (libvirt's alphabet for them). */
export const USER_ALIAS_PATTERN = /^ua-[A-Za-z0-9_-]+$/;

/** The alias of the memory balloon device. */
export const BALLOON_ALIAS = 'balloon0';

/** The alias of the video device tsvirt adds for VNC. */
export const VIDEO_ALIAS = 'video0';

/** The alias of the SATA controller (the AHCI's qemu id on i440FX). */
export const AHCI_ALIAS = 'sata0';

/** Whether an alias is a user alias (ua-...), which a persistent definition keeps. */
export function isUserAlias(alias: string): boolean {
  return alias.startsWith(USER_ALIAS_PREFIX);
}

/** Where a disk sits on its controller: IDE bus/unit, or the AHCI port (unit) on bus 0. */
export function diskPosition(disk: DiskConfig): { bus: number; unit: number } {
  const { bus, unit } = findDriveAddress(disk);
  return { bus, unit };
}

/** libvirt's alias of a disk: virtio-disk0 from the target name, ide0-1-0 and sata0-0-2 from the drive address. */
export function buildDiskAlias(disk: DiskConfig): string {
  if (disk.bus === 'virtio') return `virtio-disk${targetDevIndex(disk.targetDev)}`;
  if (disk.bus === 'usb') return `usb-disk${targetDevIndex(disk.targetDev)}`;
  const a = findDriveAddress(disk);
  if (disk.bus === 'scsi') return `scsi${a.controller}-${a.bus}-${a.target}-${a.unit}`;
  return `${disk.bus}${a.controller}-${a.bus}-${a.unit}`;
}

/** A disk's alias (also its qemu device id): its own, else libvirt's from its position. */
export function diskAlias(disk: DiskConfig): string {
  return disk.alias ?? buildDiskAlias(disk);
}

/** libvirt's alias netN (the qemu device id); its netdev is hostnetN. */
export function nicAlias(index: number): string {
  return `net${index}`;
}

/** libvirt's alias serialN (the qemu device id); its chardev is charserialN. */
export function serialAlias(index: number): string {
  return `serial${index}`;
}

/** The netdev id of an interface: 'host' + its alias, as libvirt names it (hostnet0 for net0). */
export function buildNetdevId(alias: string): string {
  return `host${alias}`;
}

/** The chardev id of a serial: 'char' + its alias (charserial0 for serial0). */
export function buildChardevId(alias: string): string {
  return `char${alias}`;
}

/** The block node names of a disk source with index N: its protocol (storage) node and its format node. */
export function buildBlockNodeNames(index: number): { storage: string; format: string } {
  return { storage: `libvirt-${index}-storage`, format: `libvirt-${index}-format` };
}

/** The lowest `prefix`N not in `used`; it is added to `used`. */
function takeFirstFree(prefix: string, used: Set<string>): string {
  let n = 0;
  while (used.has(`${prefix}${n}`)) n++;
  const alias = `${prefix}${n}`;
  used.add(alias);
  return alias;
}

/** Every alias a definition already holds. */
export function listAliases(config: DomainConfig): string[] {
  const d = config.devices;
  return [
    ...d.disks.map((x) => x.alias),
    ...d.interfaces.map((x) => x.alias),
    ...d.serials.map((x) => x.alias),
    d.memballoon?.alias,
    d.video?.alias,
    d.sataController?.alias,
    ...(d.rootPorts ?? []).map((x) => x.alias),
    ...listBusAliasHolders(config).map((h) => h.dev.alias),
    ...listMediaAliasHolders(config).map((h) => h.dev.alias),
  ].filter((a): a is string => a !== undefined);
}

/**
 * The live identities of a starting domain, on a copy: every device without an alias gets libvirt's (a
 * disk the one of its position, an interface netN and a serial serialN with the first free N, the balloon
 * balloon0), and every disk source without a block node index gets one (position + 1 on a fresh start,
 * past the highest one in use otherwise). Aliases and indexes already there are kept, so that a device
 * added later takes a free name and renames no other. Pure.
 */
export function assignAliases(config: DomainConfig): DomainConfig {
  const out = structuredClone(config);
  const d = out.devices;
  const used = new Set(listAliases(out));
  for (const disk of d.disks) {
    if (disk.alias !== undefined) continue;
    disk.alias = buildDiskAlias(disk);
    if (used.has(disk.alias)) throw duplicateAlias(disk.alias, `disk ${disk.targetDev}`);
    used.add(disk.alias);
  }
  for (const nic of d.interfaces) nic.alias ??= takeFirstFree('net', used);
  for (const serial of d.serials) serial.alias ??= takeFirstFree('serial', used);
  if (d.memballoon && d.memballoon.model !== 'none' && d.memballoon.alias === undefined) {
    d.memballoon.alias = used.has(BALLOON_ALIAS) ? takeFirstFree('balloon', used) : BALLOON_ALIAS;
  }
  for (const port of d.rootPorts ?? []) port.alias ??= `pci.${port.index}`; // libvirt's alias of a PCI controller
  if (d.video && d.video.model !== 'none')
    d.video.alias ??= used.has(VIDEO_ALIAS) ? takeFirstFree('video', used) : VIDEO_ALIAS;
  if (d.sataController) {
    // Q35's built-in AHCI is qemu's 'ide' bus, and libvirt names it so.
    if (isQ35Machine(out.os.machine)) d.sataController.alias ??= 'ide';
    d.sataController.alias ??= used.has(AHCI_ALIAS) ? takeFirstFree('sata', used) : AHCI_ALIAS;
  }
  assignBusAliases(out, (prefix) => takeFirstFree(prefix, used));
  assignMediaAliases(out, (prefix) => takeFirstFree(prefix, used));
  let highest = findHighestNodeIndex(d.disks);
  d.disks.forEach((disk, i) => {
    if (disk.source === undefined || disk.nodeIndex !== undefined) return;
    disk.nodeIndex = Math.max(i + 1, highest + 1);
    highest = disk.nodeIndex;
  });
  return out;
}

function duplicateAlias(alias: string, device: string): TsvirtError {
  return new TsvirtError(
    'ERR_XML_INVALID',
    `domain/devices: ${device}: alias '${alias}' is used by another device; give each device its own`,
    { device, element: 'alias', field: 'name', value: alias, expected: 'an alias no other device uses' },
  );
}

/** Check that user aliases are well formed and that no two devices share an alias. */
export function validateAliases(config: DomainConfig): void {
  const d = config.devices;
  const named: Array<[string | undefined, string]> = [
    ...d.disks.map((x): [string | undefined, string] => [x.alias, `disk ${x.targetDev}`]),
    ...d.interfaces.map((x): [string | undefined, string] => [x.alias, `interface ${x.mac}`]),
    ...d.serials.map((x): [string | undefined, string] => [x.alias, `serial ${x.port}`]),
    [d.memballoon?.alias, 'memballoon'],
    [d.video?.alias, 'video'],
    [d.sataController?.alias, 'controller sata'],
    ...(d.rootPorts ?? []).map((x): [string | undefined, string] => [x.alias, `controller pci.${x.index}`]),
    ...listBusAliasHolders(config).map((h): [string | undefined, string] => [h.dev.alias, h.device]),
    ...listMediaAliasHolders(config).map((h): [string | undefined, string] => [h.dev.alias, h.device]),
  ];
  const seen = new Set<string>();
  for (const [alias, device] of named) {
    if (alias === undefined) continue;
    if (isUserAlias(alias) && !USER_ALIAS_PATTERN.test(alias)) {
      throw new TsvirtError(
        'ERR_XML_INVALID',
        `domain/devices: ${device}: alias '${alias}' has characters outside A-Z a-z 0-9 _ -; rename it`,
        { device, element: 'alias', field: 'name', value: alias, expected: 'ua- then A-Z a-z 0-9 _ -' },
      );
    }
    if (seen.has(alias)) throw duplicateAlias(alias, device);
    seen.add(alias);
  }
}

/** The highest block node index the disks use, their backing chains' included (0 for none). */
export function findHighestNodeIndex(disks: readonly DiskConfig[]): number {
  const all = disks.flatMap((d) => [
    d.nodeIndex ?? 0,
    ...(d.backingChain ?? []).map((b) => b.nodeIndex ?? 0),
  ]);
  return Math.max(0, ...all);
}
