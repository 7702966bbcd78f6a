/**
 * Concurrency: 16 clients of one tsvirtd each run 200 seeded mixed operations on 8 domains. Nothing
 * deadlocks, the only errors are "domain is busy" and state errors, and at the end etc/qemu and the
 * running state agree with what the clients were told.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DomainState, type DomainRef } from '../../src/connection.js';
import { isQemuOfDomain } from '../../src/driver/proc.js';
import { isTsvirtError } from '../../src/errors.js';
import type { RemoteConnection } from '../../src/remote/index.js';
import { buildBootSectorXml, isAlive, waitUntil } from '../driver/helpers.js';
import { DaemonRig, elapsedMs, makePrng, pickSeed, whyNoDaemonRig } from './harness.js';

const CLIENTS = 16;
const OPS_PER_CLIENT = 200;
const DOMAINS = Array.from({ length: 8 }, (_, i) => `conc${i}`);
const BOUND_MS = 150_000;
const ALLOWED = new Set(['ERR_DOMAIN_BUSY', 'ERR_OPERATION_INVALID']);
/** A job that a concurrent destroy pre-empted fails, as libvirt's; over the wire it is OPERATION_FAILED. */
const PRE_EMPTED = /domain '[^']+' was destroyed while \w+ was in progress/;
/** Operation → weight out of 100: cheap queries more often than qemu starts. */
const OPS = [
  ['start', 10],
  ['destroy', 8],
  ['suspend', 15],
  ['resume', 15],
  ['dominfo', 20],
  ['dumpxml', 17],
  ['define', 15],
] as const;
type Op = (typeof OPS)[number][0];

const why = whyNoDaemonRig();
if (why) console.warn(`reliability concurrency: skipped: ${why}`);

let rig: DaemonRig | undefined;

afterAll(async () => {
  if (rig) expect(await rig.destroy()).toEqual([]);
});

interface DefineRecord {
  startedAt: number;
  endedAt: number;
  description: string;
}

interface Tally {
  ok: Record<string, number>;
  refused: Record<string, number>;
  defines: Map<string, DefineRecord[]>;
}

function pickOp(rand: () => number): Op {
  let roll = rand() * 100;
  for (const [op, weight] of OPS) {
    roll -= weight;
    if (roll < 0) return op;
  }
  return 'dominfo';
}

async function runOp(
  conn: RemoteConnection,
  op: Op,
  dom: DomainRef,
  xml: (description: string) => string,
  tag: string,
  tally: Tally,
): Promise<void> {
  switch (op) {
    case 'start':
      return void (await conn.domainCreate(dom));
    case 'destroy':
      return conn.domainDestroy(dom);
    case 'suspend':
      return conn.domainSuspend(dom);
    case 'resume':
      return conn.domainResume(dom);
    case 'dominfo':
      return void (await conn.domainGetInfo(dom));
    case 'dumpxml':
      return void expect(await conn.domainGetXMLDesc(dom)).toContain(`<name>${dom.name}</name>`);
    case 'define': {
      const startedAt = performance.now();
      await conn.domainDefineXML(xml(tag));
      const list = tally.defines.get(dom.name) ?? [];
      list.push({ startedAt, endedAt: performance.now(), description: tag });
      tally.defines.set(dom.name, list);
    }
  }
}

/** The descriptions the disk may hold: the last define to answer, or any define that overlapped it. */
function allowedDescriptions(records: DefineRecord[]): string[] {
  const last = records.reduce((a, b) => (b.endedAt > a.endedAt ? b : a));
  return records.filter((r) => r === last || r.endedAt > last.startedAt).map((r) => r.description);
}

