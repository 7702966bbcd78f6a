/**
 * Daemon crash: kill -9 of tsvirtd while five guests run, then a restart, twenty times. The guests keep
 * their qemu processes, answer QMP through each new daemon, etc/ keeps its bytes, and run/qemu holds
 * exactly the files of the running domains.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DomainState } from '../../src/connection.js';
import type { RemoteConnection } from '../../src/remote/index.js';
import { isAlive, waitUntil } from '../driver/helpers.js';
import { DaemonRig, elapsedMs, listNames, runtimeFilesOf, snapshotFiles, whyNoDaemonRig } from './harness.js';

const CYCLES = 20;
const GUESTS = ['crash0', 'crash1', 'crash2', 'crash3', 'crash4'];

const why = whyNoDaemonRig();
if (why) console.warn(`reliability daemon crash: skipped: ${why}`);

let rig: DaemonRig | undefined;

afterAll(async () => {
  if (rig) expect(await rig.destroy()).toEqual([]);
});

/** Suspends and resumes `name` until the connection dies (the daemon is killed under it); returns the count. */
async function churn(conn: RemoteConnection, name: string): Promise<number> {
  let ops = 0;
  try {
    const dom = await conn.lookupDomainByName(name);
    for (;;) {
      await conn.domainSuspend(dom);
      await conn.domainResume(dom);
      ops += 2;
    }
  } catch {
    return ops;
  }
}

/** run/qemu settles to exactly these files (a live daemon may have a status write in flight). */
async function expectRuntimeFiles(dir: string, names: readonly string[]): Promise<void> {
  const want = runtimeFilesOf(names);
  await waitUntil(
    async () => JSON.stringify(await listNames(dir)) === JSON.stringify(want),
    3_000,
    `${dir} to hold exactly ${want.join(' ')}`,
  ).catch(async () => expect(await listNames(dir)).toEqual(want));
}

async function checkGuests(conn: RemoteConnection, pids: Map<string, number>): Promise<number> {
  let ops = 0;
  for (const name of GUESTS) {
    const dom = await conn.lookupDomainByName(name);
    expect(rig?.qemuPid(name), name).toBe(pids.get(name));
    // A kill during the churn may leave a guest paused: the new daemon must report what qemu says.
    if ((await conn.domainGetState(dom)).state === DomainState.PAUSED) {
      await conn.domainResume(dom);
      ops++;
    }
    expect(await conn.domainGetState(dom)).toEqual({
      state: DomainState.RUNNING,
      reason: expect.any(Number),
    });
    expect((await conn.domainGetInfo(dom)).state).toBe(DomainState.RUNNING);
    await conn.domainSuspend(dom);
    expect((await conn.domainGetState(dom)).state).toBe(DomainState.PAUSED);
    await conn.domainResume(dom);
    expect((await conn.domainGetState(dom)).state).toBe(DomainState.RUNNING);
    ops += 6;
  }
  return ops;
}

describe.skipIf(why !== undefined)('tsvirtd killed with SIGKILL', () => {
  it(`keeps ${GUESTS.length} guests and their state through ${CYCLES} kill -9 and restart cycles`, async () => {
    rig = await DaemonRig.create();
    const r = rig;
    await r.start();
    const first = await r.connect();
    for (const name of GUESTS) await first.domainCreate(await first.domainDefineXML(await r.guestXml(name)));
    const pids = new Map(GUESTS.map((n) => [n, r.qemuPid(n)]));
    await first.close();
    const etc = await snapshotFiles(join(r.root, 'etc'));
    const runQemu = join(r.root, 'run', 'qemu');
    await expectRuntimeFiles(runQemu, GUESTS);
    const started = performance.now();
    let ops = 0;
    const restartMs: number[] = [];
    for (let cycle = 0; cycle < CYCLES; cycle++) {
      // Kill while a client suspends and resumes a guest, so that status writes are in flight.
      const watcher = await r.connect();
      const churned = churn(watcher, GUESTS[cycle % GUESTS.length] as string);
      await new Promise((resolve) => setTimeout(resolve, 20 + ((cycle * 37) % 120)));
      const killed = await r.kill9();
      ops += await churned;
      expect(isAlive(killed)).toBe(false);
      // The killed daemon leaves its pidfile and sockets behind; the restart must cope with them.
      expect(await readFile(r.pidFile, 'utf8')).toBe(`${killed}\n`);
      await watcher.close().catch(() => undefined);
      for (const [name, pid] of pids) expect(isAlive(pid), `${name} qemu ${pid}`).toBe(true);
      const t0 = performance.now();
      const proc = await r.start();
      restartMs.push(elapsedMs(t0));
      expect(await readFile(r.pidFile, 'utf8')).toBe(`${proc.child.pid}\n`);
      const conn = await r.connect();
      ops += await checkGuests(conn, pids);
      expect((await conn.listAllDomains()).map((d) => d.name).sort()).toEqual(GUESTS);
      await conn.close();
      await expectRuntimeFiles(runQemu, GUESTS);
      expect(await snapshotFiles(join(r.root, 'etc'))).toEqual(etc);
    }
    const conn = await r.connect();
    for (const name of GUESTS) await conn.domainDestroy(await conn.lookupDomainByName(name));
    for (const [name, pid] of pids) {
      await waitUntil(() => !isAlive(pid), 10_000, `qemu of ${name} (${pid}) to exit`);
      expect((await conn.domainGetState(await conn.lookupDomainByName(name))).state).toBe(
        DomainState.SHUTOFF,
      );
    }
    await conn.close();
    await expectRuntimeFiles(runQemu, []);
    expect(await snapshotFiles(join(r.root, 'etc'))).toEqual(etc);
    expect(await r.stop()).toEqual({ exitCode: 0, signal: undefined });
    expect(existsSync(r.pidFile)).toBe(false);
    restartMs.sort((a, b) => a - b);
    console.log(
      `reliability daemon crash: ${CYCLES} kill -9 cycles, ${GUESTS.length} guests, ${ops} guest operations, ` +
        `restart median ${restartMs[restartMs.length >> 1]} ms max ${restartMs[restartMs.length - 1]} ms, ` +
        `total ${elapsedMs(started)} ms`,
    );
  }, 180_000);
});
