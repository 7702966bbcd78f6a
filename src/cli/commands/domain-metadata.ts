import type { Command } from '../command.js';
import { parseVerbArgs, req } from '../args.js';
import { lookupDomain } from '../lookup.js';
import { MetadataType, ModificationImpact } from '../../api/domain-enums.js';
import { isTsvirtError } from '../../errors.js';
import { impactFlags } from './domain-resources.js';

const IMPACT_FLAGS = ['config', 'live', 'current'];

const desc: Command = {
  name: 'desc',
  summary: "show or set a domain's description or title",
  usage:
    'Usage: tsvirt desc <domain> [--title] [--new-desc TEXT] [--config] [--live] [--current]\n\n' +
    '  Without --new-desc, prints the description (or the title); an empty TEXT removes it.',
  async run(ctx) {
    const a = parseVerbArgs(ctx.args, {
      verb: 'desc',
      positionals: ['domain'],
      flags: ['title', ...IMPACT_FLAGS],
      options: ['new-desc'],
    });
    const conn = await ctx.connect();
    const dom = await lookupDomain(conn, req(a, 'domain'));
    const title = a.flags.has('title');
    const type = title ? MetadataType.TITLE : MetadataType.DESCRIPTION;
    const what = title ? 'title' : 'description';
    const flags = impactFlags(a.flags, ModificationImpact.CURRENT);
    const text = a.opts['new-desc'];
    if (text !== undefined) {
      await conn.domainSetMetadata(dom, type, text, undefined, undefined, flags);
      ctx.print(
        ctx.json ? JSON.stringify({ domain: dom.name, [what]: text }) : `Domain ${what} updated successfully`,
      );
      return 0;
    }
    const value = await conn.domainGetMetadata(dom, type, undefined, flags).catch((err: unknown) => {
      if (isTsvirtError(err, 'ERR_NO_METADATA')) return undefined;
      throw err;
    });
    if (ctx.json) ctx.print(JSON.stringify({ domain: dom.name, [what]: value ?? null }));
    else ctx.print(value ?? `No ${what} for domain: ${dom.name}`);
    return 0;
  },
};

const metadata: Command = {
  name: 'metadata',
  summary: "show or set a domain's namespaced metadata element",
  usage:
    'Usage: tsvirt metadata <domain> --uri URI [--key PREFIX --set XML | --remove] [--config] [--live] [--current]',
  async run(ctx) {
    const a = parseVerbArgs(ctx.args, {
      verb: 'metadata',
      positionals: ['domain', 'uri'],
      flags: ['remove', ...IMPACT_FLAGS],
      options: ['key', 'set'],
    });
    const conn = await ctx.connect();
    const dom = await lookupDomain(conn, req(a, 'domain'));
    const uri = req(a, 'uri');
    const flags = impactFlags(a.flags, ModificationImpact.CURRENT);
    const xml = a.opts.set;
    if (xml !== undefined || a.flags.has('remove')) {
      const value = a.flags.has('remove') ? undefined : xml;
      await conn.domainSetMetadata(dom, MetadataType.ELEMENT, value, a.opts.key, uri, flags);
      const done = value === undefined ? 'Metadata removed' : 'Metadata modified';
      ctx.print(ctx.json ? JSON.stringify({ domain: dom.name, uri, metadata: value ?? null }) : done);
      return 0;
    }
    const value = await conn.domainGetMetadata(dom, MetadataType.ELEMENT, uri, flags);
    ctx.print(ctx.json ? JSON.stringify({ domain: dom.name, uri, metadata: value }) : value);
    return 0;
  },
};

/** desc and metadata. */
export const domainMetadataCommands: Command[] = [desc, metadata];