describe.skipIf(why !== undefined)('concurrent clients', () => {
  it(`runs ${CLIENTS} x ${OPS_PER_CLIENT} mixed operations on ${DOMAINS.length} domains without deadlock or stray errors`, async () => {
    const seed = pickSeed();
    console.log(`reliability concurrency: seed ${seed} (TSVIRT_SEED=${seed} replays it)`);
    rig = await DaemonRig.create();
    const r = rig;
    await r.start();
    const images = new Map<string, string>();
    for (const name of DOMAINS) images.set(name, await r.guestImage(name));
    const uuids = new Map<string, string>();
    const xmlOf = (name: string) => (description: string) =>
      buildBootSectorXml(name, images.get(name) as string, {
        memMiB: 32,
        ...(uuids.has(name) ? { uuid: uuids.get(name) as string } : {}),
        extra: `\n  <description>${description}</description>`,
      });
    const conns = await Promise.all(Array.from({ length: CLIENTS }, () => r.connect()));
    for (const name of DOMAINS) {
      const dom = await (conns[0] as RemoteConnection).domainDefineXML(xmlOf(name)('initial'));
      uuids.set(name, dom.uuid);
    }
    const tally: Tally = { ok: {}, refused: {}, defines: new Map() };
    for (const name of DOMAINS) {
      tally.defines.set(name, [{ startedAt: 0, endedAt: 0, description: 'initial' }]);
    }
    const rand = makePrng(seed);
    const t0 = performance.now();
    const clients = conns.map(async (conn, c) => {
      for (let n = 0; n < OPS_PER_CLIENT; n++) {
        const op = pickOp(rand);
        const name = DOMAINS[Math.floor(rand() * DOMAINS.length)] as string;
        const dom = await conn.lookupDomainByName(name);
        try {
          await runOp(conn, op, dom, xmlOf(name), `c${c}-op${n}`, tally);
          tally.ok[op] = (tally.ok[op] ?? 0) + 1;
        } catch (err) {
          const preEmpted = isTsvirtError(err) && PRE_EMPTED.test(err.message);
          if (!isTsvirtError(err) || !(ALLOWED.has(err.code) || preEmpted)) {
            throw new Error(`seed ${seed}: client ${c} op ${n} ${op} ${name}: ${String(err)}`, {
              cause: err,
            });
          }
          const key = `${op}:${preEmpted ? 'destroyed' : err.code}`;
          tally.refused[key] = (tally.refused[key] ?? 0) + 1;
        }
      }
    });
    let timer: NodeJS.Timeout | undefined;
    const bound = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`seed ${seed}: not done within ${BOUND_MS} ms (deadlock?)`)),
        BOUND_MS,
      );
    });
    try {
      await Promise.race([Promise.all(clients), bound]);
    } finally {
      clearTimeout(timer);
    }
    const ms = elapsedMs(t0);
    const check = await r.connect();
    const pids: number[] = [];
    for (const name of DOMAINS) {
      const dom = await check.lookupDomainByName(name);
      const disk = await readFile(join(r.root, 'etc', 'qemu', `${name}.xml`), 'utf8');
      const described = /<description>([^<]*)<\/description>/.exec(disk)?.[1];
      expect(allowedDescriptions(tally.defines.get(name) ?? [])).toContain(described);
      const { state } = await check.domainGetState(dom);
      const live = state === DomainState.RUNNING || state === DomainState.PAUSED;
      expect([DomainState.RUNNING, DomainState.PAUSED, DomainState.SHUTOFF]).toContain(state);
      const pidText = await readFile(join(r.root, 'run', 'qemu', `${name}.pid`), 'utf8').catch(
        () => undefined,
      );
      expect(pidText !== undefined, `${name} pidfile vs state ${state}`).toBe(live);
      if (live) {
        const pid = Number(pidText);
        expect(isQemuOfDomain(pid, dom.uuid)).toBe(true);
        pids.push(pid);
        await check.domainDestroy(dom);
      }
    }
    for (const pid of pids) await waitUntil(() => !isAlive(pid), 10_000, `qemu ${pid} to exit`);
    await check.close();
    for (const conn of conns) await conn.close();
    const total =
      Object.values(tally.ok).reduce((a, b) => a + b, 0) +
      Object.values(tally.refused).reduce((a, b) => a + b, 0);
    expect(total).toBe(CLIENTS * OPS_PER_CLIENT);
    console.log(
      `reliability concurrency: ${total} operations (${CLIENTS} clients x ${OPS_PER_CLIENT}) on ${DOMAINS.length} domains in ${ms} ms; ` +
        `ok ${JSON.stringify(tally.ok)}; refused ${JSON.stringify(tally.refused)}`,
    );
  }, 200_000);
});
