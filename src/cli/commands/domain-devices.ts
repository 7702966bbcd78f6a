/**
 * Device verbs with virsh's names, options and messages: attach-device, detach-device, update-device
 * (an XML file), detach-device-alias, attach-disk and detach-disk. `--persistent` is live and config
 * on a running domain, config on a shut-off one; `--live`, `--config` and `--current` as virsh.
 */
import { readFile } from 'node:fs/promises';
import type { Command, CommandContext } from '../command.js';
import { parseVerbArgs, req } from '../args.js';
import { lookupDomain } from '../lookup.js';
import { DeviceModifyFlags, XmlFlags } from '../../api/domain-enums.js';
import type { Connection, DomainRef } from '../../connection.js';
import { parseDomainXml } from '../../domain/index.js';
import { TsvirtError } from '../../errors.js';

const IMPACT_FLAGS = ['live', 'config', 'current', 'persistent'];

/** virDomainDeviceModifyFlags from virsh's options; `--persistent` follows the domain's state. */
async function deviceFlags(conn: Connection, dom: DomainRef, flags: Set<string>): Promise<number> {
  if (flags.has('current')) return DeviceModifyFlags.CURRENT;
  let f =
    (flags.has('live') ? DeviceModifyFlags.LIVE : 0) | (flags.has('config') ? DeviceModifyFlags.CONFIG : 0);
  if (flags.has('persistent'))
    f |= DeviceModifyFlags.CONFIG | ((await conn.domainIsActive(dom)) ? DeviceModifyFlags.LIVE : 0);
  return f;
}

/** Runs `fn`; on failure prints virsh's first line (`error: Failed to ...`) before the error itself. */
async function withFailure<T>(ctx: CommandContext, what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (!ctx.json) ctx.warn(`error: Failed to ${what}`);
    throw err;
  }
}

type DeviceCall = 'domainAttachDevice' | 'domainDetachDevice' | 'domainUpdateDevice';

/** A verb that sends the device XML of a file. */
function fileVerb(name: string, call: DeviceCall, what: string, done: string): Command {
  return {
    name,
    summary: `${what} a device from an XML file`,
    usage: `Usage: tsvirt ${name} <domain> <file> [--live] [--config] [--current] [--persistent]`,
    async run(ctx) {
      const a = parseVerbArgs(ctx.args, { verb: name, positionals: ['domain', 'file'], flags: IMPACT_FLAGS });
      const file = req(a, 'file');
      const xml = await readFile(file, 'utf8');
      const conn = await ctx.connect();
      const dom = await lookupDomain(conn, req(a, 'domain'));
      const flags = await deviceFlags(conn, dom, a.flags);
      await withFailure(ctx, `${what} device from ${file}`, () => conn[call](dom, xml, flags));
      ctx.print(ctx.json ? JSON.stringify({ domain: dom.name, file }) : `Device ${done} successfully\n`);
      return 0;
    },
  };
}

const detachDeviceAlias: Command = {
  name: 'detach-device-alias',
  summary: 'detach device from an alias',
  usage: 'Usage: tsvirt detach-device-alias <domain> <alias> [--live] [--config] [--current]',
  async run(ctx) {
    const a = parseVerbArgs(ctx.args, {
      verb: 'detach-device-alias',
      positionals: ['domain', 'alias'],
      flags: ['live', 'config', 'current'],
    });
    const conn = await ctx.connect();
    const dom = await lookupDomain(conn, req(a, 'domain'));
    const alias = req(a, 'alias');
    const flags = await deviceFlags(conn, dom, a.flags);
    await withFailure(ctx, `detach device with alias ${alias}`, () =>
      conn.domainDetachDeviceAlias(dom, alias, flags),
    );
    ctx.print(
      ctx.json ? JSON.stringify({ domain: dom.name, alias }) : 'Device detach request sent successfully\n',
    );
    return 0;
  },
};

/** XML-escape an attribute value. */
function attr(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/'/g, '&apos;').replace(/</g, '&lt;');
}

