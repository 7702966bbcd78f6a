/**
 * Test helper: what the migration tests type into the Linux guest and read back from its serial log.
 */
import { readFile } from 'node:fs/promises';
import { findProcessesUnder } from '../../driver/helpers.js';

/** Prints tick-N each tenth of a second, so a migrated guest shows it went on with no reboot. */
export const COUNTER = 'i=0; while :; do echo tick-$i; i=$((i+1)); sleep 0.1; done &\n';

/**
 * Rewrites 16 MiB of guest RAM (the initramfs root) with non-zero bytes, over and over, until /stop
 * exists; prints writer-up once it writes.
 */
export const WRITER =
  '(echo 0123456789abcde > /a; for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do cat /a /a > /t; mv /t /a; done;' +
  ' echo writer-up; while [ ! -e /stop ]; do cp /a /b; done) &\n';

/** The tick numbers a serial log holds, in order. */
export async function readTicks(log: string): Promise<number[]> {
  const body = await readFile(log, 'latin1').catch(() => '');
  return [...body.matchAll(/tick-(\d+)\r?\n/g)].map((m) => Number(m[1]));
}

/** The qemu processes (not the daemon) whose command line names `root`. */
export async function findQemuUnder(root: string): Promise<number[]> {
  const pids = await findProcessesUnder(root);
  const out: number[] = [];
  for (const pid of pids) {
    const cmd = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
    if (cmd.includes('qemu-system')) out.push(pid);
  }
  return out;
}
