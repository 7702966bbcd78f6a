/**
 * The arguments of virConnectGetDomainCapabilities checked as libvirt's QEMU driver checks them
 * (virQEMUCapsCacheLookupDefault), and the document built from the host's cached facts.
 */
import { MACHINE_PATTERN } from '../domain/parse-os.js';
import { TsvirtError } from '../errors.js';
import { buildDomainCapabilitiesXml } from './domain-capabilities.js';
import { findMachine, listNamedCpuModels, type MachineFact, type QemuCaps } from '../kvm/qemu-caps-parse.js';

/** The optional arguments of the call; null or undefined means "the default". */
export interface DomainCapsQuery {
  emulatorbin?: string | null;
  arch?: string | null;
  machine?: string | null;
  virttype?: string | null;
}

/** The host facts the answer depends on. */
export interface DomainCapsHost {
  qemuBinary: string;
  kvmUsable: boolean;
  kvmReason: string;
  cpuHostWorks: boolean | undefined;
  hostCpuModel: string;
  caps: QemuCaps;
  /** UEFI code images tsvirt can boot (a <loader>); empty: BIOS only. */
  firmwareImages: string[];
}

/** Architectures libvirt knows by name (virArch), of which tsvirt's qemu serves x86_64 only. */
const KNOWN_ARCHES = new Set([
  'x86_64',
  'i686',
  'aarch64',
  'armv7l',
  'armv6l',
  'ppc64',
  'ppc64le',
  'ppc',
  's390x',
  's390',
  'riscv64',
  'riscv32',
  'mips',
  'mipsel',
  'mips64',
  'mips64el',
  'sparc',
  'sparc64',
  'alpha',
  'm68k',
]);

function invalidArg(message: string, fields: Record<string, unknown>): TsvirtError {
  return new TsvirtError('ERR_INVALID_ARG', message, fields);
}

/** Checks the query against the host and builds the XML. */
export function answerDomainCapabilities(q: DomainCapsQuery, host: DomainCapsHost): string {
  const arch = q.arch ?? 'x86_64';
  if (!KNOWN_ARCHES.has(arch)) {
    throw invalidArg(`unknown architecture: '${arch}'`, { field: 'arch', value: arch, expected: 'x86_64' });
  }
  if (arch !== 'x86_64') {
    throw new TsvirtError(
      'ERR_NOT_SUPPORTED',
      `unable to find any emulator to serve '${arch}' architecture`,
      {
        field: 'arch',
        value: arch,
        expected: 'x86_64',
      },
    );
  }
  if (q.emulatorbin && q.emulatorbin !== host.qemuBinary) {
    throw invalidArg(`emulator '${q.emulatorbin}' is not served here; this host's is '${host.qemuBinary}'`, {
      field: 'emulatorbin',
      value: q.emulatorbin,
      expected: host.qemuBinary,
    });
  }
  const virtType = resolveVirtType(q.virttype, host);
  return buildDomainCapabilitiesXml({
    emulator: host.qemuBinary,
    virtType,
    machine: resolveMachine(q.machine, host),
    arch: 'x86_64',
    cpuHostWorks: host.cpuHostWorks,
    hostCpuModel: host.hostCpuModel,
    cpuModels: listNamedCpuModels(host.caps),
    firmwareImages: host.firmwareImages,
  });
}

/** virttype: kvm where KVM is usable, else qemu; asking for kvm without it is libvirt's error. */
function resolveVirtType(virttype: string | null | undefined, host: DomainCapsHost): 'kvm' | 'qemu' {
  const type = virttype ?? (host.kvmUsable ? 'kvm' : 'qemu');
  if (type !== 'kvm' && type !== 'qemu') {
    throw invalidArg(`unknown virttype: ${type}`, {
      field: 'virttype',
      value: type,
      expected: ['kvm', 'qemu'],
    });
  }
  if (type === 'kvm' && !host.kvmUsable) {
    throw invalidArg(`KVM is not supported by '${host.qemuBinary}' on this host: ${host.kvmReason}`, {
      field: 'virttype',
      value: type,
      expected: ['qemu'],
      reason: host.kvmReason,
    });
  }
  return type;
}

/** machine: qemu's default when absent; an alias resolves to its canonical machine. */
function resolveMachine(machine: string | null | undefined, host: DomainCapsHost): MachineFact {
  const found =
    machine == null
      ? host.caps.machines.find((m) => m.isDefault)
      : MACHINE_PATTERN.test(machine)
        ? findMachine(host.caps, machine)
        : undefined;
  if (!found) {
    const name = machine ?? '(default)';
    throw invalidArg(`the machine '${name}' is not supported by emulator '${host.qemuBinary}'`, {
      field: 'machine',
      value: name,
      expected: ['pc', 'q35', 'pc-i440fx-X.Y', 'pc-q35-X.Y'],
    });
  }
  return found;
}
