import { TsvirtError } from '../errors.js';
import { validateAliases } from './aliases.js';
import { validateDiskAddresses } from './drive-address.js';
import { isQ35Machine } from './parse-os.js';
import { validatePciAddresses } from './pci-address-check.js';
import { validateMediaDevices } from './validate-media.js';
import { isAbsolutePath, targetDevIndex } from './parse-disk.js';
import type { DiskConfig, DomainConfig } from './types.js';

/** IDE on i440FX: one controller with two buses of two units (hda..hdd). */
const IDE_MAX_INDEX = 3;
/** One AHCI controller has six ports (sda..sdf). */
const SATA_MAX_INDEX = 5;
/** isa-serial exists as COM1..COM4. */
const SERIAL_MAX_PORT = 3;

function invalidAt(path: string, message: string, fields: Record<string, unknown>): TsvirtError {
  return new TsvirtError('ERR_XML_INVALID', `${path}: ${message}`, { path, ...fields });
}

function unsupportedAt(path: string, message: string, fields: Record<string, unknown>): TsvirtError {
  return new TsvirtError('ERR_NOT_SUPPORTED', `${path}: ${message}`, { path, ...fields });
}

/**
 * Check the rules that span elements (sizes against each other, unique targets and ports, bus limits).
 * Throws ERR_XML_INVALID or ERR_NOT_SUPPORTED with element, attribute, value and expected fields.
 */
export function validateDomainConfig(config: DomainConfig): void {
  if (config.currentMemoryKiB > config.memoryKiB) {
    throw invalidAt(
      'domain/currentMemory',
      `${config.currentMemoryKiB} KiB is more than <memory> (${config.memoryKiB} KiB); lower it`,
      {
        element: 'currentMemory',
        value: String(config.currentMemoryKiB),
        expected: `at most ${config.memoryKiB} KiB`,
      },
    );
  }
  validateVcpupin(config);
  validateOs(config);
  const targets = new Set<string>();
  for (const disk of config.devices.disks) {
    if (targets.has(disk.targetDev)) {
      throw invalidAt(
        'domain/devices/disk/target',
        `target dev '${disk.targetDev}' is used by two disks; give each disk its own`,
        {
          element: 'target',
          attribute: 'dev',
          value: disk.targetDev,
          expected: 'a target dev used once',
        },
      );
    }
    targets.add(disk.targetDev);
    validateDiskBus(disk, config.os.machine);
  }
  validateNics(config);
  validateCharDevs(config);
  validateDiskAddresses(config);
  validatePciAddresses(config);
  validateAliases(config);
  validateMediaDevices(config);
  if (config.devices.graphics.length > 1) {
    throw unsupportedAt('domain/devices/graphics', 'more than one <graphics> is not supported; keep one', {
      element: 'graphics',
      value: String(config.devices.graphics.length),
      expected: 'at most one',
    });
  }
}

function validateVcpupin(config: DomainConfig): void {
  const seen = new Set<number>();
  for (const pin of config.vcpupin) {
    const fields = { element: 'vcpupin', attribute: 'vcpu', value: String(pin.vcpu) };
    if (pin.vcpu >= config.vcpus) {
      throw invalidAt(
        'domain/cputune/vcpupin',
        `vcpu ${pin.vcpu} does not exist (the domain has ${config.vcpus})`,
        {
          ...fields,
          expected: `0-${config.vcpus - 1}`,
        },
      );
    }
    if (seen.has(pin.vcpu))
      throw invalidAt('domain/cputune/vcpupin', `vcpu ${pin.vcpu} is pinned twice`, {
        ...fields,
        expected: 'one <vcpupin> per vCPU',
      });
    seen.add(pin.vcpu);
  }
}

