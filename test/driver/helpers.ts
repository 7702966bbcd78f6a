/** Shared pieces of the driver tests: temp roots, guest XML, event logs, qemu leftovers checks. */
import { copyFile, mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DomainLifecycleEvent } from '../../src/connection.js';
import { QemuDriver, type QemuDriverOptions } from '../../src/driver/index.js';

/** A temp root folder for one test, with a private copy of the boot-sector image (qemu locks images). */
export async function makeRoot(bootImage?: string): Promise<{ root: string; image: string }> {
  const root = await mkdtemp(join(tmpdir(), 'tsvirt-driver-'));
  const image = join(root, 'boot.img');
  if (bootImage) await copyFile(bootImage, image);
  return { root, image };
}

/** Open a driver on `root` with short waits and log lines collected. */
export async function openDriver(
  root: string,
  lines: string[] = [],
  extra: Partial<QemuDriverOptions> = {},
): Promise<QemuDriver> {
  return QemuDriver.open({
    root,
    lockTimeoutMs: 500,
    log: (line) => lines.push(line),
    timeouts: {
      termWaitMs: 2_000,
      killWaitMs: 3_000,
      gracefulWaitMs: 2_000,
      adoptQmpMs: 1_000,
      exitPollMs: 100,
    },
    ...extra,
  });
}

/** The test guests' domain XML, under the names the tests use. */
export { buildBootSectorXml, buildLinuxXml, buildQcow2VdaXml } from '../../scripts/guests/domain-xml.js';

/** Records lifecycle events as [event, detail] pairs and waits for them. */
export class EventLog {
  readonly events: DomainLifecycleEvent[] = [];

  /** The listener to subscribe. */
  readonly listener = (ev: DomainLifecycleEvent): void => {
    this.events.push(ev);
  };

  /** [event, detail] of every event so far. */
  pairs(): Array<[number, number]> {
    return this.events.map((e) => [e.event, e.detail]);
  }

  /** Wait until an event of this type (and detail, when given) has arrived. */
  async waitFor(event: number, detail?: number, timeoutMs = 15_000): Promise<DomainLifecycleEvent> {
    const found = () =>
      this.events.find((e) => e.event === event && (detail === undefined || e.detail === detail));
    await waitUntil(() => found() !== undefined, timeoutMs, `event ${event}/${detail ?? '*'}`);
    return found() as DomainLifecycleEvent;
  }
}

/** Poll until `cond` holds; throws after `timeoutMs` naming `what`. */
export async function waitUntil(
  cond: () => boolean | Promise<boolean>,
  timeoutMs: number,
  what: string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Wait until a file contains `text` `count` times. */
export async function waitForText(path: string, text: string, timeoutMs: number, count = 1): Promise<void> {
  await waitUntil(
    async () => {
      const body = await readFile(path, 'latin1').catch(() => '');
      return body.split(text).length - 1 >= count;
    },
    timeoutMs,
    `${count}x '${text}' in ${path}`,
  );
}

/** Pids of processes whose command line mentions `root` (only our own tests' qemu use these temp folders). */
export async function findProcessesUnder(root: string): Promise<number[]> {
  const pids: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      if (cmdline.includes(root) && !/\) Z /.test(stat)) pids.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}

/** Kill (SIGKILL) whatever still runs under `root`, wait for it, remove the folder; returns what was left. */
export async function cleanupRoot(root: string, drivers: QemuDriver[]): Promise<number[]> {
  for (const d of drivers.splice(0)) await d.close().catch(() => undefined);
  const left = await findProcessesUnder(root);
  killAll(left);
  await waitUntil(
    async () => (await findProcessesUnder(root)).length === 0,
    5_000,
    `processes under ${root} to exit`,
  );
  await rm(root, { recursive: true, force: true });
  return left;
}

/** Whether a pid is alive (not a zombie). */
export function isAlive(pid: number): boolean {
  try {
    return !/\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

/** qemu's pid from its -pidfile. */
export function readPidFile(root: string, name: string): number {
  return Number(readFileSync(join(root, 'run', 'qemu', `${name}.pid`), 'utf8').trim());
}

/** SIGKILL each pid that still exists. */
export function killAll(pids: number[]): void {
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}
