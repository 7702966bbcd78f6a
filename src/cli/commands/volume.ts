import { readFile } from 'node:fs/promises';
import { XMLParser } from 'fast-xml-parser';
import type { Command } from '../command.js';
import { parseVerbArgs, req, type VerbArgs } from '../args.js';
import { lookupPool, lookupVolume } from '../lookup.js';
import { formatBytes, formatFields, formatTable } from '../format/table.js';
import { parseSize } from '../../units.js';
import { buildVolumeXml } from '../volume-xml.js';
import type { Connection, VolumeRef } from '../../connection.js';
import { VolCreateFlags, VolResizeFlags } from '../../api/storage-enums.js';

/** virStorageVolType as virsh prints it. */
const VOL_TYPES = ['file', 'block', 'dir', 'network', 'netdir', 'ploop'];

/** A verb `vol-X <vol> [--pool P]` that looks the volume up first. */
function volCommand(
  name: string,
  summary: string,
  extra: { positionals?: string[]; flags?: string[]; options?: string[] },
  body: (
    conn: Connection,
    vol: VolumeRef,
    a: VerbArgs,
    print: (s: string) => void,
    json: boolean,
  ) => Promise<void>,
): Command {
  const positionals = ['vol', ...(extra.positionals ?? [])];
  return {
    name,
    summary,
    usage: `Usage: tsvirt ${name} ${positionals.map((p) => `<${p.replace('?', '')}>`).join(' ')} [--pool POOL]${(extra.flags ?? []).map((f) => ` [--${f}]`).join('')}${(extra.options ?? []).map((o) => ` [--${o} VALUE]`).join('')}`,
    async run(ctx) {
      const a = parseVerbArgs(ctx.args, {
        verb: name,
        positionals,
        flags: extra.flags ?? [],
        options: ['pool', ...(extra.options ?? [])],
      });
      const conn = await ctx.connect();
      const vol = await lookupVolume(conn, req(a, 'vol'), a.opts.pool);
      await body(conn, vol, a, ctx.print, ctx.json);
      return 0;
    },
  };
}

const volList: Command = {
  name: 'vol-list',
  summary: 'list vols',
  usage: 'Usage: tsvirt vol-list <pool> [--details]',
  async run(ctx) {
    const a = parseVerbArgs(ctx.args, { verb: 'vol-list', positionals: ['pool'], flags: ['details'] });
    const conn = await ctx.connect();
    const vols = (await conn.storagePoolListAllVolumes(await lookupPool(conn, req(a, 'pool')), 0)).sort(
      (x, y) => x.name.localeCompare(y.name),
    );
    const rows = await Promise.all(
      vols.map(async (v) => ({
        ...v,
        path: await conn.storageVolGetPath(v),
        info: a.flags.has('details') || ctx.json ? await conn.storageVolGetInfo(v) : undefined,
      })),
    );
    if (ctx.json) {
      ctx.print(
        JSON.stringify(
          rows.map((r) => ({
            name: r.name,
            pool: r.pool,
            key: r.key,
            path: r.path,
            type: VOL_TYPES[r.info?.type ?? 0],
            capacity: String(r.info?.capacity),
            allocation: String(r.info?.allocation),
          })),
          null,
          2,
        ),
      );
    } else if (a.flags.has('details')) {
      ctx.print(
        formatTable(
          ['Name', 'Path', 'Type', 'Capacity', 'Allocation'],
          rows.map((r) => [
            r.name,
            r.path,
            VOL_TYPES[r.info?.type ?? 0] ?? 'file',
            formatBytes(r.info?.capacity ?? 0n),
            formatBytes(r.info?.allocation ?? 0n),
          ]),
        ),
      );
    } else {
      ctx.print(
        formatTable(
          ['Name', 'Path'],
          rows.map((r) => [r.name, r.path]),
        ),
      );
    }
    return 0;
  },
};

