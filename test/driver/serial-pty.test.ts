/**
 * A pty serial as libvirt gives it: qemu's own pty, whose /dev/pts path the live XML shows and any
 * program can open; the console and the serial log keep working, also after a new driver adopts qemu.
 */
import { constants, openSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import { ReadStream } from 'node:tty';
import { describe, expect, it } from 'vitest';
import { LINUX_READY_MARKER } from '../../scripts/guests/paths.js';
import { findQemuBinary } from '../../src/kvm/index.js';
import { buildLinuxXml, openDriver, readPidFile, waitForText, waitUntil } from './helpers.js';
import { useDriverHarness } from './harness.js';

const usable = findQemuBinary() !== undefined;
if (!usable) console.warn('skipping pty serial tests: qemu-system-x86_64 is absent');

/** Collects what `stream` yields; `seen()` is everything so far. */
function collect(stream: Duplex): () => string {
  let text = '';
  stream.on('data', (chunk: Buffer) => (text += chunk.toString('latin1')));
  return () => text;
}

/** The tty= of the live XML's <console>, and the <source path> of its <serial>. */
function readPtyPaths(xml: string): { tty?: string; source?: string } {
  return {
    tty: /<console type='pty' tty='([^']+)'>/.exec(xml)?.[1],
    source: /<serial type='pty'>\s*<source path='([^']+)'\/>/.exec(xml)?.[1],
  };
}

describe.skipIf(!usable)('pty serial (Linux guest, TCG)', () => {
  const h = useDriverHarness();

  it('shows the /dev/pts path qemu made, which a program opens to talk to the shell, before and after re-adoption', async () => {
    const first = await h.setup();
    const xml = buildLinuxXml('tty', h.guests, { append: 'tsvirt.shell=1' }).replace(
      "<serial type='pty'><target port='0'/></serial>",
      "<serial type='pty'><target port='0'/></serial><console type='pty'><target type='serial' port='0'/></console>",
    );
    const dom = await first.domainDefineXML(xml);
    await first.domainCreate(dom);
    const pid = readPidFile(h.root, 'tty');
    h.pids.push(pid);
    const serialLog = join(h.root, 'log', 'qemu', 'tty.serial.log');
    await waitForText(serialLog, LINUX_READY_MARKER, 60_000);
    await waitForText(serialLog, '/ # ', 30_000);

    const { tty, source } = readPtyPaths(await first.domainGetXMLDesc(dom, 0));
    expect(tty).toMatch(/^\/dev\/pts\/\d+$/);
    expect(source).toBe(tty);
    // qemu made the pty as the user it runs as; devpts gives it the mount's mode, as under libvirt.
    const st = statSync(tty as string);
    expect(st.uid).toBe(statSync(`/proc/${pid}`).uid);
    expect(st.mode & 0o777 & ~0o020).toBe(0o600);

    // Any program, not only the console: open the pty and type into the guest's shell.
    const fd = openSync(tty as string, constants.O_RDWR | constants.O_NOCTTY | constants.O_NONBLOCK);
    const pty = new ReadStream(fd);
    const seen = collect(pty);
    // qemu notices an opened pty within a second (it polls the pty for a reader); until then it drops output.
    await new Promise((r) => setTimeout(r, 1_500));
    pty.write('echo pty-$((6*7))\n');
    await waitUntil(() => seen().includes('pty-42\r\n'), 20_000, 'the shell answer on the pty');
    pty.destroy();
    await waitForText(serialLog, 'pty-42', 5_000);

    // A new driver adopts the running qemu: the same pty shows, and the console reaches the shell.
    await first.close();
    const second = await openDriver(h.root);
    h.drivers.push(second);
    const again = await second.lookupDomainByName('tty');
    expect(readPtyPaths(await second.domainGetXMLDesc(again, 0)).tty).toBe(tty);
    const console = await second.domainOpenConsole(again, undefined, 0);
    const fromConsole = collect(console);
    await new Promise((r) => setTimeout(r, 1_500));
    console.write('echo again-$((6*7))\n');
    await waitUntil(() => fromConsole().includes('again-42\r\n'), 20_000, 'the shell answer on the console');
    console.destroy();
    await second.domainDestroy(again);
  }, 150_000);
});
