/**
 * Devices added and removed with the real virsh against the RPC server, with the Linux guest running
 * (TCG) and confirming each change through its shell: a virtio disk appears in and leaves /sys/block, a
 * virtio NIC /sys/class/net, on pc and on q35; config-only changes show in dumpxml --inactive only;
 * libvirt's refusals; device events to a registered client and to `virsh event`.
 */
import { readFile, stat, truncate, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureGuests, LINUX_READY_MARKER } from '../../../scripts/guests/paths.js';
import { findQemuBinary } from '../../../src/kvm/index.js';
import { run } from '../../../src/exec/index.js';
import { connectRemote } from '../../../src/remote/index.js';
import type { Connection, DomainDeviceEvent } from '../../../src/connection.js';
import { buildLinuxXml, isAlive, readPidFile, waitForText, waitUntil } from '../../driver/helpers.js';
import { startTestServer, type TestServer } from './server-fixture.js';
import { VIRSH, virsh } from './virsh-harness.js';
import { GuestShell } from './guest-shell.js';

const usable = findQemuBinary() !== undefined && VIRSH !== undefined;
/** The uid of the qemu user the test server's default qemu.conf runs qemu as (root where it is absent). */
const QEMU_UID = Number(/^tsvirt-qemu:[^:]*:(\d+):/m.exec(readFileSync('/etc/passwd', 'utf8'))?.[1] ?? '0');
if (!usable) console.warn('skipping virsh device tests: qemu-system-x86_64 or virsh is absent');

