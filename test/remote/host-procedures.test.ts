/**
 * The host procedures virsh and virt-install call, through the real virsh against a real tsvirtd:
 * domcapabilities, cpu-models, sysinfo, nodecpustats, nodememstats, freecell and the empty lists.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CommandFailedError, run } from '../../src/exec/index.js';
import { cleanupRoot } from '../driver/helpers.js';
import {
  findFreePort,
  makeDaemonRoot,
  startDaemon,
  stopDaemon,
  whyNoDist,
  type DaemonProcess,
} from '../daemon/daemon-harness.js';

const why =
  whyNoDist() ??
  (existsSync('/usr/bin/virsh') ? undefined : 'virsh (libvirt-clients) is not installed') ??
  (existsSync('/usr/bin/qemu-system-x86_64') ? undefined : 'qemu-system-x86_64 is not installed');
if (why) console.warn(`host procedure tests skipped: ${why}`);

let daemon: DaemonProcess | undefined;
let root = '';
let uri = '';

beforeAll(async () => {
  if (why) return;
  const port = await findFreePort();
  const made = await makeDaemonRoot(
    `listen_tls = 0\nlisten_tcp = 1\nlisten_addr = "127.0.0.1"\ntcp_port = "${port}"\nauth_tcp = "none"\n`,
  );
  root = made.root;
  uri = `qemu+tcp://127.0.0.1:${port}/system`;
  const args = ['-f', made.confPath, '--listen', '--root', root];
  daemon = await startDaemon(args, join(root, 'tsvirtd.log'), join(root, 'run', 'tsvirtd.pid'));
}, 30_000);

afterAll(async () => {
  if (daemon) await stopDaemon(daemon);
  if (root) expect(await cleanupRoot(root, [])).toEqual([]);
});

async function virsh(...args: string[]): Promise<string> {
  return (await run(['virsh', '-c', uri, ...args], { timeoutMs: 60_000 })).stdout;
}

async function virshError(...args: string[]): Promise<string> {
  const err = await run(['virsh', '-c', uri, ...args], { timeoutMs: 60_000 }).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(CommandFailedError);
  return (err as CommandFailedError).stderr;
}

async function qemuMachineAliases(): Promise<Map<string, string>> {
  const { stdout } = await run(['qemu-system-x86_64', '-machine', 'help']);
  const aliases = new Map<string, string>();
  for (const m of stdout.matchAll(/^(\S+)\s+.*\(alias of (\S+)\)/gm)) aliases.set(m[1]!, m[2]!);
  return aliases;
}

function meminfoKiB(text: string, key: string): number {
  return Number(new RegExp(`^${key}:\\s+(\\d+)`, 'm').exec(text)?.[1]);
}

describe.skipIf(why !== undefined)('host procedures through virsh', () => {
  it("domcapabilities names the canonical machine of pc and q35, the vCPU limit and qemu's CPU models", async () => {
    const aliases = await qemuMachineAliases();
    const pc = await virsh('domcapabilities', '--virttype', 'qemu');
    expect(pc).toMatch(/^<domainCapabilities>\n {2}<path>\/usr\/bin\/qemu-system-x86_64<\/path>/);
    expect(pc).toContain('<domain>qemu</domain>');
    expect(pc).toContain(`<machine>${aliases.get('pc')}</machine>`);
    expect(pc).toContain("<vcpu max='255'/>");
    expect(pc).toContain("<mode name='host-passthrough' supported='no'/>");
    expect(pc).toMatch(/<model usable='yes' vendor='unknown'>qemu64<\/model>/);
    expect(pc).toContain('<value>ide</value>');
    const q35 = await virsh('domcapabilities', '--virttype', 'qemu', '--machine', 'q35');
    expect(q35).toContain(`<machine>${aliases.get('q35')}</machine>`);
    expect(q35).toContain("<vcpu max='288'/>");
    expect(q35).not.toContain('<value>ide</value>');
  });

  it('domcapabilities refuses an unknown machine and an arch qemu-system-x86_64 does not serve', async () => {
    expect(await virshError('domcapabilities', '--virttype', 'qemu', '--machine', 'nosuch')).toContain(
      "the machine 'nosuch' is not supported by emulator '/usr/bin/qemu-system-x86_64'",
    );
    expect(await virshError('domcapabilities', '--arch', 'aarch64')).toContain(
      "unable to find any emulator to serve 'aarch64' architecture",
    );
  });

  it('cpu-models lists the models qemu -cpu help names, without versioned ones', async () => {
    const models = (await virsh('cpu-models', 'x86_64')).split('\n').filter((l) => l !== '');
    const { stdout } = await run(['qemu-system-x86_64', '-cpu', 'help']);
    const qemuNames = new Set([...stdout.matchAll(/^x86 (\S+)/gm)].map((m) => m[1]));
    expect(models).toContain('qemu64');
    expect(models.length).toBeGreaterThan(20);
    for (const m of models) expect(qemuNames.has(m)).toBe(true);
    expect(models.some((m) => /-v\d+$/.test(m))).toBe(false);
  });

  it('capabilities name a host CPU model that qemu accepts and the machines with their aliases', async () => {
    const caps = await virsh('capabilities');
    const model = /<cpu>\n\s+<arch>x86_64<\/arch>\n\s+<model>([^<]+)<\/model>/.exec(caps)?.[1];
    const models = await virsh('cpu-models', 'x86_64');
    expect(models.split('\n')).toContain(model);
    const aliases = await qemuMachineAliases();
    expect(caps).toContain(`<machine canonical='${aliases.get('pc')}' maxCpus='255'>pc</machine>`);
    expect(caps).toContain(`<machine canonical='${aliases.get('q35')}' maxCpus='288'>q35</machine>`);
  });

  it("sysinfo gives the SMBIOS tables where the kernel has them, else libvirt's error", async () => {
    if (existsSync('/sys/class/dmi/id/sys_vendor')) {
      const vendor = (await readFile('/sys/class/dmi/id/sys_vendor', 'utf8')).trim();
      expect(await virsh('sysinfo')).toContain(`<entry name='manufacturer'>${vendor}</entry>`);
    } else {
      expect(await virshError('sysinfo')).toContain('Host SMBIOS information is not available');
    }
  });

  it('nodecpustats and nodememstats give /proc/stat times in ns and /proc/meminfo sizes', async () => {
    const stat = await readFile('/proc/stat', 'utf8');
    const idleTicks = Number(stat.split('\n')[0]!.trim().split(/\s+/)[4]);
    const cpu = await virsh('nodecpustats');
    const idleNs = Number(/idle:\s+(\d+)/.exec(cpu)?.[1]);
    expect(idleNs).toBeGreaterThanOrEqual(idleTicks * 1e7);
    expect(idleNs).toBeLessThan((idleTicks + 100 * 60) * 1e7);
    expect(cpu).toMatch(/user:\s+\d+\nsystem:\s+\d+\nidle:\s+\d+\niowait:\s+\d+/);
    expect(await virsh('nodecpustats', '0')).toMatch(/idle:\s+\d+/);
    expect(await virshError('nodecpustats', '4096')).toContain('Invalid cpuNum');
    const mem = await virsh('nodememstats');
    const meminfo = await readFile('/proc/meminfo', 'utf8');
    expect(Number(/total\s*:\s+(\d+) KiB/.exec(mem)?.[1])).toBe(meminfoKiB(meminfo, 'MemTotal'));
    expect(mem).toMatch(/free\s*:\s+\d+ KiB\nbuffers:\s+\d+ KiB\ncached\s*:\s+\d+ KiB/);
  });

  it('freecell gives the free memory of the host, and --all each cell the capabilities list', async () => {
    const total = Number(/Total:\s+(\d+) KiB/.exec(await virsh('freecell'))?.[1]);
    const free = meminfoKiB(await readFile('/proc/meminfo', 'utf8'), 'MemFree');
    expect(Math.abs(total - free)).toBeLessThan(free / 10);
    const all = await virsh('freecell', '--all');
    expect(all).toMatch(/^\s+0: +\d+ KiB\n/);
    const allTotal = Number(/Total:\s+(\d+) KiB/.exec(all)?.[1]);
    expect(Math.abs(allTotal - free)).toBeLessThan(free / 10);
  });

  it('secret-list, nodedev-list and iface-list are empty', async () => {
    expect(await virsh('secret-list')).toBe(' UUID   Usage\n---------------\n\n');
    expect(await virsh('nodedev-list')).toBe('\n');
    expect(await virsh('iface-list', '--all')).toBe(
      ' Name   State   MAC Address\n-----------------------------\n\n',
    );
  });
});
