import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { beforeAll, describe, expect, it } from 'vitest';
import { BOOT_IMAGE_BYTES, buildBootImage, buildBootSector } from '../../scripts/guests/boot-sector.js';
import { BOOT_SECTOR_MARKER, ensureGuests, guestPaths, type GuestPaths } from '../../scripts/guests/paths.js';
import { isPidAlive, startQemu, stopQemu, waitForSerial } from './qemu-harness.js';

describe('boot sector bytes', () => {
  it('is 512 bytes ending with the 0x55 0xAA signature', () => {
    const sector = buildBootSector();
    expect(sector.length).toBe(512);
    expect([sector[510], sector[511]]).toEqual([0x55, 0xaa]);
  });

  it('holds the marker line, NUL-terminated, at the address its mov si loads', () => {
    const sector = buildBootSector();
    const at = sector.indexOf(`${BOOT_SECTOR_MARKER}\r\n\0`, 0, 'latin1');
    expect(at).toBeGreaterThan(0);
    expect(sector[6]).toBe(0xbe); // mov si, imm16
    expect(sector.readUInt16LE(7)).toBe(0x7c00 + at);
  });

  it('writes to port 0x3f8 and ends in a cli; hlt loop', () => {
    const sector = buildBootSector();
    expect([...sector.subarray(9, 12)]).toEqual([0xba, 0xf8, 0x03]); // mov dx, 0x3f8
    expect([...sector.subarray(20, 24)]).toEqual([0xfa, 0xf4, 0xeb, 0xfc]); // cli; hlt; jmp -4
  });

  it('puts the sector at the start of a 1 MiB image of zeros', () => {
    const image = buildBootImage();
    expect(image.length).toBe(BOOT_IMAGE_BYTES);
    expect(image.subarray(0, 512).equals(buildBootSector())).toBe(true);
    expect(image.subarray(512).every((b) => b === 0)).toBe(true);
  });
});

describe('boot-sector guest under qemu', () => {
  let paths: GuestPaths;
  beforeAll(async () => {
    paths = await ensureGuests();
  }, 600_000);

  it('is built in the cache with the current bytes', async () => {
    expect(paths).toEqual(guestPaths());
    expect((await readFile(paths.bootSectorImage)).equals(buildBootImage())).toBe(true);
  });

  const boot = async (accel: string, timeoutMs: number): Promise<number> => {
    const qemu = await startQemu([
      ...['-accel', accel, '-m', '64', '-nic', 'none'],
      ...['-drive', `file=${paths.bootSectorImage},format=raw,if=ide`],
    ]);
    try {
      return await waitForSerial(qemu, `${BOOT_SECTOR_MARKER}\r\n`, timeoutMs);
    } finally {
      await stopQemu(qemu);
      expect(isPidAlive(qemu.child.pid)).toBe(false);
    }
  };

  it('prints its marker on COM1 under TCG', async () => {
    const ms = await boot('tcg', 10_000);
    console.log(`boot-sector guest: marker ${ms.toFixed(0)} ms after spawn (tcg)`);
  });

  const noKvm = !existsSync('/dev/kvm');
  if (noKvm) console.warn('skipping the KVM boot-sector test: /dev/kvm is absent');
  it.skipIf(noKvm)(
    'prints its marker on COM1 under KVM',
    async () => {
      const ms = await boot('kvm', 20_000);
      console.log(`boot-sector guest: marker ${ms.toFixed(0)} ms after spawn (kvm)`);
    },
    30_000,
  );
});
