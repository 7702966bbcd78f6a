import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run, spawnDetached, buildLimitedArgv, CommandFailedError } from '../../src/exec/index.js';

describe('run', () => {
  it('returns stdout of a program given as an argv array, in the C locale', async () => {
    const result = await run(['sh', '-c', 'printf "%s|%s" "$1" "$LC_ALL"', 'sh', 'a b;c']);
    expect(result.stdout).toBe('a b;c|C');
    expect(result.exitCode).toBe(0);
  });

  it('throws CommandFailedError with argv, exit code and stderr on a non-zero exit', async () => {
    const err = await run(['sh', '-c', 'echo boom >&2; exit 5']).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CommandFailedError);
    const failed = err as CommandFailedError;
    expect(failed.code).toBe('ERR_COMMAND_FAILED');
    expect(failed.exitCode).toBe(5);
    expect(failed.stderr).toBe('boom\n');
    expect(failed.argv).toEqual(['sh', '-c', 'echo boom >&2; exit 5']);
    expect(failed.message).toBe('sh exited with status 5: boom');
  });

  it('accepts exit codes listed as ok', async () => {
    const result = await run(['sh', '-c', 'exit 3'], { okExitCodes: [3] });
    expect(result.exitCode).toBe(3);
  });

  it('names a missing program', async () => {
    const err = (await run(['tsvirt-no-such-program']).catch((e: unknown) => e)) as CommandFailedError;
    expect(err.code).toBe('ERR_COMMAND_NOT_FOUND');
    expect(err.message).toMatch(/^tsvirt-no-such-program: command not found/);
  });

  it('kills a program that outlives its timeout', async () => {
    const err = (await run(['sleep', '5'], { timeoutMs: 100 }).catch(
      (e: unknown) => e,
    )) as CommandFailedError;
    expect(err.code).toBe('ERR_COMMAND_TIMEOUT');
    expect(err.timedOut).toBe(true);
    expect(err.message).toBe('sleep timed out after 100 ms');
  });

  it('feeds input to stdin', async () => {
    const result = await run(['cat'], { input: 'hello' });
    expect(result.stdout).toBe('hello');
  });

  it('applies resource limits through prlimit', async () => {
    expect(buildLimitedArgv(['qemu-img', 'info', 'x'], { memoryBytes: 1 << 30, cpuSeconds: 30 })).toEqual([
      'prlimit',
      '--as=1073741824',
      '--cpu=30',
      '--',
      'qemu-img',
      'info',
      'x',
    ]);
    const result = await run(['sh', '-c', 'ulimit -t'], { limits: { cpuSeconds: 7 } });
    expect(result.stdout.trim()).toBe('7');
  });
});

describe('spawnDetached', () => {
  it('starts a child in its own session that writes to a log file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tsvirt-exec-'));
    try {
      const log = join(dir, 'out.log');
      const child = await spawnDetached(['sh', '-c', 'echo out; echo err >&2; exec cat /proc/self/stat'], {
        logFile: log,
      });
      expect(child.pid).toBeGreaterThan(0);
      const ended = await child.exited;
      expect(ended.exitCode).toBe(0);
      const text = readFileSync(log, 'utf8');
      expect(text).toContain('out\n');
      expect(text).toContain('err\n');
      // /proc/self/stat field 6 is the session id: a new session is led by the child itself.
      const stat = text.split('\n').find((l) => l.startsWith(`${child.pid} `)) ?? '';
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      expect(Number(fields[3])).toBe(child.pid);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('rejects with ERR_COMMAND_NOT_FOUND for a missing program', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tsvirt-exec-'));
    try {
      const err = (await spawnDetached(['tsvirt-no-such-program'], { logFile: join(dir, 'l') }).catch(
        (e: unknown) => e,
      )) as CommandFailedError;
      expect(err.code).toBe('ERR_COMMAND_NOT_FOUND');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
