/** `npm start`'s demo (dist/scripts/demo.js --once) in a temp folder: marker, hints, and re-adoption. */
import { existsSync, statSync } from 'node:fs';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { run } from '../../src/exec/index.js';
import { BOOT_SECTOR_MARKER, guestPaths } from '../../scripts/guests/paths.js';
import { cleanupRoot, isAlive, waitUntil } from '../driver/helpers.js';
import { DEMO_JS } from './daemon-harness.js';

const why = !existsSync(DEMO_JS)
  ? `${DEMO_JS} is missing; build first (npx tsc -p tsconfig.build.json)`
  : !existsSync(guestPaths().bootSectorImage)
    ? 'the boot-sector guest is not built (npm run setup)'
    : undefined;
if (why) console.warn(`demo test skipped: ${why}`);

const dirs: string[] = [];
afterEach(async () => {
  for (const dir of dirs.splice(0)) {
    const pidText = await readFile(join(dir, 'var', 'run', 'qemu', 'demo.pid'), 'utf8').catch(() => '');
    const pid = Number(pidText.trim());
    if (pid > 0 && isAlive(pid)) {
      process.kill(pid, 'SIGKILL');
      await waitUntil(() => !isAlive(pid), 10_000, `demo qemu ${pid} to exit`);
    }
    expect(await cleanupRoot(dir, [])).toEqual([]);
  }
});

async function runDemo(cwd: string): Promise<string> {
  const r = await run([process.execPath, DEMO_JS, '--once'], { cwd, timeoutMs: 90_000 });
  return r.stdout;
}

describe.skipIf(why !== undefined)('npm start demo', () => {
  it('starts the demo guest, shows its boot marker and the ways to reach it; a second run re-adopts it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tsvirt-demo-'));
    dirs.push(dir);
    const out = await runDemo(dir);
    const sock = `${dir}/var/run/libvirt-sock`;
    expect(out).toMatch(/^host check: guests run with (KVM|TCG \(emulation\))\n/);
    expect(out).toMatch(/started the demo guest \(type (kvm|qemu), qemu pid \d+\); its serial output:\n/);
    expect(out).toContain(BOOT_SECTOR_MARKER);
    expect(out).toContain(`npx tsvirt -c 'qemu+unix:///system?socket=${sock}' list --all`);
    expect(out).toMatch(/virsh -c qemu\+tcp:\/\/127\.0\.0\.1:\d+\/system list --all/);
    expect(out).toContain(`over qemu+unix:///system?socket=${sock}: demo (id 1)`);
    expect(out).toMatch(/tsvirtd stopped; the guests keep running\.\n$/);
    const pid = Number(/qemu pid (\d+)/.exec(out)?.[1]);
    expect(isAlive(pid)).toBe(true);
    expect(existsSync(sock)).toBe(false);
    // The guest's disk is made private whatever the umask (qemu's user holds it while it runs).
    expect(statSync(join(dir, 'var', 'images', 'demo-boot.img')).mode & 0o777).toBe(0o600);

    const again = await runDemo(dir);
    expect(again).toContain(`the demo guest is already running (re-adopted, qemu pid ${pid})`);
    expect(again).toContain(BOOT_SECTOR_MARKER);
  });
});
