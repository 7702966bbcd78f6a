import { describe, expect, it } from 'vitest';
import {
  assignDeviceAddresses,
  assignLiveIdentities,
  buildQemuArgv,
  formatDomainXml,
  parseDomainXml,
} from '../../src/domain/index.js';
import { buildDomainXml } from './fixtures.js';

const HOST = { qemuBinary: 'qemu', kvm: { usable: false, reason: 'test' } };
const PATHS = { qmpSocket: '/r/q.sock', serialLog: '/r/s.log' };

function define(devices: string, machine = 'pc') {
  return assignDeviceAddresses(
    parseDomainXml(buildDomainXml({ devices, os: `<type arch='x86_64' machine='${machine}'>hvm</type>` })),
  );
}

function argvOf(devices: string, machine = 'pc', spicePort?: number): string[] {
  return buildQemuArgv(assignLiveIdentities(define(devices, machine)), HOST, PATHS, { spicePort });
}

/** The value after each occurrence of `flag`. */
function valuesOf(argv: string[], flag: string): string[] {
  return argv.flatMap((a, i) => (a === flag ? [argv[i + 1] as string] : []));
}

function errorOf(xml: string): { code: string; fields: Record<string, unknown> } {
  try {
    parseDomainXml(xml);
  } catch (err) {
    return err as { code: string; fields: Record<string, unknown> };
  }
  throw new Error('parsed without an error');
}

describe('SPICE and VNC graphics', () => {
  it('writes an autoport SPICE server as libvirt: no port inactive, the live port and default address running', () => {
    const def = define("<graphics type='spice' port='-1' tlsPort='-1' autoport='yes'/>");
    expect(formatDomainXml(def)).toContain(
      "<graphics type='spice' autoport='yes'>\n      <listen type='address'/>\n    </graphics>",
    );
    expect(formatDomainXml(def, { id: 3, spicePort: 5901 })).toContain(
      "<graphics type='spice' port='5901' autoport='yes' listen='127.0.0.1'>\n      <listen type='address' address='127.0.0.1'/>",
    );
    expect(valuesOf(argvOf("<graphics type='spice' autoport='yes'/>", 'pc', 5901), '-spice')).toEqual([
      'port=5901,addr=127.0.0.1,disable-ticketing=on,seamless-migration=on',
    ]);
  });

  it('turns ticketing on for a password, shows it only with the secure flag, and keeps it through a round trip', () => {
    const xml =
      "<graphics type='spice' port='5905' autoport='no' passwd='pw'><image compression='off'/></graphics>";
    const def = define(xml);
    expect(formatDomainXml(def)).not.toContain('passwd');
    const secure = formatDomainXml(def, undefined, { secure: true });
    expect(secure).toContain("<graphics type='spice' port='5905' autoport='no' passwd='pw'>");
    expect(formatDomainXml(parseDomainXml(secure), undefined, { secure: true })).toBe(secure);
    expect(valuesOf(argvOf(xml), '-spice')).toEqual([
      'port=5905,addr=127.0.0.1,image-compression=off,seamless-migration=on',
    ]);
  });

  it('builds SPICE and VNC without a listen, and VNC with a password', () => {
    expect(valuesOf(argvOf("<graphics type='spice'><listen type='none'/></graphics>"), '-spice')).toEqual([
      'port=0,disable-ticketing=on,seamless-migration=on',
    ]);
    expect(valuesOf(argvOf("<graphics type='vnc'><listen type='none'/></graphics>"), '-vnc')).toEqual([
      'none',
    ]);
    expect(valuesOf(argvOf("<graphics type='vnc' autoport='yes' passwd='x'/>"), '-vnc')).toEqual([
      '127.0.0.1:0,to=99,password=on',
    ]);
  });

  it('refuses a fixed TLS port, an exposed server without a password and an autoport SPICE without a picked port', () => {
    expect(
      errorOf(buildDomainXml({ devices: "<graphics type='spice' tlsPort='5902'/>" })).fields,
    ).toMatchObject({
      attribute: 'tlsPort',
      value: '5902',
    });
    expect(errorOf(buildDomainXml({ devices: "<graphics type='spice' listen='0.0.0.0'/>" })).code).toBe(
      'ERR_NOT_SUPPORTED',
    );
    expect(() => argvOf("<graphics type='spice' autoport='yes'/>")).toThrow(/spicePort/);
  });
});

