import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../../src/exec/index.js';
import { isLinuxGuestCurrent } from '../../scripts/guests/linux-guest.js';
import { GUEST_CACHE_DIR, ensureGuests, guestPaths, type GuestPaths } from '../../scripts/guests/paths.js';

describe('guest cache', () => {
  let paths: GuestPaths;
  let dir: string;
  beforeAll(async () => {
    paths = await ensureGuests();
    dir = await mkdtemp(join(tmpdir(), 'tsvirt-guest-cache-'));
  }, 600_000);
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('lives in .cache/guests at the repository root', () => {
    expect(GUEST_CACHE_DIR.endsWith('/.cache/guests')).toBe(true);
    expect(paths.linuxKernel.startsWith(GUEST_CACHE_DIR)).toBe(true);
  });

  it('reuses current guests without writing them again', async () => {
    const before = await Promise.all(Object.values(guestPaths()).map((p) => stat(p)));
    await ensureGuests();
    const after = await Promise.all(Object.values(guestPaths()).map((p) => stat(p)));
    expect(after.map((s) => s.mtimeMs)).toEqual(before.map((s) => s.mtimeMs));
  });

  it('treats a stamp of another recipe, or a missing file, as stale', async () => {
    const files = { kernel: join(dir, 'k'), initrd: join(dir, 'i'), stamp: join(dir, 's.json') };
    await writeFile(files.kernel, 'k');
    await writeFile(files.initrd, 'i');
    await writeFile(files.stamp, JSON.stringify({ recipe: 'r1', kernelPackage: 'x', modules: [] }));
    expect(await isLinuxGuestCurrent(files, 'r1')).toBe(true);
    expect(await isLinuxGuestCurrent(files, 'r2')).toBe(false);
    await rm(files.initrd);
    expect(await isLinuxGuestCurrent(files, 'r1')).toBe(false);
  });

  it('packs busybox, its applet links, /init, the acpid action and the modules into the initrd', async () => {
    const cpio = gunzipSync(await readFile(paths.linuxInitrd));
    const { stdout } = await run(['cpio', '-it', '--quiet'], { input: cpio, timeoutMs: 10_000 });
    const members = new Set(stdout.trim().split('\n'));
    for (const path of ['init', 'bin/busybox', 'bin/sh', 'sbin/acpid', 'dev/console', 'etc/acpi/pwrf']) {
      expect(members).toContain(path);
    }
    for (const mod of ['evdev', 'button', 'virtio_pci', 'virtio_blk', 'virtio_balloon', 'virtio_ring']) {
      expect(members).toContain(`lib/modules/${mod}.ko`);
    }
  });
});
