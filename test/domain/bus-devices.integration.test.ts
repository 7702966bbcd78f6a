import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { run, spawnDetached, type DetachedChild } from '../../src/exec/index.js';
import {
  assignDeviceAddresses,
  assignLiveIdentities,
  buildQemuArgv,
  parseDomainXml,
} from '../../src/domain/index.js';
import { buildDomainXml } from './fixtures.js';

const QEMU = '/usr/bin/qemu-system-x86_64';
const hasQemu = existsSync(QEMU) && existsSync('/usr/bin/qemu-img');
if (!hasQemu) console.warn('skipping bus device qemu tests: qemu-system-x86_64 or qemu-img is not installed');

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Send QMP commands after the greeting and capabilities; resolve with the last answer's return value. */
async function askQmp(path: string, command: Record<string, unknown>): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const sock = connect(path);
    let buf = '';
    let step = 0;
    sock.setTimeout(10_000, () => sock.destroy(new Error('QMP did not answer within 10 s')));
    sock.on('data', (chunk) => {
      buf += chunk.toString('utf8');
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const msg = JSON.parse(buf.slice(0, nl)) as Record<string, unknown>;
        buf = buf.slice(nl + 1);
        if ('event' in msg) continue;
        if (step === 0) sock.write('{"execute":"qmp_capabilities"}\n');
        else if (step === 1) sock.write(`${JSON.stringify(command)}\n`);
        else {
          sock.destroy();
          if ('error' in msg) reject(new Error(JSON.stringify(msg.error)));
          else resolve(msg.return);
        }
        step++;
      }
    });
    sock.on('error', reject);
  });
}

describe('bus devices against the real qemu-system-x86_64 (TCG)', () => {
  let dir: string;
  let child: DetachedChild | undefined;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'tsvirt-bus-'));
  });

  afterEach(async () => {
    if (child) {
      const { pid, exited } = child;
      child = undefined;
      if (isAlive(pid)) process.kill(pid, 'SIGKILL');
      await exited;
      expect(isAlive(pid)).toBe(false);
    }
    rmSync(dir, { recursive: true, force: true });
  });

  async function start(machine: string, devices: string): Promise<string> {
    const os = `<type arch='x86_64' machine='${machine}'>hvm</type>`;
    const config = assignLiveIdentities(
      assignDeviceAddresses(parseDomainXml(buildDomainXml({ os, devices }))),
    );
    const paths = {
      qmpSocket: join(dir, 'm.sock'),
      consoleSocket: join(dir, 'c.sock'),
      serialLog: join(dir, 's.log'),
    };
    const argv = buildQemuArgv(
      config,
      { qemuBinary: QEMU, kvm: { usable: false, reason: 'TCG test' } },
      paths,
    );
    const log = join(dir, 'qemu.log');
    child = await spawnDetached(argv, { logFile: log });
    const deadline = Date.now() + 10_000;
    while (!existsSync(paths.qmpSocket) && Date.now() < deadline) await sleep(20);
    expect(existsSync(paths.qmpSocket), existsSync(log) ? readFileSync(log, 'utf8') : 'no log').toBe(true);
    await sleep(500);
    expect(isAlive(child.pid), readFileSync(log, 'utf8')).toBe(true);
    return paths.qmpSocket;
  }

  async function image(name: string): Promise<string> {
    const path = join(dir, name);
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
      expect(existsSync(join(dir, 'org.qemu.guest_agent.0'))).toBe(true);
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
