import { existsSync } from 'node:fs';
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { TsvirtError } from '../../src/errors.js';
import {
  QmpClient,
  blockdevAdd,
  blockdevDel,
  deviceDel,
  humanMonitorCommand,
  queryStatus,
  queryVersion,
  quit,
  type QmpEvent,
} from '../../src/qmp/index.js';
import { probeQemu, useQemuWithClient, type TestQemu } from './qemu-harness.js';

const noQemu = await probeQemu();
if (noQemu) console.warn(`skipping qmp tests against real qemu: ${noQemu}`);

const startWithClient = useQemuWithClient();
const startNone = (): Promise<{ q: TestQemu; c: QmpClient }> => startWithClient(['-machine', 'none', '-S']);

async function errorOf(p: Promise<unknown>): Promise<TsvirtError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  if (!(e instanceof TsvirtError)) throw new Error(`expected a TsvirtError, got ${String(e)}`);
  return e;
}

describe.skipIf(noQemu)('QmpClient against qemu -machine none -S', () => {
  it('reads the 7.2 greeting and query-version agrees with it', async () => {
    const { c } = await startNone();
    expect(c.greeting.version.qemu).toMatchObject({ major: 7, minor: 2 });
    expect(c.greeting.capabilities).toContain('oob');
    expect(await queryVersion(c)).toEqual(c.greeting.version);
  });

  it('reports the prelaunch state, also through HMP', async () => {
    const { c } = await startNone();
    expect(await queryStatus(c)).toEqual({ status: 'prelaunch', running: false, singlestep: false });
    expect(await humanMonitorCommand(c, 'info status')).toMatch(/paused \(prelaunch\)/);
  });

  it('turns a QEMU error reply into ERR_QMP_COMMAND with its class', async () => {
    const { c } = await startNone();
    const err = await errorOf(deviceDel(c, 'no-such-device'));
    expect(err.code).toBe('ERR_QMP_COMMAND');
    expect(err.fields).toMatchObject({ command: 'device_del', errorClass: 'DeviceNotFound' });
    expect(err.message).toMatch(/^qmp command "device_del" failed: Device 'no-such-device' not found/);
  });

  it('adds and deletes a block node, and QEMU refuses a duplicate node name', async () => {
    const { c } = await startNone();
    await blockdevAdd(c, { driver: 'null-co', 'node-name': 'n0', size: 1048576 });
    const dup = await errorOf(blockdevAdd(c, { driver: 'null-co', 'node-name': 'n0' }));
    expect(dup.fields).toMatchObject({ command: 'blockdev-add', errorClass: 'GenericError' });
    await blockdevDel(c, 'n0');
    expect((await errorOf(blockdevDel(c, 'n0'))).code).toBe('ERR_QMP_COMMAND');
  });

  it('pipelines many commands and gets each its own answer', async () => {
    const { c } = await startNone();
    const answers = await Promise.all(
      Array.from({ length: 50 }, (_, i) => (i % 2 ? queryStatus(c) : queryVersion(c))),
    );
    answers.forEach((a, i) => expect('status' in a).toBe(i % 2 === 1));
  });

  it('quit yields SHUTDOWN with reason host-qmp-quit, then a disconnect, and the process ends', async () => {
    const { q, c } = await startNone();
    const events: QmpEvent[] = [];
    c.on('event', (e) => events.push(e));
    const closed = once(c, 'close');
    await quit(c);
    const [closeErr] = (await closed) as [TsvirtError | undefined];
    expect(closeErr?.code).toBe('ERR_QMP_DISCONNECTED');
    expect(events.map((e) => [e.event, e.data])).toEqual([
      ['SHUTDOWN', { guest: false, reason: 'host-qmp-quit' }],
    ]);
    expect(events[0]!.timestamp.seconds).toBeGreaterThan(1_600_000_000);
    expect(await q.child.exited).toEqual({ exitCode: 0, signal: undefined });
    expect(existsSync(`/proc/${q.pid}`)).toBe(false);
    expect((await errorOf(queryStatus(c))).code).toBe('ERR_QMP_DISCONNECTED');
  });
});
