/**
 * One benchmark session: the daemons side by side (libvirtd always, tsvirtd once it is built), a temp
 * folder for images, a random name prefix for this run's domains, and a clean-up that kills every qemu
 * of this run by pid, stops the daemons and checks that none of those pids is left.
 */
import { chmod, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLibvirtd } from './confined-libvirtd.js';
import type { BenchDaemon } from './daemon.js';
import { guestXml, makeImages, runPrefix } from './guest.js';
import { isAlive, killAndWait } from '../../scripts/loopback-daemon.js';
import { findGuestPids } from './proc.js';
import { hasLibvirtPython, runFixture } from './python.js';
import { startTsvirtd, tsvirtdReady } from './tsvirtd.js';

/** One daemon in the session, with the domain-name stem of its guests. */
export interface Side {
  daemon: BenchDaemon;
  /** Names of this side's guests are STEM0, STEM1, ... */
  stem: string;
}

/** What a benchmark body gets. */
export interface Session {
  prefix: string;
  dir: string;
  sides: Side[];
  /** Define `count` guests on a side (images made on first use), each with `memMiB`. */
  defineGuests(side: Side, count: number, memMiB?: number): Promise<void>;
  /** Names STEM0 .. STEM{count-1} of a side. */
  names(side: Side, count: number): string[];
}

/** Which daemons to run: BENCH_DAEMONS=libvirtd,tsvirtd (default both; tsvirtd skipped when not built). */
function wanted(): Set<string> {
  return new Set((process.env.BENCH_DAEMONS ?? 'libvirtd,tsvirtd').split(','));
}

/** tsvirtd's side, or undefined (with the reason printed) when it is not built or cannot serve yet. */
async function startTsvirtdSide(prefix: string): Promise<Side | undefined> {
  if (!(await tsvirtdReady())) {
    console.warn(
      'tsvirtd: dist/src/cli/tsvirtd.js is not the daemon yet (npm run build); its side is skipped',
    );
    return undefined;
  }
  try {
    return { daemon: await startTsvirtd(), stem: `${prefix}t` };
  } catch (err) {
    console.warn(`tsvirtd: cannot start, its side is skipped: ${(err as Error).message}`);
    return undefined;
  }
}

async function startSides(prefix: string): Promise<Side[]> {
  const want = wanted();
  const sides: Side[] = [];
  try {
    if (want.has('tsvirtd')) {
      const side = await startTsvirtdSide(prefix);
      if (side) sides.push(side);
    }
    if (want.has('libvirtd')) sides.push({ daemon: await startLibvirtd(), stem: `${prefix}l` });
  } catch (err) {
    for (const s of sides) await s.daemon.stop().catch(() => undefined);
    throw err;
  }
  return sides;
}

/** Kill our qemus, stop the daemons, remove the folder; throws when any of our pids survives. */
async function cleanUp(prefix: string, sides: Side[], dir: string): Promise<void> {
  const problems: string[] = [];
  for (const pid of findGuestPids(prefix)) {
    await killAndWait(pid, 3_000).catch((e: unknown) => problems.push(String(e)));
  }
  for (const s of sides) await s.daemon.stop().catch((e: unknown) => problems.push(String(e)));
  const left = [...findGuestPids(prefix), ...sides.map((s) => s.daemon.pid).filter(isAlive)];
  if (left.length > 0) problems.push(`pids still running after the benchmark: ${left.join(' ')}`);
  await rm(dir, { recursive: true, force: true });
  if (problems.length > 0) throw new Error(problems.join('\n'));
}

/** Run `body` with the daemons up; always clean up (also on Ctrl-C). */
export async function withSession(label: string, body: (s: Session) => Promise<void>): Promise<void> {
  if (!(await hasLibvirtPython()))
    throw new Error('libvirt-python is missing: apt-get install python3-libvirt');
  const prefix = runPrefix();
  const dir = await mkdtemp(join(tmpdir(), `tsvirt-bench-${label}-`));
  await chmod(dir, 0o711); // tsvirtd's qemu user passes through to the images below
  await mkdir(join(dir, 'img'), { mode: 0o711 });
  const sides = await startSides(prefix).catch(async (err: unknown) => {
    await rm(dir, { recursive: true, force: true });
    throw err;
  });
  const onSignal = (): void => {
    void cleanUp(prefix, sides, dir).finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const names = (side: Side, count: number): string[] =>
    Array.from({ length: count }, (_, i) => `${side.stem}${i}`);
  const session: Session = {
    prefix,
    dir,
    sides,
    names,
    async defineGuests(side, count, memMiB = 64) {
      const images = await makeImages(join(dir, 'img'), side.stem.slice(prefix.length), count);
      const xmls = names(side, count).map((n, i) => guestXml(n, images[i]!, memMiB));
      await runFixture('domains.py', [side.daemon.uri, 'define', side.stem], { input: xmls });
    },
  };
  try {
    await body(session);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await cleanUp(prefix, sides, dir);
  }
}
