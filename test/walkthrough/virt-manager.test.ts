/**
 * The walk-through (shared/WALKTHROUGH.md) done in Debian's virt-manager 4.1 against tsvirtd over
 * qemu+tcp, under Xvfb, driven through the accessibility bus (dogtail, test/walkthrough/fixtures/vmm-ui.py):
 * add the host by address, start kvm1, add an 8 GiB disk from the default pool, add newlv from the logical
 * pool HostVG, edit the description of the running VM, and see the guest's screen in the VNC console.
 * Each step leaves a screenshot in the output folder the test prints.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureGuests, LINUX_READY_MARKER } from '../../scripts/guests/paths.js';
import { EmbeddedConnection } from '../../src/embedded/embedded-connection.js';
import { run } from '../../src/exec/index.js';
import { RpcServer } from '../../src/remote/server/index.js';
import { hasDeviceMapper } from '../../src/storage/backend.js';
import { findProcessesUnder, waitForText, waitUntil } from '../driver/helpers.js';
import { startDesktop, type Desktop } from './desktop.js';
import { useArtifactDir } from './artifacts.js';

const PYTHON = '/usr/bin/python3';
const DRIVER = fileURLToPath(new URL('./fixtures/vmm-ui.py', import.meta.url));
const hasDogtail = (): boolean =>
  existsSync('/usr/lib/python3/dist-packages/dogtail') &&
  existsSync('/usr/lib/python3/dist-packages/pyatspi');
const skipReason =
  process.getuid?.() !== 0
    ? 'needs root (a network namespace, a loop device and a volume group)'
    : !existsSync('/usr/bin/Xvfb')
      ? 'Xvfb (xvfb) is not installed; scripts/setup.sh test installs it'
      : !existsSync('/usr/bin/virt-manager')
        ? 'virt-manager is not installed; scripts/setup.sh test installs it'
        : !hasDogtail()
          ? 'dogtail (python3-dogtail, python3-pyatspi) is not installed; scripts/setup.sh test installs it'
          : !existsSync('/usr/bin/dbus-daemon')
            ? 'dbus-daemon is not installed; scripts/setup.sh test installs it'
            : undefined;
if (skipReason) console.warn(`virt-manager walk-through skipped: ${skipReason}`);

/** What one UI action saw (see vmm-ui.py), with the error dialogs virt-manager showed meanwhile. */
interface UiResult {
  errors: { title: string; text: string }[];
  exception?: string;
  [key: string]: unknown;
}

const VNC_PASSWORD = 'walk-1';
const DESCRIPTION = 'kvm1, the first VM of the walk-through';