describe('video models', () => {
  it('fills in libvirt defaults and builds qxl as libvirt does on Q35', () => {
    const def = define("<graphics type='spice' autoport='yes'/><video><model type='qxl'/></video>", 'q35');
    expect(formatDomainXml(def)).toContain(
      "<model type='qxl' ram='65536' vram='65536' vgamem='16384' heads='1' primary='yes'/>\n      <address type='pci' domain='0x0000' bus='0x00' slot='0x01' function='0x0'/>",
    );
    expect(
      argvOf("<graphics type='spice' autoport='yes'/><video><model type='qxl'/></video>", 'q35', 5900),
    ).toContain(
      '{"driver":"qxl-vga","id":"video0","max_outputs":1,"ram_size":67108864,"vram_size":67108864,"vram64_size_mb":0,"vgamem_mb":16,"bus":"pcie.0","addr":"0x1"}',
    );
  });

  it('maps each model to its qemu device, primary first, and model none to no device', () => {
    const drivers = (model: string): string[] =>
      valuesOf(argvOf(`<video><model type='${model}'/></video>`), '-device').map(
        (d) => JSON.parse(d).driver as string,
      );
    expect(drivers('virtio')).toContain('virtio-vga');
    expect(drivers('cirrus')).toContain('cirrus-vga');
    expect(drivers('bochs')).toContain('bochs-display');
    expect(drivers('ramfb')).toContain('ramfb');
    expect(drivers('none').some((d) => /vga|qxl|ramfb|bochs/i.test(d))).toBe(false);
    const two = argvOf(
      "<video><model type='virtio'/></video><video><model type='qxl' primary='yes'/></video>",
    );
    const videos = valuesOf(two, '-device').filter((d) => /qxl|virtio-(vga|gpu)/.test(d));
    expect(videos.map((d) => [JSON.parse(d).driver, JSON.parse(d).id])).toEqual([
      ['qxl-vga', 'video0'],
      ['virtio-gpu-pci', 'video1'],
    ]);
    expect(formatDomainXml(define("<video><model type='none'/></video>"))).toContain(
      "<video>\n      <model type='none'/>\n    </video>",
    );
  });

  it('refuses vga as a secondary video and two primaries', () => {
    expect(
      errorOf(
        buildDomainXml({ devices: "<video><model type='qxl'/></video><video><model type='vga'/></video>" }),
      ).fields,
    ).toMatchObject({
      attribute: 'type',
      value: 'vga',
    });
    const twoPrimaries =
      "<video><model type='qxl' primary='yes'/></video><video><model type='virtio' primary='yes'/></video>";
    expect(errorOf(buildDomainXml({ devices: twoPrimaries })).fields).toMatchObject({ attribute: 'primary' });
  });
});

