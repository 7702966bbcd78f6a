import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { TsvirtError } from '../../src/errors.js';
import { QmpClient, type QmpEvent, type QmpTrace } from '../../src/qmp/index.js';
import { FakePeer, GREETING_7_2, type PeerScript } from './fake-peer.js';

let peer: FakePeer | undefined;
let client: QmpClient | undefined;

afterEach(async () => {
  client?.close();
  client = undefined;
  await peer?.stop();
  peer = undefined;
});

async function open(script: PeerScript, options = {}): Promise<{ c: QmpClient; p: FakePeer }> {
  peer = await FakePeer.start(script);
  client = await QmpClient.connect(peer.path, { connectTimeoutMs: 2_000, ...options });
  return { c: client, p: peer };
}

const answerAll: PeerScript = (cmd, conn) => conn.reply(cmd.id, { echoed: cmd.execute });

async function rejection(promise: Promise<unknown>): Promise<TsvirtError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof TsvirtError)) throw new Error(`expected a TsvirtError, got ${String(err)}`);
  return err;
}

describe('QmpClient against a fake peer', () => {
  it('reads the greeting and negotiates capabilities before resolving', async () => {
    const { c, p } = await open(answerAll);
    expect(c.greeting).toEqual({
      version: { qemu: { major: 7, minor: 2, micro: 22 }, package: 'Debian 1:7.2+dfsg-7+deb12u18+b3' },
      capabilities: ['oob'],
    });
    expect(p.connections[0]?.received.map((r) => r.execute)).toEqual(['qmp_capabilities']);
  });

  it('sends arguments and resolves with the return value', async () => {
    const { c, p } = await open((cmd, conn) => conn.reply(cmd.id, { got: cmd.arguments }));
    await expect(c.execute('balloon', { value: 1024 })).resolves.toEqual({ got: { value: 1024 } });
    expect(p.connections[0]?.received[1]).toMatchObject({ execute: 'balloon', arguments: { value: 1024 } });
  });

  it('reports garbage lines as protocol errors with the raw line and keeps working', async () => {
    const { c } = await open(async (cmd, conn) => {
      await conn.write('this is not json\r\n{"neither": "is this"}\r\n');
      await conn.reply(cmd.id, 'fine');
    });
    const errors: TsvirtError[] = [];
    c.on('protocol-error', (e) => errors.push(e));
    await expect(c.execute('query-status')).resolves.toBe('fine');
    expect(errors.map((e) => [e.code, e.fields.line])).toEqual([
      ['ERR_QMP_PROTOCOL', 'this is not json'],
      ['ERR_QMP_PROTOCOL', '{"neither": "is this"}'],
    ]);
    await expect(c.execute('query-version')).resolves.toBe('fine');
  });

  it('assembles a reply written one byte at a time', async () => {
    const { c } = await open(async (cmd, conn) => {
      for (const byte of Buffer.from(`{"return": {"status": "running"}, "id": ${cmd.id}}\n`)) {
        await conn.write(Buffer.from([byte]));
      }
    });
    await expect(c.execute('query-status')).resolves.toEqual({ status: 'running' });
  });

  it.each([1, 7, 20])('assembles a reply and an event split at byte %i', async (cut) => {
    const { c } = await open(async (cmd, conn) => {
      const raw = Buffer.from(
        `{"timestamp": {"seconds": 5, "microseconds": 6}, "event": "RESUME"}\n{"return": 3, "id": ${cmd.id}}\n`,
      );
      await conn.write(raw.subarray(0, cut));
      await new Promise((r) => setTimeout(r, 5));
      await conn.write(raw.subarray(cut));
    });
    const events: QmpEvent[] = [];
    c.on('event', (e) => events.push(e));
    await expect(c.execute('cont')).resolves.toBe(3);
    expect(events).toEqual([{ event: 'RESUME', data: {}, timestamp: { seconds: 5, microseconds: 6 } }]);
  });

  it('matches two replies that arrive out of order to their commands by id', async () => {
    const held: { id: unknown; name: string }[] = [];
    const { c } = await open(async (cmd, conn) => {
      held.push({ id: cmd.id, name: cmd.execute });
      if (held.length < 2) return;
      for (const h of held.reverse()) await conn.reply(h.id, h.name);
    });
    const [a, b] = await Promise.all([c.execute('query-status'), c.execute('query-block')]);
    expect([a, b]).toEqual(['query-status', 'query-block']);
  });

  it('emits events interleaved with replies with their data and timestamps, in order', async () => {
    const { c } = await open(async (cmd, conn) => {
      await conn.write(
        '{"timestamp": {"seconds": 1700000000, "microseconds": 1}, "event": "STOP"}\r\n' +
          `{"return": {}, "id": ${cmd.id}}\r\n` +
          '{"timestamp": {"seconds": 1700000000, "microseconds": 2}, "event": "SHUTDOWN", "data": {"guest": true, "reason": "guest-shutdown"}}\r\n',
      );
    });
    const events: QmpEvent[] = [];
    c.on('event', (e) => events.push(e));
    await c.execute('stop');
    await new Promise((r) => setTimeout(r, 20));
    expect(events).toEqual([
      { event: 'STOP', data: {}, timestamp: { seconds: 1700000000, microseconds: 1 } },
      {
        event: 'SHUTDOWN',
        data: { guest: true, reason: 'guest-shutdown' },
        timestamp: { seconds: 1700000000, microseconds: 2 },
      },
    ]);
  });

  it('rejects with ERR_QMP_COMMAND carrying the class and desc of an error reply', async () => {
    const { c } = await open((cmd, conn) =>
      conn.write(`{"error": {"class": "DeviceNotFound", "desc": "Device 'x' not found"}, "id": ${cmd.id}}\n`),
    );
    const err = await rejection(c.execute('device_del', { id: 'x' }));
    expect(err.code).toBe('ERR_QMP_COMMAND');
    expect(err.message).toBe(`qmp command "device_del" failed: Device 'x' not found`);
    expect(err.fields).toEqual({
      command: 'device_del',
      errorClass: 'DeviceNotFound',
      desc: "Device 'x' not found",
    });
  });

  it('rejects every pending command with one disconnect error when the peer closes mid-command', async () => {
    const { c, p } = await open(() => {
      if (p.connections[0]!.received.length === 3) p.connections[0]!.close();
    });
    const closed = once(c, 'close');
    const [e1, e2] = await Promise.all([rejection(c.execute('query-status')), rejection(c.execute('stop'))]);
    expect(e1.code).toBe('ERR_QMP_DISCONNECTED');
    expect(e2).toBe(e1);
    expect(e1.fields.pending).toEqual(['query-status', 'stop']);
    expect(e1.message).toMatch(/disconnected with 2 command\(s\) pending \(query-status, stop\)/);
    const [closeErr] = (await closed) as [TsvirtError];
    expect(closeErr).toBe(e1);
    expect(c.closed).toBe(true);
    expect((await rejection(c.execute('query-status'))).code).toBe('ERR_QMP_DISCONNECTED');
  });

  it('times out a command the peer never answers, and checks whether the peer still answers', async () => {
    const { c } = await open(() => undefined, { probeTimeoutMs: 50 });
    const traces: QmpTrace[] = [];
    c.on('trace', (t) => traces.push(t));
    const started = performance.now();
    const err = await rejection(c.execute('query-status', undefined, { timeoutMs: 80 }));
    expect(performance.now() - started).toBeGreaterThanOrEqual(75);
    expect(err.code).toBe('ERR_QMP_TIMEOUT');
    expect(err.message).toBe('qmp command "query-status" timed out after 80 ms');
    expect(err.fields).toMatchObject({ command: 'query-status', timeoutMs: 80 });
    await new Promise((r) => setTimeout(r, 100));
    expect(traces).toEqual([{ kind: 'probe-timeout', afterCommand: 'query-status', timeoutMs: 50 }]);
    expect(c.closed).toBe(false);
  });

  it('times out several silent commands each at its own deadline, whatever order they were sent in', async () => {
    const { c } = await open(() => undefined, { probeTimeoutMs: 1_000 });
    const t0 = performance.now();
    const order: [string, number][] = [];
    const watch = (name: string, timeoutMs: number): Promise<void> =>
      rejection(c.execute(name, undefined, { timeoutMs })).then((e) => {
        expect(e.fields).toMatchObject({ command: name, timeoutMs });
        order.push([name, performance.now() - t0]);
      });
    await Promise.all([watch('slow', 240), watch('fast', 40), watch('middle', 120)]);
    expect(order.map(([name]) => name)).toEqual(['fast', 'middle', 'slow']);
    const [fast, middle, slow] = order.map(([, ms]) => ms) as [number, number, number];
    expect(fast).toBeGreaterThanOrEqual(39);
    expect(middle).toBeGreaterThanOrEqual(119);
    expect(slow).toBeGreaterThanOrEqual(239);
    expect(slow).toBeLessThan(1_000);
  });

  it('takes per-command timeouts from the options table', async () => {
    const { c } = await open(() => undefined, { timeouts: { stop: 40 } });
    const err = await rejection(c.execute('stop'));
    expect(err.fields).toMatchObject({ command: 'stop', timeoutMs: 40 });
  });

  it('drops a late reply to a timed-out command with a trace and never gives it to the next command', async () => {
    const ids: unknown[] = [];
    const { c, p } = await open((cmd) => void ids.push(cmd.id));
    const conn = p.connections[0]!;
    const traces: QmpTrace[] = [];
    const protocolErrors: TsvirtError[] = [];
    c.on('trace', (t) => traces.push(t));
    c.on('protocol-error', (e) => protocolErrors.push(e));
    expect((await rejection(c.execute('blockdev-add', {}, { timeoutMs: 30 }))).code).toBe('ERR_QMP_TIMEOUT');
    const next = c.execute('query-version');
    await new Promise((r) => setTimeout(r, 20));
    // ids: [blockdev-add, probe query-status, query-version]
    expect(ids).toHaveLength(3);
    await conn.reply(ids[0], 'late blockdev-add');
    await conn.reply(ids[1], { status: 'running' });
    await conn.reply(ids[2], 'version');
    await expect(next).resolves.toBe('version');
    await new Promise((r) => setTimeout(r, 10));
    expect(traces.map((t) => t.kind)).toEqual(['late-reply', 'probe-ok']);
    expect(traces[0]).toMatchObject({ kind: 'late-reply', id: ids[0], command: 'blockdev-add' });
    expect(protocolErrors).toEqual([]);
  });

  it('reports a reply for an id it never sent as a protocol error', async () => {
    const { c } = await open(async (cmd, conn) => {
      await conn.reply(99999, 'stray');
      await conn.reply(cmd.id, 'mine');
    });
    const errors: TsvirtError[] = [];
    c.on('protocol-error', (e) => errors.push(e));
    await expect(c.execute('query-status')).resolves.toBe('mine');
    expect(errors).toHaveLength(1);
    expect(errors[0]!.fields).toMatchObject({
      reason: 'reply for unknown id 99999',
      line: '{"return":"stray","id":99999}',
    });
  });

  it('close() is idempotent, rejects pending commands, and emits close without an error', async () => {
    const { c } = await open(() => undefined);
    const pending = rejection(c.execute('query-status'));
    const closed = once(c, 'close');
    c.close();
    c.close();
    const err = await pending;
    expect(err.code).toBe('ERR_QMP_DISCONNECTED');
    expect(err.message).toMatch(/was closed by tsvirt with 1 command\(s\) pending/);
    expect(await closed).toEqual([undefined]);
    expect(c.closed).toBe(true);
  });
});

