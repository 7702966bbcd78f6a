import { describe, expect, it } from 'vitest';
import { formatDomainXml, parseDomainXml } from '../../src/domain/index.js';
import { buildDomainXml } from './fixtures.js';

describe('formatDomainXml', () => {
  it("writes libvirt's shape: element order, single quotes, two-space indent, defaults made explicit", () => {
    const xml = buildDomainXml({ devices: "<disk><source file='/i/a.img'/><target dev='vda'/></disk>" });
    expect(formatDomainXml(parseDomainXml(xml))).toBe(`<domain type='qemu'>
  <name>t</name>
  <uuid>6f1b5a2e-0d3c-4c1e-9d7f-3a2b1c0d9e8f</uuid>
  <memory unit='KiB'>65536</memory>
  <currentMemory unit='KiB'>65536</currentMemory>
  <vcpu placement='static'>1</vcpu>
  <os>
    <type arch='x86_64' machine='pc'>hvm</type>
    <boot dev='hd'/>
  </os>
  <on_poweroff>destroy</on_poweroff>
  <on_reboot>restart</on_reboot>
  <on_crash>destroy</on_crash>
  <devices>
    <disk type='file' device='disk'>
      <driver name='qemu' type='raw'/>
      <source file='/i/a.img'/>
      <target dev='vda' bus='virtio'/>
    </disk>
    <memballoon model='virtio'/>
  </devices>
</domain>
`);
  });

  it('adds the live facts of a running domain: id, aliases, the VNC port and the serial pty', () => {
    const config = parseDomainXml(
      buildDomainXml({
        devices:
          "<disk device='cdrom'><target dev='sdb' bus='sata'/></disk>" +
          "<interface type='user'><mac address='52:54:00:00:00:09'/></interface>" +
          "<serial type='pty'/><console type='pty'/><graphics type='vnc'/><memballoon model='virtio'/>",
      }),
    );
    const live = formatDomainXml(config, { id: 4, vncPort: 5902, serialPtys: ['/dev/pts/7'] });
    expect(live).toMatch(/^<domain type='qemu' id='4'>\n/);
    expect(live).toContain(
      "<target dev='sdb' bus='sata'/>\n      <readonly/>\n      <alias name='sata0-0-1'/>",
    );
    expect(live).toContain("<model type='virtio'/>\n      <alias name='net0'/>");
    expect(live).toContain("<serial type='pty'>\n      <source path='/dev/pts/7'/>");
    expect(live).toContain("<console type='pty' tty='/dev/pts/7'>\n      <source path='/dev/pts/7'/>");
    expect(live).toContain("<graphics type='vnc' port='5902' autoport='yes' listen='127.0.0.1'>");
    expect(live).toContain("<memballoon model='virtio'>\n      <alias name='balloon0'/>\n    </memballoon>");
    const inactive = formatDomainXml(config);
    expect(inactive).not.toContain('alias');
    // Without an address in the XML the inactive definition names none; the start fills in vnc_listen.
    expect(inactive).toContain(
      "<graphics type='vnc' port='-1' autoport='yes'>\n      <listen type='address'/>",
    );
  });

  it('escapes markup in text and attributes so that the output parses back to the same values', () => {
    const config = parseDomainXml(buildDomainXml());
    config.title = `<a> & 'b'`;
    config.devices.disks.push({
      device: 'disk',
      format: 'raw',
      source: { kind: 'file', path: "/i/o'brien & <x>.img" },
      targetDev: 'vda',
      bus: 'virtio',
      readonly: false,
    });
    const back = parseDomainXml(formatDomainXml(config));
    expect(back.title).toBe(`<a> & 'b'`);
    expect(back.devices.disks[0]?.source).toEqual({ kind: 'file', path: "/i/o'brien & <x>.img" });
  });
});
