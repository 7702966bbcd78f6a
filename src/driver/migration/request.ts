/**
 * A migration's typed parameters and flags, as the Migrate*3Params phases receive them, checked and
 * turned into one request. Pure.
 */
import { TsvirtError } from '../../errors.js';
import type { TypedParam } from '../../api/types.js';
import { MigrateFlags, MigrateParam } from '../../api/migration-enums.js';

/** What the parameters of a migration ask for. */
export interface MigrationRequest {
  /** Where qemu's stream goes, as the caller gave it (tcp:HOST:PORT or tcp://HOST:PORT). */
  uri?: string;
  destName?: string;
  destXml?: string;
  persistXml?: string;
  /** MiB/s; 0 or absent: unlimited. */
  bandwidthMiBs?: bigint;
  listenAddress?: string;
}

/** The flags tsvirt carries out. CHANGE_PROTECTION and ABORT_ON_ERROR hold by construction. */
const SUPPORTED_FLAGS =
  MigrateFlags.LIVE |
  MigrateFlags.PEER2PEER |
  MigrateFlags.TUNNELLED |
  MigrateFlags.PERSIST_DEST |
  MigrateFlags.UNDEFINE_SOURCE |
  MigrateFlags.PAUSED |
  MigrateFlags.CHANGE_PROTECTION |
  MigrateFlags.UNSAFE | // tsvirt makes no safety checks (disk cache, shared storage) to skip
  MigrateFlags.OFFLINE |
  MigrateFlags.ABORT_ON_ERROR |
  MigrateFlags.AUTO_CONVERGE |
  MigrateFlags.POSTCOPY |
  MigrateFlags.NON_SHARED_DISK |
  MigrateFlags.NON_SHARED_INC;

/** The parameters a migration may carry, with the type libvirt gives each. */
const PARAM_TYPES: Readonly<Record<string, TypedParam['type']>> = {
  [MigrateParam.URI]: 'string',
  [MigrateParam.DEST_NAME]: 'string',
  [MigrateParam.DEST_XML]: 'string',
  [MigrateParam.PERSIST_XML]: 'string',
  [MigrateParam.BANDWIDTH]: 'ullong',
  [MigrateParam.GRAPHICS_URI]: 'string',
  [MigrateParam.LISTEN_ADDRESS]: 'string',
};

/** The flags a tunnelled migration cannot go with (libvirt refuses the same). */
const NOT_TUNNELLED = {
  offline: MigrateFlags.OFFLINE,
  postcopy: MigrateFlags.POSTCOPY,
  'copy-storage-all': MigrateFlags.NON_SHARED_DISK,
  'copy-storage-inc': MigrateFlags.NON_SHARED_INC,
} as const;

/** Refuse the flags tsvirt cannot honour, by name, before anything starts. */
export function checkMigrateFlags(flags: number): void {
  if ((flags & MigrateFlags.TUNNELLED) !== 0) checkTunnelledFlags(flags);
  const unsupported = flags & ~SUPPORTED_FLAGS;
  if (unsupported === 0) return;
  const names = Object.entries(MigrateFlags)
    .filter(([, bit]) => (unsupported & bit) !== 0)
    .map(([name]) => name.toLowerCase().replace(/_/g, '-'));
  throw new TsvirtError(
    'ERR_NOT_SUPPORTED',
    `migration flags ${names.join(', ') || `0x${unsupported.toString(16)}`} are not supported by tsvirt; migrate without them`,
    { field: 'flags', value: flags, expected: `a mask of 0x${SUPPORTED_FLAGS.toString(16)}` },
  );
}

function checkTunnelledFlags(flags: number): void {
  for (const [name, bit] of Object.entries(NOT_TUNNELLED)) {
    if ((flags & bit) === 0) continue;
    throw new TsvirtError(
      'ERR_INVALID_ARG',
      `a tunnelled migration cannot be ${name === 'offline' ? 'offline' : `done with --${name}`}; migrate without --tunnelled`,
      { field: 'flags', value: flags, expected: `tunnelled (4) without ${name}` },
    );
  }
}

/** Prepare3Params takes a direct migration, PrepareTunnel3Params a TUNNELLED one: refuse the other. */
export function checkPrepareFlavour(flags: number, tunnelProc: boolean): void {
  if (((flags & MigrateFlags.TUNNELLED) !== 0) === tunnelProc) return;
  const want = tunnelProc ? 'virDomainMigratePrepare3Params' : 'virDomainMigratePrepareTunnel3Params';
  throw new TsvirtError(
    'ERR_INVALID_ARG',
    `a ${tunnelProc ? 'direct' : 'tunnelled'} migration is prepared with ${want}`,
    { field: 'flags', value: flags, expected: tunnelProc ? 'tunnelled (4) set' : 'tunnelled (4) clear' },
  );
}

/** The request the parameters make; an unknown parameter or one of the wrong type is refused. */
export function parseMigrationParams(params: readonly TypedParam[]): MigrationRequest {
  const req: MigrationRequest = {};
  for (const p of params) {
    const type = PARAM_TYPES[p.name];
    if (type === undefined) {
      throw new TsvirtError(
        'ERR_NOT_SUPPORTED',
        `migration parameter '${p.name}' is not supported by tsvirt`,
        {
          field: p.name,
          value: p.type,
          expected: Object.keys(PARAM_TYPES).join(', '),
        },
      );
    }
    if (p.type !== type) {
      throw new TsvirtError(
        'ERR_INVALID_ARG',
        `migration parameter '${p.name}' must be of type ${type}, not ${p.type}`,
        {
          field: p.name,
          value: p.type,
          expected: type,
        },
      );
    }
    const v = p.value;
    if (p.name === MigrateParam.URI) req.uri = v as string;
    else if (p.name === MigrateParam.DEST_NAME) req.destName = v as string;
    else if (p.name === MigrateParam.DEST_XML) req.destXml = v as string;
    else if (p.name === MigrateParam.PERSIST_XML) req.persistXml = v as string;
    else if (p.name === MigrateParam.BANDWIDTH) req.bandwidthMiBs = BigInt(v as bigint);
    else if (p.name === MigrateParam.LISTEN_ADDRESS) req.listenAddress = v as string;
  }
  return req;
}

/** A tcp migration address. */
export interface TcpTarget {
  host: string;
  /** Absent when the URI names only the host. */
  port?: number;
}

/** `tcp:HOST[:PORT]`, `tcp://HOST[:PORT]` (HOST may be an [IPv6] literal) → host and port. */
export function parseMigrateUri(uri: string): TcpTarget {
  const m = /^tcp:(?:\/\/)?(\[[^\]]+\]|[^:/]+)(?::(\d+))?\/?$/.exec(uri);
  const port = m?.[2] === undefined ? undefined : Number(m[2]);
  if (!m || (port !== undefined && (port < 1 || port > 65535))) {
    throw new TsvirtError('ERR_INVALID_ARG', `migration URI '${uri}' is not of the form tcp:HOST:PORT`, {
      field: MigrateParam.URI,
      value: uri,
      expected: 'tcp:HOST:PORT or tcp://HOST:PORT',
    });
  }
  const host = (m[1] as string).replace(/^\[(.*)\]$/, '$1');
  return port === undefined ? { host } : { host, port };
}

/** The URI qemu's `migrate` and `migrate-incoming` take for a host and port. */
export function buildQemuTcpUri(host: string, port: number): string {
  return `tcp:${host.includes(':') ? `[${host}]` : host}:${port}`;
}
