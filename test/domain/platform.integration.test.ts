import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { run, spawnDetached } from '../../src/exec/index.js';
import { QmpClient } from '../../src/qmp/index.js';
import { assignDeviceAddresses, buildQemuArgv, parseDomainXml } from '../../src/domain/index.js';
import { buildDomainXml } from './fixtures.js';
import { hasQemu, isAlive, QEMU, useQemuRun } from './qemu-run.js';

if (!hasQemu) console.warn('skipping the platform argv integration test: qemu or qemu-img is not installed');

/**
 * Hyper-V enlightenments qemu accepts under TCG: vpindex needs KVM ("kernel doesn't allow setting HyperV
 * VP_INDEX"), and synic and stimer build on it, so those three are checked in argv tests only.
 */
const TCG_HYPERV = ['relaxed', 'vapic', 'runtime', 'reset', 'frequencies', 'tlbflush', 'ipi'];

describe('domain-level options against the real qemu-system-x86_64 (TCG)', () => {
  const q = useQemuRun('tsvirt-platform-');

  it.skipIf(!hasQemu)(
    'starts Q35 with hyperv, timers, pm, vmport, a cpu topology, disk driver options, every NIC model and custom argv',
    async () => {
      const disk = join(q.dir, 'sda.qcow2');
      await run(['qemu-img', 'create', '-f', 'qcow2', disk, '1M'], { timeoutMs: 30_000 });
      const nics = ['virtio', 'e1000', 'e1000e', 'rtl8139']
        .map((m) => `<interface type='user'><model type='${m}'/><rom enabled='no'/></interface>`)
        .join('');
      const xml = buildDomainXml({
        top: `<metadata><app:x xmlns:app='urn:app'/></metadata><vcpu>2</vcpu>
          <features><acpi/><apic/><pae/><hyperv mode='custom'>${TCG_HYPERV.map((f) => `<${f} state='on'/>`).join('')}<spinlocks state='on' retries='8191'/></hyperv><kvm><hidden state='on'/></kvm><vmport state='off'/></features>
          <cpu mode='custom' match='exact'><model fallback='forbid'>qemu64</model><topology sockets='1' dies='1' cores='2' threads='1'/><feature policy='require' name='pdpe1gb'/><feature policy='disable' name='svm'/></cpu>
          <clock offset='localtime'><timer name='rtc' tickpolicy='catchup'/><timer name='pit' tickpolicy='delay'/><timer name='hpet' present='no'/><timer name='hypervclock' present='yes'/><timer name='kvmclock' present='no'/><timer name='tsc' frequency='2000000000'/></clock>
          <on_reboot>destroy</on_reboot>
          <pm><suspend-to-mem enabled='no'/><suspend-to-disk enabled='no'/></pm>
          <qemu:commandline><qemu:arg value='-msg'/><qemu:arg value='timestamp=on'/></qemu:commandline>`,
        os: "<type arch='x86_64' machine='q35'>hvm</type>",
        devices: `<disk type='file' device='disk'><driver name='qemu' type='qcow2' cache='none' io='native' discard='unmap' detect_zeroes='unmap'/><source file='${disk}'/><target dev='sda' bus='sata'/><serial>TSV-1</serial><boot order='1'/></disk>
          <disk type='file' device='cdrom'><driver name='qemu' type='raw'/><target dev='sdb' bus='sata'/></disk>${nics}`,
      }).replace(
        "<domain type='qemu'>",
        "<domain type='qemu' xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0'>",
      );
      const qmpSocket = join(q.dir, 'g.qmp');
      const paths = {
        qmpSocket,
        serialLog: join(q.dir, 'g.serial'),
      };
      const config = assignDeviceAddresses(parseDomainXml(xml));
      const argv = buildQemuArgv(
        config,
        { qemuBinary: QEMU, kvm: { usable: false, reason: 'not asked' } },
        paths,
      );
      expect(argv).toContain('-no-hpet');
      const log = join(q.dir, 'qemu.log');
      q.child = await spawnDetached(argv, { logFile: log });
      const qmp = await QmpClient.connect(qmpSocket, { connectTimeoutMs: 10_000, greetingTimeoutMs: 10_000 });
      try {
        const nodes = (await qmp.execute('query-named-block-nodes')) as Array<Record<string, unknown>>;
        const format = nodes.find((n) => n['node-name'] === 'libvirt-1-format');
        expect(format).toMatchObject({
          detect_zeroes: 'unmap',
          cache: { direct: true, 'no-flush': false, writeback: true },
        });
        const vmport = await qmp.execute('qom-get', { path: '/machine', property: 'vmport' });
        expect(vmport).toBe('off');
        // The LPC bridge is an unattached device; find it by its type.
        let lpc: string | undefined;
        for (let i = 0; i < 16 && lpc === undefined; i++) {
          const path = `/machine/unattached/device[${i}]`;
          const type = await qmp.execute('qom-get', { path, property: 'type' }).catch(() => undefined);
          if (type === 'ICH9-LPC') lpc = path;
        }
        expect(lpc).toBeDefined();
        const s3 = await qmp.execute('qom-get', { path: lpc as string, property: 'disable_s3' });
        expect(s3).toBe(1);
      } finally {
        qmp.close();
      }
      await sleep(500);
      expect(isAlive(q.child.pid), readFileSync(log, 'utf8')).toBe(true);
      expect(readFileSync(log, 'utf8')).not.toMatch(/warning/i);
    },
    60_000,
  );
});
