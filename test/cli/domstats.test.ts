/** `tsvirt domstats` on an embedded root: virsh's record layout, its group and filter options, and --json. */
import { statSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureGuests } from '../../scripts/guests/paths.js';
import { buildBootSectorXml, cleanupRoot } from '../driver/helpers.js';
import { hasCli, makeCliRoot, tsvirt } from './cli-harness.js';

if (!hasCli) console.warn('skipping the tsvirt domstats tests: dist/tsvirt.mjs is absent (npm run build)');

describe.skipIf(!hasCli)('tsvirt domstats on an embedded root (inactive boot-sector guest)', () => {
  let root = '';
  let image = '';
  const t = (...args: string[]) => tsvirt(root, args);

  beforeAll(async () => {
    ({ root, image } = await makeCliRoot((await ensureGuests()).bootSectorImage));
    const xmlFile = join(root, 'st.xml');
    await writeFile(xmlFile, buildBootSectorXml('st', image, { vcpus: 2 }));
    expect((await t('define', xmlFile)).code).toBe(0);
  });

  afterAll(async () => {
    if (root) expect(await cleanupRoot(root, [])).toEqual([]);
  });

  it("prints each domain's record as virsh does, and one group or filter when asked", async () => {
    const alloc = statSync(image).blocks * 512;
    expect(await t('domstats')).toEqual({
      code: 0,
      stdout:
        "Domain: 'st'\n  state.state=5\n  state.reason=0\n  balloon.current=65536\n  balloon.maximum=65536\n" +
        `  vcpu.current=2\n  vcpu.maximum=2\n  block.count=1\n  block.0.name=hda\n  block.0.path=${image}\n` +
        `  block.0.allocation=${alloc}\n  block.0.capacity=1048576\n  block.0.physical=1048576\n\n`,
      stderr: '',
    });
    expect((await t('domstats', 'st', '--vcpu')).stdout).toBe(
      "Domain: 'st'\n  vcpu.current=2\n  vcpu.maximum=2\n\n",
    );
    expect((await t('domstats', '--state', '--list-active')).stdout).toBe('');
    expect(JSON.parse((await t('domstats', '--state', '--list-shutoff', '--json')).stdout)).toEqual([
      { domain: 'st', stats: { 'state.state': 5, 'state.reason': 0 } },
    ]);
  });
});
