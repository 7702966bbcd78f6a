/**
 * virConnectGetDomainCapabilities: the <domainCapabilities> document for one emulator, arch, machine and
 * virt type, in libvirt's shape, listing only what tsvirt can start. Pure: the facts come from the
 * cached host and qemu probes (domain-capabilities-query.ts resolves the arguments).
 */
import { HYPERV_FEATURES } from '../domain/types.js';
import { el, renderXml, type XmlNode } from '../domain/xml-writer.js';
import { findCpuModelVendor, type CpuModelFact, type MachineFact } from '../kvm/qemu-caps-parse.js';

/** What the document is built from. */
export interface DomainCapsFacts {
  emulator: string;
  virtType: 'kvm' | 'qemu';
  /** The canonical machine (pc-i440fx-7.2 for "pc"). */
  machine: MachineFact;
  arch: 'x86_64';
  /** Whether qemu's `-cpu host` starts under KVM here (the host fact cpuHostWorks; undefined: untried). */
  cpuHostWorks: boolean | undefined;
  /** The host's CPU as a qemu model name (the capabilities' <cpu><model>). */
  hostCpuModel: string;
  /** qemu's named CPU models (listNamedCpuModels). */
  cpuModels: CpuModelFact[];
  /** OVMF code images found on the host, empty where OVMF is not installed. */
  firmwareImages: string[];
}

const yes = (name: string, children: XmlNode['children'] = []): XmlNode =>
  el(name, [['supported', 'yes']], children);
const no = (name: string): XmlNode => el(name, [['supported', 'no']]);
const enumOf = (name: string, values: readonly string[]): XmlNode =>
  el(
    'enum',
    [['name', name]],
    values.map((v) => el('value', [], v)),
  );

/** Whether the machine is a Q35 (ICH9) one, which has no IDE bus. */
export function isQ35Machine(machine: MachineFact): boolean {
  return machine.name.startsWith('pc-q35-');
}

/** Builds the <domainCapabilities> XML. */
export function buildDomainCapabilitiesXml(f: DomainCapsFacts): string {
  return renderXml(
    el(
      'domainCapabilities',
      [],
      [
        el('path', [], f.emulator),
        el('domain', [], f.virtType),
        el('machine', [], f.machine.name),
        el('arch', [], f.arch),
        el('vcpu', [['max', f.machine.maxCpus]]),
        yes('iothreads'),
        buildOs(f),
        buildCpu(f),
        yes('memoryBacking', [enumOf('sourceType', ['anonymous'])]),
        buildDevices(f),
        buildFeatures(),
      ],
    ),
  );
}

function buildOs(f: DomainCapsFacts): XmlNode {
  // Firmware autoselection (efi) and pflash loaders need OVMF; without it only the BIOS boots.
  if (f.firmwareImages.length === 0) {
    return yes('os', [enumOf('firmware', []), el('loader', [['supported', 'no']])]);
  }
  return yes('os', [
    enumOf('firmware', ['efi']),
    yes('loader', [
      ...f.firmwareImages.map((path) => el('value', [], path)),
      enumOf('type', ['rom', 'pflash']),
      enumOf('readonly', ['yes', 'no']),
      enumOf('secure', ['no']),
    ]),
  ]);
}

/**
 * CPU modes as tsvirt starts them: host-passthrough and host-model are both qemu's `-cpu host`
 * (qemu-argv.ts), so both need KVM and a `-cpu host` that starts (the host fact cpuHostWorks). The
 * host-model entry names the capabilities' host model, as libvirt's does (virt-install reads
 * models[0] of a supported host-model). Migratable host-passthrough is not offered: no migration.
 */
function buildCpu(f: DomainCapsFacts): XmlNode {
  const hostCpu = f.virtType === 'kvm' && f.cpuHostWorks !== false;
  return el(
    'cpu',
    [],
    [
      hostCpu
        ? el(
            'mode',
            [
              ['name', 'host-passthrough'],
              ['supported', 'yes'],
            ],
            [enumOf('hostPassthroughMigratable', ['off'])],
          )
        : el('mode', [
            ['name', 'host-passthrough'],
            ['supported', 'no'],
          ]),
      hostCpu
        ? el(
            'mode',
            [
              ['name', 'host-model'],
              ['supported', 'yes'],
            ],
            [
              el('model', [['fallback', 'forbid']], f.hostCpuModel),
              el('vendor', [], findCpuModelVendor(f.hostCpuModel)),
            ],
          )
        : el('mode', [
            ['name', 'host-model'],
            ['supported', 'no'],
          ]),
      el(
        'mode',
        [
          ['name', 'custom'],
          ['supported', 'yes'],
        ],
        f.cpuModels.map((m) =>
          el(
            'model',
            [
              ['usable', m.usable ? 'yes' : 'no'],
              ['deprecated', m.deprecated ? 'yes' : undefined],
              ['vendor', findCpuModelVendor(m.name)],
            ],
            m.name,
          ),
        ),
      ),
    ],
  );
}

function buildDevices(f: DomainCapsFacts): XmlNode {
  const buses = isQ35Machine(f.machine) ? ['sata', 'virtio'] : ['ide', 'sata', 'virtio'];
  return el(
    'devices',
    [],
    [
      yes('disk', [enumOf('diskDevice', ['disk', 'cdrom']), enumOf('bus', buses)]),
      yes('graphics', [enumOf('type', ['vnc', 'spice'])]),
      yes('video', [enumOf('modelType', ['vga', 'cirrus', 'qxl', 'virtio', 'none', 'bochs', 'ramfb'])]),
      no('hostdev'),
      yes('rng', [enumOf('model', ['virtio']), enumOf('backendModel', ['random'])]),
      no('filesystem'),
      no('tpm'),
      yes('redirdev', [enumOf('bus', ['usb'])]),
      yes('channel', [enumOf('type', ['pty', 'unix', 'spicevmc'])]),
      no('crypto'),
    ],
  );
}

function buildFeatures(): XmlNode {
  return el(
    'features',
    [],
    [
      no('gic'),
      no('vmcoreinfo'),
      no('genid'),
      no('backingStoreInput'),
      no('backup'),
      no('sev'),
      no('sgx'),
      yes('hyperv', [enumOf('features', HYPERV_FEATURES)]),
    ],
  );
}
