/**
 * Debian's virt-install 4.1 against tsvirtd over qemu+tcp, as a new user runs it: each variant the
 * tool's users start with (linux2022, win10, generic and detected guests on pc and q35; --import,
 * --cdrom, --boot kernel=, --disk size=N and --disk vol=POOL/VOL) makes a VM that starts and runs, whose
 * dumpxml defines back unchanged; what --print-xml prints, virsh defines. With tsvirtd inside a network
 * namespace, a guest on the started `default` network (asked for, or virt-install's own choice) runs
 * with its tap on the network's bridge.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, chmodSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureGuests } from '../../../scripts/guests/paths.js';
import { LINUX_READY_MARKER } from '../../../scripts/guests/markers.js';
import { run } from '../../../src/exec/index.js';
import { waitUntil } from '../../driver/helpers.js';
import { startTestServer, type TestServer } from './server-fixture.js';
import { startDaemon, stopDaemon, whyNoDist, type DaemonProcess } from '../../daemon/daemon-harness.js';
import { createNetns, probeNetnsProblem, type TestNetns } from '../../network/netns.js';
import { VIRSH, virsh } from './virsh-harness.js';

const VIRT_INSTALL = ['/usr/bin/virt-install'].find((p) => existsSync(p));
const skipReason = !VIRSH
  ? 'virsh (libvirt-clients) is not installed'
  : !VIRT_INSTALL
    ? 'virt-install (virtinst) is not installed; scripts/setup.sh test installs it'
    : undefined;
if (skipReason) console.warn(`virt-install against tsvirtd skipped: ${skipReason}`);

/** One way users run virt-install, by the name of its guest. */
interface Variant {
  name: string;
  args: string[];
  /** A line the guest prints on its serial once it has booted, when it boots an OS of ours. */
  marker?: string;
}

