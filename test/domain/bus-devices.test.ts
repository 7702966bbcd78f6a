import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  assignDeviceAddresses,
  assignLiveIdentities,
  buildQemuArgv,
  formatDomainXml,
  parseDomainXml,
  type DomainConfig,
} from '../../src/domain/index.js';
import { catchTsvirtError } from '../tsvirt-error.js';
import { buildDomainXml } from './fixtures.js';

const HOST = { qemuBinary: 'qemu-system-x86_64', kvm: { usable: false, reason: 'test' } };
const PATHS = { qmpSocket: '/run/t.d/monitor.sock', serialLog: '/l' };

function fixture(name: string): DomainConfig {
  const xml = readFileSync(new URL(`./fixtures/virt-install/${name}.xml`, import.meta.url), 'utf8');
  return assignDeviceAddresses(parseDomainXml(xml));
}

function define(devices: string, machine = 'pc'): DomainConfig {
  const os = `<type arch='x86_64' machine='${machine}'>hvm</type>`;
  return assignDeviceAddresses(parseDomainXml(buildDomainXml({ os, devices })));
}

function devicesOf(argv: string[]): string[] {
  return argv.flatMap((a, i) => (argv[i - 1] === '-device' || argv[i - 1] === '-chardev' ? [a] : []));
}

const hexPci = (a: { bus: number; slot: number; function: number } | undefined): string =>
  a ? `${a.bus}:${a.slot.toString(16)}.${a.function}` : '-';

describe('bus controllers and their PCI places, as libvirt 9 gives them', () => {
  it('puts ICH9 EHCI and UHCI companions in one slot after the sound card on i440FX, then virtio-serial and the balloon', () => {
    const c = fixture('det-pc');
    const usb = (c.devices.controllers ?? []).filter((x) => x.type === 'usb');
    expect(
      usb.map((x) => `${x.model} ${hexPci(x.address)}${x.address?.multifunction ? ' multi' : ''}`),
    ).toEqual(['ich9-ehci1 0:4.7', 'ich9-uhci1 0:4.0 multi', 'ich9-uhci2 0:4.1', 'ich9-uhci3 0:4.2']);
    const vs = c.devices.controllers?.find((x) => x.type === 'virtio-serial');
    expect(hexPci(vs?.address)).toBe('0:5.0');
    expect(hexPci(c.devices.memballoon?.address)).toBe('0:6.0');
    expect(hexPci(c.devices.video?.address)).toBe('0:2.0');
  });

  it('on Q35 puts the video on 00:01.0 before the root ports, xhci on bus 1, virtio-serial on bus 2, the balloon on bus 3', () => {
    const c = fixture('win-q35');
    expect(hexPci(c.devices.video?.address)).toBe('0:1.0');
    expect(c.devices.rootPorts?.map((p) => `${p.index}@${hexPci(p.address)}/${p.port}`).slice(0, 2)).toEqual([
      '1@0:2.0/16',
      '2@0:2.1/17',
    ]);
    expect(c.devices.rootPorts).toHaveLength(14);
    const by = (t: string) => c.devices.controllers?.find((x) => x.type === t)?.address;
    expect([hexPci(by('usb')), hexPci(by('virtio-serial')), hexPci(c.devices.memballoon?.address)]).toEqual([
      '1:0.0',
      '2:0.0',
      '3:0.0',
    ]);
  });

  it('adds piix3-uhci at 00:01.2 on i440FX and qemu-xhci on Q35 when the XML has no USB controller, and the ps2 inputs', () => {
    const pc = define('');
    expect(pc.devices.controllers).toEqual([
      {
        type: 'usb',
        index: 0,
        model: 'piix3-uhci',
        address: { type: 'pci', domain: 0, bus: 0, slot: 1, function: 2 },
      },
    ]);
    expect(pc.devices.inputs).toEqual([
      { type: 'mouse', bus: 'ps2' },
      { type: 'keyboard', bus: 'ps2' },
    ]);
    const q35 = define('', 'q35');
    expect(q35.devices.controllers?.[0]).toMatchObject({
      type: 'usb',
      model: 'qemu-xhci',
      address: { bus: 1 },
    });
  });

  it('places the unix guest-agent channel on virtio-serial port 1 and a tablet and redirdevs on USB ports 1, 2, 3', () => {
    const c = fixture('cd-pc');
    expect(c.devices.channels?.map((ch) => `${ch.type} ${ch.address?.port}`)).toEqual([
      'unix 1',
      'spicevmc 2',
    ]);
    const usb = [...(c.devices.inputs ?? []), ...(c.devices.redirdevs ?? [])].flatMap((d) =>
      d.address?.type === 'usb' ? [d.address.port] : [],
    );
    expect(usb).toEqual([1, 2, 3]);
  });

  it('refuses IDE on Q35, a USB device with USB model none and spicevmc without SPICE graphics', () => {
    expect(catchTsvirtError(() => define("<controller type='ide'/>", 'q35'))).toMatchObject({
      code: 'ERR_NOT_SUPPORTED',
      fields: { field: 'type', value: 'ide' },
    });
    expect(
      catchTsvirtError(() => define("<controller type='usb' model='none'/><input type='tablet' bus='usb'/>")),
    ).toMatchObject({ code: 'ERR_XML_INVALID', fields: { field: 'model', value: 'none' } });
    expect(
      catchTsvirtError(() =>
        define("<channel type='spicevmc'><target type='virtio' name='com.redhat.spice.0'/></channel>"),
      ),
    ).toMatchObject({ code: 'ERR_XML_INVALID', fields: { expected: 'spice' } });
    expect(catchTsvirtError(() => define("<controller type='scsi' model='lsilogic'/>"))).toMatchObject({
      code: 'ERR_NOT_SUPPORTED',
    });
  });
});

