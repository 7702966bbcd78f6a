import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  buildQemuArgv,
  formatDomainXml,
  parseDomainXml,
  type QemuHostFacts,
} from '../../src/domain/index.js';
import { catchTsvirtError } from '../tsvirt-error.js';

const FIXTURES = join(import.meta.dirname, 'fixtures', 'virt-install');
const NAMES = readdirSync(FIXTURES).filter((f) => f.endsWith('.xml'));

const HOST: QemuHostFacts = {
  qemuBinary: '/usr/bin/qemu-system-x86_64',
  kvm: { usable: true, reason: '/dev/kvm answers' },
};
const PATHS = { qmpSocket: '/r/g.qmp', serialLog: '/r/g.log' };

/** A fixture with its devices cut down to the emulator and the disks: the domain-level part. */
function domainPart(name: string): string {
  // The kvm fixtures name the host CPU as the capabilities of their time did ('AMD EPYC'), not qemu's model.
  const xml = readFileSync(join(FIXTURES, name), 'utf8').replace(
    '<model>AMD EPYC</model>',
    '<model>EPYC</model>',
  );
  return xml.replace(/<devices>[\s\S]*<\/devices>/, (devices) => {
    const keep = devices.match(/<emulator>.*<\/emulator>|<disk [\s\S]*?<\/disk>/g) ?? [];
    return `<devices>\n${keep.join('\n')}\n</devices>`;
  });
}

/** Pick the value after a flag in an argv. */
function argAfter(argv: string[], flag: string): string[] {
  return argv.flatMap((a, i) => (a === flag ? [argv[i + 1] as string] : []));
}

describe("virt-install's domain XML", () => {
  it.each(NAMES)('parses the domain-level part of %s and writes it back the same', (name) => {
    const config = parseDomainXml(domainPart(name));
    const text = formatDomainXml(config);
    const again = parseDomainXml(text);
    expect(again).toEqual(config);
    expect(formatDomainXml(again)).toBe(text);
  });

  it('keeps <metadata> as written, with its namespace, in libvirt shape', () => {
    const text = formatDomainXml(parseDomainXml(domainPart('win-q35.xml')));
    expect(text).toContain(
      [
        '  <metadata>',
        '    <libosinfo:libosinfo xmlns:libosinfo="http://libosinfo.org/xmlns/libvirt/domain/1.0">',
        '      <libosinfo:os id="http://microsoft.com/win/10"/>',
        '    </libosinfo:libosinfo>',
        '  </metadata>',
        "  <memory unit='KiB'>131072</memory>",
        "  <currentMemory unit='KiB'>131072</currentMemory>",
        "  <vcpu placement='static'>1</vcpu>",
      ].join('\n'),
    );
  });

  it("writes win10's features, clock and pm as libvirt does", () => {
    const text = formatDomainXml(parseDomainXml(domainPart('win-q35.xml')));
    expect(text).toContain(
      [
        '  <features>',
        '    <acpi/>',
        '    <apic/>',
        "    <hyperv mode='custom'>",
        "      <relaxed state='on'/>",
        "      <vapic state='on'/>",
        "      <spinlocks state='on' retries='8191'/>",
        '    </hyperv>',
        "    <vmport state='off'/>",
        '  </features>',
        "  <clock offset='localtime'>",
        "    <timer name='rtc' tickpolicy='catchup'/>",
        "    <timer name='pit' tickpolicy='delay'/>",
        "    <timer name='hpet' present='no'/>",
        "    <timer name='hypervclock' present='yes'/>",
        '  </clock>',
        '  <on_poweroff>destroy</on_poweroff>',
        '  <on_reboot>restart</on_reboot>',
        '  <on_crash>destroy</on_crash>',
        '  <pm>',
        "    <suspend-to-mem enabled='no'/>",
        "    <suspend-to-disk enabled='no'/>",
        '  </pm>',
      ].join('\n'),
    );
  });

  it("turns win10's features, clock and pm on Q35 into qemu's options", () => {
    const argv = buildQemuArgv(parseDomainXml(domainPart('win-q35.xml')), HOST, PATHS);
    expect(argAfter(argv, '-machine')).toEqual(['q35,acpi=on,vmport=off']);
    expect(argAfter(argv, '-cpu')).toEqual([
      'qemu64,hv-time=on,hv-relaxed=on,hv-vapic=on,hv-spinlocks=0x1fff',
    ]);
    const from = argv.indexOf('-rtc');
    expect(argv.slice(from, from + 8)).toEqual([
      '-rtc',
      'base=localtime,driftfix=slew',
      '-global',
      'kvm-pit.lost_tick_policy=delay',
      '-no-hpet',
      '-global',
      'ICH9-LPC.disable_s3=1',
      '-global',
    ]);
    expect(argAfter(argv, '-global')).toEqual([
      'kvm-pit.lost_tick_policy=delay',
      'ICH9-LPC.disable_s3=1',
      'ICH9-LPC.disable_s4=1',
    ]);
  });

  it('uses the i440FX power-management device on pc, and the kvm CPU model virt-install names', () => {
    const argv = buildQemuArgv(parseDomainXml(domainPart('lin-pc.xml')), HOST, PATHS);
    expect(argAfter(argv, '-global')).toEqual([
      'kvm-pit.lost_tick_policy=delay',
      'PIIX4_PM.disable_s3=1',
      'PIIX4_PM.disable_s4=1',
    ]);
    expect(argv).not.toContain('-cpu');
  });

  it("takes the kvm fixtures' CPU, a qemu model, and refuses one named as a vendor string", () => {
    const xml = readFileSync(join(FIXTURES, 'kvm-pc.xml'), 'utf8');
    expect(parseDomainXml(xml).cpu).toMatchObject({ mode: 'custom', model: 'kvm64', match: 'exact' });
    const err = catchTsvirtError(() =>
      parseDomainXml(xml.replace('<model>kvm64</model>', '<model>AMD EPYC</model>')),
    );
    expect(err.code).toBe('ERR_XML_INVALID');
    expect(err.fields).toMatchObject({ element: 'model', value: 'AMD EPYC' });
  });
});
