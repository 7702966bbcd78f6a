#!/usr/bin/env node
import { commands } from './commands/index.js';
import type { CommandContext } from './command.js';
import type { Connection } from '../connection.js';
import { TsvirtError } from '../errors.js';
import { VERSION } from '../version.js';
import { connect } from '../connect.js';

const HELP = `Usage: tsvirt [-c URI] [--json] VERB [ARGS...]

Manage KVM guests, storage pools and volumes, and virtual networks, with virsh's verbs.

Options:
  -c, --connect URI   hypervisor connection (default: a local tsvirtd, else qemu:///embed?root=./var)
  --json              print JSON for programs instead of text for people
  -h, --help          this help; 'tsvirt help VERB' shows one verb
  -v, --version       print the version

URIs:
  qemu:///embed?root=DIR                the driver in this process, state under DIR
  qemu+unix:///system?socket=PATH       a tsvirtd (or libvirtd) on a unix socket
  qemu+tcp://HOST[:PORT]/system         a tsvirtd (or libvirtd) over TCP (port 16509)
  qemu+tls://HOST[:PORT]/system[?pkipath=DIR]
                                        the same over TLS (port 16514), with libvirt's certificates
  ws://HOST:PORT/api[?token=T]          tsvirtd's WebSocket JSON API
With no -c: $TSVIRT_DEFAULT_URI, else a tsvirtd listening on ./var/run/libvirt-sock or
/var/lib/tsvirt/run/libvirt-sock, else qemu:///embed?root=./var.

Environment:
  TSVIRT_DEFAULT_URI      the connection when -c is not given
  TSVIRT_COMPILE_CACHE    where the CLI keeps its V8 code cache (default $XDG_CACHE_HOME/tsvirt or
                          ~/.cache/tsvirt), or off

Verbs:
`;

/** Splits global options (before the verb) from the verb and its arguments. */
function parseGlobal(argv: string[]): {
  uri?: string;
  json: boolean;
  help: boolean;
  version: boolean;
  rest: string[];
} {
  const out = {
    uri: undefined as string | undefined,
    json: false,
    help: false,
    version: false,
    rest: [] as string[],
  };
  let i = 0;
  for (; i < argv.length; i++) {
    const a = argv[i] as string;
    if (a === '-c' || a === '--connect') out.uri = argv[++i];
    else if (a.startsWith('--connect=')) out.uri = a.slice('--connect='.length);
    else if (a === '--json') out.json = true;
    else if (a === '-h' || a === '--help') out.help = true;
    else if (a === '-v' || a === '--version') out.version = true;
    else break;
  }
  out.rest = argv.slice(i).filter((a) => {
    if (a === '--json') out.json = true;
    return a !== '--json';
  });
  return out;
}

function printHelp(verb?: string): number {
  if (verb) {
    const cmd = commands.find((c) => c.name === verb);
    if (!cmd) {
      process.stderr.write(`error: unknown command: '${verb}'\n`);
      return 1;
    }
    process.stdout.write(`${cmd.usage.trimEnd()}\n`);
    return 0;
  }
  const width = Math.max(...commands.map((c) => c.name.length), 4);
  process.stdout.write(
    HELP + commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`).join('\n') + '\n',
  );
  return 0;
}

/** Runs `tsvirt` with the given arguments and returns the exit status. */
export async function main(argv: string[]): Promise<number> {
  const g = parseGlobal(argv);
  if (g.version) {
    process.stdout.write(`${VERSION}\n`);
    return 0;
  }
  const [verb, ...args] = g.rest;
  if (g.help || !verb) return printHelp();
  if (verb === 'help') return printHelp(args[0]);
  const cmd = commands.find((c) => c.name === verb);
  if (!cmd) {
    process.stderr.write(`error: unknown command: '${verb}'\n`);
    return 1;
  }
  if (args.includes('--help') || args.includes('-h')) return printHelp(verb);
  let conn: Connection | undefined;
  const ctx: CommandContext = {
    args,
    json: g.json,
    uri: g.uri,
    connect: async () => (conn ??= await connect(g.uri)),
    print: (line) => process.stdout.write(`${line}\n`),
    warn: (line) => process.stderr.write(`${line}\n`),
  };
  try {
    return await cmd.run(ctx);
  } catch (err) {
    reportError(err, g.json);
    return 1;
  } finally {
    await conn?.close().catch(() => undefined);
  }
}

function reportError(err: unknown, json: boolean): void {
  if (json) {
    const body = err instanceof TsvirtError ? err.toJSON() : { code: 'ERR_INTERNAL', message: String(err) };
    process.stderr.write(`${JSON.stringify({ error: body })}\n`);
  } else {
    process.stderr.write(`error: ${err instanceof Error ? err.message : String(err)}\n`);
  }
}

// `tsvirt list | head -1`: the reader went away; that is not an error of ours, so leave quietly.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw err;
});

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    reportError(err, false);
    process.exitCode = 1;
  },
);
