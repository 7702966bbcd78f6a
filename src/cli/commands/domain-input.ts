/** Verbs that act on a running guest: send-key, screenshot and inject-nmi, with virsh's options. */
import { createWriteStream, existsSync } from 'node:fs';
import { unlink } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import type { Command } from '../command.js';
import { parseVerbArgs, req } from '../args.js';
import { lookupDomain } from '../lookup.js';
import { TsvirtError } from '../../errors.js';
import { CODESET_NAMES, SEND_KEY_MAX, keycodeOfName, parseCodesetName } from '../../api/keycodes.js';

/** A keycode argument: a key name of the codeset, else a number (decimal, or 0x hex). */
export function parseKeycode(codeset: number, text: string): number {
  const named = keycodeOfName(codeset, text);
  if (named !== undefined) return named;
  if (/^(0x[0-9a-f]+|\d+)$/i.test(text)) return Number(text);
  throw new TsvirtError('ERR_INVALID_ARG', `invalid keycode: '${text}'`, {
    field: 'keycode',
    value: text,
    expected: `a key name or number of the ${CODESET_NAMES[codeset] ?? codeset} codeset`,
  });
}

/** A whole number of 0 or more from an option. */
function parseNonNegative(text: string, field: string): number {
  if (/^\d+$/.test(text) && Number.isSafeInteger(Number(text))) return Number(text);
  throw new TsvirtError('ERR_INVALID_ARG', `invalid ${field} '${text}': give a whole number of 0 or more`, {
    field,
    value: text,
    expected: 'an integer of 0 or more',
  });
}

const sendKey: Command = {
  name: 'send-key',
  summary: 'send keycodes to the guest',
  usage: [
    'Usage: tsvirt send-key <domain> [--codeset NAME] [--holdtime MS] <keycode>...',
    '',
    `  codeset: ${CODESET_NAMES.filter((n) => n !== 'atset3').join(', ')} (default linux; rfb is qnum).`,
    '  keycode: a name (KEY_A in linux, VK_A in win32, ANSI_A in os_x) or a number (30, 0x1e);',
    `  up to ${SEND_KEY_MAX} keys, pressed together. holdtime: milliseconds held (qemu's default 100).`,
  ].join('\n'),
  async run(ctx) {
    const a = parseVerbArgs(ctx.args, {
      verb: 'send-key',
      positionals: ['domain'],
      options: ['codeset', 'holdtime'],
      variadic: 'keycode',
    });
    const name = a.opts['codeset'] ?? 'linux';
    const codeset = parseCodesetName(name);
    if (codeset === undefined) {
      throw new TsvirtError('ERR_INVALID_ARG', `unknown codeset: '${name}'`, {
        field: 'codeset',
        value: name,
        expected: CODESET_NAMES.join(', '),
      });
    }
    if (a.rest.length === 0 || a.rest.length > SEND_KEY_MAX) {
      throw new TsvirtError('ERR_INVALID_ARG', `send-key: give 1 to ${SEND_KEY_MAX} keycodes`, {
        field: 'keycode',
        value: a.rest.length,
        expected: `1-${SEND_KEY_MAX} keycodes`,
      });
    }
    const keycodes = a.rest.map((k) => parseKeycode(codeset, k));
    const holdtimeMs = parseNonNegative(a.opts['holdtime'] ?? '0', 'holdtime');
    const conn = await ctx.connect();
    const dom = await lookupDomain(conn, req(a, 'domain'));
    await conn.domainSendKey(dom, codeset, holdtimeMs, keycodes);
    ctx.print(ctx.json ? JSON.stringify({ domain: dom.name, codeset: name, keycodes }) : '');
    return 0;
  },
};

/** virsh's file name for a screenshot: DOMAIN-YYYY-MM-DD-HH:MM:SS.EXT, in local time. */
export function buildScreenshotName(domain: string, mime: string, at: Date): string {
  const two = (n: number): string => String(n).padStart(2, '0');
  const date = `${at.getFullYear()}-${two(at.getMonth() + 1)}-${two(at.getDate())}`;
  const time = `${two(at.getHours())}:${two(at.getMinutes())}:${two(at.getSeconds())}`;
  const ext = mime === 'image/png' ? 'png' : mime === 'image/x-portable-pixmap' ? 'ppm' : 'img';
  return `${domain}-${date}-${time}.${ext}`;
}

const screenshot: Command = {
  name: 'screenshot',
  summary: 'take a screenshot of a current domain console and store it into a file',
  usage: [
    'Usage: tsvirt screenshot <domain> [--file PATH] [--screen N]',
    '',
    '  Writes a PNG of screen N (default 0, the first video device) to PATH, or to',
    '  DOMAIN-YYYY-MM-DD-HH:MM:SS.png in the current folder. The domain must be running.',
  ].join('\n'),
  async run(ctx) {
    const a = parseVerbArgs(ctx.args, {
      verb: 'screenshot',
      positionals: ['domain', 'file?'],
      options: ['screen'],
    });
    const screen = parseNonNegative(a.opts['screen'] ?? '0', 'screen');
    const conn = await ctx.connect();
    const dom = await lookupDomain(conn, req(a, 'domain'));
    const shot = await conn.domainScreenshot(dom, screen);
    const file = a.pos['file'] ?? buildScreenshotName(dom.name, shot.mime, new Date());
    const existed = existsSync(file);
    try {
      // As virsh: an existing file is overwritten.
      await pipeline(shot.stream, createWriteStream(file, { mode: 0o644 }));
    } catch (err) {
      if (!existed) await unlink(file).catch(() => undefined);
      throw new TsvirtError(
        'ERR_IO',
        `screenshot: cannot write ${file}: ${(err as Error).message}`,
        {
          field: 'file',
          value: file,
          expected: 'a new file in a writable folder',
        },
        { cause: err },
      );
    }
    ctx.print(
      ctx.json
        ? JSON.stringify({ domain: dom.name, file, mime: shot.mime })
        : `Screenshot saved to ${file}, with type of ${shot.mime}\n`,
    );
    return 0;
  },
};

const injectNmi: Command = {
  name: 'inject-nmi',
  summary: 'inject NMI to the guest',
  usage:
    "Usage: tsvirt inject-nmi <domain>\n\n  Raises a non-maskable interrupt on the running guest's vCPUs.",
  async run(ctx) {
    const a = parseVerbArgs(ctx.args, { verb: 'inject-nmi', positionals: ['domain'] });
    const conn = await ctx.connect();
    const dom = await lookupDomain(conn, req(a, 'domain'));
    await conn.domainInjectNMI(dom);
    ctx.print(ctx.json ? JSON.stringify({ domain: dom.name, ok: true }) : '');
    return 0;
  },
};

/** send-key, screenshot and inject-nmi. */
export const domainInputCommands: Command[] = [sendKey, screenshot, injectNmi];
