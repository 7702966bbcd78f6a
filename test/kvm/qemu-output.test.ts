import { describe, expect, it } from 'vitest';
import { judgeCpuHostTrial, parseAccelHelp, parseQemuVersion } from '../../src/kvm/qemu-output.js';

const ok = { exitCode: 0, signal: undefined, stderr: '', timedOut: false };

describe('qemu output parsers', () => {
  it('reads the version from --version', () => {
    const text =
      'QEMU emulator version 7.2.22 (Debian 1:7.2+dfsg-7+deb12u18+b3)\nCopyright (c) 2003-2022 ...\n';
    expect(parseQemuVersion(text)).toBe('7.2.22');
    expect(parseQemuVersion('QEMU emulator version 8.1\n')).toBe('8.1');
    expect(parseQemuVersion('garbage')).toBeNull();
  });

  it('lists the accelerators of -accel help without its heading', () => {
    expect(parseAccelHelp('Accelerators supported in QEMU binary:\ntcg\nkvm\n')).toEqual(['tcg', 'kvm']);
    expect(parseAccelHelp('')).toEqual([]);
  });

  it('judges a trial that answered QMP and exited 0 as working', () => {
    const verdict = judgeCpuHostTrial({ ...ok, stdout: '{"QMP": {}}\n{"return": {}}\n' });
    expect(verdict.works).toBe(true);
  });

  it('judges an abort after a failed MSR write as not working, and quotes the MSR line', () => {
    const verdict = judgeCpuHostTrial({
      exitCode: undefined,
      signal: 'SIGABRT',
      stdout: '',
      timedOut: false,
      stderr: [
        "qemu-system-x86_64: warning: host doesn't support requested feature: CPUID.01H:ECX.pni [bit 0]",
        'qemu-system-x86_64: error: failed to set MSR 0x10a to 0x2000000ebeb',
        "qemu-system-x86_64: kvm.c:3005: kvm_buf_set_msrs: Assertion `ret == cpu->kvm_msr_buf->nmsrs' failed.",
      ].join('\n'),
    });
    expect(verdict).toEqual({
      works: false,
      detail: 'qemu-system-x86_64: error: failed to set MSR 0x10a to 0x2000000ebeb',
    });
  });

  it('skips warnings, and falls back to how qemu ended when stderr says nothing', () => {
    const warned = judgeCpuHostTrial({
      ...ok,
      exitCode: 1,
      stdout: '',
      stderr: 'q: warning: x\nq: cannot open\n',
    });
    expect(warned.detail).toBe('q: cannot open');
    expect(judgeCpuHostTrial({ ...ok, exitCode: 1, stdout: '' }).detail).toBe('qemu exited with status 1');
    expect(judgeCpuHostTrial({ ...ok, timedOut: true, stdout: '' }).detail).toBe('qemu did not quit in time');
  });
});
