/**
 * Real virsh drives a live migration between two tsvirtd hosts (two network namespaces joined by a veth
 * pair, a tsvirtd on each, the guest's files on a folder both see). The Linux guest (TCG) prints a
 * counter each tenth of a second, so "the guest goes on at the destination with no reboot" is read off
 * the destination's serial log.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureGuests, LINUX_READY_MARKER } from '../../../scripts/guests/paths.js';
import { findQemuBinary } from '../../../src/kvm/index.js';
import type { DomainLifecycleEvent } from '../../../src/api/types.js';
import { buildLinuxXml, isAlive, readPidFile, waitUntil } from '../../driver/helpers.js';
import { whyNoDist } from '../../daemon/daemon-harness.js';
import { probeNetnsProblem } from '../../network/netns.js';
import { lastTick, readTicks, typeLine, waitForTick } from './counter-guest.js';
import { closeMigrationPair, findQemuUnder, startMigrationGuest, WRITER } from './migration-guest.js';
import { startMigrationPair, type MigrationHost, type MigrationPair } from './migration-hosts.js';
import { VIRSH } from './virsh-harness.js';

const why =
  (!VIRSH ? 'virsh is absent' : undefined) ??
  (findQemuBinary() === undefined ? 'qemu-system-x86_64 is absent' : undefined) ??
  whyNoDist() ??
  (await probeNetnsProblem());
if (why) console.warn(`skipping virsh migrate tests: ${why}`);

/** The live XML without what differs from run to run (the domain id, the pty path). */
function comparableXml(xml: string): string {
  return xml
    .replace(/ id='\d+'/, '')
    .replace(/<source path='\/dev\/pts\/\d+'\/>/g, '')
    .replace(/ tty='[^']*'/g, '');
}