describe.skipIf(skipReason !== undefined)('virt-install 4.1 against tsvirtd over qemu+tcp', () => {
  // virt-install's HOME (it keeps a log there), the ISO and the XML files; the server has its own root.
  const tmp = mkdtempSync(join(tmpdir(), 'tsvirt-vi-'));
  chmodSync(tmp, 0o711); // the qemu user reads the ISO in here
  let srv: TestServer;
  let root = '';
  let uri = '';
  const sh = (...args: string[]) => virsh(uri, args, { timeoutMs: 30_000 });
  const virtInstall = (args: string[]) =>
    run([VIRT_INSTALL ?? 'virt-install', '--connect', uri, ...args], {
      timeoutMs: 120_000,
      okExitCodes: [1],
      env: { HOME: tmp },
    });

  beforeAll(async () => {
    srv = await startTestServer();
    root = srv.root;
    chmodSync(root, 0o711); // the qemu user passes through to the pool's images
    uri = srv.tcpUri;
  }, 120_000);

  afterAll(async () => {
    // A variant that failed half-way leaves its guest running: stop them all before checking.
    if (uri)
      for (const name of (await sh('list', '--name')).stdout.split('\n')) if (name) await sh('destroy', name);
    const left = await srv?.stop();
    rmSync(tmp, { recursive: true, force: true });
    expect(left).toEqual([]);
  });

  /** The common options of every run: a small TCG guest, without a network unless asked (tsvirt has none yet). */
  const base = (name: string, machine: string, defaultNetwork = false): string[] => [
    '--name',
    name,
    '--memory',
    '128',
    '--vcpus',
    '1',
    '--machine',
    machine,
    '--virt-type',
    'qemu',
    ...(defaultNetwork ? [] : ['--network', 'none']),
    '--noautoconsole',
  ];

  const variants = (): Variant[] => {
    const { linuxKernel, linuxInitrd } = guestFiles;
    const out: Variant[] = [];
    for (const machine of ['pc', 'q35']) {
      const m = (name: string) => `${name}-${machine}`;
      for (const [name, osinfo] of [
        ['lin', 'linux2022'],
        ['win', 'win10'],
        ['gen', 'generic'],
        ['det', 'detect=on,require=off'],
      ] as const) {
        out.push({
          name: m(name),
          args: [...base(m(name), machine), '--osinfo', osinfo, '--disk', 'size=0.1', '--import'],
        });
      }
      out.push({
        name: m('cd'),
        args: [...base(m('cd'), machine), '--osinfo', 'linux2022', '--disk', 'size=0.1', '--cdrom', iso],
      });
      out.push({
        name: m('kern'),
        args: [
          ...base(m('kern'), machine),
          '--osinfo',
          'linux2022',
          '--disk',
          'size=0.1',
          '--graphics',
          'none',
          '--boot',
          `kernel=${linuxKernel},initrd=${linuxInitrd},kernel_args=console=ttyS0`,
          '--import',
        ],
        marker: LINUX_READY_MARKER,
      });
      out.push({
        name: m('vol'),
        args: [
          ...base(m('vol'), machine),
          '--osinfo',
          'linux2022',
          '--disk',
          `vol=default/${m('vol')}.qcow2`,
          '--import',
        ],
      });
    }
    return out;
  };

  let guestFiles: { linuxKernel: string; linuxInitrd: string };
  const iso = join(tmp, 'install.iso');

  beforeAll(async () => {
    const g = await ensureGuests();
    guestFiles = { linuxKernel: g.linuxKernel, linuxInitrd: g.linuxInitrd };
    writeFileSync(iso, Buffer.alloc(2048 * 16)); // a cdrom image qemu opens; the guest finds nothing on it
    chmodSync(iso, 0o644);
  }, 300_000);

  /** virt-install's stderr without its advice on memory (test guests are small) and on --osinfo generic. */
  const complaints = (stderr: string): string =>
    stderr
      .split('\n')
      .filter(
        (l) =>
          !/^WARNING +(Requested memory \d+ MiB is less than the recommended|Using --osinfo generic, VM performance may suffer)/.test(
            l,
          ),
      )
      .join('\n');

  /** The qemu of a running domain, from the pid file tsvirtd keeps. */
  const qemuCmdline = (name: string): string[] => {
    const pid = Number(readFileSync(join(root, 'run', 'qemu', `${name}.pid`), 'utf8').trim());
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
  };

  it('makes each variant a VM that starts and runs, and whose dumpxml defines back unchanged', async () => {
    for (const v of variants()) {
      if (v.name.startsWith('vol-')) {
        expect(
          (await sh('vol-create-as', 'default', `${v.name}.qcow2`, '100M', '--format', 'qcow2')).code,
        ).toBe(0);
      }
      const r = await virtInstall(v.args);
      expect({ variant: v.name, code: r.exitCode, stderr: complaints(r.stderr) }).toEqual({
        variant: v.name,
        code: 0,
        stderr: '',
      });
      expect(r.stdout).toMatch(
        /Domain creation completed|Domain installation still in progress|Domain is still running/,
      );
      expect({ variant: v.name, state: (await sh('domstate', v.name)).stdout.trim() }).toEqual({
        variant: v.name,
        state: 'running',
      });
      expect(qemuCmdline(v.name)).toContain(`guest=${v.name},debug-threads=on`);
      if (v.marker) {
        const log = join(root, 'log', 'qemu', `${v.name}.serial.log`);
        await waitUntil(
          () => existsSync(log) && readFileSync(log, 'utf8').includes(v.marker ?? ''),
          120_000,
          `${v.name} to print ${v.marker}`,
        );
      }

      // dumpxml of the definition, defined again, is the same document.
      const inactive = (await sh('dumpxml', '--inactive', v.name)).stdout;
      const file = join(tmp, `${v.name}.xml`);
      writeFileSync(file, inactive);
      expect(await sh('define', file)).toMatchObject({ code: 0, stderr: '' });
      expect({ variant: v.name, xml: (await sh('dumpxml', '--inactive', v.name)).stdout }).toEqual({
        variant: v.name,
        xml: inactive,
      });
      // The live document shows the ids qemu runs with.
      expect((await sh('dumpxml', v.name)).stdout).toMatch(/<domain type='qemu' id='\d+'>/);

      expect((await sh('destroy', v.name)).code).toBe(0);
      expect((await sh('undefine', v.name)).code).toBe(0);
    }
  }, 900_000);

  it('prints XML with --print-xml that virsh defines', async () => {
    for (const machine of ['pc', 'q35']) {
      const name = `px-${machine}`;
      const r = await virtInstall([
        ...base(name, machine),
        '--osinfo',
        'win10',
        '--disk',
        'size=0.1',
        '--import',
        '--print-xml',
      ]);
      expect({ code: r.exitCode, stderr: complaints(r.stderr) }).toEqual({ code: 0, stderr: '' });
      const file = join(tmp, `${name}.print.xml`);
      writeFileSync(file, r.stdout);
      expect(await sh('define', file)).toEqual({
        code: 0,
        stdout: `Domain '${name}' defined from ${file}\n\n`,
        stderr: '',
      });
      expect((await sh('start', name)).code).toBe(0);
      expect((await sh('destroy', name)).code).toBe(0);
      expect((await sh('undefine', name)).code).toBe(0);
    }
  }, 300_000);
});

