/**
 * Test helper: tsvirtd (built dist/) run inside a test network namespace on a root of its own, reached
 * by virsh over the root's unix socket, the Linux guests it runs, and the afterAll that takes it all down.
 */
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { LINUX_DHCP_PREFIX } from '../../scripts/guests/init-script.js';
import { ensureGuests, LINUX_READY_MARKER } from '../../scripts/guests/paths.js';
import { run } from '../../src/exec/index.js';
import { startDaemon, stopDaemon, whyNoDist, type DaemonProcess } from '../daemon/daemon-harness.js';
import { buildLinuxXml, findProcessesUnder, waitForText } from '../driver/helpers.js';
import { probeNetnsProblem, type TestNetns } from './netns.js';

/** The tools the namespace tests run, unless a test names its own. */
const TOOLS = ['virsh', 'dnsmasq', 'nft', 'qemu-system-x86_64'];

/**
 * Why tsvirtd cannot be tested inside a namespace here: dist/ not built, no namespaces, or the first of
 * `tools` that is not installed; undefined when it can.
 */
export async function probeNetnsDaemonProblem(tools: readonly string[] = TOOLS): Promise<string | undefined> {
  const problem = whyNoDist() ?? (await probeNetnsProblem());
  if (problem) return problem;
  for (const tool of tools) {
    if (!(await run(['sh', '-c', `command -v ${tool}`]).catch(() => undefined)))
      return `${tool} is not installed (scripts/setup.sh installs it)`;
  }
  return undefined;
}

/**
 * A new temp root (mode 0755, so that the unprivileged qemu reaches it) with a tsvirtd.conf that listens
 * on the root's unix socket only.
 */
export async function makeNetnsRoot(prefix: string): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), prefix));
  await chmod(root, 0o755);
  await writeFile(join(root, 'tsvirtd.conf'), 'listen_tls = 0\nlisten_tcp = 0\n', { mode: 0o644 });
  return root;
}

/** Starts tsvirtd on `root` (made by makeNetnsRoot) inside `ns`; resolves once it serves. */
export function startNetnsDaemon(ns: TestNetns, root: string): Promise<DaemonProcess> {
  return startDaemon(
    ['-f', join(root, 'tsvirtd.conf'), '--root', root],
    join(root, 'tsvirtd.log'),
    join(root, 'run', 'tsvirtd.pid'),
    ['ip', 'netns', 'exec', ns.name],
  );
}

/** qemu+unix:///system on the socket of the tsvirtd serving `root`. */
export function buildNetnsUri(root: string): string {
  return `qemu+unix:///system?socket=${root}/run/libvirt-sock`;
}

/**
 * Waits until the Linux guest `name` of `root` has booted (within `bootTimeoutMs`) and its shell prompts
 * on the serial console; returns the serial log's path.
 */
export async function waitForGuestPrompt(root: string, name: string, bootTimeoutMs: number): Promise<string> {
  const serialLog = join(root, 'log', 'qemu', `${name}.serial.log`);
  await waitForText(serialLog, LINUX_READY_MARKER, bootTimeoutMs);
  await waitForText(serialLog, '/ # ', 30_000);
  return serialLog;
}

/**
 * Defines and starts the Linux guest `name` on the tsvirtd of `root` with a shell on its console and one
 * virtio NIC with `mac` on `network`, whose lease it takes with udhcpc (hostname `name`).
 */
export async function startDhcpGuest(
  root: string,
  name: string,
  mac: string,
  network: string,
): Promise<void> {
  const nic = `<interface type='network'><mac address='${mac}'/><source network='${network}'/><model type='virtio'/><rom enabled='no'/></interface>`;
  const xml = buildLinuxXml(name, await ensureGuests(), {
    append: `tsvirt.shell=1 tsvirt.dhcp=1 tsvirt.hostname=${name}`,
    devices: nic,
  });
  await writeFile(join(root, `${name}.xml`), xml);
  const virsh = (...args: string[]) =>
    run(['virsh', '-c', buildNetnsUri(root), ...args], { timeoutMs: 60_000 });
  await virsh('define', join(root, `${name}.xml`));
  await virsh('start', name);
}

/** Waits (up to `timeoutMs`) until the guest's serial log says udhcpc bound eth0, and returns the address. */
export async function waitForBoundAddress(serialLog: string, timeoutMs: number): Promise<string> {
  await waitForText(serialLog, `${LINUX_DHCP_PREFIX} bound eth0 `, timeoutMs);
  const text = await readFile(serialLog, 'latin1');
  const m = new RegExp(`${LINUX_DHCP_PREFIX} bound eth0 (\\d+\\.\\d+\\.\\d+\\.\\d+)`).exec(text);
  if (!m) throw new Error(`no bound address in ${serialLog}`);
  return m[1] as string;
}

/** What a namespace test's afterAll takes down: any part may be missing when its beforeAll failed early. */
export interface NetnsTeardown {
  ns?: TestNetns;
  root?: string;
  daemon?: DaemonProcess;
  /** Guests destroyed through virsh before the daemon stops. */
  domains?: readonly string[];
  /** Networks destroyed through virsh before the daemon stops. */
  networks?: readonly string[];
}

/**
 * Destroys the guests and networks, stops tsvirtd, removes the namespace, checks that no process of
 * the root is left and removes the root.
 */
export async function stopNetnsDaemon(t: NetnsTeardown): Promise<void> {
  if (t.daemon && t.root) {
    const virsh = (...args: string[]) =>
      run(['virsh', '-c', buildNetnsUri(t.root as string), ...args], { timeoutMs: 60_000 });
    for (const name of t.domains ?? []) await virsh('destroy', name).catch(() => undefined);
    for (const name of t.networks ?? []) await virsh('net-destroy', name).catch(() => undefined);
    await stopDaemon(t.daemon);
  }
  await t.ns?.remove();
  if (t.root) {
    expect(await findProcessesUnder(t.root)).toEqual([]);
    await rm(t.root, { recursive: true, force: true });
  }
}
