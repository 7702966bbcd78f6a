/**
 * What the tests' and the benchmarks' daemons on loopback TCP share: libvirtd.conf for them, free ports,
 * readiness checks and shutdown. In scripts/ so that bench/ and test/ both import it, neither the other.
 */
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { connect, createServer } from 'node:net';

/** Whether a pid still runs (a zombie counts as gone). */
export function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Field 3, after the parenthesised command name, is the state; Z is a zombie.
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/** Poll `cond` every `everyMs` until it holds or `ms` pass; returns its last value. */
export async function waitFor(
  cond: () => boolean | Promise<boolean>,
  ms: number,
  everyMs = 20,
): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await cond()) return true;
    await new Promise((r) => setTimeout(r, everyMs));
  }
  return cond();
}

/** SIGTERM, then SIGKILL after `graceMs`; throws when the pid still runs 3 s after that. */
export async function killAndWait(pid: number, graceMs = 5_000): Promise<void> {
  const signal = (sig: NodeJS.Signals): void => {
    try {
      process.kill(pid, sig);
    } catch {
      // already gone
    }
  };
  if (!isAlive(pid)) return;
  signal('SIGTERM');
  if (await waitFor(() => !isAlive(pid), graceMs)) return;
  signal('SIGKILL');
  if (!(await waitFor(() => !isAlive(pid), 3_000))) throw new Error(`pid ${pid} survived SIGKILL`);
}

/** A TCP port on 127.0.0.1 that was free a moment ago. */
export async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const { port } = srv.address() as { port: number };
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

/** Whether 127.0.0.1:port accepts a connection. */
export function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host: '127.0.0.1', port });
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('error', () => resolve(false));
  });
}

/** Whether the unix socket at `path` accepts a connection (works across network namespaces). */
export function canConnectPath(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ path });
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('error', () => resolve(false));
  });
}

/**
 * libvirtd.conf (tsvirtd reads the same keys) for a daemon on 127.0.0.1:`port` without TLS or auth, its
 * unix sockets in `sockDir`; with `logFile`, log level 3 (warnings) and up goes there.
 */
export function loopbackDaemonConf(port: number, sockDir: string, logFile?: string): string {
  return [
    'listen_tls = 0',
    'listen_tcp = 1',
    `tcp_port = "${port}"`,
    'listen_addr = "127.0.0.1"',
    'auth_tcp = "none"',
    'auth_unix_rw = "none"',
    'auth_unix_ro = "none"',
    `unix_sock_dir = "${sockDir}"`,
    ...(logFile ? [`log_outputs = "3:file:${logFile}"`] : []),
    '',
  ].join('\n');
}

/** The error for a daemon that did not come up on `port`, with the last 2000 characters of its log. */
export async function notUpError(what: string, port: number, logFile: string): Promise<Error> {
  const log = await readFile(logFile, 'utf8').catch(() => '');
  return new Error(`${what} did not come up on port ${port}:\n${log.slice(-2000)}`);
}
