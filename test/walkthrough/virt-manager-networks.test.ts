/**
 * virt-manager 4.1's Connection Details > Virtual Networks against tsvirtd, under Xvfb, driven through
 * the accessibility bus (fixtures/vmm-ui.py). Hermetic: tsvirtd runs inside a network namespace the
 * test makes (so the bridge, nftables table and dnsmasq it starts stay there) and virt-manager reaches
 * it on its unix socket. The tab lists the `default` network and starts it; the screenshot is kept.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureGuests } from '../../scripts/guests/paths.js';
import { run } from '../../src/exec/index.js';
import { startDaemon, stopDaemon, whyNoDist, type DaemonProcess } from '../daemon/daemon-harness.js';
import { buildBootSectorXml } from '../driver/helpers.js';
import { createNetns, probeNetnsProblem, type TestNetns } from '../network/netns.js';
import { startDesktop, type Desktop } from './desktop.js';
import { useArtifactDir } from './artifacts.js';

const PYTHON = '/usr/bin/python3';
const DRIVER = fileURLToPath(new URL('./fixtures/vmm-ui.py', import.meta.url));
const missing = ['/usr/bin/Xvfb', '/usr/bin/virt-manager', '/usr/bin/dbus-daemon', '/usr/sbin/dnsmasq'].find(
  (p) => !existsSync(p),
);
const skipReason =
  whyNoDist() ??
  (await probeNetnsProblem()) ??
  (missing ? `${missing} is not installed; scripts/setup.sh test installs it` : undefined) ??
  (existsSync('/usr/lib/python3/dist-packages/dogtail')
    ? undefined
    : 'dogtail (python3-dogtail) is not installed; scripts/setup.sh test installs it');
if (skipReason) console.warn(`virt-manager's Virtual Networks tab skipped: ${skipReason}`);

describe.skipIf(skipReason !== undefined)("virt-manager 4.1's Virtual Networks tab against tsvirtd", () => {
  const out = useArtifactDir('tsvirt-vmmnet-', 0o755);
  const root = join(out, 'root');
  const shots = join(out, 'screenshots');
  let ns: TestNetns;
  let daemon: DaemonProcess | undefined;
  let desktop: Desktop | undefined;
  const uri = `qemu+unix:///system?socket=${root}/run/libvirt-sock`;
  const virsh = async (...args: string[]): Promise<string> =>
    (await run(['virsh', '-c', uri, ...args], { timeoutMs: 30_000 })).stdout;

  beforeAll(async () => {
    console.log(`virt-manager networks: screenshots and logs in ${out}`);
    mkdirSync(shots);
    mkdirSync(root, { mode: 0o755 });
    ns = await createNetns();
    writeFileSync(join(out, 'tsvirtd.conf'), 'listen_tls = 0\nlisten_tcp = 0\n');
    daemon = await startDaemon(
      ['-f', join(out, 'tsvirtd.conf'), '--root', root],
      join(out, 'tsvirtd.log'),
      join(root, 'run', 'tsvirtd.pid'),
      ['ip', 'netns', 'exec', ns.name],
    );
    // virt-manager's list shows a connection's VMs: one defined VM tells the test the connection is up.
    const image = (await ensureGuests()).bootSectorImage;
    writeFileSync(join(out, 'n1.xml'), buildBootSectorXml('n1', image));
    await virsh('define', join(out, 'n1.xml'));
    desktop = await startDesktop(join(out, 'desktop'));
    await desktop.startVirtManager('virt-manager.log');
  }, 120_000);

  afterAll(async () => {
    const left = (await desktop?.stop()) ?? [];
    if (daemon) {
      await virsh('net-destroy', 'default').catch(() => undefined);
      await stopDaemon(daemon);
    }
    await ns?.remove();
    expect(left).toEqual([]);
  }, 60_000);

  it('lists the default network, starts it, and tsvirtd builds its bridge', async () => {
    expect(await virsh('net-list', '--all', '--name')).toBe('default\n\n');
    const r = await run(
      [PYTHON, DRIVER, 'start-network', join(shots, 'networks.png'), uri, 'n1', 'default'],
      { env: desktop?.env ?? {}, timeoutMs: 180_000 },
    );
    const seen = JSON.parse(r.stdout.trim().split('\n').pop() ?? '{}') as Record<string, unknown>;
    expect(seen).toMatchObject({
      errors: [],
      networks: ['default'],
      before: ['Inactive'],
      after: ['Active'],
    });
    expect(seen['exception']).toBeUndefined();
    expect(await virsh('net-info', 'default')).toMatch(/Active:\s+yes/);
    expect(await ns.ip(['-o', 'link', 'show', 'virbr0'])).toContain('virbr0');
    expect(existsSync(join(shots, 'networks.png'))).toBe(true);
  }, 240_000);
});
