/**
 * Hostile XML through define: 10,000 seeded mutations of domain and pool XML sent to a real tsvirtd
 * with domainDefineXML and storagePoolDefineXML. Each defines (and is undefined again) or fails with a
 * TsvirtError of a stable code; etc/ ends byte for byte as it began.
 */
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isTsvirtError } from '../../src/errors.js';
import type { RemoteConnection } from '../../src/remote/index.js';
import {
  DaemonRig,
  elapsedMs,
  listNames,
  makePrng,
  pickSeed,
  snapshotFiles,
  whyNoDaemonRig,
} from './harness.js';

const DOCS = 10_000;
const CLIENTS = 4;
/** What a refused definition may be: bad XML, a bad or unsupported value, a name or uuid in use. */
const STABLE_CODES = new Set([
  'ERR_XML_INVALID',
  'ERR_INVALID_ARG',
  'ERR_NOT_SUPPORTED',
  'ERR_DOMAIN_EXISTS',
  'ERR_OPERATION_FAILED',
  'ERR_OPERATION_INVALID',
]);

const why = whyNoDaemonRig();
if (why) console.warn(`reliability hostile XML: skipped: ${why}`);

let rig: DaemonRig | undefined;

afterAll(async () => {
  if (rig) expect(await rig.destroy()).toEqual([]);
});

function domainSeed(name: string, root: string): string {
  return `<domain type='qemu'>
  <name>${name}</name>
  <description>seed &amp; "quotes"</description>
  <memory unit='MiB'>32</memory>
  <currentMemory unit='KiB'>32768</currentMemory>
  <vcpu placement='static'>1</vcpu>
  <os><type arch='x86_64' machine='pc'>hvm</type><boot dev='hd'/></os>
  <features><acpi/><apic/></features>
  <on_poweroff>destroy</on_poweroff>
  <devices>
    <disk type='file' device='disk'>
      <driver name='qemu' type='raw'/>
      <source file='${root}/none.img'/>
      <target dev='hda' bus='ide'/>
    </disk>
    <disk type='volume' device='disk'><source pool='default' volume='v.qcow2'/><target dev='hdb' bus='ide'/></disk>
    <serial type='pty'><target port='0'/></serial>
    <graphics type='vnc' port='-1' autoport='yes' listen='127.0.0.1'/>
    <memballoon model='virtio'/>
  </devices>
</domain>`;
}

function poolSeed(name: string, root: string, logical: boolean): string {
  return logical
    ? `<pool type='logical'><name>${name}</name><source><name>vg${name}</name><device path='/dev/loop250'/></source><target><path>/dev/vg${name}</path></target></pool>`
    : `<pool type='dir'><name>${name}</name><capacity unit='bytes'>0</capacity><target><path>${root}/pools/${name}</path><permissions><mode>0755</mode></permissions></target></pool>`;
}

const JUNK = [
  '<',
  '>',
  '&',
  '&amp;',
  '&bogus;',
  '"',
  "'",
  '\u0000',
  '<x>',
  '</domain>',
  ']]>',
  '<!--',
  '-->',
  '<![CDATA[x',
  '<!DOCTYPE d [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>',
  '&b;',
  'ü',
  '\uffff',
  '99999999999999999999',
  '-1',
  '0x10',
  'NaN',
  ' ',
  '\t',
  '<name>x</name>',
  '<vcpu>100000</vcpu>',
  "unit='EiB'",
];
const NAMES = [
  'ü'.repeat(150),
  '../escape',
  'a/b',
  '',
  '.',
  '..',
  'x'.repeat(300),
  'tab\tname',
  'ü-name',
  'a b',
  '-dash',
  'default',
];

/** 1 to 3 random edits of `doc`. */
function mutate(doc: string, rand: () => number): string {
  const int = (n: number): number => Math.floor(rand() * n);
  let out = doc;
  for (let i = 0, n = 1 + int(3); i < n; i++) {
    const at = int(out.length + 1);
    const len = 1 + int(24);
    switch (int(6)) {
      case 0:
        out = out.slice(0, at) + out.slice(at + len);
        break;
      case 1:
        out = out.slice(0, at) + out.slice(at, at + len) + out.slice(at);
        break;
      case 2:
        out = out.slice(0, at) + (JUNK[int(JUNK.length)] as string) + out.slice(at);
        break;
      case 3:
        out = out.replace(/\d+/g, (d) => (rand() < 0.3 ? String(JUNK[18 + int(4)]) : d));
        break;
      case 4:
        out = out.replace(/<name>[^<]*<\/name>/, `<name>${NAMES[int(NAMES.length)] as string}</name>`);
        break;
      default:
        out = out.slice(0, at);
    }
  }
  return out;
}

interface XmlTally {
  defined: number;
  refused: Record<string, number>;
}

async function tryOne(conn: RemoteConnection, xml: string, isPool: boolean, tally: XmlTally): Promise<void> {
  try {
    if (isPool) {
      const pool = await conn.storagePoolDefineXML(xml);
      await conn.storagePoolUndefine(pool);
    } else {
      const dom = await conn.domainDefineXML(xml);
      await conn.domainUndefine(dom);
    }
    tally.defined++;
  } catch (err) {
    if (!isTsvirtError(err) || !STABLE_CODES.has(err.code) || err.message.length === 0) {
      throw new Error(`unexpected failure for ${JSON.stringify(xml)}: ${String(err)}`, { cause: err });
    }
    tally.refused[err.code] = (tally.refused[err.code] ?? 0) + 1;
  }
}

describe.skipIf(why !== undefined)('hostile XML through define', () => {
  it(`defines or cleanly refuses each of ${DOCS} mutated domain and pool documents`, async () => {
    const seed = pickSeed();
    console.log(`reliability hostile XML: seed ${seed} (TSVIRT_SEED=${seed} replays it)`);
    rig = await DaemonRig.create();
    const r = rig;
    const proc = await r.start();
    const conns = await Promise.all(Array.from({ length: CLIENTS }, () => r.connect()));
    const etc = join(r.root, 'etc');
    const before = await snapshotFiles(etc);
    const rand = makePrng(seed);
    const tally: XmlTally = { defined: 0, refused: {} };
    let next = 0;
    const t0 = performance.now();
    await Promise.all(
      conns.map(async (conn) => {
        while (next < DOCS) {
          const i = next++;
          const isPool = i % 2 === 1;
          const seedDoc = isPool ? poolSeed(`p${i}`, r.root, rand() < 0.3) : domainSeed(`d${i}`, r.root);
          await tryOne(conn, mutate(seedDoc, rand), isPool, tally).catch(async (err: Error) => {
            throw new Error(`seed ${seed}, document ${i}: ${err.message}\n${await r.logs()}`, { cause: err });
          });
        }
      }),
    );
    const ms = elapsedMs(t0);
    expect(proc.exit).toBeUndefined();
    expect(tally.defined + Object.values(tally.refused).reduce((a, b) => a + b, 0)).toBe(DOCS);
    expect(await snapshotFiles(etc)).toEqual(before);
    for (const dir of ['qemu', 'storage']) {
      expect((await listNames(join(etc, dir))).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    }
    for (const conn of conns) await conn.close();
    expect(await r.stop()).toEqual({ exitCode: 0, signal: undefined });
    console.log(
      `reliability hostile XML: ${DOCS} documents (${DOCS / 2} domain, ${DOCS / 2} pool) over ${CLIENTS} clients in ${ms} ms: ` +
        `${tally.defined} defined and undefined, refused ${JSON.stringify(tally.refused)}`,
    );
  }, 200_000);
});
