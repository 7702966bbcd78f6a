/**
 * cdrom media changed and ejected with `virsh change-media`, `virsh event` printing device events,
 * detach-device-alias, and libvirt's refusals that depend on the domain (live on a shut-off domain,
 * config on a transient one, a disk file another running domain writes), against the RPC server with
 * boot-sector guests (TCG).
 */
import { copyFile, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureGuests } from '../../../scripts/guests/paths.js';
import { findQemuBinary } from '../../../src/kvm/index.js';
import { run } from '../../../src/exec/index.js';
import { buildBootSectorXml, waitUntil } from '../../driver/helpers.js';
import { startTestServer, type TestServer } from './server-fixture.js';
import { VIRSH, virsh } from './virsh-harness.js';

const usable = findQemuBinary() !== undefined && VIRSH !== undefined;
if (!usable)
  console.warn('skipping virsh media and device-event tests: qemu-system-x86_64 or virsh is absent');

const CDROM = `
    <disk type='file' device='cdrom'>
      <driver name='qemu' type='raw'/>
      <target dev='hdc' bus='ide'/>
      <readonly/>
    </disk>
  </devices>`;

describe.skipIf(!usable)(
  'virsh change-media, event and detach-device-alias; refusals by domain state',
  () => {
    let srv: TestServer;
    const file = (name: string): string => join(srv.root, name);

    beforeAll(async () => {
      const guests = await ensureGuests();
      srv = await startTestServer();
      // Each guest boots its own copy: qemu locks a writable image.
      const image = async (name: string): Promise<string> => {
        await copyFile(guests.bootSectorImage, file(name));
        return file(name);
      };
      const withCdrom = buildBootSectorXml('bs1', await image('bs1.img')).replace('</devices>', CDROM);
      await srv.conn.domainCreate(await srv.conn.domainDefineXML(withCdrom));
      await srv.conn.domainCreateXML(buildBootSectorXml('transient', await image('transient.img')));
      await srv.conn.domainDefineXML(buildBootSectorXml('off', await image('off.img')));
      for (const name of ['a.iso', 'b.iso', 'shared.img', 'd.img']) {
        await writeFile(file(name), '');
        await truncate(file(name), 4 << 20);
      }
    }, 120_000);

    afterAll(async () => {
      if (!srv) return;
      for (const name of ['bs1', 'transient']) {
        await srv.conn.domainDestroy(await srv.conn.lookupDomainByName(name)).catch(() => undefined);
      }
      expect(await srv.stop()).toEqual([]);
    }, 30_000);

    it('inserts, changes and ejects the media of a running cdrom, live and in the config', async () => {
      const insert = await virsh(srv.unixUri, [
        'change-media',
        'bs1',
        'hdc',
        file('a.iso'),
        '--insert',
        '--live',
      ]);
      expect([insert.stderr, insert.stdout.trim()]).toEqual(['', 'Successfully inserted media.']);
      expect((await virsh(srv.unixUri, ['dumpxml', 'bs1'])).stdout).toContain(
        `<source file='${file('a.iso')}' index=`,
      );
      const update = await virsh(srv.unixUri, [
        'change-media',
        'bs1',
        'hdc',
        file('b.iso'),
        '--update',
        '--live',
      ]);
      expect([update.stderr, update.stdout.trim()]).toEqual(['', 'Successfully updated media.']);
      const live = (await virsh(srv.unixUri, ['dumpxml', 'bs1'])).stdout;
      expect(live).toContain(`<source file='${file('b.iso')}'`);
      expect(live).not.toContain('a.iso');
      const eject = await virsh(srv.unixUri, ['change-media', 'bs1', 'hdc', '--eject', '--live']);
      expect([eject.stderr, eject.stdout.trim()]).toEqual(['', 'Successfully ejected media.']);
      expect((await virsh(srv.unixUri, ['dumpxml', 'bs1'])).stdout).not.toContain('b.iso');
      const cfg = await virsh(srv.unixUri, [
        'change-media',
        'bs1',
        'hdc',
        file('a.iso'),
        '--insert',
        '--config',
      ]);
      expect(cfg.stdout.trim()).toBe('Successfully inserted media.');
      expect((await virsh(srv.unixUri, ['dumpxml', 'bs1', '--inactive'])).stdout).toContain(
        `<source file='${file('a.iso')}'/>`,
      );
      expect((await virsh(srv.unixUri, ['dumpxml', 'bs1'])).stdout).not.toContain('a.iso');
    }, 60_000);

    it('prints device-added from `virsh event`; a detach the guest ignores returns after 5 s with the removal in progress', async () => {
      const wait = (event: string): Promise<{ stdout: string }> =>
        run(
          [
            VIRSH as string,
            '-c',
            srv.unixUri,
            'event',
            '--domain',
            'bs1',
            '--event',
            event,
            '--timeout',
            '20',
          ],
          {
            timeoutMs: 30_000,
            env: { HOME: '/tmp' },
          },
        );
      const registered = (n: number): boolean =>
        srv.logs.filter((l) => /domain event 19 registered/.test(l)).length >= n;
      const addedOut = wait('device-added');
      await waitUntil(() => registered(1), 10_000, 'virsh event registration');
      const a = await virsh(srv.unixUri, ['attach-disk', 'bs1', file('d.img'), 'vdb', '--live']);
      expect(a.stdout.trim()).toBe('Disk attached successfully');
      expect((await addedOut).stdout).toBe(
        "event 'device-added' for domain 'bs1': virtio-disk1\nevents received: 1\n\n",
      );
      // A boot-sector guest never answers the ACPI unplug request: as libvirt, the call returns after
      // 5 s with the removal in progress, the device still in the live XML and no device-removed yet.
      const d = await virsh(srv.unixUri, ['detach-device-alias', 'bs1', 'virtio-disk1', '--live'], {
        timeoutMs: 30_000,
      });
      expect([d.stderr, d.stdout.trim()]).toEqual(['', 'Device detach request sent successfully']);
      expect((await virsh(srv.unixUri, ['dumpxml', 'bs1'])).stdout).toContain("<alias name='virtio-disk1'/>");
      expect(
        srv.logs.some((l) => l.includes('virtio-disk1 not removed within 5000 ms; removal continues')),
      ).toBe(true);
    }, 60_000);

    it('refuses live changes of a shut-off domain and config changes of a transient one', async () => {
      const live = await virsh(srv.unixUri, ['attach-disk', 'off', file('d.img'), 'vdb', '--live']);
      expect([live.code, live.stderr.trim()]).toEqual([
        1,
        'error: Failed to attach disk\nerror: Requested operation is not valid: domain is not running',
      ]);
      const cfg = await virsh(srv.unixUri, ['attach-disk', 'transient', file('d.img'), 'vdb', '--config']);
      expect(cfg.stderr.trim()).toBe(
        'error: Failed to attach disk\nerror: Requested operation is not valid: transient domains do not have any persistent config',
      );
      const current = await virsh(srv.unixUri, ['attach-disk', 'off', file('d.img'), 'vdb']);
      expect(current.stdout.trim()).toBe('Disk attached successfully');
      expect((await virsh(srv.unixUri, ['dumpxml', 'off'])).stdout).toContain(
        "<target dev='vdb' bus='virtio'/>",
      );
    }, 60_000);

    it('refuses a writable disk file that another running domain has attached', async () => {
      const first = await virsh(srv.unixUri, [
        'attach-disk',
        'transient',
        file('shared.img'),
        'vdb',
        '--live',
      ]);
      expect(first.stdout.trim()).toBe('Disk attached successfully');
      const second = await virsh(srv.unixUri, ['attach-disk', 'bs1', file('shared.img'), 'vdc', '--live']);
      expect(second.code).toBe(1);
      expect(second.stderr).toContain(`${file('shared.img')} is in use by running domain 'transient'`);
    }, 60_000);

    it('attaches a pool volume live and in the config; while attached the volume cannot be deleted', async () => {
      const pool = join(srv.root, 'pool');
      await virsh(srv.unixUri, ['pool-define-as', 'p', 'dir', '--target', pool]);
      await virsh(srv.unixUri, ['pool-build', 'p']);
      expect((await virsh(srv.unixUri, ['pool-start', 'p'])).code).toBe(0);
      expect((await virsh(srv.unixUri, ['vol-create-as', 'p', 'v1', '4M', '--format', 'raw'])).code).toBe(0);
      const xml = join(srv.root, 'vol-disk.xml');
      await writeFile(
        xml,
        "<disk type='volume' device='disk'><driver name='qemu' type='raw'/><source pool='p' volume='v1'/><target dev='vde' bus='virtio'/></disk>",
      );
      const a = await virsh(srv.unixUri, ['attach-device', 'bs1', xml, '--live', '--config']);
      expect([a.stderr, a.stdout.trim()]).toEqual(['', 'Device attached successfully']);
      expect((await virsh(srv.unixUri, ['dumpxml', 'bs1'])).stdout).toContain("<source pool='p' volume='v1'");
      const inactive = (await virsh(srv.unixUri, ['dumpxml', 'bs1', '--inactive'])).stdout;
      expect(inactive).toContain("<source pool='p' volume='v1'/>");
      const del = await virsh(srv.unixUri, ['vol-delete', 'v1', '--pool', 'p']);
      expect(del.code).toBe(1);
      expect(del.stderr).toContain("is in use by running domain 'bs1'");
      const ro = join(srv.root, 'vde-ro.xml');
      await writeFile(
        ro,
        "<disk type='volume'><source pool='p' volume='v1'/><target dev='vde' bus='virtio'/><readonly/></disk>",
      );
      const field = await virsh(srv.unixUri, ['update-device', 'bs1', ro, '--live']);
      expect(field.stderr.trim()).toBe(
        `error: Failed to update device from ${ro}\nerror: Operation not supported: cannot modify field 'readonly' of the disk`,
      );
      const moved = join(srv.root, 'vde-moved.xml');
      await writeFile(
        moved,
        `<disk type='file'><source file='${file('a.iso')}'/><target dev='vde' bus='virtio'/></disk>`,
      );
      const source = await virsh(srv.unixUri, ['update-device', 'bs1', moved, '--live']);
      expect(source.stderr).toContain(
        'error: Operation not supported: disk source can be changed only in removable drives',
      );
      // A bridge NIC gets a tap on its bridge; one that does not exist is refused by name, nothing made.
      const bridge = await virsh(srv.unixUri, ['attach-interface', 'bs1', 'bridge', 'tsvnobr0', '--live']);
      expect(bridge.code).toBe(1);
      expect(bridge.stderr).toContain(
        "bridge 'tsvnobr0' does not exist; create it or name another <source bridge>",
      );
      // libvirtd 9.0's words for the misses (compared side by side with it).
      const alias = await virsh(srv.unixUri, ['detach-device-alias', 'bs1', 'nosuch', '--live']);
      expect(alias.stderr.trim()).toBe(
        'error: Failed to detach device with alias nosuch\nerror: internal error: no device found with alias nosuch',
      );
      const nic = join(srv.root, 'nic.xml');
      await writeFile(nic, "<interface type='user'><mac address='52:54:00:aa:bb:09'/></interface>");
      const missing = await virsh(srv.unixUri, ['detach-device', 'bs1', nic, '--config']);
      expect(missing.stderr.trim()).toBe(
        `error: Failed to detach device from ${nic}\nerror: device not found: no device found at address '(<null>)' matching MAC address '52:54:00:aa:bb:09' and alias '(<null>)'`,
      );
    }, 60_000);
  },
);
