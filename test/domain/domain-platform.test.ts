import { describe, expect, it } from 'vitest';
import {
  assignDeviceAddresses,
  buildQemuArgv,
  formatDomainXml,
  parseDomainXml,
  type QemuHostFacts,
} from '../../src/domain/index.js';
import { catchTsvirtError } from '../tsvirt-error.js';
import { buildDomainXml } from './fixtures.js';

const HOST: QemuHostFacts = {
  qemuBinary: '/usr/bin/qemu-system-x86_64',
  kvm: { usable: false, reason: 'none' },
};
const PATHS = { qmpSocket: '/r/g.qmp', serialLog: '/r/g.log' };
const QEMU_NS = "xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0'";

function argvOf(xml: string): string[] {
  return buildQemuArgv(parseDomainXml(xml), HOST, PATHS);
}

function argAfter(argv: string[], flag: string): string[] {
  return argv.flatMap((a, i) => (a === flag ? [argv[i + 1] as string] : []));
}

/** parse, format, parse again: the same config and the same text. */
function roundTrip(xml: string): string {
  const config = parseDomainXml(xml);
  const text = formatDomainXml(config);
  expect(parseDomainXml(text)).toEqual(config);
  expect(formatDomainXml(parseDomainXml(text))).toBe(text);
  return text;
}

describe('domain namespaces', () => {
  it('keeps nested namespaced metadata with text and a prefix declared on <domain>', () => {
    const xml = buildDomainXml({
      top: `<metadata><app:data><app:item key="a&amp;b">one &lt; two</app:item><app:empty/></app:data><x:y xmlns:x="urn:x"/></metadata>`,
    }).replace("<domain type='qemu'>", "<domain type='qemu' xmlns:app='urn:app'>");
    const text = roundTrip(xml);
    expect(text).toContain(
      [
        '  <metadata>',
        '    <app:data xmlns:app="urn:app">',
        '      <app:item key="a&amp;b">one &lt; two</app:item>',
        '      <app:empty/>',
        '    </app:data>',
        '    <x:y xmlns:x="urn:x"/>',
        '  </metadata>',
      ].join('\n'),
    );
    expect(text.startsWith("<domain type='qemu'>")).toBe(true);
  });

  it('refuses metadata in no namespace, naming the element', () => {
    const err = catchTsvirtError(() =>
      parseDomainXml(buildDomainXml({ top: '<metadata><plain/></metadata>' })),
    );
    expect(err.code).toBe('ERR_XML_INVALID');
    expect(err.message).toContain('metadata element <plain> is in no namespace');
  });

  it('appends <qemu:commandline> arguments last and writes them back with the qemu prefix', () => {
    const xml = buildDomainXml({
      top: "<q:commandline><q:arg value='-trace'/><q:arg value='help,x'/><q:env name='QEMU_X' value='1'/></q:commandline>",
    }).replace(
      "<domain type='qemu'>",
      "<domain type='qemu' xmlns:q='http://libvirt.org/schemas/domain/qemu/1.0'>",
    );
    const config = parseDomainXml(xml);
    expect(config.qemuCommandline).toEqual({
      args: ['-trace', 'help,x'],
      env: [{ name: 'QEMU_X', value: '1' }],
    });
    expect(buildQemuArgv(config, HOST, PATHS).slice(-2)).toEqual(['-trace', 'help,x']);
    const text = roundTrip(xml);
    expect(text.split('\n')[0]).toBe(`<domain type='qemu' ${QEMU_NS}>`);
    expect(text).toContain(
      "  </devices>\n  <qemu:commandline>\n    <qemu:arg value='-trace'/>\n    <qemu:arg value='help,x'/>\n    <qemu:env name='QEMU_X' value='1'/>\n  </qemu:commandline>\n</domain>",
    );
  });

  it('refuses <qemu:commandline> whose prefix is not declared', () => {
    const err = catchTsvirtError(() =>
      parseDomainXml(buildDomainXml({ top: "<qemu:commandline><qemu:arg value='-S'/></qemu:commandline>" })),
    );
    expect(err.code).toBe('ERR_XML_INVALID');
    expect(err.message).toContain("namespace prefix 'qemu' is not declared");
  });
});

