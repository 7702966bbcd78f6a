import { describe, expect, it } from 'vitest';
import { TsvirtError } from '../../src/errors.js';
import { QmpClient } from '../../src/qmp/index.js';
import { probeQemu, useQemuWithClient, type TestQemu } from './qemu-harness.js';

const noQemu = await probeQemu();
if (noQemu) console.warn(`skipping qmp event-wait tests against real qemu: ${noQemu}`);

const startWithClient = useQemuWithClient();
const startNone = (): Promise<{ q: TestQemu; c: QmpClient }> => startWithClient(['-machine', 'none', '-S']);

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
