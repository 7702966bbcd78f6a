/**
 * THE API catalogue: every REMOTE_PROGRAM procedure tsvirt serves, declared once (by area in this
 * folder), and what is derived from it: lookups by number and by Connection method, RemoteConnection's
 * method bodies, the WebSocket rows and the read-only rules. The RPC server's handler table
 * (remote/server/dispatch-table.ts), RemoteConnection (remote/remote-connection.ts), the WebSocket
 * method table (ws/methods.ts) and both read-only checks read it from here.
 */
import { connectEntries } from './connect.js';
import { hostEntries } from './host.js';
import { hostNodeEntries } from './host-node.js';
import { domainEntries } from './domain.js';
import { domainLifecycleEntries } from './domain-lifecycle.js';
import { domainVcpuEntries } from './domain-vcpus.js';
import { domainJobEntries } from './domain-jobs.js';
import { domainMetadataEntries } from './domain-metadata.js';
import { domainStatsEntries } from './domain-stats.js';
import { domainDeviceEntries } from './domain-devices.js';
import { domainFixedAnswerEntries } from './domain-fixed-answers.js';
import { domainSaveEntries } from './domain-save.js';
import { domainBlockJobEntries } from './domain-block-jobs.js';
import { domainSnapshotEntries } from './domain-snapshot.js';
import { domainMigrateEntries, domainMigrateTuningEntries } from './domain-migrate.js';
import { storagePoolEntries } from './storage-pool.js';
import { storageVolumeEntries } from './storage-volume.js';
import { networkEntries } from './network.js';
import { legacyEntries } from './legacy.js';
import { eventEntries } from './events.js';
import { streamEntries } from './streams.js';
import { domainGuestEntries } from './domain-guest.js';
import { domainGraphicsEntries } from './domain-graphics.js';
import { TsvirtError } from '../../errors.js';
import type { AnyEntry, Entry, MethodName, RemoteCalls } from './entry.js';

export type * from './entry.js';
export { messageCodecs } from './events.js';

/** Every procedure tsvirt serves. */
export const ENTRIES = [
  ...connectEntries,
  ...hostEntries,
  ...hostNodeEntries,
  ...domainEntries,
  ...domainLifecycleEntries,
  ...domainVcpuEntries,
  ...domainJobEntries,
  ...domainMetadataEntries,
  ...domainStatsEntries,
  ...domainDeviceEntries,
  ...domainFixedAnswerEntries,
  ...domainSaveEntries,
  ...domainBlockJobEntries,
  ...domainSnapshotEntries,
  ...domainMigrateEntries,
  ...domainMigrateTuningEntries,
  ...storagePoolEntries,
  ...storageVolumeEntries,
  ...networkEntries,
  ...legacyEntries,
  ...eventEntries,
  ...streamEntries,
  ...domainGuestEntries,
  ...domainGraphicsEntries,
] as const;

type CatalogueEntry = (typeof ENTRIES)[number];
/** The entries keyed by procedure number, each with its own codec types. */
export type Catalogue = { [E in CatalogueEntry as E['proc']]: E };
/** A procedure number the catalogue declares. */
export type CatalogueProcedure = keyof Catalogue;
/** The decoded args of procedure Q. */
export type CatalogueArgs<Q extends CatalogueProcedure> =
  Catalogue[Q] extends Entry<number, infer A, infer _R> ? A : never;
/** The decoded ret of procedure Q. */
export type CatalogueRet<Q extends CatalogueProcedure> =
  Catalogue[Q] extends Entry<number, infer _A, infer R> ? R : never;

/** The entries by procedure number. */
export const CATALOGUE: Catalogue = Object.fromEntries(
  ENTRIES.map((e) => [e.proc, e]),
) as unknown as Catalogue;

/** The entry of procedure `proc`, or undefined when tsvirt does not serve it. */
export function entryOf(proc: number): AnyEntry | undefined {
  return Object.prototype.hasOwnProperty.call(CATALOGUE, proc)
    ? (CATALOGUE as unknown as Record<number, AnyEntry>)[proc]
    : undefined;
}

/** Whether a read-only connection is refused this call; `flags` are the call's flags where it has them. */
export function isDeniedReadOnly(entry: AnyEntry, flags?: unknown): boolean {
  const { access } = entry;
  if (access === 'write') return true;
  if (access === 'read') return false;
  return typeof flags === 'number' && (flags & access.readUnlessFlag) !== 0;
}

/** A RemoteConnection method derived from the catalogue: parameters in, result out. */
export type ClientMethod = (calls: RemoteCalls, params: unknown[]) => Promise<unknown>;

/**
 * RemoteConnection's methods, each choosing among the procedures bound to it: an entry marked
 * `unlessGiven` is sent while that parameter is undefined, the other entry otherwise.
 */
export function buildClientMethods(): Map<MethodName, ClientMethod> {
  const byMethod = new Map<MethodName, AnyEntry[]>();
  for (const e of ENTRIES as readonly AnyEntry[]) {
    if (e.method === undefined || e.client === undefined) continue;
    byMethod.set(e.method, [...(byMethod.get(e.method) ?? []), e]);
  }
  const out = new Map<MethodName, ClientMethod>();
  for (const [method, entries] of byMethod) {
    const fallback = entries.filter((e) => e.client?.unlessGiven === undefined);
    const early = entries.filter((e) => e.client?.unlessGiven !== undefined);
    const main = fallback[0];
    if (fallback.length !== 1 || early.length > 1 || main?.client === undefined) {
      throw new TsvirtError(
        'ERR_INTERNAL',
        `catalogue: ${method} binds ${fallback.length} procedures to send and ${early.length} for omitted params; give it one, and at most one marked unlessGiven`,
        { method, value: entries.map((e) => e.proc), expected: 'one entry, plus at most one unlessGiven' },
      );
    }
    const alt = early[0]?.client;
    out.set(method, (calls, params) =>
      alt !== undefined && params[alt.unlessGiven as number] === undefined
        ? alt.run(calls, params)
        : (main.client as NonNullable<AnyEntry['client']>).run(calls, params),
    );
  }
  return out;
}