describe('features, clock, pm and cpu', () => {
  it('maps every Hyper-V enlightenment, kvmclock, tsc and a hidden KVM into -cpu', () => {
    const flags = [
      'relaxed',
      'vapic',
      'vpindex',
      'runtime',
      'synic',
      'stimer',
      'reset',
      'frequencies',
      'tlbflush',
      'ipi',
    ];
    const xml = buildDomainXml({
      top: `<features><acpi/><pae/><hyperv mode='custom'>${flags.map((f) => `<${f} state='on'/>`).join('')}<spinlocks state='on' retries='4096'/></hyperv><kvm><hidden state='on'/></kvm><vmport state='on'/></features>
        <cpu mode='custom' match='exact'><model>Haswell-noTSX</model><topology sockets='1' dies='1' cores='2' threads='2'/><feature policy='require' name='pcid'/><feature policy='disable' name='avx2'/></cpu>
        <vcpu>4</vcpu>
        <clock offset='utc'><timer name='kvmclock' present='no'/><timer name='tsc' frequency='2000000000'/><timer name='pit' tickpolicy='discard'/></clock>`,
    });
    const argv = argvOf(xml);
    expect(argAfter(argv, '-cpu')).toEqual([
      'Haswell-noTSX,pcid=on,avx2=off,kvmclock=off,tsc-frequency=2000000000,hv-relaxed=on,hv-vapic=on,hv-spinlocks=0x1000,hv-vpindex=on,hv-runtime=on,hv-synic=on,hv-stimer=on,hv-reset=on,hv-frequencies=on,hv-tlbflush=on,hv-ipi=on,kvm=off',
    ]);
    expect(argAfter(argv, '-smp')).toEqual(['4,sockets=1,cores=2,threads=2']);
    expect(argAfter(argv, '-machine')).toEqual(['pc,acpi=on,vmport=on']);
    expect(argAfter(argv, '-global')).toEqual(['kvm-pit.lost_tick_policy=discard']);
    const text = roundTrip(xml);
    expect(text).toContain(
      "  <cpu mode='custom' match='exact' check='partial'>\n    <model fallback='allow'>Haswell-noTSX</model>\n    <topology sockets='1' dies='1' cores='2' threads='2'/>\n    <feature policy='require' name='pcid'/>\n    <feature policy='disable' name='avx2'/>\n  </cpu>",
    );
    expect(text).toContain("    <pae/>\n    <hyperv mode='custom'>\n      <relaxed state='on'/>");
    expect(text).toContain(
      "    </hyperv>\n    <kvm>\n      <hidden state='on'/>\n    </kvm>\n    <vmport state='on'/>",
    );
  });

  it('gives hyperv flags the qemu64 model when there is no <cpu>, and pm enabled as =0', () => {
    const argv = argvOf(
      buildDomainXml({
        top: "<features><hyperv><relaxed state='on'/><vapic state='off'/></hyperv></features><pm><suspend-to-mem enabled='yes'/></pm>",
      }),
    );
    expect(argAfter(argv, '-cpu')).toEqual(['qemu64,hv-relaxed=on']);
    expect(argAfter(argv, '-global')).toEqual(['PIIX4_PM.disable_s3=0']);
  });

  it.each([
    [
      "<features><hyperv><spinlocks state='on' retries='100'/></hyperv></features>",
      'retries',
      'ERR_XML_INVALID',
    ],
    ["<features><hyperv><evmcs state='on'/></hyperv></features>", 'evmcs', 'ERR_NOT_SUPPORTED'],
    ["<clock offset='utc'><timer name='rtc' tickpolicy='merge'/></clock>", 'tickpolicy', 'ERR_NOT_SUPPORTED'],
    [
      "<clock offset='utc'><timer name='hpet' present='no'/><timer name='hpet'/></clock>",
      'listed twice',
      'ERR_XML_INVALID',
    ],
    [
      "<vcpu>3</vcpu><cpu><model>qemu64</model><topology sockets='1' cores='2' threads='1'/></cpu>",
      'topology',
      'ERR_XML_INVALID',
    ],
  ])('refuses %s', (top, word, code) => {
    const err = catchTsvirtError(() => parseDomainXml(buildDomainXml({ top })));
    expect(err.code).toBe(code);
    expect(err.message).toContain(word);
  });
});

