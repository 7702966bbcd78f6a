/**
 * virt-manager 4.1's Save (managed save) and its Snapshots window against tsvirtd, under Xvfb, driven
 * through the accessibility bus (fixtures/vmm-ui.py). The Linux test guest with a qcow2 disk prints a
 * counter on its serial console each tenth of a second, so "resumed, not rebooted" and "went back to the
 * snapshot" are read off the console log. virsh on the same socket checks what virt-manager shows.
 * Each step leaves a screenshot in the output folder the test prints.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureGuests, LINUX_READY_MARKER } from '../../scripts/guests/paths.js';
import { run } from '../../src/exec/index.js';
import { findQemuBinary } from '../../src/kvm/index.js';
import { buildLinuxXml, buildQcow2VdaXml, waitForText, waitUntil } from '../driver/helpers.js';
import { startTestServer, type TestServer } from '../remote/server/server-fixture.js';
import { VIRSH, virsh } from '../remote/server/virsh-harness.js';
import { COUNTER, parseTicks, typeLine as typeInto } from '../remote/server/counter-guest.js';
import { startDesktop, type Desktop } from './desktop.js';
import { useArtifactDir } from './artifacts.js';

const PYTHON = '/usr/bin/python3';
const DRIVER = fileURLToPath(new URL('./fixtures/vmm-ui.py', import.meta.url));
const missing = ['/usr/bin/Xvfb', '/usr/bin/virt-manager', '/usr/bin/dbus-daemon'].find(
  (p) => !existsSync(p),
);
const skipReason =
  process.getuid?.() !== 0
    ? 'needs root (a network namespace for virt-manager)'
    : missing
      ? `${missing} is not installed; scripts/setup.sh test installs it`
      : !existsSync('/usr/lib/python3/dist-packages/dogtail')
        ? 'dogtail (python3-dogtail) is not installed; scripts/setup.sh test installs it'
        : !VIRSH
          ? 'virsh is not installed'
          : findQemuBinary() === undefined
            ? 'qemu-system-x86_64 is not installed'
            : undefined;
if (skipReason) console.warn(`virt-manager's Save and Snapshots skipped: ${skipReason}`);

/** What one UI action saw (see vmm-ui.py), with the error dialogs virt-manager showed meanwhile. */
interface UiResult {
  errors: { title: string; text: string }[];
  exception?: string;
  [key: string]: unknown;
}

