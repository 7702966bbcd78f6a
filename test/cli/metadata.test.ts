/** `tsvirt desc` and `tsvirt metadata` on a defined domain, with the embedded driver. */
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildBootSectorXml } from '../driver/helpers.js';
import { hasCli, makeCliRoot, tsvirt } from './cli-harness.js';

describe.skipIf(!hasCli)('tsvirt desc and metadata', () => {
  let root = '';
  const t = (...args: string[]) => tsvirt(root, args);

  beforeAll(async () => {
    let image = '';
    ({ root, image } = await makeCliRoot());
    await writeFile(join(root, 'm.xml'), buildBootSectorXml('m', image));
    expect((await t('define', join(root, 'm.xml'))).code).toBe(0);
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('sets, shows and removes the title, the description and a namespaced element', async () => {
    expect((await t('desc', 'm', '--title')).stdout).toBe('No title for domain: m\n');
    expect((await t('desc', 'm', '--title', '--new-desc', 'My VM')).stdout).toBe(
      'Domain title updated successfully\n',
    );
    expect((await t('desc', 'm', '--new-desc', 'two\nlines')).code).toBe(0);
    expect((await t('desc', 'm', '--title')).stdout).toBe('My VM\n');
    expect(JSON.parse((await t('--json', 'desc', 'm')).stdout)).toEqual({
      domain: 'm',
      description: 'two\nlines',
    });
    const set = await t(
      'metadata',
      'm',
      '--uri',
      'http://example.org/a',
      '--key',
      'a',
      '--set',
      '<x><y/></x>',
    );
    expect(set.stdout).toBe('Metadata modified\n');
    expect((await t('metadata', 'm', 'http://example.org/a')).stdout).toBe('<x>\n  <y/>\n</x>\n');
    expect((await t('metadata', 'm', '--uri', 'http://example.org/a', '--remove')).stdout).toBe(
      'Metadata removed\n',
    );
    const gone = await t('metadata', 'm', '--uri', 'http://example.org/a');
    expect(gone.code).not.toBe(0);
    expect(gone.stderr).toContain('metadata not found: Requested metadata element is not present');
    const bad = await t('desc', 'm', '--title', '--new-desc', 'a\nb');
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain("metadata title can't contain newlines");
  });
});
