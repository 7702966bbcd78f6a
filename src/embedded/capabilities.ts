import { el, renderXml, type XmlNode } from '../domain/xml-writer.js';
import type { MachineFact } from '../kvm/qemu-caps-parse.js';

/** What the capabilities document says about the host and its guests. */
export interface CapabilitiesFacts {
  hostUuid: string;
  cpuVendor: string | null;
  /** The host CPU as a qemu -cpu model name (pickHostCpuModel), which clients copy into domain XML. */
  cpuModel: string | null;
  cpuFlags: string[];
  sockets: number;
  cores: number;
  threads: number;
  qemuBinary: string;
  /** Guest domain types that can run: always 'qemu' (TCG), and 'kvm' only where the host check allows it. */
  domainTypes: Array<'qemu' | 'kvm'>;
  /** qemu's machine types that tsvirt starts, in qemu's order. */
  machines: MachineFact[];
  /** The host's NUMA cells (one, cell 0, on a host without NUMA folders). */
  cells: CellFact[];
}

/** One NUMA cell of the host. */
export interface CellFact {
  id: number;
  memoryKiB: bigint;
  cpus: number[];
}

/** <topology>: each cell with its memory and CPUs, as libvirt lists them (clients such as freecell --all read the ids). */
export function buildTopologyNode(cells: CellFact[]): XmlNode {
  return el(
    'topology',
    [],
    [
      el(
        'cells',
        [['num', cells.length]],
        cells.map((c) =>
          el(
            'cell',
            [['id', c.id]],
            [
              el('memory', [['unit', 'KiB']], String(c.memoryKiB)),
              el(
                'cpus',
                [['num', c.cpus.length]],
                c.cpus.map((id) => el('cpu', [['id', id]])),
              ),
            ],
          ),
        ),
      ),
    ],
  );
}

/**
 * The <machine> entries as libvirt lists them: qemu's default machine first, each canonical name with
 * its vCPU limit, then its alias (pc, q35) pointing at it with canonical=.
 */
export function buildMachineNodes(machines: MachineFact[]): XmlNode[] {
  const ordered = [...machines.filter((m) => m.isDefault), ...machines.filter((m) => !m.isDefault)];
  return ordered.flatMap((m) => {
    const deprecated = m.deprecated ? 'yes' : undefined;
    const own = el(
      'machine',
      [
        ['maxCpus', m.maxCpus],
        ['deprecated', deprecated],
      ],
      m.name,
    );
    if (m.alias === undefined) return [own];
    return [
      own,
      el(
        'machine',
        [
          ['canonical', m.name],
          ['maxCpus', m.maxCpus],
          ['deprecated', deprecated],
        ],
        m.alias,
      ),
    ];
  });
}

/** Builds the capabilities XML (virConnectGetCapabilities) in libvirt's format. */
export function buildCapabilitiesXml(f: CapabilitiesFacts): string {
  const vendor =
    f.cpuVendor === 'GenuineIntel'
      ? 'Intel'
      : f.cpuVendor === 'AuthenticAMD'
        ? 'AMD'
        : (f.cpuVendor ?? 'unknown');
  const host = el(
    'host',
    [],
    [
      el('uuid', [], f.hostUuid),
      el(
        'cpu',
        [],
        [
          el('arch', [], 'x86_64'),
          f.cpuModel ? el('model', [], f.cpuModel) : undefined,
          el('vendor', [], vendor),
          el('topology', [
            ['sockets', f.sockets],
            ['dies', 1],
            ['cores', f.cores],
            ['threads', f.threads],
          ]),
          ...f.cpuFlags.map((name) => el('feature', [['name', name]])),
        ],
      ),
      // Live migration over tcp (qemu's stream to the destination's -incoming port) is what tsvirt does.
      el(
        'migration_features',
        [],
        [el('live', []), el('uri_transports', [], [el('uri_transport', [], 'tcp')])],
      ),
      buildTopologyNode(f.cells),
    ],
  );
  const guest = el(
    'guest',
    [],
    [
      el('os_type', [], 'hvm'),
      el(
        'arch',
        [['name', 'x86_64']],
        [
          el('wordsize', [], '64'),
          el('emulator', [], f.qemuBinary),
          ...buildMachineNodes(f.machines),
          ...f.domainTypes.map((t) => el('domain', [['type', t]])),
        ],
      ),
      el(
        'features',
        [],
        [
          el('acpi', [
            ['default', 'on'],
            ['toggle', 'yes'],
          ]),
          el('apic', [
            ['default', 'on'],
            ['toggle', 'no'],
          ]),
        ],
      ),
    ],
  );
  return renderXml(el('capabilities', [], [host, guest]));
}