describe.skipIf(skipReason !== undefined)(
  "virt-manager 4.1's Save and Snapshots window against tsvirtd",
  () => {
    const out = useArtifactDir('tsvirt-vmmsnap-', 0o755);
    const shots = join(out, 'screenshots');
    let srv: TestServer | undefined;
    let desktop: Desktop | undefined;
    let serialLog = '';
    const v = async (...args: string[]) => virsh(srv?.unixUri ?? '', args, { timeoutMs: 60_000 });
    const readLog = (): Promise<string> => readFile(serialLog, 'latin1');
    const lastTick = async (): Promise<number> => parseTicks(await readLog()).at(-1) ?? -1;
    const boots = async (): Promise<number> => (await readLog()).split(LINUX_READY_MARKER).length - 1;

    const ui = async (action: string, shot: string, ...args: string[]): Promise<UiResult> => {
      const r = await run([PYTHON, DRIVER, action, join(shots, `${shot}.png`), ...args], {
        env: desktop?.env ?? {},
        timeoutMs: 240_000,
      });
      return JSON.parse(r.stdout.trim().split('\n').pop() ?? '{}') as UiResult;
    };

    /** Types a line into the guest's shell and waits for its echo. */
    async function typeLine(line: string): Promise<void> {
      if (!srv) throw new Error('no server');
      await typeInto(srv.conn, 'vs', serialLog, line);
    }

    beforeAll(async () => {
      console.log(`virt-manager Save and Snapshots: screenshots and logs in ${out}`);
      mkdirSync(shots);
      const guests = await ensureGuests();
      srv = await startTestServer();
      serialLog = join(srv.root, 'log', 'qemu', 'vs.serial.log');
      const disk = join(srv.root, 'vs.qcow2');
      await run(['qemu-img', 'create', '-q', '-f', 'qcow2', disk, '64M']);
      const devices = buildQcow2VdaXml(disk);
      await writeFile(
        join(srv.root, 'vs.xml'),
        buildLinuxXml('vs', guests, { append: 'tsvirt.shell=1', devices }),
      );
      expect((await v('define', join(srv.root, 'vs.xml'))).code).toBe(0);
      expect((await v('start', 'vs')).code).toBe(0);
      await waitForText(serialLog, '/ # ', 90_000);
      await typeLine(COUNTER);
      await waitUntil(async () => (await lastTick()) >= 5, 30_000, 'the counter to reach 5');
      desktop = await startDesktop(join(out, 'desktop'));
      await desktop.startVirtManager('virt-manager.log');
      await waitForText(join(out, 'desktop', 'virt-manager.log'), 'window counter incremented to 1', 60_000);
      const added = await ui('add-connection', '0-connected', srv.unixUri, 'vs');
      expect(added).toMatchObject({ errors: [], rows: ['vs\nRunning'] });
    }, 240_000);

    afterAll(async () => {
      const left = (await desktop?.stop()) ?? [];
      if (srv) {
        await srv.conn.domainDestroy(await srv.conn.lookupDomainByName('vs')).catch(() => undefined);
        expect(await srv.stop()).toEqual([]);
      }
      expect(left).toEqual([]);
    }, 60_000);

    it('Virtual Machine > Shut Down > Save: the VM shows Saved, virsh agrees; Run resumes it without a reboot', async () => {
      const saved = await ui('save', '1a-saved', 'vs');
      expect(saved.exception).toBeUndefined();
      expect(saved).toMatchObject({ errors: [], rows: ['vs\nSaved'] });
      expect((await v('list', '--all', '--managed-save')).stdout).toMatch(/ -\s+vs\s+saved\n/);
      expect((await v('dominfo', 'vs')).stdout).toMatch(/Managed save: +yes\n/);
      const atSave = await lastTick();
      const bootsBefore = await boots();
      const started = await ui('run', '1b-resumed', 'vs');
      expect(started.exception).toBeUndefined();
      // A VM with a managed save image offers Restore where Run was.
      expect(started).toMatchObject({ errors: [], item: 'Restore', rows: ['vs\nRunning'] });
      expect((await v('domstate', '--reason', 'vs')).stdout).toBe('running (restored)\n\n');
      expect((await v('dominfo', 'vs')).stdout).toMatch(/Managed save: +no\n/);
      await waitUntil(async () => (await lastTick()) >= atSave + 10, 30_000, 'ticks after Run');
      // The counter goes on from where it stopped, and the guest did not boot again.
      const ticks = parseTicks(await readLog());
      const resumed = ticks.slice(ticks.lastIndexOf(atSave));
      expect(resumed.every((t, i) => i === 0 || t === (resumed[i - 1] as number) + 1)).toBe(true);
      expect(await boots()).toBe(bootsBefore);
    }, 300_000);

    it('Snapshots window: + makes a snapshot that is listed, reverting goes back to it, delete removes it', async () => {
      const created = await ui('snapshot-create', '2a-created', 'vs', 'vmm1');
      expect(created.exception).toBeUndefined();
      expect(created).toMatchObject({ errors: [], snapshots: ['vmm1'] });
      expect((await v('snapshot-list', 'vs', '--name')).stdout).toBe('vmm1\n\n');
      expect((await v('snapshot-info', 'vs', 'vmm1')).stdout).toMatch(/State: +running\n/);
      const atSnapshot = await lastTick();
      await waitUntil(async () => (await lastTick()) >= atSnapshot + 30, 30_000, 'thirty ticks after vmm1');
      const mark = (await readLog()).length;
      const reverted = await ui('snapshot-revert', '2b-reverted', 'vs', 'vmm1');
      expect(reverted.exception).toBeUndefined();
      expect(reverted).toMatchObject({ errors: [], snapshots: ['vmm1'], rows: ['vs\nRunning'] });
      expect(reverted.confirm).toContain("Are you sure you want to run the snapshot 'vmm1'?");
      expect((await v('domstate', '--reason', 'vs')).stdout).toBe('running (from snapshot)\n\n');
      await waitUntil(
        async () => parseTicks((await readLog()).slice(mark)).length >= 5,
        30_000,
        'ticks after revert',
      );
      // Among the ticks printed after the revert, the counter went back to about where vmm1 was taken.
      const after = parseTicks((await readLog()).slice(mark));
      expect(Math.min(...after)).toBeLessThanOrEqual(atSnapshot + 3);
      const deleted = await ui('snapshot-delete', '2c-deleted', 'vs', 'vmm1');
      expect(deleted.exception).toBeUndefined();
      expect(deleted).toMatchObject({ errors: [], snapshots: [] });
      expect((await v('snapshot-list', 'vs', '--name')).stdout).toBe('\n');
    }, 400_000);
  },
);
