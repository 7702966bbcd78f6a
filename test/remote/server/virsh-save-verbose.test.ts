/**
 * Real virsh against the server: `virsh save --verbose` of the Linux guest (TCG) whose memory a shell
 * filled with random bytes, so that the save takes long enough for virsh's progress polls to see it
 * part-way ("Save: [ NN %]" lines, read from the job's data totals), then a restore that runs again.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findQemuBinary } from '../../../src/kvm/index.js';
import { readPidFile, waitForText, waitUntil } from '../../driver/helpers.js';
import type { TestServer } from './server-fixture.js';
import { startShellGuestServer, stopGuestServer } from './guest-server.js';
import { VIRSH, virsh, type VirshResult } from './virsh-harness.js';

const hasQemu = findQemuBinary() !== undefined;
if (!VIRSH || !hasQemu)
  console.warn('skipping virsh save --verbose test: virsh or qemu-system-x86_64 is absent');

describe.skipIf(!VIRSH || !hasQemu)('virsh save --verbose (Linux guest, TCG)', () => {
  let srv: TestServer;
  let serialLog = '';
  const pids: number[] = [];
  const v = (...args: string[]): Promise<VirshResult> => virsh(srv.unixUri, args, { timeoutMs: 120_000 });

  beforeAll(async () => {
    ({ srv, serialLog } = await startShellGuestServer('vb', { pids }));
  }, 150_000);
  afterAll(() => stopGuestServer(srv, 'vb', pids), 30_000);

  /** Type a line into the guest's shell and wait for its echo. */
  async function typeLine(line: string): Promise<void> {
    const console = await srv.conn.domainOpenConsole(await srv.conn.lookupDomainByName('vb'));
    await new Promise<void>((resolve) => console.write(line, () => resolve()));
    const head = line.slice(0, 12);
    await waitUntil(async () => (await readFile(serialLog, 'latin1')).includes(head), 10_000, 'the echo');
    console.end();
  }

  it('prints the save’s progress part-way, then 100 %', async () => {
    // 160 MiB of random bytes in the guest's tmpfs: pages that neither zero detection nor compression shrink.
    await typeLine('head -c 167772160 /dev/urandom > /big; echo filled-$((40+2))\n');
    await waitForText(serialLog, 'filled-42', 120_000);
    const file = join(srv.root, 'vb.save');
    const r = await v('save', '--verbose', 'vb', file);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`Domain 'vb' saved to ${file}`);
    const percents = [...r.stderr.matchAll(/Save: \[ *(\d+) %\]/g)].map((m) => Number(m[1]));
    expect(percents.at(-1)).toBe(100);
    expect(percents.filter((p) => p < 100).length).toBeGreaterThanOrEqual(1);
    // Each poll reads more of the memory written, never less.
    expect([...percents].sort((a, b) => a - b)).toEqual(percents);
    expect((await v('restore', file)).code).toBe(0);
    pids.push(readPidFile(srv.root, 'vb'));
    expect((await v('domstate', 'vb')).stdout).toBe('running\n\n');
  }, 240_000);
});
