import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { spawnDetached } from '../../src/exec/index.js';
import { getHostCpuCount, getThreadAffinity, setThreadAffinity } from '../../src/kvm/index.js';
import { parseCpuList } from '../../src/kvm/cpu-set.js';

const cpuCount = getHostCpuCount();
const readAllowed = (pid: number): number[] => {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8')
    .split('\n')
    .find((l) => l.startsWith('Cpus_allowed_list:'));
  return parseCpuList(line?.split(':')[1] ?? '');
};

let child: { pid: number; dir: string } | undefined;
afterEach(async () => {
  if (!child) return;
  const { pid, dir } = child;
  child = undefined;
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // already gone
  }
  for (let i = 0; i < 50 && existsSync(`/proc/${pid}/stat`) && !isZombie(pid); i++) {
    await new Promise((r) => setTimeout(r, 20));
  }
  expect(existsSync(`/proc/${pid}/stat`) && !isZombie(pid)).toBe(false);
  rmSync(dir, { recursive: true, force: true });
});

function isZombie(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    return true;
  }
}

async function startSleep(): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'tsvirt-affinity-'));
  const started = await spawnDetached(['sleep', '30'], { logFile: join(dir, 'log') });
  child = { pid: started.pid, dir };
  return started.pid;
}

describe('thread affinity', () => {
  it('counts the online CPUs as the kernel lists them', () => {
    expect(cpuCount).toBe(parseCpuList(readFileSync('/sys/devices/system/cpu/online', 'utf8')).length);
  });

  it('pins a real thread to one CPU, reads it back, and widens it again', async () => {
    const pid = await startSleep();
    const last = cpuCount - 1;
    setThreadAffinity(pid, [last]);
    expect(readAllowed(pid)).toEqual([last]);
    expect(getThreadAffinity(pid)).toEqual([last]);
    const all = Array.from({ length: cpuCount }, (_, i) => i);
    setThreadAffinity(pid, all);
    expect(readAllowed(pid)).toEqual(all);
    expect(getThreadAffinity(pid)).toEqual(all);
  });

  it('fails with the errno and the thread id when the thread does not exist', () => {
    expect(() => setThreadAffinity(999_999_999, [0])).toThrow(
      expect.objectContaining({
        code: 'ERR_OPERATION_FAILED',
        message: expect.stringMatching(
          /^thread 999999999: sched_setaffinity failed \(ESRCH\); the thread is gone/,
        ),
        fields: { tid: 999_999_999, cpus: [0], errno: 'ESRCH' },
      }),
    );
    expect(() => getThreadAffinity(999_999_999)).toThrow(
      expect.objectContaining({ fields: expect.objectContaining({ errno: 'ESRCH' }) }),
    );
  });

  it('fails with EINVAL when no CPU of the list is online', async () => {
    const pid = await startSleep();
    expect(() => setThreadAffinity(pid, [1000])).toThrow(
      /sched_setaffinity failed \(EINVAL\); none of the CPUs is online/,
    );
  });

  it('rejects bad arguments before any system call', () => {
    expect(() => setThreadAffinity(process.pid, [])).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARG' }),
    );
    expect(() => setThreadAffinity(process.pid, [4096])).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARG' }),
    );
    expect(() => setThreadAffinity(0, [0])).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG' }));
  });
});