describe('QmpClient handshake', () => {
  it('fails with ERR_QMP_PROTOCOL when the first line is not a greeting', async () => {
    peer = await FakePeer.start(() => undefined, '{"return": {}, "id": 1}\n');
    const err = await rejection(QmpClient.connect(peer.path));
    expect(err.code).toBe('ERR_QMP_PROTOCOL');
    expect(err.fields.line).toBe('{"return": {}, "id": 1}');
  });

  it('fails with ERR_QMP_TIMEOUT when the peer sends no greeting', async () => {
    peer = await FakePeer.start(() => undefined, '');
    const err = await rejection(QmpClient.connect(peer.path, { greetingTimeoutMs: 50 }));
    expect(err.code).toBe('ERR_QMP_TIMEOUT');
    expect(err.message).toMatch(/sent no greeting within 50 ms/);
  });

  it('retries until the socket appears', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tsvirt-qmp-late-'));
    const path = join(dir, 'qmp.sock');
    // A minimal monitor: greets, then answers qmp_capabilities (id 1).
    const late = net.createServer((s) => {
      s.write(GREETING_7_2);
      s.once('data', () => s.write('{"return": {}, "id": 1}\n'));
    });
    try {
      const connecting = QmpClient.connect(path, { connectTimeoutMs: 2_000 });
      await new Promise((r) => setTimeout(r, 100));
      await new Promise<void>((resolve) => late.listen(path, resolve));
      client = await connecting;
      expect(client.greeting.version.qemu).toEqual({ major: 7, minor: 2, micro: 22 });
    } finally {
      client?.close();
      await new Promise((r) => late.close(r));
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('gives up with ERR_QMP_TIMEOUT when the socket never appears', async () => {
    const err = await rejection(QmpClient.connect('/tmp/tsvirt-qmp-absent.sock', { connectTimeoutMs: 60 }));
    expect(err.code).toBe('ERR_QMP_TIMEOUT');
    expect(err.fields).toMatchObject({ errno: 'ENOENT', timeoutMs: 60 });
  });
});
