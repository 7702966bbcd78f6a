import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import type { CommandContext } from '../../src/cli/command.js';
import { hostValidateCommand } from '../../src/cli/commands/host-validate.js';
import { commands } from '../../src/cli/commands/index.js';
import { CommandFailedError, run } from '../../src/exec/index.js';
import { findQemuBinary, type HostReport } from '../../src/kvm/index.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const kvmFixture = (name: string): string => join(root, 'test/kvm/fixtures', name);
const cli = join(root, 'dist/tsvirt.mjs');
const hasCli = existsSync(cli);
const hasKvm = existsSync('/dev/kvm');
const hasQemu = findQemuBinary() !== undefined;
const hasSetpriv = existsSync('/usr/bin/setpriv');
const isRoot = process.getuid?.() === 0;
if (!hasCli) console.warn(`skipping the built-CLI tests: ${cli} is absent; run npm run build`);
if (!hasKvm || !hasQemu)
  console.warn('skipping real host-validate tests: /dev/kvm or qemu-system-x86_64 is absent');
if (!hasSetpriv || !isRoot)
  console.warn('skipping the EACCES test: it needs root and setpriv to drop to nobody');

const dir = mkdtempSync(join(tmpdir(), 'tsvirt-host-validate-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs the verb in this process, collecting what it prints. */
async function runVerb(args: string[], json: boolean): Promise<{ code: number; out: string[] }> {
  const out: string[] = [];
  const ctx: CommandContext = {
    args,
    json,
    uri: undefined,
    connect: () => Promise.reject(new Error('host-validate must not connect')),
    print: (line) => out.push(line),
    warn: (line) => out.push(line),
  };
  return { code: await hostValidateCommand.run(ctx), out };
}

describe('tsvirt host-validate', () => {
  it('is registered as a verb', () => {
    expect(commands).toContain(hostValidateCommand);
  });

  it.skipIf(!hasKvm || !hasQemu)(
    'prints virt-host-validate lines and the decision, and exits 0',
    async () => {
      const { code, out } = await runVerb([], false);
      expect(code).toBe(0);
      expect(out[0]).toMatch(/^ {2}QEMU: Checking for hardware virtualization +: (PASS|WARN)/);
      expect(out).toContainEqual(
        expect.stringMatching(/^ {2}QEMU: Checking if device \/dev\/kvm exists +: PASS$/),
      );
      expect(out).toContainEqual(
        expect.stringMatching(
          /Checking that guest code runs under KVM +: PASS \(the guest wrote "tsvirt-selftest-ok"/,
        ),
      );
      expect(out).toContainEqual(expect.stringMatching(/^ {2}QEMU: Accelerator for guests +: KVM$/));
      expect(out.at(-1)).toBe('        - guests run with KVM acceleration');
    },
  );

  it.skipIf(!hasKvm || !hasQemu)('prints one JSON object with --json', async () => {
    const { code, out } = await runVerb([], true);
    expect(code).toBe(0);
    expect(out).toHaveLength(1);
    const report = JSON.parse(out[0] as string) as HostReport;
    expect(report.kvm).toMatchObject({ usable: true, apiVersion: 12 });
    expect(report.kvm.selfTest).toMatchObject({ ok: true, output: 'tsvirt-selftest-ok' });
    expect(report.accel).toBe('kvm');
  });

  it('exits 0 with TCG when the device is missing, naming the remedy', async () => {
    const args = ['--kvm-device', join(dir, 'kvm'), '--cpuinfo', kvmFixture('cpuinfo-vmx'), '--skip-qemu'];
    const { code, out } = await runVerb(args, false);
    expect(code).toBe(0);
    expect(out).toContainEqual(
      expect.stringMatching(
        /Checking if device .*kvm exists +: FAIL \(.*no such device; load kvm_intel or kvm_amd/,
      ),
    );
    expect(out).toContainEqual(expect.stringMatching(/Accelerator for guests +: TCG$/));
  });

  it('exits 1 when no guest can run, because qemu is missing', async () => {
    const args = ['--kvm-device', join(dir, 'kvm'), '--qemu', join(dir, 'qemu-system-x86_64')];
    const { code, out } = await runVerb(args, true);
    expect(code).toBe(1);
    const report = JSON.parse(out[0] as string) as HostReport;
    expect(report.accel).toBe('none');
    expect(report.qemu?.error).toMatch(/no such executable; install qemu-system-x86/);
  });

  it('rejects an unknown option', async () => {
    await expect(runVerb(['--frobnicate'], false)).rejects.toMatchObject({ code: 'ERR_INVALID_ARG' });
  });

  it.skipIf(!hasCli || !hasKvm || !hasQemu)('runs from the built CLI with --json and exits 0', async () => {
    const result = await run([process.execPath, cli, 'host-validate', '--json'], { timeoutMs: 20_000 });
    const report = JSON.parse(result.stdout) as HostReport;
    expect(report).toMatchObject({ accel: 'kvm', kvm: { usable: true, apiVersion: 12 } });
    expect(report.kvm.module.length).toBeGreaterThan(0);
  });

  it.skipIf(!hasCli)('exits 1 from the built CLI when qemu is a broken binary', async () => {
    const argv = [process.execPath, cli, 'host-validate', '--qemu', kvmFixture('fake-qemu-exit5')];
    const err = await run([...argv, '--kvm-device', join(dir, 'kvm')], { timeoutMs: 20_000 }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(CommandFailedError);
    expect((err as CommandFailedError).exitCode).toBe(1);
    expect((err as CommandFailedError).stdout).toMatch(
      /Checking for the QEMU binary +: FAIL \(.*exited with status 5/,
    );
  });

  it.skipIf(!hasCli || !hasKvm || !hasQemu || !hasSetpriv || !isRoot)(
    'tells a user outside the kvm group to join it, from a real EACCES, and falls back to TCG',
    async () => {
      const argv = ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups'];
      const result = await run([...argv, process.execPath, cli, 'host-validate', '--json'], {
        timeoutMs: 20_000,
      });
      const report = JSON.parse(result.stdout) as HostReport;
      expect(report.kvm).toMatchObject({ present: true, accessible: false, usable: false, errno: 'EACCES' });
      expect(report.kvm.error).toMatch(/^\/dev\/kvm: permission denied; add the user to the kvm group/);
      expect(report.accel).toBe('tcg');
    },
  );
});
