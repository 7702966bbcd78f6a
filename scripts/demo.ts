/**
 * `npm start`: tsvirtd in the foreground on ./var (unix sockets under ./var/run, TCP on 127.0.0.1), the
 * demo guest defined and started, its serial output, and how to reach it with tsvirt and virsh. Ctrl-C
 * stops the daemon; the guests keep running and the next start re-adopts them.
 * `--once` (or TSVIRT_DEMO_EXIT=1) stops the daemon once all that is shown, for tests.
 */
import { existsSync, statSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { loadDaemonConf } from '../src/daemon/conf.js';
import { Daemon } from '../src/daemon/daemon.js';
import { createDaemonLog } from '../src/daemon/log.js';
import { parseDaemonArgs } from '../src/daemon/options.js';
import { resolveSettings } from '../src/daemon/settings.js';
import { probeHost } from '../src/kvm/index.js';
import { isAllowed, listAncestors } from '../src/driver/file-access.js';
import { DEFAULT_QEMU_GROUP, DEFAULT_QEMU_USER, lookupUser } from '../src/driver/qemu-user.js';
import { connectRemote } from '../src/remote/index.js';
import { buildDemoConf } from './demo-conf.js';
import { DEMO_NAME, ensureDemoGuest, followSerial } from './demo-guest.js';

const LIBVIRTD_PORT = 16509;
const say = (line = ''): void => {
  process.stdout.write(`${line}\n`);
};

/** Whether a TCP port on 127.0.0.1 is free; when not, a free one the kernel picks. */
function pickPort(wanted: number): Promise<{ port: number; wantedTaken: boolean }> {
  const tryListen = (port: number): Promise<number | undefined> =>
    new Promise((done) => {
      const probe = createServer();
      probe.once('error', () => done(undefined));
      probe.listen({ host: '127.0.0.1', port, exclusive: true }, () => {
        const got = (probe.address() as { port: number }).port;
        probe.close(() => done(got));
      });
    });
  return tryListen(wanted).then(async (port) =>
    port !== undefined
      ? { port, wantedTaken: false }
      : { port: (await tryListen(0)) as number, wantedTaken: true },
  );
}

async function writeDemoConf(root: string, port: number): Promise<string> {
  const path = join(root, 'tsvirtd.conf');
  const text = buildDemoConf(port);
  await writeFile(path, text, { mode: 0o600 });
  return path;
}

/**
 * qemu.conf beside the demo's tsvirtd.conf, written once: empty (qemu runs as tsvirt-qemu) unless a
 * folder above ./var is closed to that user (a checkout under /root, mode 0700); then qemu runs as
 * root, still with no capabilities and under seccomp, and the demo says why.
 */
async function writeDemoQemuConf(root: string): Promise<void> {
  const path = join(root, 'qemu.conf');
  if (existsSync(path)) return;
  let lines = [
    '# Written by npm start (scripts/demo.ts): qemu.conf keys; the defaults run qemu as tsvirt-qemu.',
  ];
  if (process.getuid?.() === 0) {
    const user = await lookupUser(DEFAULT_QEMU_USER, DEFAULT_QEMU_GROUP).catch(() => undefined);
    const closed = user && listAncestors(join(root, 'x')).find((dir) => !isAllowed(statSync(dir), user, 0o1));
    if (closed) {
      say(
        `${closed} is closed to the qemu user ${DEFAULT_QEMU_USER}, so the demo runs qemu as root (no capabilities, seccomp on) through ${path}; clone into a folder others can pass through (such as /srv) to run it as ${DEFAULT_QEMU_USER}`,
      );
      lines = [...lines, 'user = "root"', 'group = "root"'];
    }
  }
  await writeFile(path, `${lines.join('\n')}\n`, { mode: 0o600 });
}

async function printHost(): Promise<'kvm' | 'qemu'> {
  const host = await probeHost();
  say(
    `host check: guests run with ${host.accel === 'kvm' ? 'KVM' : host.accel === 'tcg' ? 'TCG (emulation)' : 'nothing'}`,
  );
  for (const reason of host.reasons) say(`  - ${reason}`);
  return host.accel === 'kvm' ? 'kvm' : 'qemu';
}

async function listOverSocket(uri: string): Promise<void> {
  const conn = await connectRemote(uri, { timeoutMs: 5_000 });
  try {
    const domains = await conn.listAllDomains();
    say(
      `over ${uri}: ${domains.map((d) => `${d.name} (${d.id === -1 ? 'shut off' : `id ${d.id}`})`).join(', ')}`,
    );
  } finally {
    await conn.close();
  }
}

/** Starts the demo guest if needed, follows its serial output, and prints how to reach it. */
async function showDemo(daemon: Daemon, root: string, type: 'kvm' | 'qemu', port: number): Promise<void> {
  const guest = await ensureDemoGuest(daemon.conn, root, type);
  const pid = guest.pid === undefined ? '' : `, qemu pid ${guest.pid}`;
  say(
    guest.wasRunning
      ? `the ${DEMO_NAME} guest is already running (re-adopted${pid}); its serial output so far:`
      : `started the ${DEMO_NAME} guest (type ${type}${pid}); its serial output:`,
  );
  const seen = await followSerial(guest.serialLog, guest.serialOffset, (t) => process.stdout.write(t));
  const qemuLog = join(root, 'log', 'qemu', `${DEMO_NAME}.log`);
  say(seen ? '' : `\n(no boot marker within 30 s; see ${guest.serialLog} and ${qemuLog})`);
  const socket = daemon.settings.rwSocket;
  const unixUri = `qemu+unix:///system?socket=${socket}`;
  await listOverSocket(unixUri).catch((err: Error) => say(`listing over the socket failed: ${err.message}`));
  say('reach it with:');
  say(`  npx tsvirt list --all            (the default socket ${socket})`);
  say(`  npx tsvirt -c '${unixUri}' list --all`);
  say(`  virsh -c qemu+tcp://127.0.0.1:${port}/system list --all`);
  say(`  virsh -c '${unixUri}' dominfo ${DEMO_NAME}`);
}

const HELP = `Usage: npm start [-- --once]

Runs tsvirtd in the foreground on ./var (unix sockets in ./var/run, TCP on 127.0.0.1:16509 or a
free port), starts the demo guest, shows its serial output and how to reach it. Ctrl-C stops the
daemon; the guests keep running and the next start re-adopts them.

  --once   stop the daemon once the demo is shown (also TSVIRT_DEMO_EXIT=1)
`;

async function main(): Promise<number> {
  if (process.argv.includes('--help') || process.argv.includes('-h')) {
    process.stdout.write(HELP);
    return 0;
  }
  const once = process.argv.includes('--once') || process.env.TSVIRT_DEMO_EXIT === '1';
  const root = resolve('var');
  await mkdir(join(root, 'run'), { recursive: true });
  const type = await printHost();
  const { port, wantedTaken } = await pickPort(LIBVIRTD_PORT);
  if (wantedTaken)
    say(`port ${LIBVIRTD_PORT} is taken (a libvirtd?); tsvirtd listens on 127.0.0.1:${port} instead`);
  const confPath = await writeDemoConf(root, port);
  await writeDemoQemuConf(root);
  const opts = parseDaemonArgs(['--root', root, '-f', confPath, '--listen']);
  const env = { uid: process.getuid?.() ?? -1, cwd: process.cwd() };
  const settings = resolveSettings(opts, await loadDaemonConf(confPath), env);
  const daemon = await Daemon.start(settings, createDaemonLog(settings.logLevel));
  say(
    `tsvirtd serves ${root} (pid ${process.pid}): ${settings.rwSocket}, ${settings.roSocket}, tcp 127.0.0.1:${port}`,
  );
  process.on('SIGINT', () => void daemon.stop());
  process.on('SIGTERM', () => void daemon.stop());
  let status = 0;
  try {
    await showDemo(daemon, root, type, port);
  } catch (err) {
    say(`demo guest: ${err instanceof Error ? err.message : String(err)}`);
    status = once ? 1 : 0;
  }
  if (once) await daemon.stop();
  else say('Ctrl-C stops tsvirtd; the guests keep running, and the next npm start re-adopts them.');
  await daemon.whenStopped();
  say('tsvirtd stopped; the guests keep running.');
  return status;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`npm start: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
