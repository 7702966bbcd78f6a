import type { Duplex, Readable, Writable } from 'node:stream';
import { ConsoleFlags } from '../../api/domain-enums.js';
import type { Command } from '../command.js';
import { parseVerbArgs, req } from '../args.js';
import { lookupDomain } from '../lookup.js';

/** Ctrl-], virsh's escape character: it leaves the console. */
export const ESCAPE_BYTE = 0x1d;
/** Without a terminal, after Ctrl-] the guest's answer to the piped input is still copied until it is quiet this long. */
const DRAIN_QUIET_MS = 750;
/** ...but never longer than this. */
const DRAIN_MAX_MS = 5_000;
/**
 * How long the first answer may take: qemu reads a pty serial's input only once it has noticed a new
 * reader of the pty, which it checks about once a second.
 */
const DRAIN_FIRST_MS = 2_500;

/** The ends of one console session. */
export interface ConsoleEnds {
  console: Duplex;
  input: Readable & { isTTY?: boolean; setRawMode?: (raw: boolean) => unknown };
  output: Writable;
}

/**
 * Copy input to the console and the console to output until Ctrl-] or until the console closes (the
 * guest stops, or another user takes the console over). On a terminal the input is in raw mode and
 * Ctrl-] leaves at once. From a pipe, input is a script: its end does not leave (the console is still
 * copied to output), and after Ctrl-] the guest's answer is copied until it goes quiet.
 */
export function runConsoleSession(ends: ConsoleEnds): Promise<number> {
  const { console: con, input, output } = ends;
  const tty = input.isTTY === true && typeof input.setRawMode === 'function';
  return new Promise((resolve) => {
    let done = false;
    let drainTimer: NodeJS.Timeout | undefined;
    const finish = (code: number): void => {
      if (done) return;
      done = true;
      clearTimeout(drainTimer);
      if (tty) input.setRawMode?.(false);
      input.off('data', onInput);
      input.pause();
      input.destroy();
      con.destroy();
      resolve(code);
    };
    const startDrain = (): void => {
      input.off('data', onInput);
      input.pause();
      const deadline = Date.now() + DRAIN_MAX_MS;
      const arm = (quietMs: number): void => {
        clearTimeout(drainTimer);
        const wait = Math.min(quietMs, deadline - Date.now());
        drainTimer = setTimeout(() => finish(0), Math.max(wait, 0));
      };
      con.on('data', () => arm(DRAIN_QUIET_MS));
      arm(answered ? DRAIN_QUIET_MS : DRAIN_FIRST_MS);
    };
    const onInput = (chunk: Buffer | string): void => {
      const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk);
      const at = buf.indexOf(ESCAPE_BYTE);
      if (at < 0) {
        con.write(buf);
        return;
      }
      if (at > 0) con.write(buf.subarray(0, at));
      if (tty) finish(0);
      else startDrain();
    };
    let answered = false;
    con.on('data', (chunk: Buffer) => {
      answered = true;
      output.write(chunk);
    });
    con.once('close', () => finish(0));
    con.on('error', () => finish(0)); // qemu hung up: the guest stopped, as when virsh's stream ends
    if (tty) input.setRawMode?.(true);
    input.on('data', onInput);
    // From a terminal, its end leaves; from a pipe or /dev/null, the console is still shown.
    input.once('end', () => {
      if (tty) finish(0);
    });
    input.resume();
  });
}

/** `tsvirt console <domain> [--force] [--safe] [--devname N]`: the serial console, as virsh console. */
export const consoleCommand: Command = {
  name: 'console',
  summary: 'connect to the guest console',
  usage: `Usage: tsvirt console <domain> [--devname NAME] [--force] [--safe]

  Ctrl-] leaves. --force takes the console over from another user.
  Without a terminal, stdin is sent to the console and the console is copied to stdout.`,
  async run(ctx) {
    const a = parseVerbArgs(ctx.args, {
      verb: 'console',
      positionals: ['domain'],
      flags: ['force', 'safe'],
      options: ['devname'],
    });
    const conn = await ctx.connect();
    const dom = await lookupDomain(conn, req(a, 'domain'));
    const flags =
      (a.flags.has('force') ? ConsoleFlags.FORCE : 0) | (a.flags.has('safe') ? ConsoleFlags.SAFE : 0);
    const con = await conn.domainOpenConsole(dom, a.opts.devname, flags);
    // The embedded driver's console is a socket of its own: let the root go, so that other commands
    // (and a console --force) can run meanwhile.
    if (conn.uri.startsWith('qemu:///embed')) await conn.close();
    process.stdout.write(`Connected to domain '${dom.name}'\nEscape character is ^] (Ctrl + ])\n`);
    return runConsoleSession({ console: con, input: process.stdin, output: process.stdout });
  },
};
