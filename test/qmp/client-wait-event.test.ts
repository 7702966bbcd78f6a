import { getEventListeners, setMaxListeners } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { TsvirtError } from '../../src/errors.js';
import { QmpClient } from '../../src/qmp/index.js';
import { FakePeer, type PeerConnection, type PeerScript } from './fake-peer.js';

let peer: FakePeer | undefined;
let client: QmpClient | undefined;

afterEach(async () => {
  client?.close();
  client = undefined;
  await peer?.stop();
  peer = undefined;
});

async function open(script: PeerScript): Promise<{ c: QmpClient; conn: PeerConnection }> {
  peer = await FakePeer.start(script);
  client = await QmpClient.connect(peer.path, { connectTimeoutMs: 2_000 });
  return { c: client, conn: peer.connections[0]! };
}

async function rejection(promise: Promise<unknown>): Promise<TsvirtError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof TsvirtError)) throw new Error(`expected a TsvirtError, got ${String(err)}`);
  return err;
}

function eventLine(event: string, data?: Record<string, unknown>, microseconds = 1): string {
  const body = { timestamp: { seconds: 1700000000, microseconds }, event, ...(data ? { data } : {}) };
  return `${JSON.stringify(body)}\r\n`;
}

const silent: PeerScript = () => undefined;