const volCreateAs: Command = {
  name: 'vol-create-as',
  summary: 'create a volume from a set of args',
  usage: `Usage: tsvirt vol-create-as <pool> <name> <capacity> [--allocation SIZE] [--format raw|qcow2|vmdk]
       [--backing-vol VOL] [--backing-vol-format FORMAT]

  capacity, allocation: bytes by default, or with a unit (100M, 8G)`,
  async run(ctx) {
    const a = parseVerbArgs(ctx.args, {
      verb: 'vol-create-as',
      positionals: ['pool', 'name', 'capacity'],
      flags: ['prealloc-metadata'],
      options: ['allocation', 'format', 'backing-vol', 'backing-vol-format'],
    });
    const conn = await ctx.connect();
    const pool = await lookupPool(conn, req(a, 'pool'));
    let backingPath: string | undefined;
    if (a.opts['backing-vol'] !== undefined) {
      const backing = await lookupVolume(conn, a.opts['backing-vol'], pool.name);
      backingPath = await conn.storageVolGetPath(backing);
    }
    const xml = buildVolumeXml({
      name: req(a, 'name'),
      capacity: parseSize(req(a, 'capacity'), 'bytes', 'capacity'),
      allocation:
        a.opts.allocation === undefined ? undefined : parseSize(a.opts.allocation, 'bytes', 'allocation'),
      format: a.opts.format,
      backingPath,
      backingFormat: a.opts['backing-vol-format'],
    });
    const vol = await conn.storageVolCreateXML(
      pool,
      xml,
      a.flags.has('prealloc-metadata') ? VolCreateFlags.PREALLOC_METADATA : 0,
    );
    ctx.print(ctx.json ? JSON.stringify(vol) : `Vol ${vol.name} created\n`);
    return 0;
  },
};

const volCreate: Command = {
  name: 'vol-create',
  summary: 'create a vol from an XML file',
  usage: 'Usage: tsvirt vol-create <pool> <file>',
  async run(ctx) {
    const a = parseVerbArgs(ctx.args, {
      verb: 'vol-create',
      positionals: ['pool', 'file'],
      flags: ['prealloc-metadata'],
    });
    const conn = await ctx.connect();
    const file = req(a, 'file');
    const vol = await conn.storageVolCreateXML(
      await lookupPool(conn, req(a, 'pool')),
      await readFile(file, 'utf8'),
      a.flags.has('prealloc-metadata') ? VolCreateFlags.PREALLOC_METADATA : 0,
    );
    ctx.print(ctx.json ? JSON.stringify(vol) : `Vol ${vol.name} created from ${file}\n`);
    return 0;
  },
};

const volCreateFrom: Command = {
  name: 'vol-create-from',
  summary: 'create a vol, using another volume as input',
  usage: 'Usage: tsvirt vol-create-from <pool> <file> <vol> [--inputpool POOL]',
  async run(ctx) {
    const a = parseVerbArgs(ctx.args, {
      verb: 'vol-create-from',
      positionals: ['pool', 'file', 'vol'],
      options: ['inputpool'],
      flags: ['prealloc-metadata'],
    });
    const conn = await ctx.connect();
    const pool = await lookupPool(conn, req(a, 'pool'));
    const source = await lookupVolume(conn, req(a, 'vol'), a.opts.inputpool);
    const vol = await conn.storageVolCreateXMLFrom(pool, await readFile(req(a, 'file'), 'utf8'), source, 0);
    ctx.print(ctx.json ? JSON.stringify(vol) : `Vol ${vol.name} created from input vol ${source.name}\n`);
    return 0;
  },
};

