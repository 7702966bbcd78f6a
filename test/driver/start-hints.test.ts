import { describe, expect, it } from 'vitest';
import { explainStartFailure } from '../../src/driver/start-hints.js';

describe('explainStartFailure', () => {
  it("names the Hyper-V features when this host's KVM refuses a Hyper-V register", () => {
    // What qemu 7.2 prints here (kvm_pvm) for -cpu qemu64,hv-vapic=on under KVM.
    const tail =
      'qemu-system-x86_64: error: failed to set MSR 0x40000021 to 0x0\n' +
      "qemu-system-x86_64: ../../target/i386/kvm/kvm.c:3183: kvm_buf_set_msrs: Assertion `ret == cpu->kvm_msr_buf->nmsrs' failed.\n";
    expect(explainStartFailure(tail)).toBe(
      "KVM on this host refuses the Hyper-V register 0x40000021: remove the <hyperv> features and the hypervclock timer, or run the guest under TCG (<domain type='qemu'>, virt-install --virt-type qemu)",
    );
  });

  it('adds nothing for other registers or other failures', () => {
    expect(
      explainStartFailure('qemu-system-x86_64: error: failed to set MSR 0x10a to 0x0\n'),
    ).toBeUndefined();
    expect(
      explainStartFailure("qemu-system-x86_64: -device foo: 'foo' is not a valid device model name\n"),
    ).toBeUndefined();
  });
});
