import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseMachineAliases, probeMachineAliases } from '../../src/kvm/machine-aliases.js';
import { canonicalizeMachine } from '../../src/driver/machine-canonical.js';
import { parseDomainXml } from '../../src/domain/index.js';
import { buildDomainXml } from '../domain/fixtures.js';

const QEMU = '/usr/bin/qemu-system-x86_64';

/** The head of qemu 7.2's `-machine help`, as it prints it. */
const MACHINE_HELP = `Supported machines are:
microvm              microvm (i386)
pc                   Standard PC (i440FX + PIIX, 1996) (alias of pc-i440fx-7.2)
pc-i440fx-7.2        Standard PC (i440FX + PIIX, 1996) (default)
pc-i440fx-7.1        Standard PC (i440FX + PIIX, 1996)
q35                  Standard PC (Q35 + ICH9, 2009) (alias of pc-q35-7.2)
pc-q35-7.2           Standard PC (Q35 + ICH9, 2009)
isapc                ISA-only PC
none                 empty machine
`;

describe('qemu machine aliases', () => {
  it('reads each alias and the machine it stands for, and nothing else', () => {
    expect([...parseMachineAliases(MACHINE_HELP)]).toEqual([
      ['pc', 'pc-i440fx-7.2'],
      ['q35', 'pc-q35-7.2'],
    ]);
    expect(parseMachineAliases('garbage\n(alias of)\n').size).toBe(0);
  });

  it.skipIf(!existsSync(QEMU))('gives pc and q35 the canonical machines of the installed qemu', async () => {
    const aliases = await probeMachineAliases(QEMU);
    expect(aliases.get('pc')).toMatch(/^pc-i440fx-\d+\.\d+$/);
    expect(aliases.get('q35')).toMatch(/^pc-q35-\d+\.\d+$/);
    const q35 = parseDomainXml(buildDomainXml({ os: "<type arch='x86_64' machine='q35'>hvm</type>" }));
    const logs: string[] = [];
    const defined = await canonicalizeMachine(q35, QEMU, (l) => logs.push(l));
    expect(defined.os.machine).toBe(aliases.get('q35'));
    expect(q35.os.machine).toBe('q35');
    const kept = await canonicalizeMachine(defined, QEMU, (l) => logs.push(l));
    expect(kept.os.machine).toBe(defined.os.machine);
    expect(logs).toEqual([]);
  });

  it('keeps the machine as written and says why when qemu cannot be asked', async () => {
    const pc = parseDomainXml(buildDomainXml());
    const logs: string[] = [];
    const kept = await canonicalizeMachine(pc, '/nonexistent/qemu', (l) => logs.push(l));
    expect(kept.os.machine).toBe('pc');
    expect(logs[0]).toContain("machine 'pc' kept as written: /nonexistent/qemu -machine help failed");
  });
});
