/**
 * What a failed start's qemu log means, where qemu's own words do not say what to change in the
 * domain: a sentence for the error, or undefined. Pure.
 */

/** qemu's complaint when KVM refuses a model-specific register it sets at vCPU reset. */
const MSR_REFUSED = /failed to set MSR (0x[0-9a-f]+)/i;

/** Hyper-V's synthetic registers (the hypervisor range 0x40000000-0x400000ff). */
function isHypervMsr(msr: number): boolean {
  return msr >= 0x4000_0000 && msr <= 0x4000_00ff;
}

/** A hint for the end of qemu's log of a start that failed, naming what in the XML to change. */
export function explainStartFailure(logTail: string): string | undefined {
  const msr = MSR_REFUSED.exec(logTail)?.[1];
  if (msr !== undefined && isHypervMsr(Number(msr))) {
    return (
      `KVM on this host refuses the Hyper-V register ${msr}: remove the <hyperv> features and the ` +
      `hypervclock timer, or run the guest under TCG (<domain type='qemu'>, virt-install --virt-type qemu)`
    );
  }
  return undefined;
}