function validateOs(config: DomainConfig): void {
  const { os } = config;
  for (const key of ['kernel', 'initrd'] as const) {
    const path = os[key];
    if (path !== undefined && !isAbsolutePath(path)) {
      throw invalidAt(`domain/os/${key}`, `'${path}' is not an absolute path`, {
        element: key,
        value: path,
        expected: 'an absolute path',
      });
    }
  }
  for (const key of ['initrd', 'cmdline'] as const) {
    if (os[key] !== undefined && os.kernel === undefined) {
      throw invalidAt(`domain/os/${key}`, `<${key}> is given without <kernel>; add a kernel`, {
        element: key,
        expected: 'a <kernel> as well',
      });
    }
  }
}

function validateDiskBus(disk: DiskConfig, machine: string): void {
  const path = 'domain/devices/disk';
  const index = targetDevIndex(disk.targetDev);
  const fields = { element: 'target', attribute: 'dev', value: disk.targetDev };
  if (disk.bus === 'virtio' && disk.device === 'cdrom') {
    throw unsupportedAt(path, 'a cdrom on bus virtio is not supported; use bus ide or sata', {
      element: 'target',
      attribute: 'bus',
      value: 'virtio',
      expected: ['ide', 'sata'],
    });
  }
  if (disk.bus !== 'virtio' && disk.device === 'disk' && disk.readonly) {
    throw unsupportedAt(
      path,
      `a read-only disk on bus ${disk.bus} is not supported by qemu; use bus virtio or a cdrom`,
      { element: 'readonly', value: disk.bus, expected: ['virtio'] },
    );
  }
  if (disk.bus === 'ide' && isQ35Machine(machine)) {
    throw unsupportedAt(path, `bus ide does not exist on machine ${machine}; use bus sata`, {
      element: 'target',
      attribute: 'bus',
      value: 'ide',
      expected: ['virtio', 'sata'],
    });
  }
  // With an address of its own a disk's position no longer comes from its target name.
  if (disk.address !== undefined) return;
  if (disk.bus === 'ide' && index > IDE_MAX_INDEX) {
    throw unsupportedAt(path, `target '${disk.targetDev}' is past the last IDE unit (hdd)`, {
      ...fields,
      expected: ['hda', 'hdb', 'hdc', 'hdd'],
    });
  }
  if (disk.bus === 'sata' && index > SATA_MAX_INDEX) {
    throw unsupportedAt(path, `target '${disk.targetDev}' is past the last SATA port (sdf)`, {
      ...fields,
      expected: ['sda', 'sdb', 'sdc', 'sdd', 'sde', 'sdf'],
    });
  }
}

function validateNics(config: DomainConfig): void {
  const macs = new Set<string>();
  for (const nic of config.devices.interfaces) {
    if (macs.has(nic.mac)) {
      throw invalidAt(
        'domain/devices/interface/mac',
        `MAC ${nic.mac} is used by two interfaces; give each its own`,
        { element: 'mac', attribute: 'address', value: nic.mac, expected: 'a unique MAC' },
      );
    }
    macs.add(nic.mac);
  }
}

function validateCharDevs(config: DomainConfig): void {
  const { serials, consoles } = config.devices;
  const ports = new Set<number>();
  for (const s of serials) {
    const fields = { element: 'target', attribute: 'port', value: String(s.port) };
    if (s.port > SERIAL_MAX_PORT)
      throw unsupportedAt(
        'domain/devices/serial/target',
        `serial port ${s.port} does not exist (COM1-COM4 are 0-3)`,
        { ...fields, expected: ['0', '1', '2', '3'] },
      );
    if (ports.has(s.port))
      throw invalidAt('domain/devices/serial/target', `serial port ${s.port} is used twice`, {
        ...fields,
        expected: 'each port once',
      });
    ports.add(s.port);
  }
  for (const c of consoles) {
    const serial = serials.find((s) => s.port === c.port);
    if (!serial || serial.type !== c.type || serial.path !== c.path) {
      throw invalidAt(
        'domain/devices/console',
        `console on port ${c.port} does not match a serial of the same type and source; make them equal`,
        {
          element: 'console',
          attribute: 'type',
          value: c.type,
          expected: 'the type and source of the serial on that port',
        },
      );
    }
  }
}
