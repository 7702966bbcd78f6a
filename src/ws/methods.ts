/**
 * The one table between JSON-RPC method names on ws://ADDR:PORT/api and Connection methods, derived
 * from the API catalogue (src/api/catalogue/, each entry's `ws`). Each row says which Connection method a name calls, how its target (domain, pool or volume) is resolved from
 * the params, which further params it takes in the method's argument order, and which parts of its result
 * are bigints (sent as decimal strings, revived by the client). Pure data: the server and WsConnection
 * (Node.js and browser) both read it.
 */
import type { Connection } from '../connection.js';
import { ENTRIES, type AnyEntry } from '../api/catalogue/index.js';
import { TsvirtError } from '../errors.js';

/**
 * How a method finds its first argument:
 * - `none`: no target; the params are the arguments.
 * - `domain`: `{ "name" }`, `{ "uuid" }` or `{ "id" }`; with both name and uuid the ref is used as given.
 * - `pool`: `{ "name" }` or `{ "uuid" }`; with both the ref is used as given.
 * - `volume`: `{ "pool", "name" }`, `{ "path" }` or `{ "key" }`; with pool, name and key as given.
 * - `poolOf`: the pool named by `"pool"` (a name, or `{ "name" }` / `{ "uuid" }`), for methods that make
 *   or find a volume in it.
 * - `network`: `{ "name" }` or `{ "uuid" }`; with both the ref is used as given.
 */
export type TargetKind = 'none' | 'domain' | 'pool' | 'volume' | 'poolOf' | 'network';

/** JSON shape of one parameter; `bigint` travels as a decimal string (or a safe integer number). */
export type ParamType = 'string' | 'int' | 'bigint' | 'boolean' | 'int[]' | 'volume';

/** One named parameter, in the Connection method's argument order after the target. */
export interface ParamSpec {
  name: string;
  type: ParamType;
  optional?: boolean;
}

/**
 * Where a result holds bigints: the whole value, these keys of the object (or of each array item), or
 * the llong and ullong values of the typed-parameter list under one key.
 */
export type BigintShape = 'value' | readonly string[] | { readonly typedParams: string };

/** One row of the table. */
export interface MethodSpec {
  /** The Connection method called. */
  call: keyof Connection;
  target: TargetKind;
  params: readonly ParamSpec[];
  bigints?: BigintShape;
}

/** JSON-RPC method name → Connection method, from the API catalogue's `ws` exposures. `subscribe` and
 * `unsubscribe` are the session's own. */
export const METHODS: Readonly<Record<string, MethodSpec>> = Object.fromEntries(
  (ENTRIES as readonly AnyEntry[]).flatMap((entry) => {
    const { ws, method } = entry;
    if (ws === undefined) return [];
    if (method === undefined) {
      throw new TsvirtError(
        'ERR_INTERNAL',
        `catalogue: procedure ${entry.proc} has a WebSocket row but no method`,
        {
          field: 'method',
          value: entry.proc,
        },
      );
    }
    const spec: MethodSpec = { call: method, target: ws.target, params: ws.params };
    return [[ws.name, ws.bigints === undefined ? spec : { ...spec, bigints: ws.bigints }]];
  }),
);

/** Connection methods the listener offers outside the JSON-RPC table (byte streams, event listeners). */
export const NOT_IN_TABLE = [
  'domainOpenConsole', // the /console/NAME endpoint
  'domainOpenGraphicsFD', // a descriptor cannot cross a WebSocket; /vnc/NAME carries the VNC stream
  'onDomainLifecycle', // `subscribe`
  'onDomainEvent', // `subscribe` (domain.device-added, domain.device-removed, domain.device-removal-failed)
  'onStoragePoolLifecycle', // `subscribe`
  'onStoragePoolRefresh', // `subscribe`
  'onNetworkLifecycle', // events reach WebSocket clients through the libvirt RPC only, for now
  'storageVolUpload', // byte stream: HTTP PUT /volume/POOL/NAME on the same listener (volume-http.ts)
  'storageVolDownload', // byte stream: HTTP GET /volume/POOL/NAME on the same listener (volume-http.ts)
  'domainScreenshot', // byte stream with a MIME type; JSON-RPC carries no bytes
  'domainMigrateBegin3Params', // a migration phase: opaque cookies between two daemons; `virsh migrate` drives it
  'domainMigratePrepare3Params', // a migration phase, as above
  'domainMigratePrepareTunnel3Params', // a migration phase whose state follows as a libvirt stream
  'domainMigratePerform3Params', // a migration phase, as above
  'domainMigrateFinish3Params', // a migration phase, as above
  'domainMigrateConfirm3Params', // a migration phase, as above
  'domainSetSchedulerParameters', // a typed-parameter list in; tsvirt refuses every change anyway (scheduler.ts)
  // Calls on one snapshot: the WebSocket API has no snapshot target yet; the domain's snapshot calls are offered.
  'domainSnapshotGetXMLDesc',
  'domainSnapshotListAllChildren',
  'domainSnapshotNumChildren',
  'domainSnapshotGetParent',
  'domainSnapshotIsCurrent',
  'domainSnapshotHasMetadata',
  'domainRevertToSnapshot',
  'domainSnapshotDelete',
] as const;

/** The JSON-RPC name of a Connection method, for the client. */
export const RPC_NAME_OF: ReadonlyMap<string, string> = new Map(
  Object.entries(METHODS).map(([name, spec]) => [spec.call, name]),
);

/** JSON.stringify replacer that writes bigints as decimal strings. */
export function replaceBigint(_key: string, value: unknown): unknown {
  return typeof value === 'bigint' ? value.toString() : value;
}

/** Turns the decimal strings the table names back into bigints (the client side of replaceBigint). */
export function reviveBigints(value: unknown, shape: BigintShape | undefined): unknown {
  if (shape === undefined || value === null || value === undefined) return value;
  if (shape === 'value') return toBigint(value);
  if (Array.isArray(value)) return value.map((item) => reviveBigints(item, shape));
  if (typeof value !== 'object') return value;
  const out: Record<string, unknown> = { ...(value as Record<string, unknown>) };
  if ('typedParams' in shape) {
    const list = out[shape.typedParams];
    if (Array.isArray(list)) out[shape.typedParams] = list.map(reviveTypedParam);
    return out;
  }
  for (const key of shape) if (key in out) out[key] = toBigint(out[key]);
  return out;
}

/** A typed parameter `{ name, type, value }` whose llong or ullong value came as a decimal string. */
function reviveTypedParam(param: unknown): unknown {
  if (typeof param !== 'object' || param === null) return param;
  const { type, value } = param as { type?: unknown; value?: unknown };
  return type === 'llong' || type === 'ullong' ? { ...param, value: toBigint(value) } : param;
}

function toBigint(value: unknown): unknown {
  return typeof value === 'string' || typeof value === 'number' ? BigInt(value) : value;
}