const netnsProblem = skipReason ?? whyNoDist() ?? (await probeNetnsProblem());
if (netnsProblem && !skipReason) console.warn(`virt-install on the default network skipped: ${netnsProblem}`);

/** Hermetic: tsvirtd runs inside a network namespace the test makes, where its `default` network is started. */
describe.skipIf(netnsProblem !== undefined)(
  'virt-install 4.1 on the default network, tsvirtd in a namespace',
  () => {
    let ns: TestNetns;
    let root = '';
    let daemon: DaemonProcess;
    const uri = (): string => `qemu+unix:///system?socket=${root}/run/libvirt-sock`;
    const sh = (...args: string[]) => virsh(uri(), args, { timeoutMs: 30_000 });

    beforeAll(async () => {
      ns = await createNetns();
      root = mkdtempSync(join(tmpdir(), 'tsvirt-vinet-'));
      chmodSync(root, 0o755);
      writeFileSync(join(root, 'tsvirtd.conf'), 'listen_tls = 0\nlisten_tcp = 0\n');
      daemon = await startDaemon(
        ['-f', join(root, 'tsvirtd.conf'), '--root', root],
        join(root, 'tsvirtd.log'),
        join(root, 'run', 'tsvirtd.pid'),
        ['ip', 'netns', 'exec', ns.name],
      );
    }, 60_000);

    afterAll(async () => {
      if (daemon) {
        for (const name of (await sh('list', '--name')).stdout.split('\n'))
          if (name) await sh('destroy', name);
        await sh('net-destroy', 'default');
        await stopDaemon(daemon);
      }
      await ns?.remove();
      if (root) rmSync(root, { recursive: true, force: true });
    }, 30_000);

    it.each([
      ['netdef', ['--network', 'network=default']],
      ['netimplicit', []],
    ])(
      "%s: the guest runs with a tap on the default network's bridge",
      async (name, network) => {
        expect((await sh('net-list', '--all', '--name')).stdout).toBe('default\n\n');
        if ((await sh('net-info', 'default')).stdout.match(/Active:\s+no/)) {
          expect((await sh('net-start', 'default')).stdout).toBe('Network default started\n\n');
        }
        const guests = await ensureGuests();
        const r = await run(
          [
            VIRT_INSTALL ?? 'virt-install',
            '--connect',
            uri(),
            '--name',
            name,
            '--memory',
            '128',
            '--virt-type',
            'qemu',
            '--osinfo',
            'linux2022',
            '--disk',
            'none',
            '--graphics',
            'none',
            '--boot',
            `kernel=${guests.linuxKernel},initrd=${guests.linuxInitrd},kernel_args=console=ttyS0`,
            ...network,
            '--import',
            '--noautoconsole',
          ],
          { timeoutMs: 120_000, okExitCodes: [1], env: { HOME: root } },
        );
        expect(r.exitCode, r.stderr).toBe(0);
        // Only the memory warning (128 MiB is below linux2022's recommendation), no error.
        expect(r.stderr).toMatch(/^(WARNING {2}Requested memory 128 MiB.*\n)?$/);
        expect((await sh('domstate', name)).stdout).toBe('running\n\n');
        const live = (await sh('dumpxml', name)).stdout;
        const tap =
          /<interface type='network'>\s*<mac address='52:54:00:[0-9a-f:]+'\/>\s*<source network='default'\/>\s*<target dev='(vnet\d+)'\/>/.exec(
            live,
          );
        expect(tap, live).not.toBeNull();
        const [link] = JSON.parse(await ns.ip(['-j', 'link', 'show', 'dev', tap![1]!])) as Array<{
          master?: string;
        }>;
        expect(link?.master).toBe('virbr0');
        await waitUntil(
          () =>
            readFileSync(join(root, 'log', 'qemu', `${name}.serial.log`), 'latin1').includes(
              LINUX_READY_MARKER,
            ),
          60_000,
          `${name} to boot`,
        );
        expect((await sh('destroy', name)).code).toBe(0);
      },
      180_000,
    );
  },
);