describe.skipIf(why !== undefined)('virsh migrate between two tsvirtd hosts (Linux guest, TCG)', () => {
  let pair: MigrationPair;
  const events = new Map<MigrationHost, DomainLifecycleEvent[]>();
  const serialOf = (h: MigrationHost): string => join(h.root, 'log', 'qemu', 'mg.serial.log');
  const virshOn = (h: MigrationHost, ...args: string[]) => pair.exec(h, ['virsh', '-c', h.tcpUri, ...args]);
  /** Types `text` on the guest's serial console at `h`. */
  const typeInto = (h: MigrationHost, text: string): Promise<void> =>
    typeLine(h.conn, 'mg', serialOf(h), text);

  beforeAll(async () => {
    pair = await startMigrationPair();
    for (const h of [pair.src, pair.dst]) {
      const list: DomainLifecycleEvent[] = [];
      events.set(h, list);
      await h.conn.onDomainLifecycle((ev) => list.push(ev));
    }
    await startMigrationGuest(pair, 'mg', { diskImage: Buffer.alloc(1024 * 1024) });
  }, 180_000);

  afterAll(() => closeMigrationPair(pair, 'mg'), 60_000);

  it('moves the running guest live: the counter goes on at the destination, nothing runs at the source', async () => {
    const srcPid = readPidFile(pair.src.root, 'mg');
    const before = (await virshOn(pair.src, 'dumpxml', 'mg')).stdout;
    const r = await virshOn(pair.src, 'migrate', '--live', 'mg', pair.dst.tcpUri);
    expect(r).toMatchObject({ code: 0, stderr: '' });
    const lastAtSource = await lastTick(serialOf(pair.src));
    expect(isAlive(srcPid)).toBe(false);
    expect((await virshOn(pair.src, 'domstate', '--reason', 'mg')).stdout).toBe('shut off (migrated)\n\n');
    expect((await virshOn(pair.dst, 'domstate', '--reason', 'mg')).stdout).toBe('running (migrated)\n\n');
    await waitForTick(serialOf(pair.dst), lastAtSource + 10, 60_000, 'ten ticks at the destination');
    const ticks = await readTicks(serialOf(pair.dst));
    // The destination's console starts mid-count: no boot there, and the count follows the source's.
    expect((await readFile(serialOf(pair.dst), 'latin1')).includes(LINUX_READY_MARKER)).toBe(false);
    expect(ticks[0]).toBeGreaterThan(5);
    expect(ticks[0]).toBeLessThanOrEqual(lastAtSource + 2);
    const after = (await virshOn(pair.dst, 'dumpxml', 'mg')).stdout;
    expect(comparableXml(after)).toBe(comparableXml(before));
    const seen = (h: MigrationHost) => (events.get(h) ?? []).map((e) => [e.event, e.detail]);
    await waitUntil(() => seen(pair.dst).length >= 2, 5_000, 'the destination events');
    // libvirt's: SUSPENDED/MIGRATED then STOPPED/MIGRATED on the source; STARTED/MIGRATED, RESUMED/MIGRATED on the destination.
    expect(seen(pair.src).slice(-2)).toEqual([
      [3, 1],
      [5, 3],
    ]);
    expect(seen(pair.dst)).toEqual([
      [2, 1],
      [4, 1],
    ]);
  }, 180_000);
  it('domjobabort cancels a migration mid-way: the guest runs on at the source, the destination has nothing running', async () => {
    const from = pair.dst;
    const to = pair.src;
    const migrating = virshOn(from, 'migrate', '--live', '--bandwidth', '1', 'mg', to.tcpUri);
    await waitUntil(
      async () => /Data processed:\s+\d/.test((await virshOn(from, 'domjobinfo', 'mg')).stdout),
      20_000,
      'the migration job to report progress',
    );
    const info = await virshOn(from, 'domjobinfo', 'mg');
    expect(info.stdout).toMatch(/Data processed:\s+\d/);
    expect((await virshOn(from, 'domjobabort', 'mg')).code).toBe(0);
    const r = await migrating;
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('cancel');
    expect((await virshOn(from, 'domstate', 'mg')).stdout).toBe('running\n\n');
    // The incoming qemu exits by itself when the stream stops (crashed), or Finish kills it (failed).
    expect((await virshOn(to, 'domstate', '--reason', 'mg')).stdout).toMatch(
      /^shut off \((crashed|failed)\)\n/,
    );
    expect(await findQemuUnder(to.root)).toEqual([]);
    const held = await lastTick(serialOf(from));
    await waitForTick(serialOf(from), held + 5, 60_000, 'ticks after abort');
  }, 120_000);

  it('refuses a destination name another domain has: the guest runs on, nothing starts', async () => {
    const other = join(pair.shared, 'taken.xml');
    await writeFile(other, buildLinuxXml('taken', await ensureGuests()));
    expect((await virshOn(pair.src, 'define', other)).code).toBe(0);
    const r = await virshOn(pair.dst, 'migrate', '--live', '--dname', 'taken', 'mg', pair.src.tcpUri);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("domain 'taken' already exists with uuid");
    expect((await virshOn(pair.dst, 'domstate', 'mg')).stdout).toBe('running\n\n');
    expect(await findQemuUnder(pair.src.root)).toEqual([]);
  }, 60_000);

  it('moves it back with --persistent --undefinesource: defined and running at the destination, gone at the source', async () => {
    const r = await virshOn(
      pair.dst,
      'migrate',
      '--live',
      '--persistent',
      '--undefinesource',
      'mg',
      pair.src.tcpUri,
    );
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect((await virshOn(pair.src, 'domstate', '--reason', 'mg')).stdout).toBe('running (migrated)\n\n');
    expect((await virshOn(pair.src, 'dominfo', 'mg')).stdout).toMatch(/Persistent:\s+yes/);
    const gone = await virshOn(pair.dst, 'domstate', 'mg');
    expect(gone.code).toBe(1);
    expect(gone.stderr).toContain("failed to get domain 'mg'");
    expect(await findQemuUnder(pair.dst.root)).toEqual([]);
  }, 120_000);

  it('--offline --persistent copies the definition only', async () => {
    const r = await virshOn(pair.src, 'migrate', '--offline', '--persistent', 'mg', pair.dst.tcpUri);
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect((await virshOn(pair.dst, 'domstate', 'mg')).stdout).toBe('shut off\n\n');
    expect((await virshOn(pair.src, 'domstate', 'mg')).stdout).toBe('running\n\n');
    expect(await findQemuUnder(pair.dst.root)).toEqual([]);
  }, 60_000);

  it('keeps the speed and downtime limit virsh sets (migrate-setspeed/getspeed, migrate-setmaxdowntime/getmaxdowntime)', async () => {
    const out = async (...args: string[]) => (await virshOn(pair.src, ...args)).stdout.trim();
    // libvirt's defaults: no speed limit (INT64_MAX bytes/s in MiB/s), qemu's 300 ms downtime limit.
    expect(await out('migrate-getspeed', 'mg')).toBe('8796093022207');
    expect(await out('migrate-getmaxdowntime', 'mg')).toBe('300');
    expect((await virshOn(pair.src, 'migrate-setspeed', 'mg', '64')).code).toBe(0);
    expect((await virshOn(pair.src, 'migrate-setspeed', '--postcopy', 'mg', '32')).code).toBe(0);
    expect((await virshOn(pair.src, 'migrate-setmaxdowntime', 'mg', '250')).code).toBe(0);
    expect(await out('migrate-getspeed', 'mg')).toBe('64');
    expect(await out('migrate-getspeed', '--postcopy', 'mg')).toBe('32');
    expect(await out('migrate-getmaxdowntime', 'mg')).toBe('250');
    const tooFast = await virshOn(pair.src, 'migrate-setspeed', 'mg', '8796093022208');
    expect(tooFast.code).toBe(1);
    expect(tooFast.stderr).toContain('bandwidth must be less than 8796093022208');
    const postcopy = await virshOn(pair.src, 'migrate-postcopy', 'mg');
    expect(postcopy.code).toBe(1);
    expect(postcopy.stderr).toContain('is not being migrated out');
  }, 60_000);

  // qemu 7.2's TCG can lose pages a busy guest dirties during a live migration while the host's cores
  // are oversubscribed (README, "Live migration of TCG guests"), and each round of a long migration is
  // one more chance. So once qemu has begun to throttle, the test lifts the speed limit, and the
  // migration ends at the first throttle step.
  it('converges with --auto-converge under a busy memory writer: qemu throttles the vCPUs, the guest goes on at the destination', async () => {
    await typeInto(pair.src, WRITER);
    await waitUntil(
      async () => /writer-up\r?\n/.test(await readFile(serialOf(pair.src), 'latin1')),
      60_000,
      'the writer',
    );
    const migrating = virshOn(
      pair.src,
      'migrate',
      '--live',
      '--auto-converge',
      '--bandwidth',
      '16',
      'mg',
      pair.dst.tcpUri,
    );
    let throttle = 0;
    let lifted = false;
    let done = false;
    void migrating.finally(() => (done = true));
    while (!done) {
      const info = (await virshOn(pair.src, 'domjobinfo', 'mg')).stdout;
      const m = /Auto converge throttle:\s+(\d+)/.exec(info);
      if (m) throttle = Math.max(throttle, Number(m[1]));
      else if (process.env['TSVIRT_MIGRATE_LOGS']) console.log(info);
      if (throttle > 0 && !lifted) {
        lifted = true;
        const lift = await virshOn(pair.src, 'migrate-setspeed', 'mg', '8796093022207');
        // The migration may have ended (and the guest left) just before.
        if (lift.code !== 0) expect(lift.stderr).toMatch(/not found|not running|not active/);
      }
      await new Promise((r) => setTimeout(r, 300));
    }
    const r = await migrating;
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(throttle).toBeGreaterThan(0);
    const completed = (await virshOn(pair.src, 'domjobinfo', '--completed', 'mg')).stdout;
    expect(completed).toMatch(/Total downtime:\s+\d+\s+ms/);
    expect((await virshOn(pair.dst, 'domstate', '--reason', 'mg')).stdout).toBe('running (migrated)\n\n');
    // The writer stops first: the tests after this one move an idle guest.
    await typeInto(pair.dst, 'touch /stop\n');
    const last = await lastTick(serialOf(pair.dst));
    await waitForTick(serialOf(pair.dst), last + 5, 60_000, 'ticks at the destination');
  }, 240_000);

  it('--p2p: the source tsvirtd drives the destination itself; a refusal there leaves the guest running here', async () => {
    const refused = await virshOn(
      pair.dst,
      'migrate',
      '--live',
      '--p2p',
      '--dname',
      'taken',
      'mg',
      pair.src.tcpUri,
    );
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("domain 'taken' already exists with uuid");
    expect((await virshOn(pair.dst, 'domstate', 'mg')).stdout).toBe('running\n\n');
    expect(await findQemuUnder(pair.src.root)).toEqual([]);

    const before = (await virshOn(pair.dst, 'dumpxml', 'mg')).stdout;
    const r = await virshOn(pair.dst, 'migrate', '--live', '--p2p', 'mg', pair.src.tcpUri);
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect((await virshOn(pair.src, 'domstate', '--reason', 'mg')).stdout).toBe('running (migrated)\n\n');
    expect((await virshOn(pair.dst, 'domstate', '--reason', 'mg')).stdout).toBe('shut off (migrated)\n\n');
    expect(await findQemuUnder(pair.dst.root)).toEqual([]);
    expect(comparableXml((await virshOn(pair.src, 'dumpxml', 'mg')).stdout)).toBe(comparableXml(before));
    const last = await lastTick(serialOf(pair.dst));
    await waitForTick(serialOf(pair.src), last + 5, 60_000, 'the count going on at the destination');
  }, 120_000);

  it('--suspend with --migrateuri and --listen-address: the guest arrives paused and resumes', async () => {
    const r = await virshOn(
      pair.src,
      'migrate',
      '--live',
      '--suspend',
      '--migrateuri',
      `tcp:${pair.dst.address}:49200`,
      '--listen-address',
      pair.dst.address,
      'mg',
      pair.dst.tcpUri,
    );
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect((await virshOn(pair.dst, 'domstate', '--reason', 'mg')).stdout).toBe('paused (user)\n\n');
    const held = await lastTick(serialOf(pair.dst));
    await new Promise((r) => setTimeout(r, 1_000));
    expect(await lastTick(serialOf(pair.dst))).toBe(held);
    expect((await virshOn(pair.dst, 'resume', 'mg')).code).toBe(0);
    await waitForTick(serialOf(pair.dst), held + 5, 60_000, 'ticks after resume');
  }, 120_000);

  it('--xml: the destination runs the XML the caller gave for the same domain', async () => {
    const xml = (await virshOn(pair.dst, 'dumpxml', '--migratable', 'mg')).stdout.replace(
      '</name>',
      '</name>\n  <description>moved with --xml</description>',
    );
    const file = join(pair.shared, 'mg-migrate.xml');
    await writeFile(file, xml);
    const r = await virshOn(pair.dst, 'migrate', '--live', '--xml', file, 'mg', pair.src.tcpUri);
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect((await virshOn(pair.src, 'dumpxml', 'mg')).stdout).toContain(
      '<description>moved with --xml</description>',
    );
    expect((await virshOn(pair.src, 'domstate', '--reason', 'mg')).stdout).toBe('running (migrated)\n\n');
  }, 120_000);
});
