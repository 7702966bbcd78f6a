/**
 * Access against a real tsvirtd: every mutating procedure on the read-only socket is denied with
 * VIR_ERR_OPERATION_DENIED (with well-formed args and with none), and a TCP client that skips
 * CONNECT_OPEN is answered only by the pre-open procedures. auth_tcp = "sasl" is refused at start, so
 * authentication itself cannot be tested yet.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CommandFailedError, run } from '../../src/exec/index.js';
import { MessageStatus, Procedure as P } from '../../src/remote/protocol.js';
import {
  implementedProcedures,
  MUTATING_PROCEDURES,
  PRE_OPEN_PROCEDURES,
} from '../../src/remote/server/index.js';
import { encodeArgs, procedureCodecs, type KnownProcedure } from '../../src/remote/structs.js';
import { encodeWith } from '../../src/remote/xdr-codec.js';
import { errorOf, RawClient } from '../remote/server/raw-client.js';
import { zeroValue } from '../remote/server/zero-args.js';
import { TSVIRTD_JS } from '../daemon/daemon-harness.js';
import { DaemonRig, whyNoDaemonRig } from './harness.js';

const OPERATION_DENIED = 29;

const why = whyNoDaemonRig();
if (why) console.warn(`reliability access: skipped: ${why}`);

let rig: DaemonRig | undefined;

afterAll(async () => {
  if (rig) expect(await rig.destroy()).toEqual([]);
});

function zeroArgs(proc: number): Buffer {
  const codec = procedureCodecs[proc as KnownProcedure];
  return encodeWith(codec.args as never, zeroValue(codec.args.shape) as never);
}

describe.skipIf(why !== undefined)('access to tsvirtd', () => {
  it('denies every mutating procedure on the read-only socket, with valid args and with none', async () => {
    rig = await DaemonRig.create();
    await rig.start();
    const c = await RawClient.open(rig.roSocket);
    await c.call(P.CONNECT_OPEN, encodeArgs(P.CONNECT_OPEN, { name: 'qemu:///system', flags: 0 }));
    let refusals = 0;
    for (const [proc, api] of MUTATING_PROCEDURES) {
      for (const args of [zeroArgs(proc), Buffer.alloc(0)]) {
        const err = errorOf(await c.call(proc, args));
        expect([proc, err.code, err.message]).toEqual([
          proc,
          OPERATION_DENIED,
          `operation forbidden: read only access prevents ${api}`,
        ]);
        refusals++;
      }
    }
    const list = await c.call(
      P.CONNECT_LIST_ALL_DOMAINS,
      encodeArgs(P.CONNECT_LIST_ALL_DOMAINS, { need_results: 1, flags: 0 }),
    );
    expect(list.header.status).toBe(MessageStatus.OK);
    c.close();
    console.log(
      `reliability access: ${MUTATING_PROCEDURES.size} mutating procedures, ${refusals} calls denied on the read-only socket`,
    );
  });

  it('answers a TCP client that skipped CONNECT_OPEN only through the pre-open procedures', async () => {
    const r = rig as DaemonRig;
    const c = await RawClient.open(r.port);
    let refused = 0;
    for (const proc of implementedProcedures()) {
      if (PRE_OPEN_PROCEDURES.has(proc)) continue;
      const err = errorOf(await c.call(proc, zeroArgs(proc)));
      expect([proc, err.code, err.domain, err.message]).toEqual([
        proc,
        1,
        7,
        'internal error: hypervisor connection not open',
      ]);
      refused++;
    }
    expect((await c.call(P.AUTH_LIST)).header.status).toBe(MessageStatus.OK);
    const feature = await c.call(P.CONNECT_SUPPORTS_FEATURE, zeroArgs(P.CONNECT_SUPPORTS_FEATURE));
    expect(feature.header.status).toBe(MessageStatus.OK);
    const open = await c.call(
      P.CONNECT_OPEN,
      encodeArgs(P.CONNECT_OPEN, { name: 'qemu:///system', flags: 0 }),
    );
    expect(open.header.status).toBe(MessageStatus.OK);
    expect((await c.call(P.CONNECT_GET_TYPE)).header.status).toBe(MessageStatus.OK);
    c.close();
    console.log(
      `reliability access: ${refused} procedures refused before CONNECT_OPEN over TCP, 3 pre-open answered`,
    );
  });

  it('refuses to start with auth_tcp = "sasl", which is not implemented', async () => {
    const r = rig as DaemonRig;
    const conf = join(r.root, 'sasl.conf');
    await writeFile(conf, `listen_tls = 0\nlisten_tcp = 1\nauth_tcp = "sasl"\n`);
    const out = await run([process.execPath, TSVIRTD_JS, '-f', conf, '--root', join(r.root, 'sasl'), '-l'], {
      timeoutMs: 20_000,
    }).catch((e: unknown) => e);
    expect(out).toBeInstanceOf(CommandFailedError);
    expect((out as CommandFailedError).exitCode).toBe(1);
    expect((out as CommandFailedError).stderr).toBe(
      `error: ${conf}:3: auth_tcp = "sasl" is not supported yet; use "none"\n`,
    );
  });
});
