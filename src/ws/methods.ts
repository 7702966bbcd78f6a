/**
 * The one table between JSON-RPC method names on ws://ADDR:PORT/api and Connection methods. Each row
 * says which Connection method a name calls, how its target (domain, pool or volume) is resolved from
 * the params, which further params it takes in the method's argument order, and which parts of its result
 * are bigints (sent as decimal strings, revived by the client). Pure data: the server and WsConnection
 * (Node.js and browser) both read it.
 */
import type { Connection } from '../connection.js';

/**
 * How a method finds its first argument:
 * - `none`: no target; the params are the arguments.
 * - `domain`: `{ "name" }`, `{ "uuid" }` or `{ "id" }`; with both name and uuid the ref is used as given.
 * - `pool`: `{ "name" }` or `{ "uuid" }`; with both the ref is used as given.
 * - `volume`: `{ "pool", "name" }`, `{ "path" }` or `{ "key" }`; with pool, name and key as given.
 * - `poolOf`: the pool named by `"pool"` (a name, or `{ "name" }` / `{ "uuid" }`), for methods that make
 *   or find a volume in it.
 */
export type TargetKind = 'none' | 'domain' | 'pool' | 'volume' | 'poolOf';

/** JSON shape of one parameter; `bigint` travels as a decimal string (or a safe integer number). */
export type ParamType = 'string' | 'int' | 'bigint' | 'boolean' | 'int[]' | 'volume';

/** One named parameter, in the Connection method's argument order after the target. */
export interface ParamSpec {
  name: string;
  type: ParamType;
  optional?: boolean;
}

/** Where a result holds bigints: the whole value, or these keys of the object (or of each array item). */
export type BigintShape = 'value' | readonly string[];

/** One row of the table. */
export interface MethodSpec {
  /** The Connection method called. */
  call: keyof Connection;
  target: TargetKind;
  params: readonly ParamSpec[];
  bigints?: BigintShape;
}

const flags: ParamSpec = { name: 'flags', type: 'int', optional: true };
const xml: ParamSpec = { name: 'xml', type: 'string' };

function row(
  call: keyof Connection,
  target: TargetKind,
  params: readonly ParamSpec[] = [],
  bigints?: BigintShape,
): MethodSpec {
  return bigints === undefined ? { call, target, params } : { call, target, params, bigints };
}

