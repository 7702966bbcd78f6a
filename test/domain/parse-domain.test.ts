import { describe, expect, it } from 'vitest';
import { formatDomainXml, parseDomainXml } from '../../src/domain/index.js';
import { BOOT_SECTOR_XML, buildDomainXml, FULL_XML, LINUX_XML } from './fixtures.js';

function roundTrip(xml: string): void {
  const first = parseDomainXml(xml);
  const written = formatDomainXml(first);
  const second = parseDomainXml(written);
  expect(second).toEqual(first);
  expect(formatDomainXml(second)).toBe(written);
}

describe('parseDomainXml', () => {
  it('reads a boot-sector guest into a typed config with libvirt defaults filled in', () => {
    expect(parseDomainXml(BOOT_SECTOR_XML)).toEqual({
      type: 'kvm',
      name: 'bootsector',
      uuid: '6f1b5a2e-0d3c-4c1e-9d7f-3a2b1c0d9e8f',
      memoryKiB: 65536,
      currentMemoryKiB: 65536,
      vcpus: 1,
      vcpuPlacement: 'static',
      vcpupin: [],
      os: { type: 'hvm', arch: 'x86_64', machine: 'pc', boot: ['hd'] },
      features: { acpi: true, apic: true },
      onPoweroff: 'destroy',
      onReboot: 'restart',
      onCrash: 'destroy',
      devices: {
        disks: [
          {
            device: 'disk',
            format: 'raw',
            source: { kind: 'file', path: '/var/lib/tsvirt/images/boot.img' },
            targetDev: 'hda',
            bus: 'ide',
            readonly: false,
          },
        ],
        interfaces: [],
        serials: [{ type: 'pty', port: 0 }],
        consoles: [{ type: 'pty', port: 0 }],
        graphics: [],
        memballoon: { model: 'none' },
      },
    });
  });

  it('generates a lower-case v4 uuid when <uuid> is absent, and a new one each time', () => {
    const xml = BOOT_SECTOR_XML.replace(/<uuid>.*<\/uuid>/, '');
    const a = parseDomainXml(xml).uuid;
    const b = parseDomainXml(xml).uuid;
    expect(a).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(a).not.toBe(b);
  });

  it('normalizes a uuid written without dashes or in upper case', () => {
    const xml = BOOT_SECTOR_XML.replace(/<uuid>.*<\/uuid>/, '<uuid>6F1B5A2E0D3C4C1E9D7F3A2B1C0D9E8F</uuid>');
    expect(parseDomainXml(xml).uuid).toBe('6f1b5a2e-0d3c-4c1e-9d7f-3a2b1c0d9e8f');
  });

  it('converts memory units to KiB: MiB, GiB, bytes, KB (1000) and the KiB default', () => {
    const kib = (mem: string): number =>
      parseDomainXml(buildDomainXml().replace("<memory unit='MiB'>64</memory>", mem)).memoryKiB;
    expect(kib("<memory unit='GiB'>2</memory>")).toBe(2097152);
    expect(kib("<memory unit='b'>1048576</memory>")).toBe(1024);
    expect(kib("<memory unit='KB'>1024000</memory>")).toBe(1000000);
    expect(kib('<memory>4096</memory>')).toBe(4096);
  });

  it('generates a 52:54:00 MAC and the virtio model for an interface that names neither', () => {
    const nic = parseDomainXml(buildDomainXml({ devices: "<interface type='user'/>" })).devices.interfaces[0];
    expect(nic?.mac).toMatch(/^52:54:00:[0-9a-f]{2}:[0-9a-f]{2}:[0-9a-f]{2}$/);
    expect(nic?.model).toBe('virtio');
  });

  it('adds a virtio memballoon when the XML names none, as libvirt does', () => {
    expect(parseDomainXml(buildDomainXml()).devices.memballoon).toEqual({ model: 'virtio' });
  });

  it('gives a console without a serial the serial it stands for', () => {
    const devices = parseDomainXml(buildDomainXml({ devices: "<console type='pty'/>" })).devices;
    expect(devices.serials).toEqual([{ type: 'pty', port: 0 }]);
    expect(devices.consoles).toEqual([{ type: 'pty', port: 0 }]);
  });

  it('numbers serials without a target port after the ones before them', () => {
    const xml = buildDomainXml({
      devices: "<serial type='pty'/><serial type='file'><source path='/tmp/a'/></serial>",
    });
    expect(parseDomainXml(xml).devices.serials.map((s) => s.port)).toEqual([0, 1]);
  });

  it('marks every cdrom read-only and infers the bus from the target name', () => {
    const xml = buildDomainXml({
      devices:
        "<disk device='cdrom'><target dev='hdc'/></disk><disk><source file='/a.img'/><target dev='vda'/></disk>",
    });
    const [cd, vd] = parseDomainXml(xml).devices.disks;
    expect(cd).toEqual({ device: 'cdrom', format: 'raw', targetDev: 'hdc', bus: 'ide', readonly: true });
    expect(vd?.bus).toBe('virtio');
  });

  it('accepts the live facts of dumpxml output (id, aliases, pty paths) without keeping them', () => {
    const config = parseDomainXml(FULL_XML);
    const live = formatDomainXml(config, { id: 7, vncPort: 5903, serialPtys: ['/dev/pts/3'] });
    expect(parseDomainXml(live)).toEqual(config);
  });

  it("takes what libvirtd 9.0's migration XML carries: the default /machine partition, an empty <backingStore/>", () => {
    const plain = parseDomainXml(
      buildDomainXml({
        devices:
          "<disk type='file' device='disk'><source file='/d.img'/><target dev='hda' bus='ide'/></disk>",
      }),
    );
    const fromLibvirtd = parseDomainXml(
      buildDomainXml({
        top: '<resource>\n    <partition>/machine</partition>\n  </resource>',
        devices:
          "<disk type='file' device='disk'><source file='/d.img'/><backingStore/><target dev='hda' bus='ide'/></disk>",
      }),
    );
    // The empty element says that nothing is below the source: an empty chain, the rest as plain.
    expect(fromLibvirtd.devices.disks[0]?.backingChain).toEqual([]);
    delete fromLibvirtd.devices.disks[0]?.backingChain;
    expect({ ...fromLibvirtd, uuid: plain.uuid }).toEqual(plain);
    expect(() =>
      parseDomainXml(buildDomainXml({ top: '<resource><partition>/other</partition></resource>' })),
    ).toThrow(
      "domain/resource/partition: value '/other' of <partition> is not supported by tsvirt; use one of: /machine",
    );
    expect(() =>
      parseDomainXml(
        buildDomainXml({
          devices:
            "<disk type='file' device='disk'><source file='/d.img'/><backingStore type='file'/><target dev='hda'/></disk>",
        }),
      ),
    ).toThrow('domain/devices/disk/backingStore: element <format> is missing');
  });
});