describe('dumpxml and qemu argv of bus devices', () => {
  it('writes the live controllers, channels, inputs and redirdevs with libvirt aliases, and reads them back equal', () => {
    const live = assignLiveIdentities(fixture('det-pc'));
    const xml = formatDomainXml(live, { id: 1 });
    expect(xml).toContain(`    <controller type='usb' index='0' model='ich9-uhci1'>
      <alias name='usb'/>
      <master startport='0'/>
      <address type='pci' domain='0x0000' bus='0x00' slot='0x04' function='0x0' multifunction='on'/>
    </controller>`);
    expect(xml).toContain(`    <channel type='spicevmc'>
      <target type='virtio' name='com.redhat.spice.0' state='disconnected'/>
      <alias name='channel0'/>
      <address type='virtio-serial' controller='0' bus='0' port='1'/>
    </channel>
    <input type='tablet' bus='usb'>
      <alias name='input0'/>
      <address type='usb' bus='0' port='1'/>
    </input>
    <input type='mouse' bus='ps2'>
      <alias name='input1'/>
    </input>`);
    expect(xml).toContain(`    <redirdev bus='usb' type='spicevmc'>
      <alias name='redir1'/>
      <address type='usb' bus='0' port='3'/>
    </redirdev>`);
    const inactive = formatDomainXml(fixture('det-pc'));
    expect(formatDomainXml(assignDeviceAddresses(parseDomainXml(inactive)))).toBe(inactive);
  });

  it('builds the USB, virtio-serial, channel, input and redirdev devices libvirt runs', () => {
    const argv = devicesOf(buildQemuArgv(fixture('win-q35'), HOST, PATHS, { spicePort: 5900 } as never));
    expect(argv).toContain('{"driver":"qemu-xhci","p2":15,"p3":15,"id":"usb","bus":"pci.1","addr":"0x0"}');
    expect(argv).toContain('{"driver":"virtio-serial-pci","id":"virtio-serial0","bus":"pci.2","addr":"0x0"}');
    expect(argv).toContain('{"driver":"usb-tablet","id":"input0","bus":"usb.0","port":"1"}');
    expect(argv).toContain(
      '{"driver":"usb-redir","chardev":"charredir1","id":"redir1","bus":"usb.0","port":"3"}',
    );
    expect(argv).toContain('spicevmc,id=charchannel0,name=vdagent');
    const lin = devicesOf(buildQemuArgv(fixture('lng-q35'), HOST, PATHS));
    expect(lin).toContain('socket,id=charchannel0,path=/run/t.d/org.qemu.guest_agent.0,server=on,wait=off');
    expect(lin).toContain(
      '{"driver":"virtserialport","bus":"virtio-serial0.0","nr":1,"chardev":"charchannel0","id":"channel0","name":"org.qemu.guest_agent.0"}',
    );
  });

  it('puts scsi disks on a virtio-scsi controller and usb disks on USB ports', () => {
    const c = define(
      "<disk type='file'><source file='/i/a.img'/><target dev='sda' bus='scsi'/></disk><disk type='file'><source file='/i/b.img'/><target dev='sdb' bus='usb'/></disk>",
    );
    expect(c.devices.controllers?.map((x) => x.type)).toEqual(['usb', 'scsi']);
    expect(c.devices.disks.map((d) => d.address)).toEqual([
      { type: 'drive', controller: 0, bus: 0, target: 0, unit: 0 },
      { type: 'usb', bus: 0, port: 1 },
    ]);
    const argv = devicesOf(buildQemuArgv(c, HOST, PATHS));
    expect(argv).toContain('{"driver":"virtio-scsi-pci","id":"scsi0","bus":"pci.0","addr":"0x2"}');
    expect(argv.find((a) => a.includes('scsi-hd'))).toBe(
      '{"driver":"scsi-hd","bus":"scsi0.0","channel":0,"scsi-id":0,"lun":0,"device_id":"drive-scsi0-0-0-0","drive":"libvirt-1-format","id":"scsi0-0-0-0","bootindex":1}',
    );
    expect(argv.find((a) => a.includes('usb-storage'))).toBe(
      '{"driver":"usb-storage","bus":"usb.0","port":"1","drive":"libvirt-2-format","id":"usb-disk1"}',
    );
  });
});