describe('QmpClient.waitForEvent', () => {
  it('resolves with the first event of that name whose data matches, skipping others', async () => {
    const { c, conn } = await open(silent);
    const deleted = c.waitForEvent('DEVICE_DELETED', {
      match: (data) => data.device === 'net1',
      timeoutMs: 2_000,
    });
    await conn.write(
      eventLine('RESUME', undefined, 1) +
        eventLine('DEVICE_DELETED', { device: 'net0', path: '/machine/peripheral/net0' }, 2) +
        eventLine('DEVICE_DELETED', { device: 'net1', path: '/machine/peripheral/net1' }, 3),
    );
    expect(await deleted).toEqual({
      event: 'DEVICE_DELETED',
      data: { device: 'net1', path: '/machine/peripheral/net1' },
      timestamp: { seconds: 1700000000, microseconds: 3 },
    });
    expect(c.eventWaitCount).toBe(0);
  });

  it('still emits every event to listeners while waits take them', async () => {
    const { c, conn } = await open(silent);
    const seen: string[] = [];
    c.on('event', (e) => seen.push(e.event));
    const stop = c.waitForEvent('STOP', { timeoutMs: 2_000 });
    await conn.write(eventLine('STOP'));
    await stop;
    expect(seen).toEqual(['STOP']);
  });

  it('gives one event to every wait that matches it', async () => {
    const { c, conn } = await open(silent);
    const a = c.waitForEvent('STOP', { timeoutMs: 2_000 });
    const b = c.waitForEvent('STOP', { timeoutMs: 2_000, match: () => true });
    await conn.write(eventLine('STOP'));
    expect(await a).toBe(await b);
  });

  it('catches an event sent in the same write as the reply when armed before execute', async () => {
    const { c } = await open((cmd, conn) =>
      conn.write(`{"return": {}, "id": ${cmd.id}}\r\n` + eventLine('DEVICE_DELETED', { device: 'd0' })),
    );
    const deleted = c.waitForEvent('DEVICE_DELETED', { match: (d) => d.device === 'd0', timeoutMs: 2_000 });
    await c.execute('device_del', { id: 'd0' });
    expect((await deleted).data).toEqual({ device: 'd0' });
  });

  it('misses that event when armed only after the reply, which is why callers arm first', async () => {
    const { c } = await open((cmd, conn) =>
      conn.write(`{"return": {}, "id": ${cmd.id}}\r\n` + eventLine('DEVICE_DELETED', { device: 'd0' })),
    );
    await c.execute('device_del', { id: 'd0' });
    await new Promise((r) => setTimeout(r, 20));
    const late = await rejection(c.waitForEvent('DEVICE_DELETED', { timeoutMs: 30 }));
    expect(late.code).toBe('ERR_QMP_TIMEOUT');
  });

  it('rejects with ERR_QMP_TIMEOUT naming the event and the time waited', async () => {
    const { c } = await open(silent);
    const started = performance.now();
    const err = await rejection(c.waitForEvent('DEVICE_DELETED', { timeoutMs: 60 }));
    expect(performance.now() - started).toBeGreaterThanOrEqual(55);
    expect(err.code).toBe('ERR_QMP_TIMEOUT');
    expect(err.message).toBe(
      `qmp event "DEVICE_DELETED" did not arrive within 60 ms on monitor ${peer!.path}`,
    );
    expect(err.fields).toEqual({ event: 'DEVICE_DELETED', timeoutMs: 60, label: peer!.path });
    expect(c.eventWaitCount).toBe(0);
    expect(c.closed).toBe(false);
  });

  it('rejects with ERR_QMP_DISCONNECTED when the peer closes first, keeping the cause', async () => {
    const { c, conn } = await open(silent);
    const waiting = rejection(c.waitForEvent('JOB_STATUS_CHANGE', { timeoutMs: 5_000 }));
    conn.close();
    const err = await waiting;
    expect(err.code).toBe('ERR_QMP_DISCONNECTED');
    expect(err.message).toMatch(
      /disconnected while waiting for event "JOB_STATUS_CHANGE"; qemu has probably exited/,
    );
    expect(err.fields).toMatchObject({ event: 'JOB_STATUS_CHANGE' });
    expect((err.cause as TsvirtError).code).toBe('ERR_QMP_DISCONNECTED');
    expect(c.eventWaitCount).toBe(0);
  });

  it('rejects when close() is called, and at once when the monitor is already closed', async () => {
    const { c } = await open(silent);
    const waiting = rejection(c.waitForEvent('STOP', { timeoutMs: 5_000 }));
    c.close();
    expect((await waiting).message).toMatch(/was closed by tsvirt while waiting for event "STOP"$/);
    const after = await rejection(c.waitForEvent('STOP', { timeoutMs: 5_000 }));
    expect(after.code).toBe('ERR_QMP_DISCONNECTED');
    expect(after.message).toMatch(/wait for qmp event "STOP": monitor .* is closed/);
  });

  it('rejects with the abort reason when it is a TsvirtError, else with ERR_OPERATION_FAILED', async () => {
    const { c } = await open(silent);
    const ac = new AbortController();
    const waiting = rejection(c.waitForEvent('STOP', { timeoutMs: 5_000, signal: ac.signal }));
    const reason = new TsvirtError('ERR_DOMAIN_DESTROYED', 'domain vm1 was destroyed');
    ac.abort(reason);
    expect(await waiting).toBe(reason);
    const plain = new AbortController();
    const other = rejection(c.waitForEvent('STOP', { timeoutMs: 5_000, signal: plain.signal }));
    plain.abort();
    const err = await other;
    expect(err.code).toBe('ERR_OPERATION_FAILED');
    expect(err.message).toMatch(/wait for qmp event "STOP" on monitor .* was aborted/);
    const already = await rejection(c.waitForEvent('STOP', { timeoutMs: 5_000, signal: plain.signal }));
    expect(already.code).toBe('ERR_OPERATION_FAILED');
    expect(getEventListeners(ac.signal, 'abort')).toHaveLength(0);
    expect(getEventListeners(plain.signal, 'abort')).toHaveLength(0);
  });

  it('rejects with the error a match function throws', async () => {
    const { c, conn } = await open(silent);
    const boom = new Error('bad predicate');
    const waiting = c.waitForEvent('STOP', {
      timeoutMs: 2_000,
      match: () => {
        throw boom;
      },
    });
    await conn.write(eventLine('STOP'));
    await expect(waiting).rejects.toBe(boom);
    expect(c.eventWaitCount).toBe(0);
  });

  it('refuses a timeout that is not a finite number >= 0', async () => {
    const { c } = await open(silent);
    for (const timeoutMs of [-1, NaN, Infinity]) {
      expect((await rejection(c.waitForEvent('STOP', { timeoutMs }))).code).toBe('ERR_INVALID_ARG');
    }
  });

  it('leaves no waiter, timer or listener behind over thousands of waits on every path', async () => {
    const { c, conn } = await open(silent);
    const signal = new AbortController().signal;
    // 2,500 waits share this signal at once on purpose; Node would warn past 10 listeners.
    setMaxListeners(3_000, signal);
    const before = process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    const resolved = Array.from({ length: 1_000 }, (_, i) =>
      c.waitForEvent('DEVICE_DELETED', { match: (d) => d.device === `d${i}`, timeoutMs: 10_000, signal }),
    );
    const timedOut = Array.from({ length: 1_000 }, () =>
      rejection(c.waitForEvent('NEVER', { timeoutMs: 1, signal })),
    );
    const aborters = Array.from({ length: 500 }, () => new AbortController());
    const aborted = aborters.map((ac) =>
      rejection(c.waitForEvent('NEVER', { timeoutMs: 10_000, signal: ac.signal })),
    );
    expect(c.eventWaitCount).toBe(2_500);
    for (const ac of aborters) ac.abort();
    await conn.write(
      Array.from({ length: 1_000 }, (_, i) => eventLine('DEVICE_DELETED', { device: `d${i}` })).join(''),
    );
    const events = await Promise.all(resolved);
    expect(events.map((e) => e.data.device)).toEqual(Array.from({ length: 1_000 }, (_, i) => `d${i}`));
    expect(new Set((await Promise.all(timedOut)).map((e) => e.code))).toEqual(new Set(['ERR_QMP_TIMEOUT']));
    expect(new Set((await Promise.all(aborted)).map((e) => e.code))).toEqual(
      new Set(['ERR_OPERATION_FAILED']),
    );
    const closing = Array.from({ length: 500 }, () =>
      rejection(c.waitForEvent('NEVER', { timeoutMs: 10_000, signal })),
    );
    c.close();
    expect(new Set((await Promise.all(closing)).map((e) => e.code))).toEqual(
      new Set(['ERR_QMP_DISCONNECTED']),
    );

    expect(c.eventWaitCount).toBe(0);
    expect(c.listenerCount('event')).toBe(0);
    expect(c.listenerCount('close')).toBe(0);
    expect(getEventListeners(signal, 'abort')).toHaveLength(0);
    const after = process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    expect(after).toBeLessThanOrEqual(before);
  });
});