describe('parse -> format -> parse', () => {
  const cases: Record<string, string> = {
    'a boot-sector guest': BOOT_SECTOR_XML,
    'a Linux guest with kernel, initrd and cmdline': LINUX_XML,
    'a guest with every supported element': FULL_XML,
    'title and description with markup characters': buildDomainXml({
      top: "<title>a &lt;b&gt; 'c'</title><description>x &amp; y</description>",
    }),
    'memory and currentMemory with units': buildDomainXml({
      top: "<currentMemory unit='KiB'>32768</currentMemory>",
    }),
    'vcpu with placement auto and a cpuset': buildDomainXml({
      top: "<vcpu placement='auto' cpuset='0-3,^1,8'>3</vcpu>",
    }),
    'cputune vcpupin': buildDomainXml({
      top: "<vcpu>2</vcpu><cputune><vcpupin vcpu='1' cpuset='2-3'/><vcpupin vcpu='0' cpuset='0'/></cputune>",
    }),
    'os boot order': buildDomainXml({
      os: "<type>hvm</type><boot dev='network'/><boot dev='cdrom'/><boot dev='hd'/>",
    }),
    'os with q35': buildDomainXml({ os: "<type arch='x86_64' machine='q35'>hvm</type>" }),
    'features acpi only': buildDomainXml({ top: '<features><acpi/></features>' }),
    'cpu host-passthrough': buildDomainXml({
      top: "<cpu mode='host-passthrough' check='none' migratable='on'/>",
    }),
    'cpu host-model': buildDomainXml({ top: "<cpu mode='host-model'/>" }),
    'cpu custom': buildDomainXml({
      top: "<cpu mode='custom' match='exact'><model fallback='allow'>Nehalem</model></cpu>",
    }),
    'clock localtime': buildDomainXml({ top: "<clock offset='localtime'/>" }),
    'lifecycle actions': buildDomainXml({
      top: '<on_poweroff>preserve</on_poweroff><on_reboot>destroy</on_reboot><on_crash>restart</on_crash>',
    }),
    'an empty cdrom on sata': buildDomainXml({
      devices: "<disk type='file' device='cdrom'><target dev='sdb' bus='sata'/><readonly/></disk>",
    }),
    'a block disk': buildDomainXml({
      devices:
        "<disk type='block'><driver name='qemu' type='raw'/><source dev='/dev/sdb'/><target dev='vdb'/></disk>",
    }),
    'a volume disk': buildDomainXml({
      devices:
        "<disk type='volume' device='disk'><driver name='qemu' type='raw'/><source pool='default' volume='kvm1.img'/><target dev='vdb' bus='virtio'/></disk>",
    }),
    'a vmdk disk': buildDomainXml({
      devices:
        "<disk><driver name='qemu' type='vmdk'/><source file='/a.vmdk'/><target dev='hda' bus='ide'/></disk>",
    }),
    'interfaces of every type': buildDomainXml({
      devices:
        "<interface type='user'><mac address='52:54:00:00:00:01'/><model type='e1000'/></interface>" +
        "<interface type='bridge'><mac address='52:54:00:00:00:02'/><source bridge='virbr0'/></interface>" +
        "<interface type='ethernet'><mac address='52:54:00:00:00:03'/><target dev='tap7'/><rom enabled='no'/></interface>",
    }),
    'serials of every type': buildDomainXml({
      devices:
        "<serial type='unix'><source mode='bind' path='/run/s.sock'/><target port='3'/></serial>" +
        "<serial type='file'><source path='/var/log/s.log'/></serial>",
    }),
    'vnc with a fixed port': buildDomainXml({
      devices: "<graphics type='vnc' port='5905' autoport='no' listen='127.0.0.1'/>",
    }),
    'vnc on a socket': buildDomainXml({ devices: "<graphics type='vnc' socket='/run/t.vnc'/>" }),
    'vnc on a socket with no path': buildDomainXml({
      devices: "<graphics type='vnc'><listen type='socket'/></graphics>",
    }),
    'memballoon none': buildDomainXml({ devices: "<memballoon model='none'/>" }),
    'an emulator': buildDomainXml({ devices: '<emulator>/opt/qemu/bin/qemu-system-x86_64</emulator>' }),
  };
  for (const [what, xml] of Object.entries(cases)) {
    it(`keeps ${what} unchanged`, () => roundTrip(xml));
  }
});
