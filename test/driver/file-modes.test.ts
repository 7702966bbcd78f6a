/** The modes of a root's folders, definitions, sockets and logs do not follow the umask. */
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { useDriverHarness } from './harness.js';
import { buildBootSectorXml } from './helpers.js';

const isRoot = process.getuid?.() === 0;
if (!isRoot) console.log('file mode tests skipped: qemu runs as its own user only when tsvirt runs as root');

async function modeOf(path: string): Promise<string> {
  return ((await stat(path)).mode & 0o7777).toString(8).padStart(4, '0');
}

describe.skipIf(!isRoot)('file modes under any umask', () => {
  const h = useDriverHarness();
  const saved = process.umask();
  afterEach(() => {
    process.umask(saved);
  });

  for (const umask of [0o000, 0o022]) {
    it(`gives etc, run, sockets and logs fixed modes under umask ${umask.toString(8).padStart(3, '0')}`, async () => {
      process.umask(umask);
      const driver = await h.setup();
      const dom = await driver.domainDefineXML(buildBootSectorXml('modes', h.image, { console: true }));
      await driver.domainCreate(dom);
      const r = (...p: string[]): string => join(h.root, ...p);
      const modes: Record<string, string> = {};
      for (const p of [
        ['etc'],
        ['etc', 'qemu'],
        ['etc', 'qemu', 'modes.xml'],
        ['run', 'qemu'],
        ['run', 'qemu', 'modes.xml'],
        ['run', 'qemu', 'modes.pid'],
        ['run', 'qemu', 'modes.d'],
        ['run', 'qemu', 'modes.d', 'monitor.sock'],
        ['log', 'qemu'],
        ['log', 'qemu', 'modes.log'],
        ['log', 'qemu', 'modes.serial.log'],
      ]) {
        modes[p.join('/')] = await modeOf(r(...p));
      }
      console.log(`umask ${umask.toString(8)}: ${JSON.stringify(modes)}`);
      expect(modes).toEqual({
        etc: '0700',
        'etc/qemu': '0700',
        'etc/qemu/modes.xml': '0600',
        'run/qemu': '0711',
        'run/qemu/modes.xml': '0600',
        'run/qemu/modes.pid': '0600',
        'run/qemu/modes.d': '0700',
        'run/qemu/modes.d/monitor.sock': '0600',
        'log/qemu': '0711',
        'log/qemu/modes.log': '0600',
        'log/qemu/modes.serial.log': '0600',
      });
      expect((await stat(r('run', 'qemu', 'modes.d'))).uid).not.toBe(0);
      await driver.domainDestroy(dom);
    });
  }
});