describe('QmpClient.executeAndWait', () => {
  it('resolves with the return value and an event sent before the reply', async () => {
    const { c } = await open((cmd, conn) =>
      conn.write(eventLine('DEVICE_DELETED', { device: 'd0' }) + `{"return": {}, "id": ${cmd.id}}\r\n`),
    );
    const { value, event } = await c.executeAndWait('device_del', { id: 'd0' }, 'DEVICE_DELETED', {
      match: (d) => d.device === 'd0',
      timeoutMs: 2_000,
    });
    expect(value).toEqual({});
    expect(event.data).toEqual({ device: 'd0' });
    expect(c.eventWaitCount).toBe(0);
  });

  it('resolves with an event that comes well after the reply', async () => {
    const { c } = await open(async (cmd, conn) => {
      await conn.reply(cmd.id);
      await new Promise((r) => setTimeout(r, 30));
      await conn.write(eventLine('JOB_STATUS_CHANGE', { id: 'job0', status: 'concluded' }));
    });
    const { event } = await c.executeAndWait('job-finalize', { id: 'job0' }, 'JOB_STATUS_CHANGE', {
      match: (d) => d.id === 'job0' && d.status === 'concluded',
      timeoutMs: 2_000,
    });
    expect(event.data).toEqual({ id: 'job0', status: 'concluded' });
  });

  it('throws the command error and drops the wait when the command fails', async () => {
    const { c } = await open((cmd, conn) =>
      conn.write(
        `{"error": {"class": "DeviceNotFound", "desc": "Device 'x' not found"}, "id": ${cmd.id}}\r\n`,
      ),
    );
    const err = await rejection(
      c.executeAndWait('device_del', { id: 'x' }, 'DEVICE_DELETED', { timeoutMs: 50 }),
    );
    expect(err.code).toBe('ERR_QMP_COMMAND');
    expect(c.eventWaitCount).toBe(0);
    // The dropped wait's own timeout must not surface later as an unhandled rejection.
    await new Promise((r) => setTimeout(r, 80));
  });

  it('throws ERR_QMP_TIMEOUT when the command succeeds but the event never comes', async () => {
    const { c } = await open((cmd, conn) => conn.reply(cmd.id));
    const err = await rejection(
      c.executeAndWait('device_del', { id: 'x' }, 'DEVICE_DELETED', { timeoutMs: 40 }),
    );
    expect(err.code).toBe('ERR_QMP_TIMEOUT');
    expect(err.fields).toMatchObject({ event: 'DEVICE_DELETED', timeoutMs: 40 });
  });

  it('sends nothing when its signal has already aborted, and removes its listener', async () => {
    const { c, conn } = await open((cmd, conn) => conn.reply(cmd.id));
    const ac = new AbortController();
    const reason = new TsvirtError('ERR_DOMAIN_DESTROYED', 'destroyed');
    ac.abort(reason);
    const err = await rejection(
      c.executeAndWait('device_del', { id: 'x' }, 'DEVICE_DELETED', { timeoutMs: 1_000, signal: ac.signal }),
    );
    expect(err).toBe(reason);
    expect(conn.received.map((r) => r.execute)).toEqual(['qmp_capabilities']);
    const live = new AbortController();
    await rejection(
      c.executeAndWait('device_del', { id: 'x' }, 'DEVICE_DELETED', { timeoutMs: 20, signal: live.signal }),
    );
    expect(getEventListeners(live.signal, 'abort')).toHaveLength(0);
  });
});
