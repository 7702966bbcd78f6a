import { readFile } from 'node:fs/promises';
import type { Command, CommandContext } from '../command.js';
import { parseVerbArgs, req, type VerbSpec } from '../args.js';
import { lookupDomain } from '../lookup.js';
import { DomainState, type Connection, type DomainRef } from '../../connection.js';
import { TsvirtError } from '../../errors.js';
import { CreateFlags, DefineFlags, DestroyFlags, PowerFlags } from '../../api/domain-enums.js';

/** virsh prints "error: Failed to <verb> domain 'X'" before the cause. */
async function withFailure<T>(ctx: CommandContext, what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (!ctx.json) ctx.warn(`error: Failed to ${what}`);
    throw err;
  }
}

/** A verb that looks a domain up, acts on it, and prints virsh's message. */
function actionCommand(
  spec: VerbSpec & { summary: string; usage: string },
  act: (
    conn: Connection,
    dom: DomainRef,
    flags: Set<string>,
    opts: Record<string, string | undefined>,
  ) => Promise<void>,
  verbWord: string,
  done: (name: string, flags: Set<string>) => string,
): Command {
  return {
    name: spec.verb,
    summary: spec.summary,
    usage: spec.usage,
    async run(ctx) {
      const a = parseVerbArgs(ctx.args, spec);
      const conn = await ctx.connect();
      const dom = await lookupDomain(conn, req(a, 'domain'), false);
      await withFailure(ctx, `${verbWord} domain '${dom.name}'`, () => act(conn, dom, a.flags, a.opts));
      ctx.print(ctx.json ? JSON.stringify({ domain: dom.name, ok: true }) : `${done(dom.name, a.flags)}\n`);
      return 0;
    },
  };
}

/** virDomainShutdownFlagValues / virDomainRebootFlagValues by virsh's --mode names. */
const MODE_FLAGS: Record<string, number> = {
  acpi: PowerFlags.ACPI_POWER_BTN,
  agent: PowerFlags.GUEST_AGENT,
  initctl: PowerFlags.INITCTL,
  signal: PowerFlags.SIGNAL,
  paravirt: PowerFlags.PARAVIRT,
};

function modeFlags(mode: string | undefined): number {
  if (mode === undefined) return 0;
  let flags = 0;
  for (const m of mode.split(',')) {
    const f = MODE_FLAGS[m];
    if (f === undefined) {
      throw new TsvirtError(
        'ERR_INVALID_ARG',
        `Unknown mode ${m} value, expecting 'acpi', 'agent', 'initctl', 'signal' or 'paravirt'`,
        { field: 'mode', value: m },
      );
    }
    flags |= f;
  }
  return flags;
}

/** Waits until the domain is shut off, for at most timeoutMs; returns whether it is. */
async function waitShutoff(conn: Connection, dom: DomainRef, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const running = await conn.domainGetState(dom).then(
      (s) => s.state !== DomainState.SHUTOFF,
      () => false,
    );
    if (!running) return true;
    if (Date.now() >= deadline) return false;
    await new Promise((r) => setTimeout(r, 100));
  }
}

const shutdown: Command = {
  name: 'shutdown',
  summary: 'gracefully shut down a domain',
  usage: `Usage: tsvirt shutdown <domain> [--mode acpi] [--timeout SECONDS]

  --timeout SECONDS  wait for the guest to power off; past it, destroy the domain (forced stop)`,
  async run(ctx) {
    const a = parseVerbArgs(ctx.args, {
      verb: 'shutdown',
      positionals: ['domain'],
      options: ['mode', 'timeout'],
    });
    const conn = await ctx.connect();
    const dom = await lookupDomain(conn, req(a, 'domain'), false);
    await withFailure(ctx, `shutdown domain '${dom.name}'`, () =>
      conn.domainShutdown(dom, modeFlags(a.opts.mode)),
    );
    if (a.opts.timeout === undefined) {
      ctx.print(
        ctx.json
          ? JSON.stringify({ domain: dom.name, ok: true })
          : `Domain '${dom.name}' is being shutdown\n`,
      );
      return 0;
    }
    const seconds = Number(a.opts.timeout);
    if (!Number.isFinite(seconds) || seconds < 0) {
      throw new TsvirtError(
        'ERR_INVALID_ARG',
        `--timeout: invalid value '${a.opts.timeout}'; expected seconds >= 0`,
        { field: 'timeout', value: a.opts.timeout },
      );
    }
    if (await waitShutoff(conn, dom, seconds * 1000)) {
      ctx.print(
        ctx.json
          ? JSON.stringify({ domain: dom.name, ok: true, forced: false })
          : `Domain '${dom.name}' is shut off\n`,
      );
      return 0;
    }
    await withFailure(ctx, `destroy domain '${dom.name}'`, () => conn.domainDestroy(dom, 0));
    ctx.print(
      ctx.json
        ? JSON.stringify({ domain: dom.name, ok: true, forced: true })
        : `Domain '${dom.name}' did not shut down within ${seconds} s; destroyed\n`,
    );
    return 0;
  },
};

