/**
 * parseDomainXmlOffThread: the worker thread runs only from the built dist/ (its script is JavaScript),
 * so these cases load the built module and skip with a reason when it is absent.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import * as fromSources from '../../src/domain/parse-thread.js';
import { parseDomainXml } from '../../src/domain/index.js';
import { REPO_ROOT } from '../daemon/daemon-harness.js';
import { buildDomainXml } from './fixtures.js';

const BUILT = join(REPO_ROOT, 'dist/src/domain/parse-thread.js');
const why = existsSync(BUILT)
  ? undefined
  : `${BUILT} is missing; build first (npx tsc -p tsconfig.build.json)`;
if (why) console.warn(`parse thread: skipped: ${why}`);

type Module = typeof fromSources;
const load = async (): Promise<Module> => (await import(pathToFileURL(BUILT).href)) as Module;

/** A valid domain whose description makes it `chars` long. */
function largeXml(chars: number, description = 'x'): string {
  const base = buildDomainXml({ top: '<description>DESC</description>' });
  return base.replace('DESC', description.repeat(Math.ceil((chars - base.length) / description.length)));
}

/** Errors as plain parts: the built module's TsvirtError is another class than the sources' one. */
async function partsOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    const e = err as { code: string; message: string; fields: unknown };
    return { code: e.code, message: e.message, fields: e.fields };
  }
  throw new Error('no error');
}

describe('parseDomainXmlOffThread from the sources', () => {
  it('parses in place when the worker script is absent, with the same result', async () => {
    expect(fromSources.hasParseThread).toBe(false);
    const xml = largeXml(fromSources.OFF_THREAD_MIN_CHARS * 2);
    expect(await fromSources.parseDomainXmlOffThread(xml)).toEqual(parseDomainXml(xml));
  });
});

describe.skipIf(why !== undefined)('parseDomainXmlOffThread on the worker thread', () => {
  it('gives the same config and the same errors as parseDomainXml', async () => {
    const m = await load();
    expect(m.hasParseThread).toBe(true);
    const xml = largeXml(m.OFF_THREAD_MIN_CHARS * 4, 'a &amp; &#x42; ');
    const config = await m.parseDomainXmlOffThread(xml);
    expect(config).toEqual(parseDomainXml(xml));
    expect(config.description?.slice(0, 8)).toBe('a & B a ');
    const bad = `${xml.slice(0, -'</domain>'.length)}<bogus/></domain>`;
    const expected = await partsOf(Promise.resolve().then(() => parseDomainXml(bad)));
    expect(await partsOf(m.parseDomainXmlOffThread(bad))).toEqual(expected);
    expect(expected).toMatchObject({ code: 'ERR_NOT_SUPPORTED', fields: { element: 'bogus' } });
  });

  it('keeps the event loop turning while 4 MiB of small elements are parsed', async () => {
    const m = await load();
    await m.parseDomainXmlOffThread(largeXml(m.OFF_THREAD_MIN_CHARS)); // the worker is up
    const xml = buildDomainXml({ devices: '<foo/>'.repeat(700_000) });
    let last = performance.now();
    let worstGapMs = 0;
    const timer = setInterval(() => {
      const now = performance.now();
      worstGapMs = Math.max(worstGapMs, now - last);
      last = now;
    }, 5);
    const t0 = performance.now();
    const err = await partsOf(m.parseDomainXmlOffThread(xml));
    const parseMs = Math.round(performance.now() - t0);
    clearInterval(timer);
    console.log(
      `parse thread: 4 MiB parsed in ${parseMs} ms; worst event loop gap ${Math.round(worstGapMs)} ms`,
    );
    expect(err).toMatchObject({ code: 'ERR_NOT_SUPPORTED', fields: { element: 'foo' } });
    expect(worstGapMs).toBeLessThan(Math.max(250, parseMs / 3));
  });
});
