import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  QmpClient,
  balloon,
  blockdevAdd,
  cont,
  deviceAdd,
  deviceDel,
  queryBalloon,
  queryBlock,
  queryCpusFast,
  queryStatus,
  qomGet,
  stop,
  systemPowerdown,
  systemReset,
  type QmpEvent,
} from '../../src/qmp/index.js';
import { probeQemu, startQemu, stopQemu, type TestQemu } from './qemu-harness.js';

const noQemu = await probeQemu();
if (noQemu) console.warn(`skipping qmp command tests against real qemu: ${noQemu}`);

const MIB = 1024 * 1024;
/** A pc machine with two vCPUs, a balloon and no disk, stopped before the first instruction. */
const PC_ARGS = [
  '-machine',
  'pc',
  '-accel',
  'tcg',
  '-smp',
  '2',
  '-m',
  '64',
  '-device',
  'virtio-balloon,id=balloon0',
  '-S',
];

const started: TestQemu[] = [];
const clients: QmpClient[] = [];

afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  for (const q of started.splice(0)) expect(await stopQemu(q), `qemu pid ${q.pid} is gone`).toBe(true);
});

async function start(args: readonly string[]): Promise<{ q: TestQemu; c: QmpClient; events: QmpEvent[] }> {
  const q = await startQemu(args);
  started.push(q);
  const c = await QmpClient.connect(q.sock, { connectTimeoutMs: 10_000 });
  clients.push(c);
  const events: QmpEvent[] = [];
  c.on('event', (e) => events.push(e));
  return { q, c, events };
}

async function waitFor<T>(
  probe: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * A 512-byte boot sector: writes "OK\n" to COM1 and spins.
 *   ba f8 03   mov dx, 0x3f8
 *   b0 4f ee   mov al, 'O' ; out dx, al
 *   b0 4b ee   mov al, 'K' ; out dx, al
 *   b0 0a ee   mov al, LF  ; out dx, al
 *   eb fe      jmp $
 * and the boot signature 55 aa at offset 510.
 */
function buildBootSector(): Buffer {
  const sector = Buffer.alloc(512);
  Buffer.from('baf803' + 'b04fee' + 'b04bee' + 'b00aee' + 'ebfe', 'hex').copy(sector);
  sector[510] = 0x55;
  sector[511] = 0xaa;
  return sector;
}

describe.skipIf(noQemu)('typed QMP commands against a pc machine (TCG, 2 vCPUs, no disk)', () => {
  it('query-cpus-fast names two vCPUs whose thread ids are threads of the qemu process', async () => {
    const { q, c } = await start(PC_ARGS);
    const cpus = await queryCpusFast(c);
    expect(cpus.map((cpu) => [cpu.cpuIndex, cpu.target])).toEqual([
      [0, 'x86_64'],
      [1, 'x86_64'],
    ]);
    for (const cpu of cpus) {
      expect(cpu.threadId).not.toBe(q.pid);
      expect(existsSync(`/proc/${q.pid}/task/${cpu.threadId}`), `thread ${cpu.threadId}`).toBe(true);
      expect(cpu.qomPath).toMatch(/^\/machine\//);
    }
  });

  it('cont runs the vCPUs and stop pauses them with a STOP event', async () => {
    const { c, events } = await start(PC_ARGS);
    expect((await queryStatus(c)).status).toBe('prelaunch');
    await cont(c);
    expect(await queryStatus(c)).toEqual({ status: 'running', running: true, singlestep: false });
    await stop(c);
    expect(await queryStatus(c)).toMatchObject({ status: 'paused', running: false });
    await waitFor(() => events.find((e) => e.event === 'STOP'));
    expect(events.map((e) => e.event)).toEqual(['RESUME', 'STOP']);
  });

  it('system_reset and system_powerdown produce RESET and POWERDOWN events', async () => {
    const { c, events } = await start(PC_ARGS);
    await cont(c);
    await systemReset(c);
    await systemPowerdown(c);
    const powerdown = await waitFor(() => events.find((e) => e.event === 'POWERDOWN'));
    expect(powerdown.data).toEqual({});
    expect(events.find((e) => e.event === 'RESET')?.data).toEqual({
      guest: false,
      reason: 'host-qmp-system-reset',
    });
  });

  it('reports the balloon size in bytes, accepts a target, and reads guest-stats through qom-get', async () => {
    const { c } = await start(PC_ARGS);
    expect(await queryBalloon(c)).toEqual({ actualBytes: 64 * MIB });
    await balloon(c, 32 * MIB);
    const stats = (await qomGet(c, '/machine/peripheral/balloon0', 'guest-stats')) as Record<string, unknown>;
    expect(stats).toHaveProperty('last-update');
    expect(stats.stats).toHaveProperty('stat-total-memory');
  });

  it('plugs a virtio disk on a null block node and query-block shows it', async () => {
    const { c } = await start(PC_ARGS);
    await blockdevAdd(c, { driver: 'null-co', 'node-name': 'null0', size: 16 * MIB });
    await deviceAdd(c, { driver: 'virtio-blk-pci', id: 'disk0', drive: 'null0' });
    const disk = (await queryBlock(c)).find((b) => b.qdev?.includes('disk0'));
    expect(disk).toMatchObject({ device: '', removable: false, locked: false });
    expect(disk?.inserted).toMatchObject({ driver: 'null-co', ro: false, nodeName: 'null0' });
    await deviceDel(c, 'disk0');
  });
});

describe.skipIf(noQemu)('typed QMP commands against a real guest (boot sector, TCG)', () => {
  it('runs the guest after cont, and query-block reports its raw disk', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tsvirt-qmp-guest-'));
    const disk = join(dir, 'boot.img');
    const serial = join(dir, 'serial.log');
    await writeFile(disk, buildBootSector());
    try {
      const { c } = await start([
        ...['-machine', 'pc', '-accel', 'tcg', '-m', '16', '-S', '-nic', 'none'],
        ...['-drive', `file=${disk},format=raw,if=ide,id=boot0`, '-serial', `file:${serial}`],
      ]);
      const [info] = (await queryBlock(c)).filter((b) => b.device === 'boot0');
      expect(info?.inserted).toMatchObject({ file: disk, driver: 'raw', ro: false });
      expect(await readFile(serial, 'utf8')).toBe('');
      await cont(c);
      await waitFor(async () => ((await readFile(serial, 'utf8')).includes('OK\n') ? true : undefined));
      expect((await queryStatus(c)).status).toBe('running');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