const attachDisk: Command = {
  name: 'attach-disk',
  summary: 'attach disk device',
  usage:
    'Usage: tsvirt attach-disk <domain> <source> <target> [--targetbus BUS] [--type disk|cdrom] [--subdriver FORMAT] [--mode readonly] [--serial S] [--live] [--config] [--current] [--persistent]',
  async run(ctx) {
    const a = parseVerbArgs(ctx.args, {
      verb: 'attach-disk',
      positionals: ['domain', 'source', 'target'],
      flags: IMPACT_FLAGS,
      options: ['targetbus', 'type', 'subdriver', 'mode', 'serial'],
    });
    const source = req(a, 'source');
    const { targetbus, type, subdriver, mode, serial } = a.opts;
    const xml = [
      `<disk type='${source.startsWith('/dev/') ? 'block' : 'file'}'${type ? ` device='${attr(type)}'` : ''}>`,
      subdriver ? `<driver name='qemu' type='${attr(subdriver)}'/>` : '',
      source.startsWith('/dev/') ? `<source dev='${attr(source)}'/>` : `<source file='${attr(source)}'/>`,
      `<target dev='${attr(req(a, 'target'))}'${targetbus ? ` bus='${attr(targetbus)}'` : ''}/>`,
      mode === 'readonly' ? '<readonly/>' : mode === 'shareable' ? '<shareable/>' : '',
      serial ? `<serial>${attr(serial)}</serial>` : '',
      '</disk>',
    ].join('');
    const conn = await ctx.connect();
    const dom = await lookupDomain(conn, req(a, 'domain'));
    const flags = await deviceFlags(conn, dom, a.flags);
    await withFailure(ctx, 'attach disk', () => conn.domainAttachDevice(dom, xml, flags));
    ctx.print(
      ctx.json
        ? JSON.stringify({ domain: dom.name, target: req(a, 'target') })
        : 'Disk attached successfully\n',
    );
    return 0;
  },
};

const detachDisk: Command = {
  name: 'detach-disk',
  summary: 'detach disk device',
  usage: 'Usage: tsvirt detach-disk <domain> <target> [--live] [--config] [--current] [--persistent]',
  async run(ctx) {
    const a = parseVerbArgs(ctx.args, {
      verb: 'detach-disk',
      positionals: ['domain', 'target'],
      flags: IMPACT_FLAGS,
    });
    const conn = await ctx.connect();
    const dom = await lookupDomain(conn, req(a, 'domain'));
    const flags = await deviceFlags(conn, dom, a.flags);
    const wanted = req(a, 'target');
    // As virsh: the disk is found by target or source path in the XML the change applies to.
    const inactive = (flags & DeviceModifyFlags.CONFIG) !== 0 || !(await conn.domainIsActive(dom));
    const def = parseDomainXml(await conn.domainGetXMLDesc(dom, inactive ? XmlFlags.INACTIVE : 0));
    const disk = def.devices.disks.find((d) => {
      const s = d.source;
      const path = s?.kind === 'file' ? s.path : s?.kind === 'block' ? s.dev : undefined;
      return d.targetDev === wanted || path === wanted;
    });
    if (!disk) {
      throw new TsvirtError('ERR_DEVICE_MISSING', `No disk found whose source path or target is ${wanted}`, {
        field: 'target',
        value: wanted,
      });
    }
    const xml = `<disk><target dev='${attr(disk.targetDev)}'/></disk>`;
    await withFailure(ctx, 'detach disk', () => conn.domainDetachDevice(dom, xml, flags));
    ctx.print(
      ctx.json
        ? JSON.stringify({ domain: dom.name, target: disk.targetDev })
        : 'Disk detached successfully\n',
    );
    return 0;
  },
};

/** The device verbs. */
export const domainDeviceCommands: Command[] = [
  fileVerb('attach-device', 'domainAttachDevice', 'attach', 'attached'),
  fileVerb('detach-device', 'domainDetachDevice', 'detach', 'detached'),
  fileVerb('update-device', 'domainUpdateDevice', 'update', 'updated'),
  detachDeviceAlias,
  attachDisk,
  detachDisk,
];
