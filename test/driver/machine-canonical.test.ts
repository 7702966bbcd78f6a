import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { canonicalizeMachine } from '../../src/driver/machine-canonical.js';
import { parseDomainXml } from '../../src/domain/index.js';
import type { QemuCaps } from '../../src/kvm/qemu-caps-parse.js';
import { buildQemuCapsProbe, probeQemuCaps } from '../../src/kvm/qemu-caps-probe.js';
import { buildDomainXml } from '../domain/fixtures.js';

const QEMU = '/usr/bin/qemu-system-x86_64';

/** qemu 7.2's pc and q35 machines as query-machines reports them (a part of the list). */
const CAPS: QemuCaps = {
  machines: [
    { name: 'pc-i440fx-7.2', alias: 'pc', maxCpus: 255, deprecated: false, isDefault: true },
    { name: 'pc-i440fx-7.1', maxCpus: 255, deprecated: false, isDefault: false },
    { name: 'pc-q35-7.2', alias: 'q35', maxCpus: 288, deprecated: false, isDefault: false },
    { name: 'isapc', maxCpus: 1, deprecated: false, isDefault: false },
  ],
  cpuModels: [],
};

const withMachine = (machine: string) =>
  parseDomainXml(buildDomainXml({ os: `<type arch='x86_64' machine='${machine}'>hvm</type>` }));

describe('the canonical machine at define', () => {
  it('replaces each alias by the machine it stands for, and nothing else', async () => {
    const caps = async () => CAPS;
    const log = (l: string) => expect.unreachable(l);
    const machineOf = async (m: string) =>
      (await canonicalizeMachine(withMachine(m), QEMU, caps, log)).os.machine;
    expect(await machineOf('pc')).toBe('pc-i440fx-7.2');
    expect(await machineOf('q35')).toBe('pc-q35-7.2');
    expect(await machineOf('pc-i440fx-7.1')).toBe('pc-i440fx-7.1');
    expect(await machineOf('pc-q35-7.2')).toBe('pc-q35-7.2');
  });

  it.skipIf(!existsSync(QEMU))('gives pc and q35 the canonical machines of the installed qemu', async () => {
    const machines = (await probeQemuCaps(QEMU)).machines;
    const aliasOf = (a: string) => machines.find((m) => m.alias === a)?.name;
    expect(aliasOf('pc')).toMatch(/^pc-i440fx-\d+\.\d+$/);
    expect(aliasOf('q35')).toMatch(/^pc-q35-\d+\.\d+$/);
    const q35 = withMachine('q35');
    const logs: string[] = [];
    const caps = buildQemuCapsProbe();
    const defined = await canonicalizeMachine(q35, QEMU, caps, (l) => logs.push(l));
    expect(defined.os.machine).toBe(aliasOf('q35'));
    expect(q35.os.machine).toBe('q35');
    const kept = await canonicalizeMachine(defined, QEMU, caps, (l) => logs.push(l));
    expect(kept.os.machine).toBe(defined.os.machine);
    expect(logs).toEqual([]);
  });

  it('keeps the machine as written and says why when qemu cannot be asked', async () => {
    const pc = parseDomainXml(buildDomainXml());
    const logs: string[] = [];
    const kept = await canonicalizeMachine(pc, '/nonexistent/qemu', buildQemuCapsProbe(), (l) =>
      logs.push(l),
    );
    expect(kept.os.machine).toBe('pc');
    expect(logs[0]).toContain("machine 'pc' kept as written: /nonexistent/qemu could not list its machines");
  });
});
