import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { TsvirtError } from '../../src/errors.js';
import { catchTsvirtError } from '../tsvirt-error.js';
import { buildQemuConf, DEFAULT_QEMU_CONF, loadQemuConf } from '../../src/embedded/qemu-conf.js';
import { buildDropPrivilegesArgv } from '../../src/driver/qemu-user.js';

const confError = (text: string): TsvirtError => catchTsvirtError(() => buildQemuConf(text, 'qemu.conf'));

describe('qemu.conf', () => {
  it('defaults to tsvirt-qemu:kvm with dynamic ownership, the sandbox and no capabilities', () => {
    expect(buildQemuConf('# nothing set\n', 'qemu.conf')).toEqual({
      user: 'tsvirt-qemu',
      group: 'kvm',
      dynamicOwnership: true,
      seccompSandbox: true,
      clearEmulatorCapabilities: true,
      vncListen: '127.0.0.1',
      spiceListen: '127.0.0.1',
    });
  });

  it('takes vnc_listen and spice_listen as IPv4 or IPv6 addresses, and refuses host names', () => {
    const conf = buildQemuConf('vnc_listen = "0.0.0.0"\nspice_listen = "::"\n', 'qemu.conf');
    expect(conf).toMatchObject({ vncListen: '0.0.0.0', spiceListen: '::' });
    const bad = confError('vnc_listen = "myhost"\n');
    expect(bad.message).toBe(
      `qemu.conf:1: 'vnc_listen' must be an IPv4 or IPv6 address such as 127.0.0.1 or 0.0.0.0, not "myhost"`,
    );
    expect(bad.fields).toMatchObject({ field: 'vnc_listen', value: 'myhost' });
  });

  it("takes libvirt's keys, with +ID accounts and seccomp_sandbox -1 as on", () => {
    const text =
      'user = "+107"\ngroup = "libvirt-qemu"\ndynamic_ownership = 0\nseccomp_sandbox = -1\nclear_emulator_capabilities = 0\n';
    expect(buildQemuConf(text, 'qemu.conf')).toEqual({
      user: '+107',
      group: 'libvirt-qemu',
      dynamicOwnership: false,
      seccompSandbox: true,
      clearEmulatorCapabilities: false,
      vncListen: '127.0.0.1',
      spiceListen: '127.0.0.1',
    });
    expect(buildQemuConf('seccomp_sandbox = 0\n', 'qemu.conf').seccompSandbox).toBe(false);
  });

  it('names the line, the key and what was expected for a bad value or an unknown key', () => {
    const bad = confError('user = "tsvirt-qemu"\ndynamic_ownership = 2\n');
    expect(bad.message).toBe("qemu.conf:2: 'dynamic_ownership' must be 0 or 1, not 2");
    expect(bad.fields).toMatchObject({ line: 2, field: 'dynamic_ownership', value: 2 });
    const unknown = confError('security_driver = "selinux"\n');
    expect(unknown.message).toMatch(
      /^qemu.conf:1: key 'security_driver' is not supported by tsvirt; it takes user, group/,
    );
    expect(confError('user = "a b"\n').message).toMatch(/'user' must be a user or group name, or \+ID/);
  });

  it('gives the defaults when the file is absent, and reads it when present', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tsvirt-qemuconf-'));
    try {
      expect(await loadQemuConf(join(dir, 'qemu.conf'))).toEqual(DEFAULT_QEMU_CONF);
      await writeFile(join(dir, 'qemu.conf'), 'user = "root"\ngroup = "root"\n');
      expect(await loadQemuConf(join(dir, 'qemu.conf'))).toMatchObject({ user: 'root', group: 'root' });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('drops to the user with setpriv, and only clears capabilities for root', () => {
    const base = { dynamicOwnership: true, seccompSandbox: true, clearCapabilities: true };
    expect(
      buildDropPrivilegesArgv({ ...base, user: { name: 'q', uid: 999, gid: 995, groups: [995, 36] } }),
    ).toEqual([
      'setpriv',
      '--reuid=999',
      '--regid=995',
      '--groups=995,36',
      '--inh-caps=-all',
      '--bounding-set=-all',
      '--',
    ]);
    expect(buildDropPrivilegesArgv({ ...base, user: { name: 'root', uid: 0, gid: 0, groups: [0] } })).toEqual(
      ['setpriv', '--inh-caps=-all', '--bounding-set=-all', '--'],
    );
    expect(
      buildDropPrivilegesArgv({
        ...base,
        clearCapabilities: false,
        user: { name: 'root', uid: 0, gid: 0, groups: [0] },
      }),
    ).toEqual([]);
    expect(buildDropPrivilegesArgv({ ...base, user: undefined })).toEqual([]);
  });
});
