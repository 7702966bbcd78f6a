import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Connection } from '../../src/connection.js';
import { ENTRIES, entryOf } from '../../src/api/catalogue/index.js';
import { MUTATING_PROCEDURES } from '../../src/remote/server/index.js';
import { MUTATING_METHODS, isDeniedReadOnly } from '../../src/ws/access.js';
import { METHODS, NOT_IN_TABLE, RPC_NAME_OF } from '../../src/ws/methods.js';
import { WsConnection } from '../../src/ws/ws-connection.js';
import { EmbeddedConnection } from '../../src/embedded/embedded-connection.js';

/**
 * APIs that are another method: virDomainSetMaxMemory is setMemoryFlags with MAXIMUM, and
 * virDomainCoreDumpWithFormat is the one core dump method with its format.
 */
const FLAG_FORMS: Record<string, string> = {
  virDomainSetMaxMemory: 'domainSetMemory',
  virDomainCoreDumpWithFormat: 'domainCoreDump',
};

/** virDomainCreateWithFlags → domainCreate: libvirt's API name as the Connection method it maps to. */
function methodOfApi(api: string): string {
  if (FLAG_FORMS[api]) return FLAG_FORMS[api];
  const bare = api.replace(/^vir/, '').replace(/(WithFlags|Flags)$/, '');
  return bare.charAt(0).toLowerCase() + bare.slice(1);
}

describe('ws method table and read-only list', () => {
  it('denies read-only clients the same APIs as the read-only libvirt socket', () => {
    const fromProcedures = new Set([...MUTATING_PROCEDURES.values()].map(methodOfApi));
    expect([...fromProcedures].sort()).toEqual([...MUTATING_METHODS].sort());
  });

  it('denies the method of every procedure the read-only libvirt socket refuses, both from the catalogue', () => {
    for (const [proc, api] of MUTATING_PROCEDURES) {
      const method = entryOf(proc)?.method;
      expect([proc, api, method !== undefined && isDeniedReadOnly(method)]).toEqual([proc, api, true]);
    }
    for (const method of MUTATING_METHODS) {
      const procs = ENTRIES.filter((e) => e.method === method).map((e) => e.proc);
      expect([method, procs.some((p) => MUTATING_PROCEDURES.has(p))]).toEqual([method, true]);
    }
  });

  it('refuses the secure XML to read-only clients, as libvirt does', () => {
    expect(isDeniedReadOnly('domainGetXMLDesc', 1)).toBe(true);
    expect(isDeniedReadOnly('domainGetXMLDesc', 0)).toBe(false);
    expect(isDeniedReadOnly('domainGetInfo')).toBe(false);
  });

  it('offers every Connection method once, in the table or on purpose elsewhere, and WsConnection has it', async () => {
    const root = await mkdtemp(join(tmpdir(), 'tsvirt-ws-table-'));
    const conn = await EmbeddedConnection.open({ root, lockTimeoutMs: 500 });
    try {
      const names = new Set<string>();
      for (let o: object | null = conn; o && o !== Object.prototype; o = Object.getPrototypeOf(o)) {
        for (const n of Object.getOwnPropertyNames(o)) {
          if (typeof (conn as unknown as Record<string, unknown>)[n] === 'function') names.add(n);
        }
      }
      for (const n of ['constructor', 'close']) names.delete(n);
      expect(names.size).toBeGreaterThan(60);
      const calls = Object.values(METHODS).map((s) => s.call as string);
      expect(new Set(calls).size).toBe(calls.length);
      expect(
        [...names].filter((n) => !calls.includes(n) && !(NOT_IN_TABLE as readonly string[]).includes(n)),
      ).toEqual([]);
      const ws = WsConnection.prototype as unknown as Record<string, unknown>;
      expect([...names].filter((n) => typeof ws[n] !== 'function')).toEqual([]);
    } finally {
      await conn.close();
      await rm(root, { recursive: true, force: true });
    }
    expect(RPC_NAME_OF.get('domainCreate' satisfies keyof Connection)).toBe('domain.create');
    expect(RPC_NAME_OF.get('storageVolCreateXML')).toBe('volume.createXML');
    expect(RPC_NAME_OF.get('storagePoolListAllVolumes')).toBe('pool.listAllVolumes');
  });
});
