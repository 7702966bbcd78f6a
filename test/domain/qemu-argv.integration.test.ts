import { describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { run, spawnDetached } from '../../src/exec/index.js';
import {
  assignLiveIdentities,
  buildQemuArgv,
  parseDomainXml,
  type QemuRuntimePaths,
} from '../../src/domain/index.js';
import { buildDomainXml } from './fixtures.js';
import { hasQemu, isAlive, QEMU, useQemuRun } from './qemu-run.js';

const hasKvm = existsSync('/dev/kvm');
if (!hasQemu)
  console.warn('skipping qemu argv integration tests: qemu-system-x86_64 or qemu-img is not installed');
if (!hasKvm) console.warn('skipping the KVM argv integration test: /dev/kvm is absent');

async function waitFor(check: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (check()) return true;
    await sleep(20);
  }
  return check();
}

/** The first line qemu writes on its QMP socket. */
async function readQmpGreeting(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const sock = connect(path);
    let buf = '';
    sock.setTimeout(5_000, () => sock.destroy(new Error('no QMP greeting within 5 s')));
    sock.on('data', (chunk) => {
      buf += chunk.toString('utf8');
      if (buf.includes('\n')) {
        sock.destroy();
        resolve(buf.slice(0, buf.indexOf('\n')));
      }
    });
    sock.on('error', reject);
  });
}

