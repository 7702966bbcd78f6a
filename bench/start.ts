/**
 * "start": from the CLI call to a running guest (after `cont`), `tsvirt -c qemu:///embed?root=DIR start
 * demo` against spawning the same qemu argv by hand up to the same point (QMP connected, `cont`
 * answered), in alternating runs. Node.js start-up is measured and reported on its own.
 * Run after the build from the checkout root: `node dist/bench/start.js [runs]`.
 */
import { existsSync, readFileSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readFile, rm, unlink, writeFile } from 'node:fs/promises';
import { createConnection, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildBootSectorXml } from '../scripts/guests/domain-xml.js';
import { guestPaths } from '../scripts/guests/paths.js';
import { buildEmbedUri } from '../src/embedded/embedded-connection.js';
import { run, spawnDetached } from '../src/exec/index.js';
import {
  CLI,
  cliEnv,
  formatHeader,
  formatRow,
  isMainModule,
  measureNodeStartup,
  requireCli,
  timeMs,
  writeResult,
} from './cli-timing.js';
import { summarize } from './stats.js';

const TARGET_OVERHEAD = 0.15;

/** Split one argv line as the driver logs it (shell-quoted with '...' and '\''). */
export function splitLoggedArgv(line: string): string[] {
  const out: string[] = [];
  let cur: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i] as string;
    if (c === "'") {
      const end = line.indexOf("'", i + 1);
      cur = (cur ?? '') + line.slice(i + 1, end);
      i = end;
    } else if (c === '\\') {
      cur = (cur ?? '') + (line[++i] ?? '');
    } else if (c === ' ') {
      if (cur !== undefined) out.push(cur);
      cur = undefined;
    } else cur = (cur ?? '') + c;
  }
  if (cur !== undefined) out.push(cur);
  return out;
}

/** The last argv the driver wrote into ROOT/log/qemu/NAME.log. */
function readLoggedArgv(logFile: string): string[] {
  const lines = readFileSync(logFile, 'utf8').split('\n');
  const header = lines
    .map((l, i) => (l.endsWith(': starting up') ? i : -1))
    .filter((i) => i >= 0)
    .at(-1);
  if (header === undefined) throw new Error(`${logFile}: no start-up header`);
  const argv = splitLoggedArgv(lines[header + 1] ?? '');
  // The bare baseline is qemu's own argv, without the setpriv prefix that drops to the qemu user.
  return argv[0] === 'setpriv' ? argv.slice(argv.indexOf('--') + 1) : argv;
}