describe('sound, audio, rng, watchdog and panic', () => {
  it('adds audio id 1 (spice with SPICE graphics, none otherwise) and puts ich9 at 00:1b.0 on Q35', () => {
    const def = define("<graphics type='spice' autoport='yes'/><sound model='ich9'/>", 'q35');
    const xml = formatDomainXml(def);
    expect(xml).toContain(
      "<sound model='ich9'>\n      <address type='pci' domain='0x0000' bus='0x00' slot='0x1b' function='0x0'/>\n    </sound>\n    <audio id='1' type='spice'/>",
    );
    expect(formatDomainXml(define(''))).toContain("<audio id='1' type='none'/>");
    const argv = argvOf("<graphics type='spice' autoport='yes'/><sound model='ich9'/>", 'q35', 5900);
    expect(valuesOf(argv, '-audiodev')).toEqual(['{"id":"audio1","driver":"spice"}']);
    expect(argv).toContain('{"driver":"ich9-intel-hda","id":"sound0","bus":"pcie.0","addr":"0x1b"}');
    expect(argv).toContain(
      '{"driver":"hda-duplex","id":"sound0-codec0","bus":"sound0.0","cad":0,"audiodev":"audio1"}',
    );
  });

  it('builds ich6 and ac97 on their audiodev, and refuses a sound naming a missing audio', () => {
    const argv = argvOf("<sound model='ich6'/><sound model='ac97'><audio id='1'/></sound>");
    const devices = valuesOf(argv, '-device').map((d) => JSON.parse(d) as Record<string, unknown>);
    expect(devices.find((d) => d.driver === 'intel-hda')).toMatchObject({ id: 'sound0', bus: 'pci.0' });
    expect(devices.find((d) => d.driver === 'AC97')).toMatchObject({ id: 'sound1', audiodev: 'audio1' });
    const bad = buildDomainXml({
      devices: "<audio id='1' type='none'/><sound model='ich6'><audio id='2'/></sound>",
    });
    expect(errorOf(bad).fields).toMatchObject({ element: 'audio', value: '2' });
    expect(errorOf(buildDomainXml({ devices: "<audio id='1' type='spice'/>" })).fields).toMatchObject({
      value: 'spice',
    });
  });

  it('builds a virtio rng with its rate behind a root port on Q35 and refuses other backends', () => {
    const rng = "<rng model='virtio'><rate bytes='1024'/><backend model='random'>/dev/random</backend></rng>";
    const argv = argvOf(rng, 'q35');
    expect(valuesOf(argv, '-object')).toContain(
      '{"qom-type":"rng-random","id":"objrng0","filename":"/dev/random"}',
    );
    const dev = valuesOf(argv, '-device').find((d) => d.includes('virtio-rng-pci'));
    expect(JSON.parse(dev as string)).toMatchObject({
      rng: 'objrng0',
      id: 'rng0',
      'max-bytes': 1024,
      period: 1000,
      addr: '0x0',
    });
    const egd = "<rng model='virtio'><backend model='egd' type='tcp'/></rng>";
    expect(errorOf(buildDomainXml({ devices: egd })).fields).toMatchObject({
      attribute: 'model',
      value: 'egd',
    });
    expect(
      errorOf(
        buildDomainXml({
          devices: "<rng model='virtio'><backend model='random'>/etc/passwd</backend></rng>",
        }),
      ).code,
    ).toBe('ERR_NOT_SUPPORTED');
  });

  it('builds each watchdog with its action, refuses dump and itco on i440FX', () => {
    expect(argvOf("<watchdog model='i6300esb'/>")).toEqual(
      expect.arrayContaining(['-action', 'watchdog=reset']),
    );
    expect(argvOf("<watchdog model='ib700' action='poweroff'/>")).toContain(
      '{"driver":"ib700","id":"watchdog0"}',
    );
    expect(argvOf("<watchdog model='itco' action='pause'/>", 'q35')).toEqual(
      expect.arrayContaining(['-global', 'ICH9-LPC.noreboot=off', '-action', 'watchdog=pause']),
    );
    expect(
      errorOf(buildDomainXml({ devices: "<watchdog model='i6300esb' action='dump'/>" })).fields,
    ).toMatchObject({ value: 'dump' });
    expect(errorOf(buildDomainXml({ devices: "<watchdog model='itco'/>" })).fields).toMatchObject({
      value: 'itco',
    });
  });

  it('builds the ISA pvpanic at 0x505, the PCI one, and hv-crash for hyperv', () => {
    const def = define("<panic model='isa'/>");
    expect(formatDomainXml(def)).toContain(
      "<panic model='isa'>\n      <address type='isa' iobase='0x505'/>\n    </panic>",
    );
    expect(argvOf("<panic model='isa'/>")).toContain('{"driver":"pvpanic","ioport":1285}');
    expect(
      valuesOf(argvOf("<panic model='pvpanic'/>"), '-device').some((d) => d.includes('"pvpanic-pci"')),
    ).toBe(true);
    expect(valuesOf(argvOf("<panic model='hyperv'/>"), '-cpu')).toEqual(['qemu64,hv-crash=on']);
  });
});