describe('buildQemuArgv against the real qemu-system-x86_64', () => {
  const q = useQemuRun('tsvirt-domain-');

  function runtimePaths(): QemuRuntimePaths {
    return {
      qmpSocket: join(q.dir, 'g.qmp'),
      serialLog: join(q.dir, 'g.serial.log'),
      vncSocket: join(q.dir, 'g.vnc'),
    };
  }

  async function startAndCheck(argv: string[], paths: QemuRuntimePaths): Promise<void> {
    const log = join(q.dir, 'qemu.log');
    q.child = await spawnDetached(argv, { logFile: log });
    const pid = q.child.pid;
    const up = await waitFor(() => existsSync(paths.qmpSocket), 10_000);
    expect(
      up,
      `qemu did not create its QMP socket: ${existsSync(log) ? readFileSync(log, 'utf8') : ''}`,
    ).toBe(true);
    expect(await readQmpGreeting(paths.qmpSocket)).toMatch(/^\{"QMP": \{"version"/);
    await sleep(1_000);
    expect(isAlive(pid), readFileSync(log, 'utf8')).toBe(true);
    expect(existsSync(paths.serialLog), 'qemu opens the log of its pty serial').toBe(true);
  }

  it.skipIf(!hasQemu)(
    'starts paused under TCG with raw disks on every bus, a user NIC, serials and VNC',
    async () => {
      // One image per disk: qemu takes a write lock on each image it opens read-write.
      const [vda, hdb, sdc] = ['vda.img', 'hdb.img', 'sdc.iso'].map((f) => join(q.dir, f)) as [
        string,
        string,
        string,
      ];
      for (const img of [vda, hdb, sdc]) {
        await run(['qemu-img', 'create', '-f', 'raw', img, '1M'], { timeoutMs: 30_000 });
      }
      const xml = buildDomainXml({
        top: "<vcpu>2</vcpu><features><acpi/><apic/></features><clock offset='utc'/><cpu mode='host-model'/>",
        os: "<type arch='x86_64' machine='pc'>hvm</type><boot dev='hd'/><boot dev='network'/>",
        devices: `
        <disk type='file'><driver name='qemu' type='raw'/><source file='${vda}'/><target dev='vda' bus='virtio'/></disk>
        <disk type='file'><source file='${hdb}'/><target dev='hdb' bus='ide'/></disk>
        <disk type='file' device='cdrom'><source file='${sdc}'/><target dev='sdc' bus='sata'/></disk>
        <disk type='file' device='cdrom'><target dev='hdc' bus='ide'/></disk>
        <interface type='user'><model type='e1000'/></interface>
        <interface type='user'><model type='virtio'/><rom enabled='no'/></interface>
        <serial type='pty'/>
        <serial type='file'><source path='${join(q.dir, 'com2.log')}'/></serial>
        <graphics type='vnc'><listen type='socket'/></graphics>`,
      });
      const paths = runtimePaths();
      const argv = buildQemuArgv(
        parseDomainXml(xml),
        { qemuBinary: QEMU, kvm: { usable: false, reason: 'not asked' } },
        paths,
      );
      expect(argv).toContain('tcg');
      await startAndCheck(argv, paths);
      expect(existsSync(paths.vncSocket as string)).toBe(true);
    },
  );

  it.skipIf(!hasQemu || !hasKvm)(
    'starts paused under KVM for the boot-sector shape: one raw IDE disk, no NIC',
    async () => {
      const img = join(q.dir, 'boot.img');
      await run(['qemu-img', 'create', '-f', 'raw', img, '512'], { timeoutMs: 30_000 });
      const xml = buildDomainXml({
        type: 'kvm',
        top: '<features><acpi/></features>',
        devices: `<disk type='file'><source file='${img}'/><target dev='hda' bus='ide'/></disk><serial type='pty'/>`,
      });
      const paths = runtimePaths();
      const argv = buildQemuArgv(
        parseDomainXml(xml),
        { qemuBinary: QEMU, kvm: { usable: true, reason: '/dev/kvm' } },
        paths,
      );
      expect(argv).toContain('kvm');
      await startAndCheck(argv, paths);
    },
  );

  it.skipIf(!hasQemu).each(['pc', 'q35'])(
    'starts paused on %s with every device at the address define gave it (bus and addr on each -device, root ports on q35)',
    async (machine) => {
      const [vda, vdb, sdc] = ['vda.img', 'vdb.img', 'sdc.iso'].map((f) => join(q.dir, f)) as [
        string,
        string,
        string,
      ];
      for (const img of [vda, vdb, sdc]) {
        await run(['qemu-img', 'create', '-f', 'raw', img, '1M'], { timeoutMs: 30_000 });
      }
      const xml = buildDomainXml({
        os: `<type arch='x86_64' machine='${machine}'>hvm</type>`,
        devices: `
        <disk type='file'><source file='${vda}'/><target dev='vda' bus='virtio'/></disk>
        <disk type='file'><source file='${vdb}'/><target dev='vdb' bus='virtio'/>
          <address type='pci' domain='0x0000' bus='0x00' slot='0x09' function='0x0' multifunction='on'/></disk>
        <disk type='file' device='cdrom'><source file='${sdc}'/><target dev='sdc' bus='sata'/></disk>
        <interface type='user'><model type='e1000'/><rom enabled='no'/>
          <address type='pci' domain='0x0000' bus='0x00' slot='0x09' function='0x1'/></interface>
        <interface type='user'><rom enabled='no'/></interface>
        <serial type='pty'/>
        <graphics type='vnc'><listen type='socket'/></graphics>`,
      });
      const paths = runtimePaths();
      const config = assignLiveIdentities(parseDomainXml(xml));
      const argv = buildQemuArgv(
        config,
        { qemuBinary: QEMU, kvm: { usable: false, reason: 'not asked' } },
        paths,
      );
      const bus = machine === 'q35' ? 'pcie.0' : 'pci.0';
      expect(argv).toContain(
        `{"driver":"VGA","id":"video0","vgamem_mb":16,"bus":"${bus}","addr":"${machine === 'q35' ? '0x1' : '0x2'}"}`,
      );
      // pc: VGA, the PIIX3 UHCI, AHCI, both virtio disks, both NICs and the balloon on pci.0. q35: VGA,
      // the e1000, vdb (given slot 9) and five root ports on pcie.0; vda, the virtio NIC, the qemu-xhci
      // and the balloon behind ports.
      expect(argv.filter((a) => a.includes(`"bus":"${bus}"`))).toHaveLength(8);
      expect(argv.filter((a) => /"bus":"pci\.[1-9]"/.test(a))).toHaveLength(machine === 'q35' ? 4 : 0);
      await startAndCheck(argv, paths);
    },
  );
});