describe.skipIf(skipReason !== undefined)(
  'the walk-through in virt-manager 4.1, against tsvirtd over qemu+tcp',
  () => {
    const out = useArtifactDir('tsvirt-vmm-', 0o711); // the qemu user passes through to the root below
    const root = join(out, 'root');
    const shots = join(out, 'screenshots');
    const vg = `tsvirtvmm_${randomBytes(4).toString('hex')}`;
    const lvmEnv = { LVM_SYSTEM_DIR: join(out, 'lvm'), LVM_SUPPRESS_FD_WARNINGS: '1' };
    const vmmLog = join(out, 'virt-manager.log');
    let withDm = false;
    let loop = '';
    let conn: EmbeddedConnection;
    let rpc: RpcServer;
    let listener: Server | undefined;
    const sockets = new Set<Socket>();
    let desktop: Desktop | undefined;
    let uri = '';
    let serial: Duplex | undefined;
    let consoleText = '';

    /** Runs one UI action; its screenshot is SHOTS/NAME.png. */
    const ui = async (action: string, shot: string, ...args: string[]): Promise<UiResult> => {
      const r = await run([PYTHON, DRIVER, action, join(shots, `${shot}.png`), ...args], {
        env: desktop?.env ?? {},
        timeoutMs: 180_000,
      });
      const last = r.stdout.trim().split('\n').pop() ?? '';
      return JSON.parse(last) as UiResult;
    };
    const liveXml = async () => conn.domainGetXMLDesc(await conn.lookupDomainByName('kvm1'));
    const configXml = async () => conn.domainGetXMLDesc(await conn.lookupDomainByName('kvm1'), 2); // INACTIVE
    /** Types a command into the guest's shell on its serial console and returns what it printed until `until`. */
    const shell = async (command: string, until: RegExp, timeoutMs = 20_000): Promise<string> => {
      const from = consoleText.length;
      serial?.write(`${command}\n`);
      await waitUntil(() => until.test(consoleText.slice(from)), timeoutMs, `${until} on kvm1's console`);
      return consoleText.slice(from);
    };

    beforeAll(async () => {
      console.log(`virt-manager walk-through: screenshots and logs in ${out}`);
      mkdirSync(shots);
      const guests = await ensureGuests();
      withDm = await hasDeviceMapper();
      // A volume group HostVG's pool lives on, on a loop device the tools alone see. Without device-mapper
      // (HOST-FACTS) LVs exist in the metadata only: activation is off, and attaching one must fail clearly.
      await run(['truncate', '-s', '256M', join(out, 'vg.img')]);
      loop = (await run(['losetup', '-f', '--show', join(out, 'vg.img')])).stdout.trim();
      mkdirSync(lvmEnv.LVM_SYSTEM_DIR);
      writeFileSync(
        join(lvmEnv.LVM_SYSTEM_DIR, 'lvm.conf'),
        `global {\n  activation = ${withDm ? 1 : 0}\n}\ndevices {\n  filter = [ "a|^${loop}$|", "r|.*|" ]\n}\n`,
      );
      desktop = await startDesktop(out);
      conn = await EmbeddedConnection.open({ root, lvmEnv, storageLoad: 'open' });
      chmodSync(root, 0o711);
      rpc = new RpcServer(conn, {
        log: (level, msg) => writeFileSync(join(out, 'tsvirtd.log'), `${level}: ${msg}\n`, { flag: 'a' }),
      });
      listener = createServer((sock) => {
        sockets.add(sock);
        sock.on('close', () => sockets.delete(sock));
        rpc.handleSocket(sock, { readOnly: false, transport: 'tcp', peer: sock.remoteAddress });
      });
      const host = desktop.hostAddress;
      await new Promise<void>((resolve) => listener?.listen(0, host, resolve));
      uri = `qemu+tcp://${host}:${(listener.address() as { port: number }).port}/system`;

      // kvm1: the Linux test guest with a shell on its serial console, and a VNC screen on the address
      // virt-manager reaches (an address other than loopback needs a password).
      await conn.domainDefineXML(`<domain type='qemu'>
  <name>kvm1</name>
  <memory unit='MiB'>256</memory>
  <vcpu>1</vcpu>
  <os>
    <type arch='x86_64' machine='pc'>hvm</type>
    <kernel>${guests.linuxKernel}</kernel>
    <initrd>${guests.linuxInitrd}</initrd>
    <cmdline>console=ttyS0 tsvirt.shell=1</cmdline>
  </os>
  <features><acpi/></features>
  <devices>
    <serial type='pty'><target port='0'/></serial>
    <graphics type='vnc' autoport='yes' passwd='${VNC_PASSWORD}'><listen type='address' address='${host}'/></graphics>
  </devices>
</domain>`);
      const pool = await conn.storagePoolDefineXML(`<pool type='logical'>
  <name>HostVG</name>
  <source><device path='${loop}'/><name>${vg}</name><format type='lvm2'/></source>
  <target><path>/dev/${vg}</path></target>
</pool>`);
      await conn.storagePoolBuild(pool);
      await conn.storagePoolCreate(pool);

      await desktop.startVirtManager('virt-manager.log'); // vmmLog
      await waitForText(vmmLog, 'window counter incremented to 1', 60_000);
    }, 180_000);

    afterAll(async () => {
      serial?.destroy();
      if (conn) {
        const kvm1 = await conn.lookupDomainByName('kvm1').catch(() => undefined);
        if (kvm1) await conn.domainDestroy(kvm1).catch(() => undefined);
      }
      const left = (await desktop?.stop()) ?? [];
      await rpc?.close();
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => (listener ? listener.close(resolve) : resolve(undefined)));
      await conn?.close();
      const qemu = await findProcessesUnder(root);
      for (const pid of qemu) process.kill(pid, 'SIGKILL');
      if (loop) {
        await run(['vgremove', '-f', vg], { env: lvmEnv }).catch(() => undefined);
        await run(['pvremove', '-y', loop], { env: lvmEnv }).catch(() => undefined);
        await run(['losetup', '-d', loop]);
      }
      // The screenshots and logs stay for a look; the root and the VG's backing file go.
      rmSync(root, { recursive: true, force: true });
      rmSync(join(out, 'vg.img'), { force: true });
      expect({ desktop: left, qemu }).toEqual({ desktop: [], qemu: [] });
    }, 60_000);

    it('adds the host by its address (File > Add Connection, custom URI), lists kvm1 and starts it', async () => {
      const added = await ui('add-connection', '1a-connection-added', uri, 'kvm1');
      expect(added).toMatchObject({ errors: [], rows: ['kvm1\nShutoff'] });
      expect(added.connections).toEqual([`QEMU/KVM: ${desktop?.hostAddress}`]);
      const started = await ui('start', '1b-kvm1-running', 'kvm1');
      expect(started).toMatchObject({ errors: [], rows: ['kvm1\nRunning'] });
      expect(await conn.domainGetState(await conn.lookupDomainByName('kvm1'))).toMatchObject({ state: 1 });
      // The guest's shell, for the steps that ask the guest what it sees.
      await waitForText(join(root, 'log', 'qemu', 'kvm1.serial.log'), LINUX_READY_MARKER, 60_000);
      serial = await conn.domainOpenConsole(await conn.lookupDomainByName('kvm1'));
      serial.on('data', (chunk: Buffer) => (consoleText += chunk.toString('latin1')));
      await shell('echo ready-$((6*7))', /ready-42/);
    }, 180_000);

    it('adds an 8 GiB disk made in the default pool: kvm1.img, in the XML, seen by the running guest', async () => {
      const r = await ui('add-new-disk', '2-disk-added', 'kvm1', '8', 'VirtIO');
      const img = join(root, 'images', 'kvm1.img');
      expect(existsSync(img) ? statSync(img).size : 'absent').toBe(8589934592);
      expect(r).toMatchObject({ errors: [] });
      expect(r.exception).toBeUndefined();
      const disk = new RegExp(
        `<disk type='file' device='disk'>[^]*?<source file='${img}'[^]*?<target dev='vda' bus='virtio'/>`,
      );
      expect(await liveXml()).toMatch(disk);
      expect(await configXml()).toMatch(disk);
      // 8 GiB in 512-byte sectors.
      expect(await shell('cat /sys/block/vda/size', /\d+\r?\n/)).toMatch(/\n16777216\r?\n/);
    }, 240_000);

    it('creates newlv (100 MiB) in HostVG from Add Hardware and attaches it, or says device-mapper is missing', async () => {
      const r = await ui('add-pool-volume', '3-newlv', 'kvm1', 'HostVG', 'newlv', '100', 'VirtIO');
      const lvs = await run(['lvs', '--reportformat', 'json', '--units', 'b', '-o', 'lv_name,lv_size', vg], {
        env: lvmEnv,
      });
      expect(JSON.parse(lvs.stdout).report[0].lv).toEqual([{ lv_name: 'newlv', lv_size: '104857600B' }]);
      expect(r.exception).toBeUndefined();
      const lvDisk = new RegExp(`<source dev='/dev/${vg}/newlv'/>`);
      if (withDm) {
        expect(r).toMatchObject({ errors: [] });
        expect(await liveXml()).toMatch(lvDisk);
        expect(await configXml()).toMatch(lvDisk);
      } else {
        expect(r.errors.map((e) => e.text).join('\n')).toContain('the kernel has no device-mapper');
        expect(await liveXml()).not.toMatch(lvDisk);
      }
    }, 240_000);

    it('edits the description of the running VM (Details > Overview); the live and config XML show it', async () => {
      const r = await ui('set-description', '4-description', 'kvm1', DESCRIPTION);
      expect(r).toMatchObject({ errors: [], description: DESCRIPTION });
      expect(await liveXml()).toContain(`<description>${DESCRIPTION}</description>`);
      expect(await configXml()).toContain(`<description>${DESCRIPTION}</description>`);
    }, 120_000);

    it("opens the graphical console (VNC, with the VM's password) and shows the guest's screen", async () => {
      const r = await ui('open-console', '5-console', 'kvm1', VNC_PASSWORD);
      expect(r).toMatchObject({ errors: [] });
      expect(r.exception).toBeUndefined();
      expect(readFileSync(vmmLog, 'utf8')).toMatch(/Viewer connected cb/);
      // SeaBIOS's lines, white on black: far more lit pixels than an empty (black) viewer has.
      expect(r.litPixels).toBeGreaterThan(500);
    }, 120_000);
  },
);
