/**
 * Internal snapshot create and revert of the boot-sector guest with 256 MiB (TCG) and a qcow2 disk,
 * through libvirt-python, against tsvirtd and against the reference libvirtd side by side in one run.
 * Run after the build, from the checkout root: `node dist/bench/snapshot.js [runs]`.
 * Writes bench/results/snapshot.json. A benchmark, not a test: nothing here fails for being slow.
 */
import { join } from 'node:path';
import { run } from '../src/exec/index.js';
import { guestXml, makeImages } from './libvirtd/guest.js';
import { runFixture } from './libvirtd/python.js';
import { figure, formatTable, writeResult, type Row } from './libvirtd/report.js';
import { withSession, type Session, type Side } from './libvirtd/session.js';

const RUNS = Number(process.argv[2] ?? 5);
const MEM_MIB = 256;

interface Samples {
  create_ms: number[];
  revert_ms: number[];
}

function rows(results: Map<string, Samples>, key: keyof Samples): Row[] {
  return [...results].map(([name, r]) => ({ name, fig: figure(r[key]) }));
}

/** Define the side's guest on a qcow2 copy of the boot-sector image (internal snapshots need qcow2). */
async function defineQcow2Guest(s: Session, side: Side): Promise<string> {
  const name = s.names(side, 1)[0] as string;
  const [raw] = await makeImages(join(s.dir, 'img'), side.stem.slice(s.prefix.length), 1);
  const image = `${raw as string}.qcow2`;
  await run(['qemu-img', 'convert', '-q', '-f', 'raw', '-O', 'qcow2', raw as string, image]);
  const xml = guestXml(name, image, MEM_MIB).replace("type='raw'", "type='qcow2'");
  await runFixture('domains.py', [side.daemon.uri, 'define', side.stem], { input: [xml] });
  return name;
}

await withSession('snapshot', async (s) => {
  const results = new Map<string, Samples>();
  const names = new Map<Side, string>();
  for (const side of s.sides) names.set(side, await defineQcow2Guest(s, side));
  // One side after the other, each run in turn, so that drift in the host's load hits both alike.
  for (let run = 0; run < RUNS; run++) {
    for (let k = 0; k < s.sides.length; k++) {
      const side = s.sides[(run + k) % s.sides.length] as Side;
      const r = await runFixture<Samples>('snapshot.py', [side.daemon.uri, names.get(side) as string, 1], {
        timeoutMs: 180_000,
      });
      const all = results.get(side.daemon.name) ?? { create_ms: [], revert_ms: [] };
      all.create_ms.push(...r.create_ms);
      all.revert_ms.push(...r.revert_ms);
      results.set(side.daemon.name, all);
    }
  }
  const create = rows(results, 'create_ms');
  const revert = rows(results, 'revert_ms');
  console.log(formatTable(`internal snapshot of a running ${MEM_MIB} MiB guest, ${RUNS} runs`, 'ms', create));
  console.log(formatTable(`revert to it, guest running, ${RUNS} runs`, 'ms', revert));
  const path = await writeResult('snapshot', {
    unit: 'ms',
    runs: RUNS,
    memMiB: MEM_MIB,
    create,
    revert,
    raw: Object.fromEntries(results),
  });
  console.log(`written ${path}`);
});
