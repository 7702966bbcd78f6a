/**
 * Test helper: a test server with one guest defined on it through virsh, and the afterAll that removes
 * them. The guest is either the Linux test guest with a shell on its serial console (kernel argument
 * tsvirt.shell=1), or the boot-sector guest with a qcow2 data disk as vdb.
 */
import { copyFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'vitest';
import { ensureGuests } from '../../../scripts/guests/paths.js';
import { run } from '../../../src/exec/index.js';
import { buildLinuxXml, buildQcow2VdaXml, isAlive, readPidFile, waitForText } from '../../driver/helpers.js';
import { startCounter } from './counter-guest.js';
import { startTestServer, type TestServer } from './server-fixture.js';
import { virsh } from './virsh-harness.js';

/** What may differ between the Linux shell guests the virsh tests set up. */
export interface ShellGuestOptions {
  /** The list the pid of the qemu that `virsh start` ran is added to. */
  pids: number[];
  /** Size of a qcow2 disk given to the guest as vda, in qemu-img's notation ('64M'); none unless given. */
  qcow2Size?: string;
  /** Where that disk is made (`ROOT/NAME.qcow2` unless given). */
  diskPath?: string;
  /** Whether the guest is started and its shell's prompt awaited (true unless given). */
  start?: boolean;
  /** Whether the counter is then set going and its fifth tick awaited. */
  counter?: boolean;
}

/** A server with the Linux shell guest on it. */
export interface ShellGuestServer {
  srv: TestServer;
  /** The guest's serial log, where its console's output lands. */
  serialLog: string;
  /** The qcow2 disk's path, or '' when the guest has none. */
  disk: string;
}

/** Runs virsh against `srv`, expecting it to succeed. */
async function expectVirsh(srv: TestServer, ...args: string[]): Promise<void> {
  expect((await virsh(srv.unixUri, args, { timeoutMs: 120_000 })).code).toBe(0);
}

/**
 * Starts a server and defines the Linux test guest `name` on it with a shell on its serial console; then,
 * unless told not to, starts it and waits for the prompt (and the counter, when asked).
 */
export async function startShellGuestServer(
  name: string,
  opts: ShellGuestOptions,
): Promise<ShellGuestServer> {
  const guests = await ensureGuests();
  const srv = await startTestServer();
  const serialLog = join(srv.root, 'log', 'qemu', `${name}.serial.log`);
  const disk = opts.qcow2Size ? (opts.diskPath ?? join(srv.root, `${name}.qcow2`)) : '';
  if (opts.qcow2Size) await run(['qemu-img', 'create', '-q', '-f', 'qcow2', disk, opts.qcow2Size]);
  const devices = disk ? buildQcow2VdaXml(disk) : undefined;
  const xml = join(srv.root, `${name}.xml`);
  await writeFile(xml, buildLinuxXml(name, guests, { append: 'tsvirt.shell=1', devices }));
  await expectVirsh(srv, 'define', xml);
  if (opts.start === false) return { srv, serialLog, disk };
  await expectVirsh(srv, 'start', name);
  opts.pids.push(readPidFile(srv.root, name));
  await waitForText(serialLog, '/ # ', 90_000);
  if (opts.counter) await startCounter(srv.conn, name, serialLog);
  return { srv, serialLog, disk };
}

/** A server with the boot-sector guest and its qcow2 data disk on it. */
export interface DataDiskGuestServer {
  srv: TestServer;
  /** The data disk, `ROOT/data.qcow2`: its snapshots' overlays are named `ROOT/data.SNAPSHOT`. */
  base: string;
}

/**
 * Starts a server and defines (without starting) the boot-sector guest `name` on it: a copy of the boot
 * image as raw hda, and a new qcow2 data disk of `dataSize` (qemu-img's notation) as virtio vdb.
 */
export async function startDataDiskGuestServer(name: string, dataSize: string): Promise<DataDiskGuestServer> {
  const guests = await ensureGuests();
  const srv = await startTestServer();
  const boot = join(srv.root, 'boot.img');
  await copyFile(guests.bootSectorImage, boot);
  const base = join(srv.root, 'data.qcow2');
  await run(['qemu-img', 'create', '-q', '-f', 'qcow2', base, dataSize]);
  const xml = join(srv.root, `${name}.xml`);
  await writeFile(
    xml,
    `<domain type='qemu'><name>${name}</name><memory unit='MiB'>64</memory>
  <os><type arch='x86_64' machine='pc'>hvm</type><boot dev='hd'/></os>
  <devices>
    <disk type='file' device='disk'><driver name='qemu' type='raw'/><source file='${boot}'/><target dev='hda' bus='ide'/></disk>
    <disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='${base}'/><target dev='vdb' bus='virtio'/></disk>
  </devices></domain>`,
  );
  await expectVirsh(srv, 'define', xml);
  return { srv, base };
}

/**
 * Destroys the guest `name`, stops the server, and checks that the server left no process and that none
 * of `pids` (the guest's qemus) lives on. Does nothing when the server never started.
 */
export async function stopGuestServer(
  srv: TestServer | undefined,
  name: string,
  pids: number[],
): Promise<void> {
  if (!srv) return;
  await srv.conn.domainDestroy(await srv.conn.lookupDomainByName(name)).catch(() => undefined);
  expect(await srv.stop()).toEqual([]);
  for (const pid of pids) expect(isAlive(pid)).toBe(false);
}