describe.skipIf(!usable).each(['pc', 'q35'])('virsh attach/detach on a running %s guest', (machine) => {
  let srv: TestServer;
  let client: Connection;
  let shell: GuestShell;
  let pid = 0;
  const added: DomainDeviceEvent[] = [];
  const removed: DomainDeviceEvent[] = [];
  const img = (name: string): string => join(srv.root, `${name}.img`);

  beforeAll(async () => {
    const guests = await ensureGuests();
    srv = await startTestServer();
    const xml = buildLinuxXml('hp', guests, { append: 'tsvirt.shell=1' }).replace(
      "machine='pc'",
      `machine='${machine}'`,
    );
    const dom = await srv.conn.domainDefineXML(xml);
    await srv.conn.domainCreate(dom);
    pid = readPidFile(srv.root, 'hp');
    const serialLog = join(srv.root, 'log', 'qemu', 'hp.serial.log');
    await waitForText(serialLog, LINUX_READY_MARKER, 60_000);
    await waitForText(serialLog, '/ # ', 30_000);
    for (const name of ['one', 'two', 'three', 'four', 'five']) {
      await writeFile(img(name), '');
      await truncate(img(name), 8 << 20);
    }
    client = await connectRemote(srv.tcpUri);
    await client.onDomainEvent('device-added', (ev) => added.push(ev));
    await client.onDomainEvent('device-removed', (ev) => removed.push(ev));
    shell = await GuestShell.open(client, await client.lookupDomainByName('hp'));
  }, 150_000);

  afterAll(async () => {
    shell?.close();
    await client?.close();
    if (!srv) return;
    await srv.conn.domainDestroy(await srv.conn.lookupDomainByName('hp')).catch(() => undefined);
    expect(await srv.stop()).toEqual([]);
    if (pid) expect(isAlive(pid)).toBe(false);
  }, 30_000);

  /** The serial numbers of the guest's virtio disks. */
  const guestSerials = (): Promise<string> => shell.run('cat /sys/block/vd*/serial 2>/dev/null');
  const q35 = machine === 'q35';

  it('attach-disk --live: the guest sees the disk, the live XML has it, the config does not, an event names its alias', async () => {
    const r = await virsh(srv.unixUri, [
      'attach-disk',
      'hp',
      img('one'),
      'vdb',
      '--serial',
      'hpdisk1',
      '--live',
    ]);
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe('Disk attached successfully');
    await shell.waitFor('cat /sys/block/vd*/serial 2>/dev/null', (out) => out.includes('hpdisk1'));
    const live = (await virsh(srv.unixUri, ['dumpxml', 'hp'])).stdout;
    expect(live).toContain(`<source file='${img('one')}' index=`);
    expect(live).toContain("<target dev='vdb' bus='virtio'/>");
    expect(live).toContain("<alias name='virtio-disk1'/>");
    expect((await virsh(srv.unixUri, ['dumpxml', 'hp', '--inactive'])).stdout).not.toContain("dev='vdb'");
    await waitUntil(() => added.some((e) => e.devAlias === 'virtio-disk1'), 5_000, 'device-added event');
    expect(added.find((e) => e.devAlias === 'virtio-disk1')?.dom.name).toBe('hp');
    // qemu runs as tsvirt-qemu: the file was handed to it, and the owner to give back was recorded.
    expect((await stat(img('one'))).uid).toBe(QEMU_UID);
    if (QEMU_UID !== 0)
      expect(await readFile(join(srv.root, 'run', 'qemu', 'hp.owners'), 'utf8')).toContain(img('one'));
  }, 60_000);

  it('refuses a target that is taken, a bus that cannot hot-plug, a disk that is not there, and (q35) a disk without a free root port', async () => {
    const again = await virsh(srv.unixUri, ['attach-disk', 'hp', img('two'), 'vdb', '--live']);
    expect([again.code, again.stderr.trim()]).toEqual([
      1,
      `error: Failed to attach disk\nerror: XML error: target 'vdb' duplicated for disk sources '${img('one')}' and '${img('two')}'`,
    ]);
    const ide = await virsh(srv.unixUri, [
      'attach-disk',
      'hp',
      img('two'),
      'hdc',
      '--targetbus',
      'ide',
      '--live',
    ]);
    expect(ide.stderr).toContain("error: Operation not supported: disk bus 'ide' cannot be hotplugged.");
    const missing = await virsh(srv.unixUri, ['detach-disk', 'hp', 'vdz', '--live']);
    expect([missing.code, missing.stderr.trim()]).toEqual([
      1,
      'error: No disk found whose source path or target is vdz',
    ]);
    const second = await virsh(srv.unixUri, [
      'attach-disk',
      'hp',
      img('two'),
      'vdc',
      '--serial',
      'hpdisk2',
      '--live',
    ]);
    if (q35) {
      // define left one spare pcie-root-port; vdb took it, and root ports cannot be hot-plugged.
      expect(second.code).toBe(1);
      expect(second.stderr).toContain('no free PCI slot for disk vdc: every pcie-root-port is in use');
    } else {
      expect(second.stdout.trim()).toBe('Disk attached successfully');
      await shell.waitFor('cat /sys/block/vd*/serial 2>/dev/null', (out) => out.includes('hpdisk2'));
    }
    expect(await srv.conn.domainIsActive(await srv.conn.lookupDomainByName('hp'))).toBe(true);
  }, 60_000);

  it('detach-disk --live: the guest loses the disk, the live XML drops it, device-removed names its alias', async () => {
    const event = run(
      [
        VIRSH as string,
        '-c',
        srv.unixUri,
        'event',
        '--domain',
        'hp',
        '--event',
        'device-removed',
        '--timeout',
        '30',
      ],
      { timeoutMs: 40_000, env: { HOME: '/tmp' } },
    );
    await waitUntil(() => srv.logs.some((l) => /domain event 15 registered/.test(l)), 10_000, 'virsh event');
    const r = await virsh(srv.unixUri, ['detach-disk', 'hp', 'vdb', '--live'], { timeoutMs: 30_000 });
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe('Disk detached successfully');
    await waitUntil(() => removed.some((e) => e.devAlias === 'virtio-disk1'), 20_000, 'device-removed event');
    expect((await event).stdout).toBe(
      "event 'device-removed' for domain 'hp': virtio-disk1\nevents received: 1\n\n",
    );
    expect(await guestSerials()).not.toContain('hpdisk1');
    expect((await stat(img('one'))).uid).toBe(0); // given back
    expect((await virsh(srv.unixUri, ['dumpxml', 'hp'])).stdout).not.toContain("dev='vdb'");
  }, 60_000);

  it('attach-device and detach-device of a user-mode virtio NIC: the guest gains and loses eth0', async () => {
    const nic = join(srv.root, 'nic.xml');
    await writeFile(
      nic,
      "<interface type='user'><mac address='52:54:00:aa:bb:01'/><model type='virtio'/></interface>",
    );
    const a = await virsh(srv.unixUri, ['attach-device', 'hp', nic, '--live']);
    expect([a.stderr, a.stdout.trim()]).toEqual(['', 'Device attached successfully']);
    await shell.waitFor('ls /sys/class/net', (out) => /\beth0\b/.test(out));
    expect((await virsh(srv.unixUri, ['dumpxml', 'hp'])).stdout).toContain(
      "<mac address='52:54:00:aa:bb:01'/>",
    );
    await waitUntil(() => added.some((e) => e.devAlias === 'net0'), 5_000, 'device-added net0');
    const d = await virsh(srv.unixUri, ['detach-device', 'hp', nic, '--live'], { timeoutMs: 30_000 });
    expect([d.stderr, d.stdout.trim()]).toEqual(['', 'Device detached successfully']);
    await waitUntil(() => removed.some((e) => e.devAlias === 'net0'), 20_000, 'device-removed net0');
    await shell.waitFor('ls /sys/class/net', (out) => !/\beth0\b/.test(out));
  }, 60_000);

  it.skipIf(q35)(
    'scsi: the first SCSI disk hot-plugs its virtio-scsi controller and the guest sees sda; usb: qemu takes and drops a usb-storage disk; sata is refused',
    async () => {
      const scsi = await virsh(srv.unixUri, [
        'attach-disk',
        'hp',
        img('four'),
        'sdb',
        '--targetbus',
        'scsi',
        '--live',
      ]);
      expect([scsi.stderr, scsi.stdout.trim()]).toEqual(['', 'Disk attached successfully']);
      await shell.waitFor('ls /sys/block', (out) => /\bsda\b/.test(out));
      const live = (await virsh(srv.unixUri, ['dumpxml', 'hp'])).stdout;
      expect(live).toContain("<controller type='scsi' index='0' model='virtio-scsi'>");
      expect(live).toContain("<alias name='scsi0-0-0-1'/>");
      const gone = await virsh(srv.unixUri, ['detach-disk', 'hp', 'sdb', '--live'], { timeoutMs: 30_000 });
      expect(gone.stdout.trim()).toBe('Disk detached successfully');
      await shell.waitFor('ls /sys/block', (out) => !/\bsda\b/.test(out));
      const usb = await virsh(srv.unixUri, [
        'attach-disk',
        'hp',
        img('five'),
        'sdc',
        '--targetbus',
        'usb',
        '--live',
      ]);
      expect([usb.stderr, usb.stdout.trim()]).toEqual(['', 'Disk attached successfully']);
      expect((await virsh(srv.unixUri, ['dumpxml', 'hp'])).stdout).toContain("<target dev='sdc' bus='usb'/>");
      const unplug = await virsh(srv.unixUri, ['detach-disk', 'hp', 'sdc', '--live'], { timeoutMs: 30_000 });
      expect(unplug.stdout.trim()).toBe('Disk detached successfully');
      await waitUntil(() => removed.some((e) => e.devAlias.startsWith('usb-disk')), 10_000, 'usb removal');
      expect((await virsh(srv.unixUri, ['dumpxml', 'hp'])).stdout).not.toContain("dev='sdc'");
      const sata = await virsh(srv.unixUri, [
        'attach-disk',
        'hp',
        img('five'),
        'sdd',
        '--targetbus',
        'sata',
        '--live',
      ]);
      expect(sata.stderr).toContain("error: Operation not supported: disk bus 'sata' cannot be hotplugged.");
    },
    90_000,
  );

  it.skipIf(q35)(
    'a usb tablet and a virtio rng are hot-plugged and unplugged with their events; a ps2 input is refused',
    async () => {
      const tablet = join(srv.root, 'tablet.xml');
      await writeFile(tablet, "<input type='tablet' bus='usb'/>");
      const rng = join(srv.root, 'rng.xml');
      await writeFile(rng, "<rng model='virtio'><backend model='random'>/dev/urandom</backend></rng>");
      for (const [file, alias] of [
        [tablet, 'input2'],
        [rng, 'rng0'],
      ] as const) {
        const a = await virsh(srv.unixUri, ['attach-device', 'hp', file, '--live']);
        expect([a.stderr, a.stdout.trim()]).toEqual(['', 'Device attached successfully']);
        await waitUntil(() => added.some((e) => e.devAlias === alias), 5_000, `device-added ${alias}`);
        expect((await virsh(srv.unixUri, ['dumpxml', 'hp'])).stdout).toContain(`<alias name='${alias}'/>`);
        const d = await virsh(srv.unixUri, ['detach-device', 'hp', file, '--live'], { timeoutMs: 30_000 });
        expect([d.stderr, d.stdout.trim()]).toEqual(['', 'Device detached successfully']);
        await waitUntil(() => removed.some((e) => e.devAlias === alias), 20_000, `device-removed ${alias}`);
        expect((await virsh(srv.unixUri, ['dumpxml', 'hp'])).stdout).not.toContain(
          `<alias name='${alias}'/>`,
        );
      }
      const ps2 = join(srv.root, 'ps2.xml');
      await writeFile(ps2, "<input type='keyboard' bus='ps2'/>");
      const r = await virsh(srv.unixUri, ['attach-device', 'hp', ps2, '--live']);
      expect(r.stderr).toContain(
        "error: Operation not supported: input device on bus 'ps2' cannot be hot plugged.",
      );
    },
    90_000,
  );

  it('attach-disk --config only: dumpxml --inactive shows it, the live guest does not get it', async () => {
    const r = await virsh(srv.unixUri, [
      'attach-disk',
      'hp',
      img('three'),
      'vdd',
      '--serial',
      'hpdisk3',
      '--config',
    ]);
    expect(r.stdout.trim()).toBe('Disk attached successfully');
    expect((await virsh(srv.unixUri, ['dumpxml', 'hp', '--inactive'])).stdout).toContain(
      "<target dev='vdd' bus='virtio'/>",
    );
    expect((await virsh(srv.unixUri, ['dumpxml', 'hp'])).stdout).not.toContain("dev='vdd'");
    expect(await guestSerials()).not.toContain('hpdisk3');
    const d = await virsh(srv.unixUri, ['detach-disk', 'hp', 'vdd', '--config']);
    expect(d.stdout.trim()).toBe('Disk detached successfully');
    expect((await virsh(srv.unixUri, ['dumpxml', 'hp', '--inactive'])).stdout).not.toContain("dev='vdd'");
  }, 60_000);
});
