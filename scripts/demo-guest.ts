/** The demo guest of `npm start`: the boot-sector guest, defined and started through a Connection. */
import { chmod, copyFile, mkdir, open, readFile, stat, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Connection } from '../src/connection.js';
import { isTsvirtError } from '../src/errors.js';
import { buildBootSectorXml } from './guests/domain-xml.js';
import { buildBootImage } from './guests/boot-sector.js';
import { BOOT_SECTOR_MARKER, guestPaths } from './guests/paths.js';

/** The demo guest's name. */
export const DEMO_NAME = 'demo';

/** Domain XML of the demo guest: the boot-sector guest without a memballoon. */
export function buildDemoXml(type: 'kvm' | 'qemu', image: string): string {
  return buildBootSectorXml(DEMO_NAME, image, { type, memballoon: null });
}

/** What ensureDemoGuest found or did. */
export interface DemoGuestState {
  /** true when the guest was already running (re-adopted by the daemon). */
  wasRunning: boolean;
  /** Byte offset of the serial log before this start (0 when it was already running). */
  serialOffset: number;
  serialLog: string;
  pid?: number;
}

/** Defines the demo guest if absent and starts it if not running; its disk is a copy in the default pool. */
export async function ensureDemoGuest(
  conn: Connection,
  root: string,
  type: 'kvm' | 'qemu',
): Promise<DemoGuestState> {
  const serialLog = join(root, 'log', 'qemu', `${DEMO_NAME}.serial.log`);
  let dom = await conn.lookupDomainByName(DEMO_NAME).catch((err: unknown) => {
    if (isTsvirtError(err, 'ERR_DOMAIN_NOT_FOUND')) return undefined;
    throw err;
  });
  if (dom && dom.id !== -1) return { wasRunning: true, serialOffset: 0, serialLog, ...(await readPid(root)) };
  if (!dom) {
    const image = join(root, 'images', 'demo-boot.img');
    if (!existsSync(image)) {
      await mkdir(join(root, 'images'), { recursive: true });
      // Made here when npm test has not built the test guests (their Linux guest needs busybox).
      if (existsSync(guestPaths().bootSectorImage)) await copyFile(guestPaths().bootSectorImage, image);
      else await writeFile(image, buildBootImage(), { mode: 0o600 });
      await chmod(image, 0o600); // a guest's disk is its owner's alone, whatever the umask
    }
    dom = await conn.domainDefineXML(buildDemoXml(type, image));
  }
  const serialOffset = await stat(serialLog).then(
    (s) => s.size,
    () => 0,
  );
  await conn.domainCreate(dom);
  return { wasRunning: false, serialOffset, serialLog, ...(await readPid(root)) };
}

async function readPid(root: string): Promise<{ pid?: number }> {
  const text = await readFile(join(root, 'run', 'qemu', `${DEMO_NAME}.pid`), 'utf8').catch(() => '');
  return /^\d+/.test(text.trim()) ? { pid: Number(text.trim()) } : {};
}

/** Printable text of serial bytes: control characters other than newline become nothing. */
function toPrintable(bytes: Buffer): string {
  return bytes.toString('latin1').replace(/[^\n\x20-\x7e]/g, '');
}

/**
 * Writes the guest's serial output from `offset` on as it arrives, until the marker shows or the time is
 * up; resolves whether the marker was seen.
 */
export async function followSerial(
  path: string,
  offset: number,
  write: (text: string) => void,
  timeoutMs = 30_000,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  let pos = offset;
  let seen = '';
  while (Date.now() < deadline) {
    const fh = await open(path, 'r').catch(() => undefined);
    if (fh) {
      try {
        const { size } = await fh.stat();
        if (size > pos) {
          const buf = Buffer.alloc(size - pos);
          await fh.read(buf, 0, buf.length, pos);
          pos = size;
          const text = toPrintable(buf);
          write(text);
          seen += text;
        }
      } finally {
        await fh.close();
      }
    }
    if (seen.includes(BOOT_SECTOR_MARKER)) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}
