/**
 * Test helper: the Linux test guest with a shell on its serial console (kernel argument tsvirt.shell=1),
 * driven by typing lines into its console and read back from its serial log. The counter line makes it
 * print `tick-N` each tenth of a second, so a test sees the guest go on (or go back) across a save, a
 * snapshot or a migration.
 */
import { readFile } from 'node:fs/promises';
import type { Connection } from '../../../src/connection.js';
import { waitUntil } from '../../driver/helpers.js';

/** The shell line that makes the guest print `tick-N` on its console each tenth of a second. */
export const COUNTER = 'i=0; while :; do echo tick-$i; i=$((i+1)); sleep 0.1; done &\n';

const TICK = /tick-(\d+)\r?\n/g;

/** The tick numbers a serial log's text holds, in order. */
export function parseTicks(body: string): number[] {
  return [...body.matchAll(TICK)].map((m) => Number(m[1]));
}

/** The tick numbers a serial log holds, in order (none when it is not there yet). */
export async function readTicks(log: string): Promise<number[]> {
  return parseTicks(await readFile(log, 'latin1').catch(() => ''));
}

/** The last tick a serial log holds, or -1. */
export async function lastTick(log: string): Promise<number> {
  return (await readTicks(log)).at(-1) ?? -1;
}

/**
 * Waits until the log's last tick is at least `atLeast`. On a timeout the error carries the log's last
 * lines, so that a guest that stopped, printed a kernel warning or never started the counter is told apart.
 */
export async function waitForTick(
  log: string,
  atLeast: number,
  timeoutMs: number,
  what: string,
): Promise<void> {
  try {
    await waitUntil(async () => (await lastTick(log)) >= atLeast, timeoutMs, what);
  } catch (err) {
    const tail = (await readFile(log, 'latin1').catch(() => '')).slice(-800);
    throw new Error(`${(err as Error).message} (tick ${atLeast}); ${log} ends with:\n${tail}`, {
      cause: err,
    });
  }
}

/**
 * Types the counter into the shell of `domain` and waits for its fifth tick, one printed after the last
 * tick the log held before (a counter started earlier may have left ticks there).
 */
export async function startCounter(conn: Connection, domain: string, log: string): Promise<void> {
  const from = await lastTick(log);
  await typeLine(conn, domain, log, COUNTER);
  await waitUntil(
    async () => {
      const ticks = await readTicks(log);
      return ticks.length > 0 && (ticks.at(-1) as number) >= 5 && (ticks.at(-1) as number) !== from;
    },
    30_000,
    'the counter to reach 5',
  );
}

/** The shell's prompt. */
const PROMPT = '/ # ';

/**
 * Types `line` into the console of `domain` (taking the console over from a user that has not let go
 * yet) and waits until the guest has echoed its start, so that closing the console loses none of it.
 * First empty lines, until a prompt answers: a shell that has just started can swallow the first
 * characters typed while it sets up its terminal, and a busy guest can take seconds to answer, so a
 * prompt counts whichever Enter it answers. Then it waits until the Enters typed are answered (or no
 * prompt came for a second), so that the line does not arrive while the shell redraws. The counter's
 * lines may land inside an echo; they are left out before looking.
 */
export async function typeLine(
  conn: Connection,
  domain: string,
  log: string,
  line: string,
  timeoutMs = 30_000,
): Promise<void> {
  const stream = await conn.domainOpenConsole(await conn.lookupDomainByName(domain), undefined, 1);
  const since = async (from: number): Promise<string> =>
    (await readFile(log, 'latin1')).slice(from).replace(TICK, '');
  const prompts = async (from: number): Promise<number> => (await since(from)).split(PROMPT).length - 1;
  const type = (text: string): Promise<void> => new Promise((resolve) => stream.write(text, () => resolve()));
  try {
    const deadline = Date.now() + timeoutMs;
    const from = (await readFile(log, 'latin1')).length;
    let enters = 0;
    for (let answered = false; !answered;) {
      if (Date.now() > deadline) {
        const tail = (await readFile(log, 'latin1')).slice(-800);
        throw new Error(
          `${domain}: no prompt after ${timeoutMs} ms of typing Enter; ${log} ends with:\n${tail}`,
        );
      }
      await type('\n');
      enters++;
      answered = await waitUntil(async () => (await prompts(from)) > 0, 2_000, 'a prompt').then(
        () => true,
        () => false,
      );
    }
    for (let seen = await prompts(from); seen < enters && Date.now() < deadline;) {
      await new Promise((r) => setTimeout(r, 1_000));
      const now = await prompts(from);
      if (now === seen) break;
      seen = now;
    }
    const before = (await readFile(log, 'latin1')).length;
    await type(line);
    const head = line.split('\n')[0]?.slice(0, 12) ?? '';
    await waitUntil(
      async () => (await since(before)).includes(head),
      timeoutMs,
      `the echo of ${JSON.stringify(head)}`,
    );
  } finally {
    stream.end();
  }
}
