import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildBootSectorXml, readPidFile } from './helpers.js';
import { useDriverHarness } from './harness.js';

const QEMU_NS = 'http://libvirt.org/schemas/domain/qemu/1.0';

describe('<qemu:commandline> with a real qemu (TCG)', () => {
  const h = useDriverHarness();

  it('runs qemu with the extra argument and environment, and logs the domain as tainted custom-argv', async () => {
    const lines: string[] = [];
    const driver = await h.setup(lines);
    const xml = buildBootSectorXml('custom', h.image)
      .replace("<domain type='qemu'>", `<domain type='qemu' xmlns:qemu='${QEMU_NS}'>`)
      .replace(
        '</domain>',
        "<qemu:commandline><qemu:arg value='-name'/><qemu:arg value='custom-argv-test'/><qemu:env name='TSVIRT_TEST_VAR' value='a b'/></qemu:commandline></domain>",
      );
    const dom = await driver.domainCreateXML(xml);
    const pid = readPidFile(h.root, 'custom');
    h.pids.push(pid);
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    expect(cmdline.slice(-3, -1)).toEqual(['-name', 'custom-argv-test']);
    expect(readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0')).toContain('TSVIRT_TEST_VAR=a b');
    const log = readFileSync(join(h.root, 'log', 'qemu', 'custom.log'), 'utf8');
    expect(log).toContain("'TSVIRT_TEST_VAR=a b' ");
    expect(log).toMatch(/\n\d{4}-\d\d-\d\dT[\d:.]+Z: Domain id=1 is tainted: custom-argv\n/);
    expect(lines.some((l) => l.includes("domain 'custom'") && l.includes('tainted: custom-argv'))).toBe(true);
    const dumped = await driver.domainGetXMLDesc(dom, 0);
    expect(dumped).toContain(`<domain type='qemu' id='1' xmlns:qemu='${QEMU_NS}'>`);
    expect(dumped).toContain("<qemu:env name='TSVIRT_TEST_VAR' value='a b'/>");
    await driver.domainDestroy(dom);
  }, 60_000);
});
