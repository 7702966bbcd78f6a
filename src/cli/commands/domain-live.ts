/** Verbs that change a domain's vCPU count, maximum memory and disk size, with virsh's options. */
import type { Command } from '../command.js';
import { parseVerbArgs, req } from '../args.js';
import { lookupDomain } from '../lookup.js';
import { parseSize } from '../../units.js';
import { TsvirtError } from '../../errors.js';
import { BlockResizeFlags, ModificationImpact, VcpuFlags } from '../../api/domain-enums.js';
import { impactFlags } from './domain-resources.js';

/** A count argument: a whole number of 1 or more. */
function parseCount(text: string, field: string): number {
  const n = /^\d+$/.test(text) ? Number(text) : NaN;
  if (Number.isSafeInteger(n) && n >= 1) return n;
  throw new TsvirtError('ERR_INVALID_ARG', `invalid ${field} '${text}': give a whole number of 1 or more`, {
    field,
    value: text,
    expected: 'an integer of 1 or more',
  });
}

const setvcpus: Command = {
  name: 'setvcpus',
  summary: 'change number of virtual CPUs',
  usage: [
    'Usage: tsvirt setvcpus <domain> <count> [--maximum] [--config] [--live] [--current] [--hotpluggable]',
    '',
    '  Without --config, --live or --current: the running guest (CPU hotplug and unplug; the guest must',
    "  eject an unplugged CPU). --maximum changes the definition's maximum and needs --config.",
    '  --guest (through a guest agent) is not supported.',
  ].join('\n'),
  async run(ctx) {
    const a = parseVerbArgs(ctx.args, {
      verb: 'setvcpus',
      positionals: ['domain', 'count'],
      flags: ['maximum', 'config', 'live', 'current', 'guest', 'hotpluggable'],
    });
    const count = parseCount(req(a, 'count'), 'vcpu count');
    const extra =
      (a.flags.has('maximum') ? VcpuFlags.MAXIMUM : 0) |
      (a.flags.has('guest') ? VcpuFlags.GUEST : 0) |
      (a.flags.has('hotpluggable') ? VcpuFlags.HOTPLUGGABLE : 0);
    // virsh: no flag at all is virDomainSetVcpus, the live domain; any flag makes the default "current".
    const flags =
      impactFlags(a.flags, extra === 0 ? ModificationImpact.LIVE : ModificationImpact.CURRENT) | extra;
    const conn = await ctx.connect();
    const dom = await lookupDomain(conn, req(a, 'domain'));
    await conn.domainSetVcpus(dom, count, flags);
    ctx.print(ctx.json ? JSON.stringify({ domain: dom.name, vcpus: count, flags }) : '');
    return 0;
  },
};

const setmaxmem: Command = {
  name: 'setmaxmem',
  summary: 'change maximum memory limit',
  usage: [
    'Usage: tsvirt setmaxmem <domain> <size> [--config] [--live] [--current]',
    '',
    '  size: an integer, KiB by default, or with a unit (512M, 1G). Only the definition can change',
    '  (--config, or a shut-off domain); a running domain keeps its maximum until it restarts.',
  ].join('\n'),
  async run(ctx) {
    const a = parseVerbArgs(ctx.args, {
      verb: 'setmaxmem',
      positionals: ['domain', 'size'],
      flags: ['config', 'live', 'current'],
    });
    const kib = parseSize(req(a, 'size'), 'KiB', 'size') / 1024n;
    const conn = await ctx.connect();
    const dom = await lookupDomain(conn, req(a, 'domain'));
    const flags = impactFlags(a.flags, ModificationImpact.CURRENT) | ModificationImpact.MAXIMUM;
    await conn.domainSetMemory(dom, kib, flags);
    ctx.print(ctx.json ? JSON.stringify({ domain: dom.name, maxMemoryKiB: String(kib) }) : '');
    return 0;
  },
};

const blockresize: Command = {
  name: 'blockresize',
  summary: "resize a running domain's disk",
  usage: [
    'Usage: tsvirt blockresize <domain> <path> <size>',
    '',
    "  path: the disk's target (vda) or its source file. size: the new size, an integer, KiB by default,",
    '  or with a unit (32M, 2G); a raw image is rounded up to 512 bytes. The domain must be running.',
  ].join('\n'),
  async run(ctx) {
    const a = parseVerbArgs(ctx.args, { verb: 'blockresize', positionals: ['domain', 'path', 'size'] });
    const bytes = parseSize(req(a, 'size'), 'KiB', 'size');
    const conn = await ctx.connect();
    const dom = await lookupDomain(conn, req(a, 'domain'));
    await conn.domainBlockResize(dom, req(a, 'path'), bytes, BlockResizeFlags.BYTES);
    const path = req(a, 'path');
    ctx.print(
      ctx.json
        ? JSON.stringify({ domain: dom.name, disk: path, sizeBytes: String(bytes) })
        : `Block device '${path}' is resized\n`,
    );
    return 0;
  },
};

/** setvcpus, setmaxmem and blockresize. */
export const domainLiveCommands: Command[] = [setvcpus, setmaxmem, blockresize];
