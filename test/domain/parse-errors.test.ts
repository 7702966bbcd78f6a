import { describe, expect, it } from 'vitest';
import { parseDomainXml } from '../../src/domain/index.js';
import { TsvirtError } from '../../src/errors.js';
import * as fixtures from './fixtures.js';
import { buildDomainXml } from './fixtures.js';

function parseError(xml: string): TsvirtError {
  try {
    parseDomainXml(xml);
  } catch (err) {
    expect(err).toBeInstanceOf(TsvirtError);
    return err as TsvirtError;
  }
  throw new Error('parseDomainXml accepted the XML');
}

const replaceMemory = (mem: string): string =>
  buildDomainXml().replace("<memory unit='MiB'>64</memory>", mem);

describe('parseDomainXml rejects', () => {
  it('XML that is not well-formed, with line and column', () => {
    const err = parseError("<domain type='qemu'>\n  <name>t</nam>\n</domain>");
    expect(err.code).toBe('ERR_XML_PARSE');
    expect(err.fields).toMatchObject({ line: 2 });
    expect(typeof err.fields.col).toBe('number');
    expect(err.message).toMatch(/^XML is not well-formed at line 2, column \d+: /);
  });

  it('a document with two root elements', () => {
    const err = parseError("<domain type='qemu'/><domain type='qemu'/>");
    expect(err.code).toBe('ERR_XML_PARSE');
    expect(err.fields).toEqual({ roots: ['domain', 'domain'] });
  });

  it('a root element other than <domain>', () => {
    const err = parseError("<pool type='dir'/>");
    expect(err.code).toBe('ERR_XML_INVALID');
    expect(err.fields).toMatchObject({ element: 'pool', value: 'pool', expected: '<domain>' });
  });

  const cases: Array<[string, string, TsvirtError['code'], Record<string, unknown>]> = [
    [
      'a missing type',
      buildDomainXml().replace(" type='qemu'", ''),
      'ERR_XML_INVALID',
      { element: 'domain', attribute: 'type' },
    ],
    [
      'type xen',
      buildDomainXml({ type: 'xen' }),
      'ERR_NOT_SUPPORTED',
      { element: 'domain', attribute: 'type', value: 'xen', expected: ['kvm', 'qemu'] },
    ],
    [
      'a missing name',
      buildDomainXml().replace('<name>t</name>', ''),
      'ERR_XML_INVALID',
      { element: 'domain', expected: '<name>NAME</name>' },
    ],
    [
      'a name with a slash',
      buildDomainXml().replace('<name>t</name>', '<name>a/b</name>'),
      'ERR_XML_INVALID',
      { element: 'name', value: 'a/b' },
    ],
    [
      "the name '..', which would name the folder above its own",
      buildDomainXml().replace('<name>t</name>', '<name>..</name>'),
      'ERR_XML_INVALID',
      { element: 'name', value: '..' },
    ],
    [
      'a bad uuid',
      buildDomainXml().replace(/<uuid>.*<\/uuid>/, '<uuid>not-a-uuid</uuid>'),
      'ERR_XML_INVALID',
      { element: 'uuid', value: 'not-a-uuid' },
    ],
    [
      'a missing memory',
      replaceMemory(''),
      'ERR_XML_INVALID',
      { element: 'domain', expected: "<memory unit='KiB'>SIZE</memory>" },
    ],
    [
      'memory "abc"',
      replaceMemory('<memory>abc</memory>'),
      'ERR_XML_INVALID',
      { element: 'memory', value: 'abc', expected: 'a non-negative integer' },
    ],
    [
      'memory unit "XB"',
      replaceMemory("<memory unit='XB'>1</memory>"),
      'ERR_XML_INVALID',
      { element: 'memory', attribute: 'unit', value: 'XB' },
    ],
    ['memory 0', replaceMemory('<memory>0</memory>'), 'ERR_XML_INVALID', { element: 'memory', value: '0' }],
    [
      'currentMemory above memory',
      buildDomainXml({ top: "<currentMemory unit='MiB'>128</currentMemory>" }),
      'ERR_XML_INVALID',
      { element: 'currentMemory', value: '131072', expected: 'at most 65536 KiB' },
    ],
    [
      'an unsupported memory attribute',
      replaceMemory("<memory dumpCore='on'>1</memory>"),
      'ERR_NOT_SUPPORTED',
      { element: 'memory', attribute: 'dumpCore' },
    ],
    ['vcpu 0', buildDomainXml({ top: '<vcpu>0</vcpu>' }), 'ERR_XML_INVALID', { element: 'vcpu', value: '0' }],
    [
      'vcpu placement "numa"',
      buildDomainXml({ top: "<vcpu placement='numa'>1</vcpu>" }),
      'ERR_NOT_SUPPORTED',
      { element: 'vcpu', attribute: 'placement', value: 'numa', expected: ['static', 'auto'] },
    ],
    [
      'a malformed cpuset',
      buildDomainXml({ top: "<vcpu cpuset='1-'>1</vcpu>" }),
      'ERR_XML_INVALID',
      { element: 'vcpu', attribute: 'cpuset', value: '1-' },
    ],
    [
      'a vcpupin of a vCPU that does not exist',
      buildDomainXml({ top: "<vcpu>2</vcpu><cputune><vcpupin vcpu='2' cpuset='0'/></cputune>" }),
      'ERR_XML_INVALID',
      { element: 'vcpupin', attribute: 'vcpu', value: '2', expected: '0-1' },
    ],
    [
      'an unsupported cputune element',
      buildDomainXml({ top: '<cputune><shares>2048</shares></cputune>' }),
      'ERR_NOT_SUPPORTED',
      { element: 'shares', path: 'domain/cputune/shares' },
    ],
    [
      'an unknown top-level element',
      buildDomainXml({ top: '<numatune/>' }),
      'ERR_NOT_SUPPORTED',
      { element: 'numatune', path: 'domain/numatune' },
    ],
    [
      'a missing <os>',
      buildDomainXml().replace(/<os>.*<\/os>/, ''),
      'ERR_XML_INVALID',
      { element: 'domain' },
    ],
    [
      'os type xen',
      buildDomainXml({ os: '<type>xen</type>' }),
      'ERR_NOT_SUPPORTED',
      { element: 'type', value: 'xen', expected: ['hvm'] },
    ],
    [
      'arch aarch64',
      buildDomainXml({ os: "<type arch='aarch64'>hvm</type>" }),
      'ERR_NOT_SUPPORTED',
      { element: 'type', attribute: 'arch', value: 'aarch64' },
    ],
    [
      'machine virt',
      buildDomainXml({ os: "<type machine='virt'>hvm</type>" }),
      'ERR_NOT_SUPPORTED',
      { element: 'type', attribute: 'machine', value: 'virt' },
    ],
    [
      'boot dev "usb"',
      buildDomainXml({ os: "<type>hvm</type><boot dev='usb'/>" }),
      'ERR_NOT_SUPPORTED',
      { element: 'boot', attribute: 'dev', value: 'usb' },
    ],
    [
      'an os loader',
      buildDomainXml({ os: "<type>hvm</type><loader readonly='yes'>/x.fd</loader>" }),
      'ERR_NOT_SUPPORTED',
      { element: 'loader', path: 'domain/os/loader' },
    ],
    [
      'an initrd without a kernel',
      buildDomainXml({ os: '<type>hvm</type><initrd>/i.gz</initrd>' }),
      'ERR_XML_INVALID',
      { element: 'initrd' },
    ],
    [
      'feature smm',
      buildDomainXml({ top: "<features><smm state='on'/></features>" }),
      'ERR_NOT_SUPPORTED',
      { element: 'smm', path: 'domain/features/smm' },
    ],
    [
      'cpu mode maximum',
      buildDomainXml({ top: "<cpu mode='maximum'/>" }),
      'ERR_NOT_SUPPORTED',
      { element: 'cpu', attribute: 'mode', value: 'maximum' },
    ],
    [
      'a custom cpu without a model',
      buildDomainXml({ top: "<cpu mode='custom'/>" }),
      'ERR_XML_INVALID',
      { element: 'cpu' },
    ],
    [
      'a cpu model with a comma',
      buildDomainXml({ top: '<cpu><model>qemu64,+vmx</model></cpu>' }),
      'ERR_XML_INVALID',
      { element: 'model', value: 'qemu64,+vmx' },
    ],
    [
      'cpu feature policy force',
      buildDomainXml({ top: "<cpu><model>qemu64</model><feature policy='force' name='avx'/></cpu>" }),
      'ERR_NOT_SUPPORTED',
      { element: 'feature', attribute: 'policy', value: 'force' },
    ],
    [
      'clock offset variable',
      buildDomainXml({ top: "<clock offset='variable'/>" }),
      'ERR_NOT_SUPPORTED',
      { element: 'clock', attribute: 'offset', value: 'variable' },
    ],
    [
      'a clock timer qemu has not',
      buildDomainXml({ top: "<clock offset='utc'><timer name='platform'/></clock>" }),
      'ERR_NOT_SUPPORTED',
      { element: 'timer', attribute: 'name', value: 'platform' },
    ],
    [
      'on_crash coredump-destroy',
      buildDomainXml({ top: '<on_crash>coredump-destroy</on_crash>' }),
      'ERR_NOT_SUPPORTED',
      { element: 'on_crash', value: 'coredump-destroy' },
    ],
    [
      'on_poweroff rename-restart',
      buildDomainXml({ top: '<on_poweroff>rename-restart</on_poweroff>' }),
      'ERR_NOT_SUPPORTED',
      { element: 'on_poweroff', value: 'rename-restart' },
    ],
    [
      'an unknown device <smartcard>',
      buildDomainXml({ devices: "<smartcard mode='passthrough' type='spicevmc'/>" }),
      'ERR_NOT_SUPPORTED',
      { element: 'smartcard', path: 'domain/devices/smartcard' },
    ],
    [
      'disk bus fdc',
      buildDomainXml({ devices: "<disk><source file='/a'/><target dev='sda' bus='fdc'/></disk>" }),
      'ERR_NOT_SUPPORTED',
      {
        element: 'target',
        attribute: 'bus',
        value: 'fdc',
        expected: ['virtio', 'ide', 'sata', 'scsi', 'usb'],
      },
    ],
    [
      'disk type network',
      buildDomainXml({ devices: "<disk type='network'><target dev='vda'/></disk>" }),
      'ERR_NOT_SUPPORTED',
      { element: 'disk', attribute: 'type', value: 'network' },
    ],
    [
      'disk device floppy',
      buildDomainXml({ devices: "<disk device='floppy'><source file='/a'/><target dev='fda'/></disk>" }),
      'ERR_NOT_SUPPORTED',
      { element: 'disk', attribute: 'device', value: 'floppy' },
    ],
    [
      'driver type vdi',
      buildDomainXml({
        devices: "<disk><driver name='qemu' type='vdi'/><source file='/a'/><target dev='vda'/></disk>",
      }),
      'ERR_NOT_SUPPORTED',
      { element: 'driver', attribute: 'type', value: 'vdi' },
    ],
    [
      'a driver error_policy attribute',
      buildDomainXml({
        devices:
          "<disk><driver name='qemu' type='raw' error_policy='stop'/><source file='/a'/><target dev='vda'/></disk>",
      }),
      'ERR_NOT_SUPPORTED',
      { element: 'driver', attribute: 'error_policy' },
    ],
    [
      'a disk without a source',
      buildDomainXml({ devices: "<disk><target dev='vda'/></disk>" }),
      'ERR_XML_INVALID',
      { element: 'disk' },
    ],
    [
      'a relative disk path',
      buildDomainXml({ devices: "<disk><source file='a.img'/><target dev='vda'/></disk>" }),
      'ERR_XML_INVALID',
      { element: 'source', attribute: 'file', value: 'a.img' },
    ],
    [
      'a bad target name',
      buildDomainXml({ devices: "<disk><source file='/a'/><target dev='xvda'/></disk>" }),
      'ERR_XML_INVALID',
      { element: 'target', attribute: 'dev', value: 'xvda' },
    ],
    [
      'a duplicate target dev',
      buildDomainXml({
        devices:
          "<disk><source file='/a'/><target dev='vda'/></disk><disk><source file='/b'/><target dev='vda'/></disk>",
      }),
      'ERR_XML_INVALID',
      { element: 'target', attribute: 'dev', value: 'vda' },
    ],
    [
      'a volume name with a slash',
      buildDomainXml({
        devices: "<disk type='volume'><source pool='default' volume='../x'/><target dev='vda'/></disk>",
      }),
      'ERR_XML_INVALID',
      { element: 'source', attribute: 'volume', value: '../x' },
    ],
    [
      'a cdrom on virtio',
      buildDomainXml({ devices: "<disk device='cdrom'><target dev='vda' bus='virtio'/></disk>" }),
      'ERR_NOT_SUPPORTED',
      { attribute: 'bus', value: 'virtio' },
    ],
    [
      'a read-only IDE disk',
      buildDomainXml({ devices: "<disk><source file='/a'/><target dev='hda'/><readonly/></disk>" }),
      'ERR_NOT_SUPPORTED',
      { element: 'readonly', value: 'ide' },
    ],
    [
      'IDE on q35',
      buildDomainXml({
        os: "<type machine='q35'>hvm</type>",
        devices: "<disk><source file='/a'/><target dev='hda'/></disk>",
      }),
      'ERR_NOT_SUPPORTED',
      { attribute: 'bus', value: 'ide' },
    ],
    [
      'an IDE target past hdd',
      buildDomainXml({ devices: "<disk><source file='/a'/><target dev='hde'/></disk>" }),
      'ERR_NOT_SUPPORTED',
      { attribute: 'dev', value: 'hde' },
    ],
    [
      'a disk address of a type tsvirt has no bus for',
      buildDomainXml({
        devices: "<disk><source file='/a'/><target dev='vda'/><address type='ccw' devno='0x0001'/></disk>",
      }),
      'ERR_NOT_SUPPORTED',
      { element: 'address', attribute: 'type', value: 'ccw' },
    ],
    [
      'interface portgroup',
      buildDomainXml({
        devices: "<interface type='network'><source network='default' portgroup='web'/></interface>",
      }),
      'ERR_NOT_SUPPORTED',
      { element: 'source', attribute: 'portgroup', value: 'web' },
    ],
    [
      'interface model ne2k_pci',
      buildDomainXml({ devices: "<interface type='user'><model type='ne2k_pci'/></interface>" }),
      'ERR_NOT_SUPPORTED',
      { element: 'model', attribute: 'type', value: 'ne2k_pci' },
    ],
    [
      'a bad MAC',
      buildDomainXml({ devices: "<interface type='user'><mac address='52:54:00:zz:00:01'/></interface>" }),
      'ERR_XML_INVALID',
      { element: 'mac', attribute: 'address', value: '52:54:00:zz:00:01' },
    ],
    [
      'a multicast MAC',
      buildDomainXml({ devices: "<interface type='user'><mac address='01:00:5e:00:00:01'/></interface>" }),
      'ERR_XML_INVALID',
      { element: 'mac', value: '01:00:5e:00:00:01' },
    ],
    [
      'a duplicate MAC',
      buildDomainXml({
        devices:
          "<interface type='user'><mac address='52:54:00:00:00:01'/></interface><interface type='user'><mac address='52:54:00:00:00:01'/></interface>",
      }),
      'ERR_XML_INVALID',
      { element: 'mac', value: '52:54:00:00:00:01' },
    ],
    [
      'an ethernet interface without a tap',
      buildDomainXml({ devices: "<interface type='ethernet'/>" }),
      'ERR_XML_INVALID',
      { element: 'interface' },
    ],
    [
      'a bridge name of 16 characters',
      buildDomainXml({ devices: "<interface type='bridge'><source bridge='abcdefghijklmnop'/></interface>" }),
      'ERR_XML_INVALID',
      { element: 'source', attribute: 'bridge' },
    ],
    [
      'serial type tcp',
      buildDomainXml({ devices: "<serial type='tcp'/>" }),
      'ERR_NOT_SUPPORTED',
      { element: 'serial', attribute: 'type', value: 'tcp' },
    ],
    [
      'a unix serial in connect mode',
      buildDomainXml({ devices: "<serial type='unix'><source mode='connect' path='/s'/></serial>" }),
      'ERR_NOT_SUPPORTED',
      { element: 'source', attribute: 'mode', value: 'connect' },
    ],
    [
      'a serial port past COM4',
      buildDomainXml({ devices: "<serial type='pty'><target port='4'/></serial>" }),
      'ERR_NOT_SUPPORTED',
      { element: 'target', attribute: 'port', value: '4' },
    ],
    [
      'a virtio console',
      buildDomainXml({ devices: "<console type='pty'><target type='virtio'/></console>" }),
      'ERR_NOT_SUPPORTED',
      { element: 'target', attribute: 'type', value: 'virtio' },
    ],
    [
      'a console that differs from its serial',
      buildDomainXml({ devices: "<serial type='file'><source path='/f'/></serial><console type='pty'/>" }),
      'ERR_XML_INVALID',
      { element: 'console', value: 'pty' },
    ],
    [
      'graphics sdl',
      buildDomainXml({ devices: "<graphics type='sdl'/>" }),
      'ERR_NOT_SUPPORTED',
      { element: 'graphics', attribute: 'type', value: 'sdl', expected: ['vnc', 'spice'] },
    ],
    [
      'vnc on 0.0.0.0',
      buildDomainXml({ devices: "<graphics type='vnc' listen='0.0.0.0'/>" }),
      'ERR_NOT_SUPPORTED',
      {
        element: 'graphics',
        attribute: 'listen',
        value: '0.0.0.0',
        expected: ['127.0.0.1', 'another address only with passwd= set'],
      },
    ],
    [
      'a fixed spice TLS port',
      buildDomainXml({ devices: "<graphics type='spice' autoport='yes' tlsPort='5901'/>" }),
      'ERR_NOT_SUPPORTED',
      { element: 'graphics', attribute: 'tlsPort', value: '5901' },
    ],
    [
      'a vnc port below 5900',
      buildDomainXml({ devices: "<graphics type='vnc' port='22' autoport='no'/>" }),
      'ERR_XML_INVALID',
      { element: 'graphics', attribute: 'port', value: '22' },
    ],
    [
      'memballoon xen',
      buildDomainXml({ devices: "<memballoon model='xen'/>" }),
      'ERR_NOT_SUPPORTED',
      { element: 'memballoon', attribute: 'model', value: 'xen' },
    ],
    [
      'a relative emulator',
      buildDomainXml({ devices: '<emulator>qemu</emulator>' }),
      'ERR_XML_INVALID',
      { element: 'emulator', value: 'qemu' },
    ],
  ];
  for (const [what, xml, code, fields] of cases) {
    it(what, () => {
      const err = parseError(xml);
      expect(err.code).toBe(code);
      expect(err.fields).toMatchObject(fields);
      expect(err.message.length).toBeGreaterThan(10);
    });
  }

  it('a NIC rom that is enabled (only disabling the ROM is supported)', () => {
    const err = parseError(
      buildDomainXml({ devices: "<interface type='user'><rom enabled='yes'/></interface>" }),
    );
    expect(err.code).toBe('ERR_NOT_SUPPORTED');
    expect(err.fields).toMatchObject({ element: 'rom', attribute: 'enabled', value: 'yes' });
  });

  it('names an unknown element in its message, subject first', () => {
    const err = parseError(buildDomainXml({ devices: "<smartcard mode='passthrough'/>" }));
    expect(err.message).toBe(
      'domain/devices/smartcard: element <smartcard> is not supported by tsvirt; remove it',
    );
  });
});