describe('disks and NICs', () => {
  const disk = (driver: string, extra = ''): string =>
    `<disk type='file' device='disk'><driver name='qemu' type='qcow2' ${driver}/><source file='/i/a.qcow2'/><target dev='vda' bus='virtio'/>${extra}</disk>`;

  it('maps cache, io, discard and detect_zeroes to block node and device properties', () => {
    const xml = buildDomainXml({
      devices: disk(
        "cache='none' io='native' discard='unmap' detect_zeroes='unmap'",
        "<shareable/><serial>S123</serial><boot order='2'/>",
      ),
    });
    const argv = argvOf(xml);
    expect(argAfter(argv, '-blockdev').map((b) => JSON.parse(b) as unknown)).toEqual([
      {
        driver: 'file',
        filename: '/i/a.qcow2',
        'node-name': 'libvirt-1-storage',
        'read-only': false,
        cache: { direct: true, 'no-flush': false },
        aio: 'native',
        discard: 'unmap',
      },
      {
        driver: 'qcow2',
        file: 'libvirt-1-storage',
        'node-name': 'libvirt-1-format',
        'read-only': false,
        cache: { direct: true, 'no-flush': false },
        discard: 'unmap',
        'detect-zeroes': 'unmap',
      },
    ]);
    const device = JSON.parse(
      argAfter(argv, '-device').find((d) => d.includes('virtio-blk')) as string,
    ) as Record<string, unknown>;
    expect(device).toMatchObject({ 'write-cache': 'on', serial: 'S123', 'share-rw': true, bootindex: 2 });
    const text = roundTrip(xml);
    expect(text).toContain(
      "      <driver name='qemu' type='qcow2' cache='none' io='native' discard='unmap' detect_zeroes='unmap'/>",
    );
    expect(text).toContain("      <shareable/>\n      <serial>S123</serial>\n      <boot order='2'/>\n");
    expect(text).not.toContain('<boot dev=');
  });

  it('refuses per-device boot order together with <os><boot>', () => {
    const err = catchTsvirtError(() =>
      parseDomainXml(
        buildDomainXml({
          os: "<type arch='x86_64' machine='pc'>hvm</type><boot dev='hd'/>",
          devices: disk('', "<boot order='1'/>"),
        }),
      ),
    );
    expect(err.message).toContain('per-device boot elements cannot be used together with os/boot elements');
  });

  it('refuses io=native without cache none or directsync', () => {
    const err = catchTsvirtError(() => parseDomainXml(buildDomainXml({ devices: disk("io='native'") })));
    expect(err.fields).toMatchObject({ attribute: 'cache', value: 'default' });
  });

  it.each([
    ['e1000', 'e1000', 'pci.0'],
    ['rtl8139', 'rtl8139', 'pci.0'],
    ['e1000e', 'e1000e', 'pci.1'],
    ['virtio', 'virtio-net-pci', 'pci.1'],
  ])('drives NIC model %s as qemu device %s (on Q35 on bus %s)', (model, driver, bus) => {
    const xml = buildDomainXml({
      os: "<type arch='x86_64' machine='q35'>hvm</type>",
      devices: `<interface type='user'><mac address='52:54:00:00:00:01'/><model type='${model}'/></interface>`,
    });
    const defined = assignDeviceAddresses(parseDomainXml(xml));
    const nic = argAfter(buildQemuArgv(defined, HOST, PATHS), '-device')
      .map((d) => JSON.parse(d) as Record<string, unknown>)
      .find((d) => d.netdev);
    expect(nic).toMatchObject({ driver, bus: bus === 'pci.0' ? 'pcie.0' : bus });
    roundTrip(xml);
  });

  it("reads <interface type='network'>, keeps a target name of the user's and drops a vnetN one", () => {
    const nic = (target: string): unknown =>
      parseDomainXml(
        buildDomainXml({
          devices: `<interface type='network'><source network='default' bridge='virbr0'/><target dev='${target}'/></interface>`,
        }),
      ).devices.interfaces[0];
    expect(nic('vnet3')).toMatchObject({ type: 'network', network: 'default', model: 'virtio' });
    expect(nic('vnet3')).not.toHaveProperty('targetDev');
    expect(nic('lan0')).toMatchObject({ type: 'network', network: 'default', targetDev: 'lan0' });
  });

  it('refuses a portgroup, naming it and the remedy', () => {
    const err = catchTsvirtError(() =>
      parseDomainXml(
        buildDomainXml({
          devices: "<interface type='network'><source network='default' portgroup='web'/></interface>",
        }),
      ),
    );
    expect(err.code).toBe('ERR_NOT_SUPPORTED');
    expect(err.message).toBe(
      "domain/devices/interface/source: portgroup 'web' is not supported: tsvirt's networks have no port groups; remove the portgroup attribute",
    );
  });
});
