/**
 * Daemon memory per running guest, without the garbage collector's noise: the driver runs in this
 * process (as in tsvirtd), and V8's heap plus external buffers are read after a full collection,
 * idle and with 10 guests running (boot-sector guest, TCG, 32 MiB). RSS deltas of a separate
 * daemon swing by megabytes between samples, which hides a figure of a few KiB.
 * Run after the build from the checkout root: `node dist/bench/per-guest.js` (it restarts itself
 * with --expose-gc).
 */
import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildBootSectorXml } from '../scripts/guests/domain-xml.js';
import { guestPaths } from '../scripts/guests/paths.js';
import { EmbeddedConnection } from '../src/embedded/embedded-connection.js';
import { run } from '../src/exec/index.js';
import { isMainModule, writeResult } from './cli-timing.js';

const GUESTS = 10;
const TARGET_KIB = 64;

/** JS heap in use plus memory held outside it (Buffers, native handles), after full collections. */
async function measureBytes(): Promise<number> {
  const gc = (globalThis as { gc?: () => void }).gc as () => void;
  for (let i = 0; i < 3; i++) {
    gc();
    await new Promise((r) => setTimeout(r, 50));
  }
  const m = process.memoryUsage();
  return m.heapUsed + m.external;
}

/** Runs the measurement and writes bench/results/per-guest.json. */
export async function main(): Promise<void> {
  const root = await mkdtemp(join(tmpdir(), 'tsvb-perguest-'));
  const conn = await EmbeddedConnection.open({ root });
  try {
    const doms = [];
    for (let i = 0; i < GUESTS; i++) {
      // qemu locks a writable image: one copy per guest.
      const image = join(root, `g${i}.img`);
      await copyFile(guestPaths().bootSectorImage, image);
      doms.push(await conn.domainDefineXML(buildBootSectorXml(`g${i}`, image, { memMiB: 32 })));
    }
    // Warm the start path once, so that code loaded on first use is not counted per guest.
    await conn.domainDestroy(await conn.domainCreate(doms[0]!));
    const idle = await measureBytes();
    for (const d of doms) await conn.domainCreate(d);
    const busy = await measureBytes();
    const perGuestKiB = (busy - idle) / GUESTS / 1024;
    console.log(
      `daemon memory (V8 heap + external, after GC): idle ${(idle / 1024).toFixed(0)} KiB, with ${GUESTS} guests running ${(busy / 1024).toFixed(0)} KiB`,
    );
    console.log(
      `per running guest: ${perGuestKiB.toFixed(1)} KiB (target <= ${TARGET_KIB} KiB: ${perGuestKiB <= TARGET_KIB ? 'meets' : 'MISSES'})`,
    );
    await writeResult('per-guest', {
      bench: 'per-guest',
      unit: 'KiB',
      guests: GUESTS,
      idleKiB: idle / 1024,
      runningKiB: busy / 1024,
      perGuestKiB,
      target: TARGET_KIB,
      date: new Date().toISOString(),
    });
  } finally {
    for (const d of await conn.listAllDomains(1)) await conn.domainDestroy(d).catch(() => undefined);
    await conn.close();
    await rm(root, { recursive: true, force: true });
  }
}

if (isMainModule(import.meta.url)) {
  if ((globalThis as { gc?: unknown }).gc) await main();
  else
    process.stdout.write(
      (await run(['node', '--expose-gc', process.argv[1] as string], { timeoutMs: 300_000 })).stdout,
    );
}