describe('parseDomainXml and DOCTYPE', () => {
  it('rejects a DOCTYPE, so that no entity expands to a file or a huge text', () => {
    const lol = `<?xml version="1.0"?>
<!-- entities -->
<!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>
<domain type='qemu'><name>&x;</name><memory>1</memory><os><type>hvm</type></os></domain>`;
    const err = parseError(lol);
    expect(err.code).toBe('ERR_NOT_SUPPORTED');
    expect(err.fields).toEqual({ element: '!DOCTYPE' });
  });
});

describe('parseDomainXml on broken input', () => {
  it('throws only TsvirtError for every truncation of a full domain XML', () => {
    const { FULL_XML } = fixtures;
    const codes = new Set<string>();
    for (let cut = 0; cut < FULL_XML.length; cut++) {
      const err = parseError(FULL_XML.slice(0, cut));
      codes.add(err.code);
    }
    expect(
      [...codes].every((c) => ['ERR_XML_PARSE', 'ERR_XML_INVALID', 'ERR_NOT_SUPPORTED'].includes(c)),
    ).toBe(true);
    expect(codes.has('ERR_XML_PARSE')).toBe(true);
  });

  it('throws only TsvirtError for garbage', () => {
    for (const junk of [
      '',
      'domain',
      '<',
      '<<>>',
      '\u0000\u0001',
      '<domain',
      '{"domain":1}',
      '<a><b/></a>',
    ]) {
      expect(['ERR_XML_PARSE', 'ERR_XML_INVALID']).toContain(parseError(junk).code);
    }
  });
});