const define: Command = {
  name: 'define',
  summary: "define (but don't start) a domain from an XML file",
  usage: 'Usage: tsvirt define <file> [--validate]',
  async run(ctx) {
    const a = parseVerbArgs(ctx.args, { verb: 'define', positionals: ['file'], flags: ['validate'] });
    const file = req(a, 'file');
    const xml = await readFile(file, 'utf8');
    const conn = await ctx.connect();
    const dom = await withFailure(ctx, `define domain from ${file}`, () =>
      conn.domainDefineXML(xml, a.flags.has('validate') ? DefineFlags.VALIDATE : 0),
    );
    ctx.print(ctx.json ? JSON.stringify(dom) : `Domain '${dom.name}' defined from ${file}\n`);
    return 0;
  },
};

const create: Command = {
  name: 'create',
  summary: 'create (and start) a transient domain from an XML file',
  usage: 'Usage: tsvirt create <file> [--paused]',
  async run(ctx) {
    const a = parseVerbArgs(ctx.args, { verb: 'create', positionals: ['file'], flags: ['paused'] });
    const file = req(a, 'file');
    const xml = await readFile(file, 'utf8');
    const conn = await ctx.connect();
    const dom = await withFailure(ctx, `create domain from ${file}`, () =>
      conn.domainCreateXML(xml, a.flags.has('paused') ? CreateFlags.PAUSED : 0),
    );
    ctx.print(ctx.json ? JSON.stringify(dom) : `Domain '${dom.name}' created from ${file}\n`);
    return 0;
  },
};

const start: Command = {
  name: 'start',
  summary: 'start a (previously defined) inactive domain',
  usage: 'Usage: tsvirt start <domain> [--paused]',
  async run(ctx) {
    const a = parseVerbArgs(ctx.args, { verb: 'start', positionals: ['domain'], flags: ['paused'] });
    const conn = await ctx.connect();
    const dom = await lookupDomain(conn, req(a, 'domain'), false);
    if (dom.id !== -1)
      throw new TsvirtError('ERR_OPERATION_INVALID', 'Domain is already active', { domain: dom.name });
    const started = await withFailure(ctx, 'start domain', () =>
      conn.domainCreate(dom, a.flags.has('paused') ? CreateFlags.PAUSED : 0),
    );
    ctx.print(ctx.json ? JSON.stringify(started) : `Domain '${dom.name}' started\n`);
    return 0;
  },
};

const dom1 = (
  verb: string,
  summary: string,
  extra: Partial<VerbSpec> = {},
): VerbSpec & { summary: string; usage: string } => ({
  verb,
  summary,
  positionals: ['domain'],
  ...extra,
  usage: `Usage: tsvirt ${verb} <domain>${(extra.flags ?? []).map((f) => ` [--${f}]`).join('')}${(extra.options ?? []).map((o) => ` [--${o} VALUE]`).join('')}`,
});

/** Verbs that change a domain's life. */
export const domainLifecycleCommands: Command[] = [
  define,
  actionCommand(
    dom1('undefine', 'undefine a domain'),
    (c, d) => c.domainUndefine(d, 0),
    'undefine',
    (n) => `Domain '${n}' has been undefined`,
  ),
  create,
  start,
  shutdown,
  actionCommand(
    dom1('destroy', 'destroy (stop) a domain', { flags: ['graceful'] }),
    (c, d, f) => c.domainDestroy(d, f.has('graceful') ? DestroyFlags.GRACEFUL : 0),
    'destroy',
    (n) => `Domain '${n}' destroyed`,
  ),
  actionCommand(
    dom1('reboot', 'reboot a domain', { options: ['mode'] }),
    (c, d, _f, o) => c.domainReboot(d, modeFlags(o.mode)),
    'reboot',
    (n) => `Domain '${n}' is being rebooted`,
  ),
  actionCommand(
    dom1('reset', 'reset a domain'),
    (c, d) => c.domainReset(d, 0),
    'reset',
    (n) => `Domain '${n}' was reset`,
  ),
  actionCommand(
    dom1('suspend', 'suspend a domain'),
    (c, d) => c.domainSuspend(d),
    'suspend',
    (n) => `Domain '${n}' suspended`,
  ),
  actionCommand(
    dom1('resume', 'resume a domain'),
    (c, d) => c.domainResume(d),
    'resume',
    (n) => `Domain '${n}' resumed`,
  ),
  actionCommand(
    dom1('autostart', 'autostart a domain', { flags: ['disable'] }),
    (c, d, f) => c.domainSetAutostart(d, !f.has('disable')),
    'set autostart of',
    (n, f) => `Domain '${n}' ${f.has('disable') ? 'unmarked' : 'marked'} as autostarted`,
  ),
];
