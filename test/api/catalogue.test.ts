/** The API catalogue: one entry per procedure, and what is derived from it agrees with it. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  buildClientMethods,
  CATALOGUE,
  ENTRIES,
  entryOf,
  type AnyEntry,
  type Entry,
  type RemoteCalls,
} from '../../src/api/catalogue/index.js';
import type { Connection } from '../../src/connection.js';
import { EmbeddedConnection } from '../../src/embedded/embedded-connection.js';
import { Procedure as P } from '../../src/remote/protocol.js';
import { RemoteConnection } from '../../src/remote/remote-connection.js';
import { implementedProcedures, PROCEDURE_TABLE } from '../../src/remote/server/dispatch-table.js';
import {
  isDeniedReadOnly,
  MUTATING_PROCEDURES,
  readOnlyDeniedError,
} from '../../src/remote/server/readonly.js';
import { MUTATING_METHODS } from '../../src/ws/access.js';
import { METHODS } from '../../src/ws/methods.js';

const entries = ENTRIES as readonly AnyEntry[];

/** A RemoteCalls that records the procedures sent and answers each with the all-zero ret. */
function recordingCalls(sent: number[]): RemoteCalls {
  return {
    call: async <A, R>(entry: Entry<number, A, R>): Promise<R> => {
      sent.push(entry.proc);
      return (entry.ret.shape.kind === 'void' ? undefined : { dom: { name: 'a', uuid: '', id: 1 } }) as R;
    },
    hostCpuCount: async () => 4,
    conn: {} as Connection,
  };
}

describe('the API catalogue', () => {
  it('declares each procedure number once, each one a REMOTE_PROC_* constant', () => {
    const procs = entries.map((e) => e.proc);
    expect(new Set(procs).size).toBe(procs.length);
    const known = new Set<number>(Object.values(P));
    expect(procs.filter((p) => !known.has(p))).toEqual([]);
    expect(
      Object.keys(CATALOGUE)
        .map(Number)
        .sort((a, b) => a - b),
    ).toEqual([...procs].sort((a, b) => a - b));
  });

  it('names a public libvirt API for every procedure', () => {
    expect(entries.filter((e) => !/^vir[A-Z]\w+$/.test(e.api)).map((e) => e.proc)).toEqual([]);
  });

  it('gives the RPC server exactly one handler per entry', () => {
    expect(implementedProcedures()).toEqual(entries.map((e) => e.proc).sort((a, b) => a - b));
    for (const e of entries) expect(PROCEDURE_TABLE[e.proc as keyof typeof PROCEDURE_TABLE]).toBe(e.serve);
  });

  it('marks the stream procedures with their direction and no others', () => {
    const streams = entries.filter((e) => e.stream !== 'none').map((e) => [e.proc, e.stream]);
    expect(streams).toEqual([
      [P.DOMAIN_MIGRATE_PREPARE_TUNNEL3_PARAMS, 'in'],
      [P.DOMAIN_OPEN_CONSOLE, 'both'],
      [P.STORAGE_VOL_UPLOAD, 'in'],
      [P.STORAGE_VOL_DOWNLOAD, 'out'],
      [P.DOMAIN_SCREENSHOT, 'out'],
    ]);
  });
});

describe('read-only rules derived from `access`', () => {
  it('refuses on the RPC socket exactly the write entries, naming their API', () => {
    const writes = entries.filter((e) => e.access === 'write');
    expect([...MUTATING_PROCEDURES].sort()).toEqual(writes.map((e) => [e.proc, e.api]).sort());
    expect(readOnlyDeniedError(P.DOMAIN_SUSPEND).message).toBe(
      'operation forbidden: read only access prevents virDomainSuspend',
    );
  });

  it('refuses DOMAIN_GET_XML_DESC only with VIR_DOMAIN_XML_SECURE', () => {
    expect([isDeniedReadOnly(P.DOMAIN_GET_XML_DESC, 0), isDeniedReadOnly(P.DOMAIN_GET_XML_DESC, 1)]).toEqual([
      false,
      true,
    ]);
    expect(readOnlyDeniedError(P.DOMAIN_GET_XML_DESC).message).toBe(
      'operation forbidden: virDomainGetXMLDesc with secure flag',
    );
  });

  it('binds every write entry to a Connection method, and no method to both a read and a write entry', () => {
    const writes = entries.filter((e) => e.access === 'write');
    expect(writes.filter((e) => e.method === undefined).map((e) => e.proc)).toEqual([]);
    expect([...MUTATING_METHODS].sort()).toEqual([...new Set(writes.map((e) => e.method))].sort());
    const readMethods = entries.filter((e) => e.access !== 'write' && e.method).map((e) => e.method);
    expect(readMethods.filter((m) => MUTATING_METHODS.has(m as keyof Connection))).toEqual([]);
  });
});

