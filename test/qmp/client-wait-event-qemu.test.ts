import { afterEach, describe, expect, it } from 'vitest';
import { TsvirtError } from '../../src/errors.js';
import { QmpClient } from '../../src/qmp/index.js';
import { probeQemu, startQemu, stopQemu, type TestQemu } from './qemu-harness.js';

const noQemu = await probeQemu();
if (noQemu) console.warn(`skipping qmp event-wait tests against real qemu: ${noQemu}`);

const started: TestQemu[] = [];
const clients: QmpClient[] = [];

afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  for (const q of started.splice(0)) expect(await stopQemu(q), `qemu pid ${q.pid} is gone`).toBe(true);
});

async function startNone(): Promise<{ q: TestQemu; c: QmpClient }> {
  const q = await startQemu(['-machine', 'none', '-S']);
  started.push(q);
  const c = await QmpClient.connect(q.sock, { connectTimeoutMs: 10_000 });
  clients.push(c);
  return { q, c };
}

describe.skipIf(noQemu)('QmpClient.waitForEvent against qemu -machine none -S', () => {
  it('sees RESUME after cont and STOP after stop when armed before each command', async () => {
    const { c } = await startNone();
    const resumed = c.waitForEvent('RESUME', { timeoutMs: 5_000 });
    await c.execute('cont');
    expect((await resumed).data).toEqual({});
    const { event } = await c.executeAndWait('stop', undefined, 'STOP', { timeoutMs: 5_000 });
    expect(event.event).toBe('STOP');
    expect(event.timestamp.seconds).toBeGreaterThan(1_600_000_000);
    expect(c.eventWaitCount).toBe(0);
  });

  it('rejects a pending wait with ERR_QMP_DISCONNECTED when qemu is killed', async () => {
    const { q, c } = await startNone();
    const waiting = c.waitForEvent('RESUME', { timeoutMs: 10_000 }).catch((e: unknown) => e);
    process.kill(q.pid, 'SIGKILL');
    const err = (await waiting) as TsvirtError;
    expect(err).toBeInstanceOf(TsvirtError);
    expect(err.code).toBe('ERR_QMP_DISCONNECTED');
    expect(err.fields).toMatchObject({ event: 'RESUME' });
  });
});
