/** Test helper: the memory writer the migration tests type into the Linux test guest, and their qemu processes. */
import { readFile } from 'node:fs/promises';
import { findProcessesUnder } from '../../driver/helpers.js';

/**
 * Rewrites 16 MiB of guest RAM (the initramfs root) with non-zero bytes, over and over, until /stop
 * exists; prints writer-up once it writes.
 */
export const WRITER =
  '(echo 0123456789abcde > /a; for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do cat /a /a > /t; mv /t /a; done;' +
  ' echo writer-up; while [ ! -e /stop ]; do cp /a /b; done) &\n';

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
