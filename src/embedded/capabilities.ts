import { XMLBuilder } from 'fast-xml-parser';

/** What the capabilities document says about the host and its guests. */
export interface CapabilitiesFacts {
  hostUuid: string;
  cpuVendor: string | null;
  cpuModel: string | null;
  cpuFlags: string[];
  sockets: number;
  cores: number;
  threads: number;
  qemuBinary: string;
  /** Guest domain types that can run: always 'qemu' (TCG), and 'kvm' only where the host check allows it. */
  domainTypes: Array<'qemu' | 'kvm'>;
  machines: string[];
}

/** Builds the capabilities XML (virConnectGetCapabilities) in libvirt's format. */
export function buildCapabilitiesXml(f: CapabilitiesFacts): string {
  const vendor =
    f.cpuVendor === 'GenuineIntel'
      ? 'Intel'
      : f.cpuVendor === 'AuthenticAMD'
        ? 'AMD'
        : (f.cpuVendor ?? 'unknown');
  const doc = {
    capabilities: {
      host: {
        uuid: f.hostUuid,
        cpu: {
          arch: 'x86_64',
          ...(f.cpuModel ? { model: f.cpuModel } : {}),
          vendor,
          topology: { '@_sockets': f.sockets, '@_dies': 1, '@_cores': f.cores, '@_threads': f.threads },
          feature: f.cpuFlags.map((name) => ({ '@_name': name })),
        },
        // No <migration_features> until tsvirt migrates: clients take them for a promise.
      },
      guest: {
        os_type: 'hvm',
        arch: {
          '@_name': 'x86_64',
          wordsize: 64,
          emulator: f.qemuBinary,
          machine: f.machines.map((m) => ({ '@_maxCpus': 255, '#text': m })),
          domain: f.domainTypes.map((t) => ({ '@_type': t })),
        },
        features: {
          acpi: { '@_default': 'on', '@_toggle': 'yes' },
          apic: { '@_default': 'on', '@_toggle': 'no' },
        },
      },
    },
  };
  const builder = new XMLBuilder({
    ignoreAttributes: false,
    format: true,
    indentBy: '  ',
    suppressEmptyNode: true,
  });
  return builder.build(doc) as string;
}