/** JSON-RPC method name → Connection method. `subscribe` and `unsubscribe` are the session's own. */
export const METHODS: Readonly<Record<string, MethodSpec>> = {
  // host
  getType: row('getType', 'none'),
  getVersion: row('getVersion', 'none', [], 'value'),
  getLibVersion: row('getLibVersion', 'none', [], 'value'),
  getHostname: row('getHostname', 'none'),
  getCapabilities: row('getCapabilities', 'none'),
  getNodeInfo: row('getNodeInfo', 'none', [], ['memoryKiB']),
  getMaxVcpus: row('getMaxVcpus', 'none', [{ name: 'type', type: 'string', optional: true }]),
  // domains
  listAllDomains: row('listAllDomains', 'none', [flags]),
  'domain.lookupByName': row('lookupDomainByName', 'none', [{ name: 'name', type: 'string' }]),
  'domain.lookupByUUID': row('lookupDomainByUUID', 'none', [{ name: 'uuid', type: 'string' }]),
  'domain.lookupByID': row('lookupDomainByID', 'none', [{ name: 'id', type: 'int' }]),
  'domain.defineXML': row('domainDefineXML', 'none', [xml, flags]),
  'domain.createXML': row('domainCreateXML', 'none', [xml, flags]),
  'domain.undefine': row('domainUndefine', 'domain', [flags]),
  'domain.create': row('domainCreate', 'domain', [flags]),
  'domain.shutdown': row('domainShutdown', 'domain', [flags]),
  'domain.destroy': row('domainDestroy', 'domain', [flags]),
  'domain.reboot': row('domainReboot', 'domain', [flags]),
  'domain.reset': row('domainReset', 'domain', [flags]),
  'domain.suspend': row('domainSuspend', 'domain'),
  'domain.resume': row('domainResume', 'domain'),
  'domain.getInfo': row('domainGetInfo', 'domain', [], ['maxMemKiB', 'memoryKiB', 'cpuTimeNs']),
  'domain.getState': row('domainGetState', 'domain'),
  'domain.getXMLDesc': row('domainGetXMLDesc', 'domain', [flags]),
  'domain.getOSType': row('domainGetOSType', 'domain'),
  'domain.isActive': row('domainIsActive', 'domain'),
  'domain.isPersistent': row('domainIsPersistent', 'domain'),
  'domain.getAutostart': row('domainGetAutostart', 'domain'),
  'domain.setAutostart': row('domainSetAutostart', 'domain', [{ name: 'autostart', type: 'boolean' }]),
  'domain.getVcpus': row('domainGetVcpus', 'domain', [], ['cpuTimeNs']),
  'domain.pinVcpu': row('domainPinVcpu', 'domain', [
    { name: 'vcpu', type: 'int' },
    { name: 'cpus', type: 'int[]' },
    flags,
  ]),
  'domain.getVcpuPinInfo': row('domainGetVcpuPinInfo', 'domain', [flags]),
  'domain.setMemory': row('domainSetMemory', 'domain', [{ name: 'memoryKiB', type: 'bigint' }, flags]),
  'domain.memoryStats': row('domainMemoryStats', 'domain', [], ['val']),
  // storage pools
  listAllStoragePools: row('listAllStoragePools', 'none', [flags]),
  'pool.lookupByName': row('lookupStoragePoolByName', 'none', [{ name: 'name', type: 'string' }]),
  'pool.lookupByUUID': row('lookupStoragePoolByUUID', 'none', [{ name: 'uuid', type: 'string' }]),
  'pool.lookupByVolume': row('lookupStoragePoolByVolume', 'volume'),
  'pool.defineXML': row('storagePoolDefineXML', 'none', [xml, flags]),
  'pool.createXML': row('storagePoolCreateXML', 'none', [xml, flags]),
  'pool.build': row('storagePoolBuild', 'pool', [flags]),
  'pool.create': row('storagePoolCreate', 'pool', [flags]),
  'pool.destroy': row('storagePoolDestroy', 'pool'),
  'pool.delete': row('storagePoolDelete', 'pool', [flags]),
  'pool.undefine': row('storagePoolUndefine', 'pool'),
  'pool.refresh': row('storagePoolRefresh', 'pool', [flags]),
  'pool.getInfo': row('storagePoolGetInfo', 'pool', [], ['capacity', 'allocation', 'available']),
  'pool.getXMLDesc': row('storagePoolGetXMLDesc', 'pool', [flags]),
  'pool.isActive': row('storagePoolIsActive', 'pool'),
  'pool.isPersistent': row('storagePoolIsPersistent', 'pool'),
  'pool.getAutostart': row('storagePoolGetAutostart', 'pool'),
  'pool.setAutostart': row('storagePoolSetAutostart', 'pool', [{ name: 'autostart', type: 'boolean' }]),
  'pool.listAllVolumes': row('storagePoolListAllVolumes', 'pool', [flags]),
  // storage volumes
  'volume.lookupByName': row('storageVolLookupByName', 'poolOf', [{ name: 'name', type: 'string' }]),
  'volume.lookupByKey': row('storageVolLookupByKey', 'none', [{ name: 'key', type: 'string' }]),
  'volume.lookupByPath': row('storageVolLookupByPath', 'none', [{ name: 'path', type: 'string' }]),
  'volume.createXML': row('storageVolCreateXML', 'poolOf', [xml, flags]),
  'volume.createXMLFrom': row('storageVolCreateXMLFrom', 'poolOf', [
    xml,
    { name: 'source', type: 'volume' },
    flags,
  ]),
  'volume.delete': row('storageVolDelete', 'volume', [flags]),
  'volume.wipe': row('storageVolWipe', 'volume', [flags]),
  'volume.resize': row('storageVolResize', 'volume', [{ name: 'capacity', type: 'bigint' }, flags]),
  'volume.getInfo': row('storageVolGetInfo', 'volume', [], ['capacity', 'allocation']),
  'volume.getXMLDesc': row('storageVolGetXMLDesc', 'volume', [flags]),
  'volume.getPath': row('storageVolGetPath', 'volume'),
};

/** Connection methods the listener offers outside the JSON-RPC table (byte streams, event listeners). */
export const NOT_IN_TABLE = [
  'domainOpenConsole', // the /console/NAME endpoint
  'onDomainLifecycle', // `subscribe`
  'onStoragePoolLifecycle', // `subscribe`
  'storageVolUpload', // byte stream: HTTP PUT /volume/POOL/NAME on the same listener (volume-http.ts)
  'storageVolDownload', // byte stream: HTTP GET /volume/POOL/NAME on the same listener (volume-http.ts)
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
  for (const key of shape) if (key in out) out[key] = toBigint(out[key]);
  return out;
}

function toBigint(value: unknown): unknown {
  return typeof value === 'string' || typeof value === 'number' ? BigInt(value) : value;
}
