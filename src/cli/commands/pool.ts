import type { Command } from '../command.js';
import { objectAction, objectDumpxml, objectFromFile, type ObjectKind } from './object-verbs.js';
import { parseVerbArgs, req } from '../args.js';
import { lookupPool } from '../lookup.js';
import { formatBytes, formatFields, formatTable } from '../format/table.js';
import type { PoolRef } from '../../connection.js';
import { buildPoolXml } from '../pool-xml.js';
import { ListPoolsFlags, PoolBuildFlags, StorageXmlFlags } from '../../api/storage-enums.js';
import { TsvirtError } from '../../errors.js';

/** virStoragePoolState as virsh prints it. */
const POOL_STATES = ['inactive', 'building', 'running', 'degraded', 'inaccessible'];

/** pool-list --type: the pool types tsvirt has, as list filter bits. */
const TYPE_FLAGS: Record<string, number> = { dir: ListPoolsFlags.DIR, logical: ListPoolsFlags.LOGICAL };

function typeFlags(types: string | undefined): number {
  let flags = 0;
  for (const t of types?.split(',') ?? []) {
    const bit = TYPE_FLAGS[t];
    if (bit === undefined) {
      throw new TsvirtError(
        'ERR_INVALID_ARG',
        `--type: pool type '${t}' is not supported; expected dir or logical`,
        {
          field: 'type',
          value: t,
          expected: ['dir', 'logical'],
        },
      );
    }
    flags |= bit;
  }
  return flags;
}

/** virsh's pool-* verbs name a pool by its name, whichever way it was found. */
const POOL: ObjectKind<PoolRef> = { key: 'pool', noun: 'Pool', lookup: lookupPool, shownAs: 'name' };

const poolList: Command = {
  name: 'pool-list',
  summary: 'list pools',
  usage: 'Usage: tsvirt pool-list [--all] [--inactive] [--type dir,logical] [--details] [--name]',
  async run(ctx) {
    const a = parseVerbArgs(ctx.args, {
      verb: 'pool-list',
      positionals: [],
      flags: ['all', 'inactive', 'details', 'name'],
      options: ['type'],
    });
    const state = a.flags.has('all')
      ? 0
      : a.flags.has('inactive')
        ? ListPoolsFlags.INACTIVE
        : ListPoolsFlags.ACTIVE;
    const flags = state | typeFlags(a.opts.type);
    const conn = await ctx.connect();
    const pools = (await conn.listAllStoragePools(flags)).sort((x, y) => x.name.localeCompare(y.name));
    const rows = await Promise.all(
      pools.map(async (p) => {
        const [info, autostart, persistent] = await Promise.all([
          conn.storagePoolGetInfo(p),
          conn.storagePoolGetAutostart(p),
          conn.storagePoolIsPersistent(p),
        ]);
        return { ...p, info, autostart, persistent };
      }),
    );
    if (ctx.json) {
      const out = rows.map((r) => ({
        name: r.name,
        uuid: r.uuid,
        state: POOL_STATES[r.info.state],
        autostart: r.autostart,
        persistent: r.persistent,
        capacity: String(r.info.capacity),
        allocation: String(r.info.allocation),
        available: String(r.info.available),
      }));
      ctx.print(JSON.stringify(out, null, 2));
    } else if (a.flags.has('name')) {
      ctx.print(`${rows.map((r) => r.name).join('\n')}\n`);
    } else if (a.flags.has('details')) {
      const active = (r: (typeof rows)[number]): boolean => r.info.state === 2;
      ctx.print(
        formatTable(
          ['Name', 'State', 'Autostart', 'Persistent', 'Capacity', 'Allocation', 'Available'],
          rows.map((r) => [
            r.name,
            POOL_STATES[r.info.state] ?? 'unknown',
            r.autostart ? 'yes' : 'no',
            r.persistent ? 'yes' : 'no',
            active(r) ? formatBytes(r.info.capacity) : '-',
            active(r) ? formatBytes(r.info.allocation) : '-',
            active(r) ? formatBytes(r.info.available) : '-',
          ]),
        ),
      );
    } else {
      ctx.print(
        formatTable(
          ['Name', 'State', 'Autostart'],
          rows.map((r) => [r.name, r.info.state === 2 ? 'active' : 'inactive', r.autostart ? 'yes' : 'no']),
        ),
      );
    }
    return 0;
  },
};

