import { describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { run, spawnDetached } from '../../src/exec/index.js';
import { QmpClient } from '../../src/qmp/index.js';
import {
  assignDeviceAddresses,
  assignLiveIdentities,
  buildQemuArgv,
  parseDomainXml,
} from '../../src/domain/index.js';
import { buildDomainXml } from './fixtures.js';
import { hasQemu, isAlive, QEMU, useQemuRun } from './qemu-run.js';

if (!hasQemu) console.warn('skipping bus device qemu tests: qemu-system-x86_64 or qemu-img is not installed');

/** One QMP command on a fresh connection (greeting and capabilities first), then the connection closes. */
async function askQmp(
  path: string,
  command: { execute: string; arguments?: Record<string, unknown> },
): Promise<unknown> {
  const qmp = await QmpClient.connect(path);
  try {
    return await qmp.execute(command.execute, command.arguments);
  } finally {
    qmp.close();
  }
}

describe('bus devices against the real qemu-system-x86_64 (TCG)', () => {
  const q = useQemuRun('tsvirt-bus-');

  async function start(machine: string, devices: string): Promise<string> {
    const os = `<type arch='x86_64' machine='${machine}'>hvm</type>`;
    const config = assignLiveIdentities(
      assignDeviceAddresses(parseDomainXml(buildDomainXml({ os, devices }))),
    );
    const paths = {
      qmpSocket: join(q.dir, 'm.sock'),
      serialLog: join(q.dir, 's.log'),
    };
    const argv = buildQemuArgv(
      config,
      { qemuBinary: QEMU, kvm: { usable: false, reason: 'TCG test' } },
      paths,
    );
    const log = join(q.dir, 'qemu.log');
    q.child = await spawnDetached(argv, { logFile: log });
    const deadline = Date.now() + 10_000;
    while (!existsSync(paths.qmpSocket) && Date.now() < deadline) await sleep(20);
    expect(existsSync(paths.qmpSocket), existsSync(log) ? readFileSync(log, 'utf8') : 'no log').toBe(true);
    await sleep(500);
    expect(isAlive(q.child.pid), readFileSync(log, 'utf8')).toBe(true);
    return paths.qmpSocket;
  }

  async function image(name: string): Promise<string> {
    const path = join(q.dir, name);
    await run(['qemu-img', 'create', '-f', 'raw', path, '1M'], { timeoutMs: 30_000 });
    return path;
  }

  it.skipIf(!hasQemu)(
    'starts on pc with the PIIX3 UHCI, a usb tablet, a guest-agent channel, a virtio-scsi and a usb disk, and a virtio keyboard',
    async () => {
      const [a, b] = [await image('a.img'), await image('b.img')];
      const qmp = await start(
        'pc',
        `<disk type='file'><source file='${a}'/><target dev='sda' bus='scsi'/></disk>
         <disk type='file'><source file='${b}'/><target dev='sdb' bus='usb'/></disk>
         <channel type='unix'><target type='virtio' name='org.qemu.guest_agent.0'/></channel>
         <input type='tablet' bus='usb'/><input type='keyboard' bus='virtio'/>`,
      );
      expect(existsSync(join(q.dir, 'org.qemu.guest_agent.0'))).toBe(true);
      // The virtio-scsi controller is on 00:02.0, where define put it.
      const pci = (await askQmp(qmp, { execute: 'query-pci' })) as Array<{
        devices: Array<{ slot: number; function: number; qdev_id: string }>;
      }>;
      const ids = pci[0]?.devices.map((d) => `${d.qdev_id}@${d.slot}.${d.function}`);
      expect(ids).toContain('scsi0@2.0');
      expect(ids).toContain('usb@1.2');
      expect(ids).toContain('virtio-serial0@3.0');
    },
  );

  it.skipIf(!hasQemu)('starts on pc with ICH9 EHCI and its UHCI companions sharing one slot', async () => {
    const qmp = await start(
      'pc',
      `<controller type='usb' model='ich9-ehci1'/>
       <controller type='usb' model='ich9-uhci1'><master startport='0'/></controller>
       <controller type='usb' model='ich9-uhci2'><master startport='2'/></controller>
       <controller type='usb' model='ich9-uhci3'><master startport='4'/></controller>
       <input type='tablet' bus='usb'/><input type='mouse' bus='usb'/>`,
    );
    const list = (await askQmp(qmp, {
      execute: 'qom-list',
      arguments: { path: '/machine/peripheral' },
    })) as Array<{
      name: string;
    }>;
    expect(list.map((p) => p.name).sort()).toEqual(expect.arrayContaining(['usb', 'input0', 'input1']));
  });

  it.skipIf(!hasQemu)('starts on q35 with qemu-xhci behind a root port and a usb keyboard', async () => {
    const qmp = await start(
      'q35',
      `<controller type='usb' model='qemu-xhci' ports='15'/><input type='keyboard' bus='usb'/>`,
    );
    const path = (await askQmp(qmp, {
      execute: 'qom-get',
      arguments: { path: '/machine/peripheral/usb', property: 'parent_bus' },
    })) as string;
    expect(path).toContain('pci.1');
  });
});
