/** A disk's <backingStore> chain: read from domain XML, written back as libvirt writes it, live and inactive. */
import { describe, expect, it } from 'vitest';
import { formatDomainXml, parseDomainXml } from '../../src/domain/index.js';
import { parseDeviceXml } from '../../src/domain/device-xml.js';
import { buildLiveChain } from '../../src/driver/live-chain.js';
import { catchTsvirtError } from '../tsvirt-error.js';

const wrap = (disk: string): string => `<domain type='qemu'><name>d</name><memory unit='MiB'>64</memory>
  <os><type arch='x86_64' machine='pc'>hvm</type></os>
  <devices>${disk}</devices></domain>`;

/** The disk of a running domain after two external snapshots, as libvirt 9.0's live XML has it. */
const LIVE_DISK = `<disk type='file' device='disk'>
      <driver name='qemu' type='qcow2'/>
      <source file='/i/a.s2' index='3'/>
      <backingStore type='file' index='2'>
        <format type='qcow2'/>
        <source file='/i/a.s1'/>
        <backingStore type='file' index='1'>
          <format type='raw'/>
          <source file='/i/a.img'/>
          <backingStore/>
        </backingStore>
      </backingStore>
      <target dev='vda' bus='virtio'/>
    </disk>`;

describe('<backingStore>', () => {
  it('reads a live chain top first with each layer’s node index, and writes it back the same', () => {
    const live = parseDomainXml(wrap(LIVE_DISK), { live: true });
    const disk = live.devices.disks[0];
    expect(disk?.backingChain).toEqual([
      { path: '/i/a.s1', format: 'qcow2', nodeIndex: 2 },
      { path: '/i/a.img', format: 'raw', nodeIndex: 1 },
    ]);
    const xml = formatDomainXml(live);
    expect(xml).toContain(
      [
        "      <source file='/i/a.s2' index='3'/>",
        "      <backingStore type='file' index='2'>",
        "        <format type='qcow2'/>",
        "        <source file='/i/a.s1'/>",
        "        <backingStore type='file' index='1'>",
        "          <format type='raw'/>",
        "          <source file='/i/a.img'/>",
        '          <backingStore/>',
        '        </backingStore>',
        '      </backingStore>',
        "      <target dev='vda' bus='virtio'/>",
      ].join('\n'),
    );
    expect(parseDomainXml(xml, { live: true })).toEqual(live);
  });

  it('keeps the chain of a definition without the node indices of a run', () => {
    const def = parseDomainXml(wrap(LIVE_DISK));
    expect(def.devices.disks[0]?.backingChain).toEqual([
      { path: '/i/a.s1', format: 'qcow2' },
      { path: '/i/a.img', format: 'raw' },
    ]);
    expect(formatDomainXml(def)).toContain(
      "<backingStore type='file'>\n        <format type='qcow2'/>\n        <source file='/i/a.s1'/>",
    );
  });

  it('reads an empty <backingStore/> as nothing below, and writes nothing for a disk whose chain is unknown', () => {
    const empty = parseDomainXml(
      wrap("<disk type='file'><source file='/i/b.img'/><backingStore/><target dev='vda'/></disk>"),
    );
    expect(empty.devices.disks[0]?.backingChain).toEqual([]);
    expect(formatDomainXml(empty)).toContain("<source file='/i/b.img'/>\n      <backingStore/>\n");
    const plain = parseDomainXml(
      wrap("<disk type='file'><source file='/i/b.img'/><target dev='vda'/></disk>"),
    );
    expect(plain.devices.disks[0]?.backingChain).toBeUndefined();
    expect(formatDomainXml(plain)).not.toContain('backingStore');
  });

  it('drops the chain of a device to plug (qemu opens its backing images itself)', () => {
    const spec = parseDeviceXml(LIVE_DISK);
    expect(spec.kind === 'disk' && spec.disk.backingChain).toBeUndefined();
  });

  it('refuses a backing store that is not a file, or lacks its format or source, naming the element', () => {
    const network = catchTsvirtError(() =>
      parseDomainXml(
        wrap(
          "<disk type='file'><source file='/i/b'/><backingStore type='network'><format type='raw'/></backingStore><target dev='vda'/></disk>",
        ),
      ),
    );
    expect(network.fields).toMatchObject({ element: 'backingStore', attribute: 'type', value: 'network' });
    const noFormat = catchTsvirtError(() =>
      parseDomainXml(
        wrap(
          "<disk type='file'><source file='/i/b'/><backingStore type='file'><source file='/i/c'/></backingStore><target dev='vda'/></disk>",
        ),
      ),
    );
    expect(noFormat.message).toContain('element <format> is missing');
    const relative = catchTsvirtError(() =>
      parseDomainXml(
        wrap(
          "<disk type='file'><source file='/i/b'/><backingStore type='file'><format type='raw'/><source file='c.img'/></backingStore><target dev='vda'/></disk>",
        ),
      ),
    );
    expect(relative.message).toContain("'c.img' is not an absolute path");
  });
});

describe('buildLiveChain', () => {
  const node = (nodeName: string, file: string, driver: string, backingFile?: string) => ({
    nodeName,
    file,
    driver,
    readOnly: false,
    ...(backingFile === undefined ? {} : { backingFile }),
  });

  it('follows qemu’s nodes below the top by backing file, with indices from libvirt-N-format names', () => {
    const nodes = [
      node('libvirt-3-format', '/i/a.s2', 'qcow2', 'a.s1'),
      node('libvirt-3-storage', '/i/a.s2', 'file'),
      node('libvirt-2-format', '/i/a.s1', 'qcow2', '/i/a.img'),
      node('#block123', '/i/a.img', 'raw'),
      node('libvirt-9-format', '/i/other.qcow2', 'qcow2'),
    ];
    expect(buildLiveChain(nodes, 'libvirt-3-format')).toEqual([
      { path: '/i/a.s1', format: 'qcow2', nodeIndex: 2 },
      { path: '/i/a.img', format: 'raw' },
    ]);
    expect(buildLiveChain(nodes, 'libvirt-9-format')).toEqual([]);
  });
});
