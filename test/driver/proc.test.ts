/** Which process is a domain's qemu: by the tick it was spawned at, or by its command line. */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { isQemuOfDomain, readProcStat, signalQemu } from '../../src/driver/proc.js';
import { stopQemu } from '../../src/driver/qemu-process.js';

const UUID = '6695eb01-f6a4-8304-79aa-97f2502e193f';
const children: ReturnType<typeof spawn>[] = [];

afterEach(() => {
  for (const c of children.splice(0)) c.kill('SIGKILL');
});

/** A process whose command line names no qemu, as one does for a moment while setpriv executes qemu. */
async function spawnSleeper(): Promise<{ pid: number; startTicks: number; exit: Promise<unknown> }> {
  const child = spawn('sleep', ['30'], { stdio: 'ignore' });
  children.push(child);
  await once(child, 'spawn');
  const pid = child.pid as number;
  return { pid, startTicks: readProcStat(pid)?.startTicks ?? -1, exit: once(child, 'exit') };
}

describe('qemu process identity', () => {
  it('takes the process spawned at the recorded tick for the domain qemu, whatever its command line', async () => {
    const p = await spawnSleeper();
    expect(isQemuOfDomain(p.pid, UUID)).toBe(false);
    expect(isQemuOfDomain(p.pid, UUID, p.startTicks + 1)).toBe(false);
    expect(isQemuOfDomain(p.pid, UUID, p.startTicks)).toBe(true);
    expect(signalQemu(p.pid, UUID, 'SIGCONT')).toBe(false);
  });

  it('stops such a process instead of taking it for gone', async () => {
    const p = await spawnSleeper();
    expect(
      await stopQemu({ pid: p.pid }, UUID, { graceful: false, termWaitMs: 2_000, killWaitMs: 2_000 }),
    ).toBe('gone');
    const step = await stopQemu(p, UUID, { graceful: false, termWaitMs: 2_000, killWaitMs: 2_000 });
    expect(step).toBe('sigterm');
    await p.exit;
    expect(isQemuOfDomain(p.pid, UUID, p.startTicks)).toBe(false);
  });
});
