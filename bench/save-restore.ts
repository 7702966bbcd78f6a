/**
 * Save and restore of the boot-sector guest with 256 MiB (TCG) through libvirt-python, against tsvirtd
 * and against the reference libvirtd side by side in one run, and the size of each daemon's save file.
 * Run after the build, from the checkout root: `node dist/bench/save-restore.js [runs]`.
 * Writes bench/results/save-restore.json. A benchmark, not a test: nothing here fails for being slow.
 */
import { join } from 'node:path';
import { runFixture } from './libvirtd/python.js';
import { figure, formatTable, writeResult, type Row } from './libvirtd/report.js';
import { withSession } from './libvirtd/session.js';

const RUNS = Number(process.argv[2] ?? 5);
const MEM_MIB = 256;

interface Samples {
  save_ms: number[];
  restore_ms: number[];
  size_bytes: number[];
}

function rows(results: Map<string, Samples>, key: keyof Samples): Row[] {
  return [...results].map(([name, r]) => ({ name, fig: figure(r[key]) }));
}

await withSession('save-restore', async (s) => {
  const results = new Map<string, Samples>();
  for (const side of s.sides) await s.defineGuests(side, 1, MEM_MIB);
  // One side after the other, each run in turn, so that drift in the host's load hits both alike.
  for (let run = 0; run < RUNS; run++) {
    for (let k = 0; k < s.sides.length; k++) {
      const side = s.sides[(run + k) % s.sides.length]!;
      const name = s.names(side, 1)[0]!;
      const r = await runFixture<Samples>(
        'save_restore.py',
        [side.daemon.uri, name, 1, join(s.dir, `${name}.save`)],
        {
          timeoutMs: 120_000,
        },
      );
      const all = results.get(side.daemon.name) ?? { save_ms: [], restore_ms: [], size_bytes: [] };
      all.save_ms.push(...r.save_ms);
      all.restore_ms.push(...r.restore_ms);
      all.size_bytes.push(...r.size_bytes);
      results.set(side.daemon.name, all);
    }
  }
  const save = rows(results, 'save_ms');
  const restore = rows(results, 'restore_ms');
  const size = rows(results, 'size_bytes');
  console.log(formatTable(`save of a running ${MEM_MIB} MiB guest, ${RUNS} runs`, 'ms', save));
  console.log(formatTable(`restore to a running guest, ${RUNS} runs`, 'ms', restore));
  console.log(formatTable('save file size', 'bytes', size));
  const path = await writeResult('save-restore', {
    unit: 'ms',
    runs: RUNS,
    memMiB: MEM_MIB,
    save,
    restore,
    sizeBytes: size,
    raw: Object.fromEntries(results),
  });
  console.log(`written ${path}`);
});
