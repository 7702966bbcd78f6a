/**
 * The serial console over the libvirt protocol (DOMAIN_OPEN_CONSOLE and STREAM packets): our own
 * RemoteConnection, and the real `virsh console` under a pty, each typing into the Linux guest's shell.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureGuests, LINUX_READY_MARKER } from '../../../scripts/guests/paths.js';
import { findQemuBinary } from '../../../src/kvm/index.js';
import { run } from '../../../src/exec/index.js';
import { connectRemote } from '../../../src/remote/index.js';
import { isAlive, buildLinuxXml, readPidFile, waitForText, waitUntil } from '../../driver/helpers.js';
import { startTestServer, type TestServer } from './server-fixture.js';
import { VIRSH, virsh } from './virsh-harness.js';

const PYTHON = '/usr/bin/python3';
const FIXTURE = fileURLToPath(new URL('./fixtures/virsh-console.py', import.meta.url));
const PTY_ECHO = fileURLToPath(new URL('./fixtures/pty-echo.py', import.meta.url));
const usable = findQemuBinary() !== undefined;
if (!usable) console.warn('skipping console-over-RPC tests: qemu-system-x86_64 is absent');

/** Reads from `stream` until `text` shows up; returns everything read. */
async function readUntil(stream: Duplex, text: string, timeoutMs: number): Promise<string> {
  let seen = '';
  stream.on('data', (chunk: Buffer) => (seen += chunk.toString('latin1')));
  await waitUntil(() => seen.includes(text), timeoutMs, `'${text}' on the console`);
  return seen;
}

describe.skipIf(!usable)('serial console over the libvirt protocol (Linux guest, TCG)', () => {
  let srv: TestServer;
  let pid = 0;

  beforeAll(async () => {
    const guests = await ensureGuests();
    srv = await startTestServer();
    const dom = await srv.conn.domainDefineXML(buildLinuxXml('lin', guests, { append: 'tsvirt.shell=1' }));
    await srv.conn.domainCreate(dom);
    pid = readPidFile(srv.root, 'lin');
    const serialLog = join(srv.root, 'log', 'qemu', 'lin.serial.log');
    await waitForText(serialLog, LINUX_READY_MARKER, 60_000);
    await waitForText(serialLog, '/ # ', 30_000);
  }, 120_000);

  afterAll(async () => {
    if (!srv) return;
    await srv.conn.domainDestroy(await srv.conn.lookupDomainByName('lin')).catch(() => undefined);
    expect(await srv.stop()).toEqual([]);
    if (pid) expect(isAlive(pid)).toBe(false);
  }, 30_000);

  it('carries typed input and the shell answer through RemoteConnection.domainOpenConsole', async () => {
    const c = await connectRemote(srv.tcpUri);
    try {
      const console = await c.domainOpenConsole(await c.lookupDomainByName('lin'));
      const reading = readUntil(console, 'hello-42\r\n', 20_000);
      console.write('echo hello-$((6*7))\n');
      expect(await reading).toMatch(/\r\nhello-42\r\n/);
      await new Promise<void>((resolve, reject) => console.end(() => resolve()).once('error', reject));
      expect(await c.getType()).toBe('QEMU');
    } finally {
      await c.close();
    }
  });

  it.skipIf(!VIRSH || !existsSync(PYTHON))(
    '`virsh ttyconsole` prints the /dev/pts path of the serial, which another program opens to use the shell',
    async () => {
      const r = await virsh(srv.unixUri, ['ttyconsole', 'lin']);
      expect(r.code, r.stderr).toBe(0);
      const tty = r.stdout.trim();
      expect(tty).toMatch(/^\/dev\/pts\/\d+$/);
      const out = await run([PYTHON, PTY_ECHO, tty, 'echo tty-$((6*7))', 'tty-42'], { timeoutMs: 40_000 });
      const result = JSON.parse(out.stdout) as { found: boolean; output: string };
      expect(result.found, result.output).toBe(true);
      expect(result.output).toMatch(/\r\ntty-42\r\n/);
    },
  );

  it.skipIf(!VIRSH || !existsSync(PYTHON))(
    'serves `virsh console` under a pty: echo through the shell, Ctrl-] leaves',
    async () => {
      const args = [PYTHON, FIXTURE, VIRSH as string, srv.unixUri, 'lin', 'echo hello-$((6*7))', 'hello-42'];
      const r = await run(args, { timeoutMs: 60_000 });
      const out = JSON.parse(r.stdout) as { banner: boolean; found: boolean; exit: number; output: string };
      expect(out.output).toContain("Connected to domain 'lin'");
      expect([out.banner, out.found, out.exit]).toEqual([true, true, 0]);
      expect(out.output).toMatch(/\r\nhello-42\r\n/);
    },
  );
});
