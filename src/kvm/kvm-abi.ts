import { encodeIo, encodeIor, encodeIow } from './ioctl-number.js';
import { KVM_REGS_SIZE, KVM_SREGS_SIZE, KVM_USERSPACE_MEMORY_REGION_SIZE } from './kvm-structs.js';

/** The ioctl type byte of KVM (KVMIO in <linux/kvm.h>). */
export const KVMIO = 0xae;

/** The one KVM API version there has ever been in a released kernel. */
export const KVM_API_VERSION = 12;

/** KVM ioctl request numbers (<linux/kvm.h>), with the struct sizes of x86_64. */
export const KVM_IOCTL = {
  /** _IO(KVMIO, 0x00) on /dev/kvm: returns the API version (12). */
  GET_API_VERSION: encodeIo(KVMIO, 0x00),
  /** _IO(KVMIO, 0x01) on /dev/kvm: returns a new VM fd. */
  CREATE_VM: encodeIo(KVMIO, 0x01),
  /** _IO(KVMIO, 0x03) on /dev/kvm or a VM fd: the value of one capability, 0 when absent. */
  CHECK_EXTENSION: encodeIo(KVMIO, 0x03),
  /** _IO(KVMIO, 0x04) on /dev/kvm: the size of a vCPU's kvm_run mapping. */
  GET_VCPU_MMAP_SIZE: encodeIo(KVMIO, 0x04),
  /** _IO(KVMIO, 0x41) on a VM fd: returns a new vCPU fd. */
  CREATE_VCPU: encodeIo(KVMIO, 0x41),
  /** _IOW(KVMIO, 0x46, struct kvm_userspace_memory_region) on a VM fd. */
  SET_USER_MEMORY_REGION: encodeIow(KVMIO, 0x46, KVM_USERSPACE_MEMORY_REGION_SIZE),
  /** _IO(KVMIO, 0x80) on a vCPU fd: runs the guest until the next exit to user space. */
  RUN: encodeIo(KVMIO, 0x80),
  /** _IOR(KVMIO, 0x81, struct kvm_regs). */
  GET_REGS: encodeIor(KVMIO, 0x81, KVM_REGS_SIZE),
  /** _IOW(KVMIO, 0x82, struct kvm_regs). */
  SET_REGS: encodeIow(KVMIO, 0x82, KVM_REGS_SIZE),
  /** _IOR(KVMIO, 0x83, struct kvm_sregs). */
  GET_SREGS: encodeIor(KVMIO, 0x83, KVM_SREGS_SIZE),
  /** _IOW(KVMIO, 0x84, struct kvm_sregs). */
  SET_SREGS: encodeIow(KVMIO, 0x84, KVM_SREGS_SIZE),
} as const;

/** Capabilities asked with KVM_CHECK_EXTENSION, by the name the report uses. */
export const KVM_CAP = {
  /** KVM_CAP_IRQCHIP (0): an in-kernel interrupt controller. */
  irqchip: 0,
  /** KVM_CAP_USER_MEMORY (3): KVM_SET_USER_MEMORY_REGION works. */
  userMemory: 3,
  /** KVM_CAP_NR_VCPUS (9): the recommended number of vCPUs per VM. */
  nrVcpus: 9,
  /** KVM_CAP_NR_MEMSLOTS (10): memory slots per VM. */
  nrMemslots: 10,
  /** KVM_CAP_MAX_VCPUS (66): the most vCPUs a VM may have. */
  maxVcpus: 66,
  /** KVM_CAP_MAX_VCPU_ID (128): the highest vCPU id plus one. */
  maxVcpuId: 128,
} as const;

/** kvm_run.exit_reason values (KVM_EXIT_*), by number. */
export const KVM_EXIT_NAMES: Readonly<Record<number, string>> = {
  0: 'KVM_EXIT_UNKNOWN',
  1: 'KVM_EXIT_EXCEPTION',
  2: 'KVM_EXIT_IO',
  3: 'KVM_EXIT_HYPERCALL',
  4: 'KVM_EXIT_DEBUG',
  5: 'KVM_EXIT_HLT',
  6: 'KVM_EXIT_MMIO',
  7: 'KVM_EXIT_IRQ_WINDOW_OPEN',
  8: 'KVM_EXIT_SHUTDOWN',
  9: 'KVM_EXIT_FAIL_ENTRY',
  10: 'KVM_EXIT_INTR',
  17: 'KVM_EXIT_INTERNAL_ERROR',
  24: 'KVM_EXIT_SYSTEM_EVENT',
};

/** The exit reasons the self-test acts on. */
export const KVM_EXIT = {
  /** The guest did port I/O; kvm_run.io describes it. */
  IO: 2,
  /** The guest executed HLT with no in-kernel irqchip. */
  HLT: 5,
} as const;

/** kvm_run.io.direction: the guest wrote to the port. */
export const KVM_EXIT_IO_OUT = 1;

/** The name of an exit reason, or "KVM_EXIT_<n>" for one this table lacks. */
export function nameKvmExit(reason: number): string {
  return KVM_EXIT_NAMES[reason] ?? `KVM_EXIT_${reason}`;
}
