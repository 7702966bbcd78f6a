/**
 * virt-install against tsvirtd and against the reference libvirtd, side by side in one run:
 * - `virt-install --import` end to end: the tool's own process, from its start until it exits with the
 *   guest running (a boot-sector image of ours, TCG, no network), alternating between the daemons;
 * - defineXML of the domain XML virt-install 4.1 writes for a q35 linux2022 guest, calls per second
 *   through libvirt-python, in alternating time windows.
 * Run after the build, from the checkout root: `node dist/bench/virt-install.js [runs] [windows]`.
 * Writes bench/results/virt-install.json. A benchmark, not a test: nothing here fails for being slow.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { run } from '../src/exec/index.js';
import { makeImages } from './libvirtd/guest.js';
import { FIXTURES_DIR, runFixture } from './libvirtd/python.js';
import { figure, formatTable, withRatios, writeResult } from './libvirtd/report.js';
import { withSession, type Session, type Side } from './libvirtd/session.js';

const RUNS = Number(process.argv[2] ?? 5);
const WINDOWS = Number(process.argv[3] ?? 5);
const WINDOW_S = 1;
const VIRT_INSTALL = '/usr/bin/virt-install';
/** virt-install 4.1's q35 linux2022 domain XML, as it prints it against tsvirtd (test fixture). */
const Q35_XML = join(FIXTURES_DIR, '..', '..', 'test', 'domain', 'fixtures', 'virt-install', 'lin-q35.xml');

/** virt-install --import of a small TCG guest without network or graphics, on connection `uri`. */
function importArgv(uri: string, name: string, image: string): string[] {
  return [
    VIRT_INSTALL,
    '--connect',
    uri,
    '--name',
    name,
    '--memory',
    '64',
    '--vcpus',
    '1',
    '--disk',
    `path=${image},format=raw`,
    '--import',
    '--osinfo',
    'generic',
    // libvirt's test driver has only its own domain type, so the floor runs leave the type to it.
    ...(uri === TEST_DRIVER ? [] : ['--virt-type', 'qemu']),
    '--network',
    'none',
    '--graphics',
    'none',
    '--noautoconsole',
  ];
}

/**
 * libvirt's in-process test driver: virt-install does all its own work and no daemon or qemu runs, so
 * its time is the floor that no daemon can go under.
 */
const TEST_DRIVER = 'test:///default';

async function timed(argv: string[], home: string): Promise<number> {
  const t0 = process.hrtime.bigint();
  await run(argv, { timeoutMs: 120_000, env: { HOME: home } });
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

/** One timed virt-install --import to a running guest; the guest is destroyed and undefined after. */
async function importOnce(side: Side, name: string, image: string, home: string): Promise<number> {
  const ms = await timed(importArgv(side.daemon.uri, name, image), home);
  await runFixture('domains.py', [side.daemon.uri, 'undefine', name]);
  return ms;
}

async function measureImport(s: Session): Promise<Record<string, number[]>> {
  const samples: Record<string, number[]> = {};
  const images = new Map<Side, string[]>();
  for (const side of s.sides) {
    images.set(side, await makeImages(join(s.dir, 'img'), `${side.stem.slice(s.prefix.length)}vi`, RUNS));
    samples[side.daemon.name] = [];
    // One untimed run per daemon first: python's and the daemon's first-call costs are not the figure.
    await importOnce(side, `${side.stem}warm`, images.get(side)![0]!, s.dir);
  }
  samples['client alone (test driver)'] = [];
  for (let i = 0; i < RUNS; i++) {
    samples['client alone (test driver)'].push(
      await timed(importArgv(TEST_DRIVER, `floor${i}`, [...images.values()][0]![i]!), s.dir),
    );
    // Alternate which daemon goes first, so that a slow moment of the machine hits both.
    const order = i % 2 === 0 ? s.sides : [...s.sides].reverse();
    for (const side of order) {
      samples[side.daemon.name]!.push(
        await importOnce(side, `${side.stem}vi${i}`, images.get(side)![i]!, s.dir),
      );
    }
  }
  return samples;
}

async function measureDefine(s: Session, xml: string): Promise<Record<string, number[]>> {
  const rates: Record<string, number[]> = {};
  for (const side of s.sides) rates[side.daemon.name] = [];
  for (let w = 0; w < WINDOWS; w++) {
    for (const side of w % 2 === 0 ? s.sides : [...s.sides].reverse()) {
      const out = await runFixture<{ windows: Array<[number, number]> }>(
        'define.py',
        [side.daemon.uri, `${side.stem}d${w}-`, WINDOW_S, 1],
        { input: xml, timeoutMs: 600_000 },
      );
      const [calls, elapsed] = out.windows[0]!;
      rates[side.daemon.name]!.push(calls / elapsed);
    }
  }
  return rates;
}

if (!existsSync(VIRT_INSTALL)) {
  console.error('virt-install is missing: apt-get install virtinst (scripts/setup.sh test installs it)');
  process.exit(1);
}

await withSession('virt-install', async (s) => {
  const image = join(s.dir, 'img', 'define-target.img');
  const xml = (await readFile(Q35_XML, 'utf8')).replace(
    /<source file="[^"]*"\/>/,
    `<source file="${image}"/>`,
  );
  const imports = await measureImport(s);
  const importRows = withRatios(
    Object.entries(imports).map(([name, ms]) => ({ name, fig: figure(ms) })),
    'libvirtd',
  );
  console.log(
    formatTable(
      'virt-install --import, to a running guest (TCG, no network)',
      'ms',
      importRows,
      ' to libvirtd',
    ),
  );
  const defines = await measureDefine(s, xml);
  const defineRows = withRatios(
    Object.entries(defines).map(([name, r]) => ({ name, fig: figure(r) })),
    'libvirtd',
  );
  console.log(
    formatTable(
      `defineXML of virt-install's q35 XML, new names: calls/s per ${WINDOW_S} s window`,
      'calls/s',
      defineRows,
      ' to libvirtd',
    ),
  );
  const path = await writeResult('virt-install', {
    runs: RUNS,
    windows: WINDOWS,
    windowS: WINDOW_S,
    note: 'import: ms per virt-install run, target tsvirtd <= 0.5x libvirtd; define: calls/s, target >= 1x libvirtd',
    import: importRows,
    define: defineRows,
  });
  console.log(`wrote ${path}`);
});