/** Connect to a unix socket, retrying every millisecond until qemu listens. */
async function connectWhenReady(path: string, timeoutMs = 10_000): Promise<Socket> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const sock = await new Promise<Socket | undefined>((resolve) => {
      const s = createConnection(path);
      s.once('connect', () => resolve(s));
      s.once('error', () => resolve(undefined));
    });
    if (sock) return sock;
    if (Date.now() > deadline) throw new Error(`${path}: qemu did not listen within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 1));
  }
}

/** Read QMP lines until one satisfies `want`. */
function readUntil(sock: Socket, want: (msg: Record<string, unknown>) => boolean): Promise<void> {
  return new Promise((resolve) => {
    let buf = '';
    const onData = (chunk: Buffer): void => {
      buf += chunk.toString('utf8');
      for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        if (want(JSON.parse(line) as Record<string, unknown>)) {
          sock.off('data', onData);
          resolve();
          return;
        }
      }
    };
    sock.on('data', onData);
  });
}

/** The bare path: spawn, QMP greeting, qmp_capabilities, cont. Returns ms and the qemu pid. */
async function bareStart(
  argv: string[],
  qmpPath: string,
  logFile: string,
): Promise<{ ms: number; pid: number; sock: Socket }> {
  const t0 = performance.now();
  const child = await spawnDetached(argv, { logFile });
  const sock = await connectWhenReady(qmpPath);
  await readUntil(sock, (m) => 'QMP' in m);
  const caps = readUntil(sock, (m) => 'return' in m);
  sock.write('{"execute":"qmp_capabilities"}\n');
  await caps;
  const cont = readUntil(sock, (m) => 'return' in m);
  sock.write('{"execute":"cont"}\n');
  await cont;
  return { ms: performance.now() - t0, pid: child.pid, sock };
}

/** Stop a bare qemu with `quit` and wait for its pid to go. */
async function bareStop(pid: number, sock: Socket): Promise<void> {
  sock.write('{"execute":"quit"}\n');
  const deadline = Date.now() + 10_000;
  while (existsSync(`/proc/${pid}`) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
  sock.destroy();
  if (existsSync(`/proc/${pid}`)) process.kill(pid, 'SIGKILL');
}

/** Runs the benchmark and writes bench/results/start.json. */
export async function main(runs = Number(process.argv[2] ?? 12)): Promise<void> {
  requireCli();
  const root = await mkdtemp(join(tmpdir(), 'tsvb-start-'));
  const uri = buildEmbedUri(root);
  const tsvirt = (...args: string[]) =>
    run(['node', CLI, '-c', uri, ...args], { timeoutMs: 60_000, env: cliEnv() });
  try {
    const image = join(root, 'boot.img');
    await copyFile(guestPaths().bootSectorImage, image);
    await writeFile(join(root, 'demo.xml'), buildBootSectorXml('demo', image));
    await tsvirt('define', join(root, 'demo.xml'));
    await tsvirt('start', 'demo'); // warm-up, and the argv to copy
    await tsvirt('destroy', 'demo');
    const argv = readLoggedArgv(join(root, 'log', 'qemu', 'demo.log'));
    const chanDir = join(root, 'run', 'qemu', 'demo.d');
    const qmpPath = join(chanDir, 'monitor.sock');
    const ours: number[] = [];
    const bare: number[] = [];
    for (let i = 0; i < runs; i++) {
      for (const which of i % 2 === 0 ? ['tsvirt', 'bare'] : ['bare', 'tsvirt']) {
        if (which === 'tsvirt') {
          ours.push(await timeMs(() => tsvirt('start', 'demo')));
          await tsvirt('destroy', 'demo');
        } else {
          await mkdir(chanDir, { recursive: true }); // removed when tsvirt stops its run
          await unlink(qmpPath).catch(() => undefined);
          const b = await bareStart(argv, qmpPath, join(root, 'bare.log'));
          bare.push(b.ms);
          await bareStop(b.pid, b.sock);
        }
      }
    }
    await report(runs, summarize(ours), summarize(bare), await measureNodeStartup(runs));
  } finally {
    await run(['node', CLI, '-c', uri, 'destroy', 'demo'], { okExitCodes: [1], env: cliEnv() }).catch(
      () => undefined,
    );
    await rm(root, { recursive: true, force: true });
  }
}

async function report(
  runs: number,
  ours: ReturnType<typeof summarize>,
  bare: ReturnType<typeof summarize>,
  node: Awaited<ReturnType<typeof measureNodeStartup>>,
): Promise<void> {
  const exclNode = ours.p50 - node.nodeE0.p50;
  const exclCli = ours.p50 - node.cliVersion.p50;
  const overhead = exclNode / bare.p50 - 1;
  const overheadExclCliLoad = exclCli / bare.p50 - 1;
  console.log(
    formatHeader(`start to a running guest (boot-sector guest, TCG), ${runs} alternating runs, ms`),
  );
  console.log(formatRow('tsvirt -c qemu:///embed?root=DIR start demo', ours));
  console.log(formatRow('bare spawn of the same argv + QMP cont', bare));
  console.log(formatRow('node -e 0', node.nodeE0));
  console.log(formatRow('node dist/tsvirt.mjs --version', node.cliVersion));
  console.log(`ratio of medians, all included: ${(ours.p50 / bare.p50).toFixed(3)}`);
  console.log(
    `overhead excluding Node.js start-up (node -e 0): ${(overhead * 100).toFixed(1)}% (${overhead <= TARGET_OVERHEAD ? 'meets' : 'MISSES'} target ${TARGET_OVERHEAD * 100}%)`,
  );
  console.log(
    `overhead excluding the CLI's load too (--version): ${(overheadExclCliLoad * 100).toFixed(1)}%`,
  );
  await writeResult('start', {
    bench: 'start',
    unit: 'ms',
    runs,
    tsvirt: ours,
    bare,
    nodeStartup: node.nodeE0,
    cliVersion: node.cliVersion,
    ratioMedians: ours.p50 / bare.p50,
    overheadExcludingNodeStartup: overhead,
    overheadExcludingCliLoad: overheadExclCliLoad,
    target: TARGET_OVERHEAD,
    node: process.version,
    kernel: (await readFile('/proc/version', 'utf8').catch(() => '')).split(' ')[2] ?? '',
    date: new Date().toISOString(),
  });
}

if (isMainModule(import.meta.url)) await main();