describe('RemoteConnection derived from the catalogue', () => {
  it('has every Connection method, from the catalogue or written by hand', async () => {
    const root = await mkdtemp(join(tmpdir(), 'tsvirt-catalogue-'));
    const conn = await EmbeddedConnection.open({ root, lockTimeoutMs: 500 });
    try {
      const names = new Set<string>();
      for (let o: object | null = conn; o && o !== Object.prototype; o = Object.getPrototypeOf(o)) {
        for (const n of Object.getOwnPropertyNames(o)) {
          if (typeof (conn as unknown as Record<string, unknown>)[n] === 'function') names.add(n);
        }
      }
      names.delete('constructor');
      const remote = RemoteConnection.prototype as unknown as Record<string, unknown>;
      expect([...names].filter((n) => typeof remote[n] !== 'function')).toEqual([]);
    } finally {
      await conn.close();
      await rm(root, { recursive: true, force: true });
    }
  });

  it('sends the flag-less procedure while flags are omitted and the flags one once they are given', async () => {
    const methods = buildClientMethods();
    const dom = { name: 'a', uuid: '00000000-0000-0000-0000-000000000001', id: 1 };
    const cases: [string, unknown[], number[]][] = [
      ['domainDefineXML', ['<domain/>'], [P.DOMAIN_DEFINE_XML]],
      ['domainDefineXML', ['<domain/>', 0], [P.DOMAIN_DEFINE_XML_FLAGS]],
      ['domainUndefine', [dom], [P.DOMAIN_UNDEFINE]],
      ['domainUndefine', [dom, 1], [P.DOMAIN_UNDEFINE_FLAGS]],
      ['domainShutdown', [dom], [P.DOMAIN_SHUTDOWN]],
      ['domainShutdown', [dom, 0], [P.DOMAIN_SHUTDOWN_FLAGS]],
      ['domainDestroy', [dom], [P.DOMAIN_DESTROY]],
      ['domainDestroy', [dom, 0], [P.DOMAIN_DESTROY_FLAGS]],
      ['domainSetMemory', [dom, 1024n], [P.DOMAIN_SET_MEMORY]],
      ['domainSetMemory', [dom, 1024n, 2], [P.DOMAIN_SET_MEMORY_FLAGS]],
      ['domainPinVcpu', [dom, 0, [1]], [P.DOMAIN_PIN_VCPU]],
      ['domainPinVcpu', [dom, 0, [1], 1], [P.DOMAIN_PIN_VCPU_FLAGS]],
      ['domainCreate', [dom], [P.DOMAIN_CREATE_WITH_FLAGS]],
      ['domainReboot', [dom], [P.DOMAIN_REBOOT]],
    ];
    for (const [method, params, expected] of cases) {
      const sent: number[] = [];
      await methods.get(method as never)?.(recordingCalls(sent), params);
      expect([method, params.length, sent]).toEqual([method, params.length, expected]);
    }
  });

  it('leaves the event and stream methods to RemoteConnection itself', () => {
    const methods = buildClientMethods();
    for (const m of [
      'onDomainLifecycle',
      'onStoragePoolLifecycle',
      'domainOpenConsole',
      'storageVolUpload',
      'storageVolDownload',
    ] as const) {
      expect(methods.has(m)).toBe(false);
    }
  });
});

describe('the WebSocket table derived from the catalogue', () => {
  it('has one row per exposed entry, calling the entry’s method', () => {
    const exposed = entries.filter((e) => e.ws !== undefined);
    expect(Object.keys(METHODS).sort()).toEqual(exposed.map((e) => e.ws?.name).sort());
    for (const e of exposed) expect(METHODS[e.ws?.name as string]?.call).toBe(e.method);
  });

  it('exposes each Connection method at most once', () => {
    const calls = Object.values(METHODS).map((s) => s.call);
    expect(new Set(calls).size).toBe(calls.length);
    expect(entryOf(P.DOMAIN_SUSPEND)?.ws?.name).toBe('domain.suspend');
  });
});