/** Verbs about storage volumes. */
export const volumeCommands: Command[] = [
  volList,
  volCreateAs,
  volCreate,
  volCreateFrom,
  volCommand(
    'vol-clone',
    'clone a volume',
    { positionals: ['newname'], flags: ['prealloc-metadata'] },
    async (conn, vol, a, print, json) => {
      const pool = await conn.lookupStoragePoolByVolume(vol);
      const xml = cloneVolumeXml(await conn.storageVolGetXMLDesc(vol, 0), req(a, 'newname'));
      const clone = await conn.storageVolCreateXMLFrom(pool, xml, vol, 0);
      print(json ? JSON.stringify(clone) : `Vol ${clone.name} cloned from ${vol.name}\n`);
    },
  ),
  volCommand('vol-delete', 'delete a vol', {}, async (conn, vol, _a, print, json) => {
    await conn.storageVolDelete(vol, 0);
    print(json ? JSON.stringify({ volume: vol.name, ok: true }) : `Vol ${vol.name} deleted\n`);
  }),
  volCommand('vol-wipe', 'wipe a vol', {}, async (conn, vol, _a, print, json) => {
    await conn.storageVolWipe(vol, 0);
    print(json ? JSON.stringify({ volume: vol.name, ok: true }) : `Vol ${vol.name} wiped\n`);
  }),
  volCommand(
    'vol-resize',
    'resize a vol',
    { positionals: ['capacity'], flags: ['allocate', 'delta', 'shrink'] },
    async (conn, vol, a, print, json) => {
      const text = req(a, 'capacity');
      const capacity = parseSize(text.replace(/^-/, ''), 'bytes', 'capacity');
      const flags =
        (a.flags.has('allocate') ? VolResizeFlags.ALLOCATE : 0) |
        (a.flags.has('delta') ? VolResizeFlags.DELTA : 0) |
        (a.flags.has('shrink') ? VolResizeFlags.SHRINK : 0);
      await conn.storageVolResize(vol, capacity, flags);
      print(
        json
          ? JSON.stringify({ volume: vol.name, capacity: String(capacity) })
          : `Size of volume '${vol.name}' successfully changed to ${text}\n`,
      );
    },
  ),
  volCommand(
    'vol-info',
    'storage vol information',
    { flags: ['bytes'] },
    async (conn, vol, a, print, json) => {
      const info = await conn.storageVolGetInfo(vol);
      const size = (v: bigint): string => (a.flags.has('bytes') ? `${v} bytes` : formatBytes(v));
      if (json)
        print(
          JSON.stringify({
            ...vol,
            type: VOL_TYPES[info.type],
            capacity: String(info.capacity),
            allocation: String(info.allocation),
          }),
        );
      else
        print(
          `${formatFields([
            ['Name', vol.name],
            ['Type', VOL_TYPES[info.type] ?? 'unknown'],
            ['Capacity', size(info.capacity)],
            ['Allocation', size(info.allocation)],
          ])}\n`,
        );
    },
  ),
  volCommand(
    'vol-path',
    'returns the volume path for a given volume name or key',
    {},
    async (conn, vol, _a, print, json) => {
      const path = await conn.storageVolGetPath(vol);
      print(json ? JSON.stringify({ path }) : `${path}\n`);
    },
  ),
  volCommand(
    'vol-key',
    'returns the volume key for a given volume name or path',
    {},
    async (_c, vol, _a, print, json) => print(json ? JSON.stringify({ key: vol.key }) : `${vol.key}\n`),
  ),
  volCommand(
    'vol-name',
    'returns the volume name for a given volume key or path',
    {},
    async (_c, vol, _a, print, json) => print(json ? JSON.stringify({ name: vol.name }) : `${vol.name}\n`),
  ),
  volCommand(
    'vol-pool',
    'returns the storage pool for a given volume key or path',
    {},
    async (_c, vol, _a, print, json) => print(json ? JSON.stringify({ pool: vol.pool }) : `${vol.pool}\n`),
  ),
  volCommand('vol-dumpxml', 'vol information in XML', {}, async (conn, vol, _a, print, json) => {
    const xml = await conn.storageVolGetXMLDesc(vol, 0);
    print(json ? JSON.stringify({ xml }) : `${xml.trimEnd()}\n`);
  }),
];

/** The XML of a clone: the source's capacity and format under a new name, as virsh's vol-clone builds it. */
function cloneVolumeXml(sourceXml: string, newName: string): string {
  const doc = new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: '@',
    parseTagValue: false,
  }).parse(sourceXml) as {
    volume?: {
      capacity?: string | number | { '#text': string | number };
      target?: { format?: { '@type'?: string } };
    };
  };
  const cap = doc.volume?.capacity;
  const capacity = BigInt(typeof cap === 'object' ? cap['#text'] : (cap ?? 0));
  return buildVolumeXml({ name: newName, capacity, format: doc.volume?.target?.format?.['@type'] });
}