const poolInfo: Command = {
  name: 'pool-info',
  summary: 'storage pool information',
  usage: 'Usage: tsvirt pool-info <pool> [--bytes]',
  async run(ctx) {
    const a = parseVerbArgs(ctx.args, { verb: 'pool-info', positionals: ['pool'], flags: ['bytes'] });
    const conn = await ctx.connect();
    const pool = await lookupPool(conn, req(a, 'pool'));
    const [info, persistent, autostart] = await Promise.all([
      conn.storagePoolGetInfo(pool),
      conn.storagePoolIsPersistent(pool),
      conn.storagePoolGetAutostart(pool),
    ]);
    const size = (v: bigint): string => (a.flags.has('bytes') ? String(v) : formatBytes(v));
    if (ctx.json) {
      ctx.print(
        JSON.stringify(
          {
            ...pool,
            state: POOL_STATES[info.state],
            persistent,
            autostart,
            capacity: String(info.capacity),
            allocation: String(info.allocation),
            available: String(info.available),
          },
          null,
          2,
        ),
      );
      return 0;
    }
    const fields: Array<[string, string]> = [
      ['Name', pool.name],
      ['UUID', pool.uuid],
      ['State', POOL_STATES[info.state] ?? 'unknown'],
      ['Persistent', persistent ? 'yes' : 'no'],
      ['Autostart', autostart ? 'yes' : 'no'],
    ];
    if (info.state === 2)
      fields.push(
        ['Capacity', size(info.capacity)],
        ['Allocation', size(info.allocation)],
        ['Available', size(info.available)],
      );
    ctx.print(`${formatFields(fields)}\n`);
    return 0;
  },
};

const poolDefineAs: Command = {
  name: 'pool-define-as',
  summary: 'define a pool from a set of args',
  usage:
    'Usage: tsvirt pool-define-as <name> <type> [--source-dev DEV] [--source-name NAME] [--target PATH]\n\n  type: dir or logical',
  async run(ctx) {
    const a = parseVerbArgs(ctx.args, {
      verb: 'pool-define-as',
      positionals: ['name', 'type', 'source-host?', 'source-path?', 'source-dev?', 'source-name?', 'target?'],
      options: ['source-format'],
    });
    const xml = buildPoolXml({
      name: req(a, 'name'),
      type: req(a, 'type'),
      sourceDev: a.pos['source-dev'],
      sourceName: a.pos['source-name'],
      sourceFormat: a.opts['source-format'],
      target: a.pos.target,
    });
    const pool = await (await ctx.connect()).storagePoolDefineXML(xml, 0);
    ctx.print(ctx.json ? JSON.stringify(pool) : `Pool ${pool.name} defined\n`);
    return 0;
  },
};

/** Verbs about storage pools. */
export const poolCommands: Command[] = [
  poolList,
  poolInfo,
  objectFromFile(
    POOL,
    'pool-define',
    'define an inactive persistent storage pool from an XML file',
    'defined',
    (c, x) => c.storagePoolDefineXML(x, 0),
  ),
  objectFromFile(POOL, 'pool-create', 'create (start) a transient pool from an XML file', 'created', (c, x) =>
    c.storagePoolCreateXML(x, 0),
  ),
  poolDefineAs,
  objectAction(
    POOL,
    'pool-build',
    'build a pool',
    'built',
    (c, p, a) =>
      c.storagePoolBuild(
        p,
        a.flags.has('overwrite')
          ? PoolBuildFlags.OVERWRITE
          : a.flags.has('no-overwrite')
            ? PoolBuildFlags.NO_OVERWRITE
            : PoolBuildFlags.NEW,
      ),
    ['overwrite', 'no-overwrite'],
  ),
  objectAction(POOL, 'pool-start', 'start a (previously defined) inactive pool', 'started', (c, p) =>
    c.storagePoolCreate(p, 0),
  ),
  objectAction(POOL, 'pool-destroy', 'destroy (stop) a pool', 'destroyed', (c, p) => c.storagePoolDestroy(p)),
  objectAction(POOL, 'pool-delete', 'delete a pool', 'deleted', (c, p) => c.storagePoolDelete(p, 0)),
  objectAction(POOL, 'pool-undefine', 'undefine an inactive pool', 'has been undefined', (c, p) =>
    c.storagePoolUndefine(p),
  ),
  objectAction(POOL, 'pool-refresh', 'refresh a pool', 'refreshed', (c, p) => c.storagePoolRefresh(p, 0)),
  objectAction(
    POOL,
    'pool-autostart',
    'autostart a pool',
    (a) => (a.flags.has('disable') ? 'unmarked as autostarted' : 'marked as autostarted'),
    (c, p, a) => c.storagePoolSetAutostart(p, !a.flags.has('disable')),
    ['disable'],
  ),
  objectDumpxml(POOL, 'pool-dumpxml', 'pool information in XML', (c, p, inactive) =>
    c.storagePoolGetXMLDesc(p, inactive ? StorageXmlFlags.INACTIVE : 0),
  ),
];
