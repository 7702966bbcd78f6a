/**
 * Byte layouts of the KVM structs the self-test uses, for x86_64 (<linux/kvm.h>, <asm/kvm.h>).
 * All fields are little-endian; offsets are those of the C structs with natural alignment.
 */

/** sizeof(struct kvm_userspace_memory_region): u32 slot, u32 flags, u64 gpa, u64 size, u64 uaddr. */
export const KVM_USERSPACE_MEMORY_REGION_SIZE = 32;

/** sizeof(struct kvm_regs): 18 u64 (rax..r15, rip, rflags). */
export const KVM_REGS_SIZE = 144;

/** sizeof(struct kvm_segment): u64 base, u32 limit, u16 selector, 10 u8 (type..padding). */
export const KVM_SEGMENT_SIZE = 24;

/**
 * sizeof(struct kvm_sregs): 8 kvm_segment (cs ds es fs gs ss tr ldt), 2 kvm_dtable (16 bytes each),
 * 7 u64 (cr0 cr2 cr3 cr4 cr8 efer apic_base) and a 256-bit interrupt bitmap (4 u64).
 */
export const KVM_SREGS_SIZE = 8 * KVM_SEGMENT_SIZE + 2 * 16 + 7 * 8 + 4 * 8;

/** Offsets of fields in struct kvm_regs. */
export const KVM_REGS_OFFSET = {
  rsi: 4 * 8,
  rip: 16 * 8,
  rflags: 17 * 8,
} as const;

/** Offsets of the segment registers in struct kvm_sregs, in declaration order. */
export const KVM_SREGS_SEGMENT_OFFSET = {
  cs: 0,
  ds: 24,
  es: 48,
  fs: 72,
  gs: 96,
  ss: 120,
} as const;

/** Offsets inside struct kvm_segment. */
const SEGMENT = { base: 0, limit: 8, selector: 12 } as const;

/** Offsets of the fields of struct kvm_run the self-test reads. */
export const KVM_RUN_OFFSET = {
  /** u32 exit_reason, after two u8 inputs and 6 bytes of padding. */
  exitReason: 8,
  /** The exit union starts after cr8 and apic_base (no s390 fields on x86). */
  exit: 32,
} as const;

/** One guest memory slot, as KVM_SET_USER_MEMORY_REGION takes it. */
export interface UserMemoryRegion {
  slot: number;
  flags: number;
  guestPhysAddr: bigint;
  memorySizeBytes: bigint;
  userspaceAddr: bigint;
}

/** Encodes struct kvm_userspace_memory_region. */
export function encodeUserMemoryRegion(region: UserMemoryRegion): Buffer {
  const buf = Buffer.alloc(KVM_USERSPACE_MEMORY_REGION_SIZE);
  buf.writeUInt32LE(region.slot, 0);
  buf.writeUInt32LE(region.flags, 4);
  buf.writeBigUInt64LE(region.guestPhysAddr, 8);
  buf.writeBigUInt64LE(region.memorySizeBytes, 16);
  buf.writeBigUInt64LE(region.userspaceAddr, 24);
  return buf;
}

/** Encodes struct kvm_regs with every register 0 but rip, rsi and rflags (bit 1 is always set). */
export function encodeRealModeRegs(rip: number, rsi = 0): Buffer {
  const buf = Buffer.alloc(KVM_REGS_SIZE);
  buf.writeBigUInt64LE(BigInt(rip), KVM_REGS_OFFSET.rip);
  buf.writeBigUInt64LE(BigInt(rsi), KVM_REGS_OFFSET.rsi);
  buf.writeBigUInt64LE(0x2n, KVM_REGS_OFFSET.rflags);
  return buf;
}

/**
 * Rewrites, in place, the six code and data segments of a kvm_sregs read from a fresh vCPU so that
 * each has base 0 and selector 0: real mode with flat addresses below 64 KiB. The reset state has
 * CS base 0xffff0000, which would point the guest at the reset vector instead of our code.
 */
export function patchRealModeSregs(sregs: Buffer): Buffer {
  if (sregs.length !== KVM_SREGS_SIZE) throw new RangeError(`kvm_sregs must be ${KVM_SREGS_SIZE} bytes`);
  for (const offset of Object.values(KVM_SREGS_SEGMENT_OFFSET)) {
    sregs.writeBigUInt64LE(0n, offset + SEGMENT.base);
    sregs.writeUInt16LE(0, offset + SEGMENT.selector);
  }
  return sregs;
}

/** The fields of kvm_run.io (KVM_EXIT_IO). */
export interface KvmIoExit {
  /** 0 in, 1 out. */
  direction: number;
  /** Bytes per access: 1, 2 or 4. */
  size: number;
  port: number;
  /** Accesses in this exit (more than 1 for string I/O). */
  count: number;
  /** Where the data lies, from the start of kvm_run. */
  dataOffset: number;
}

/** Decodes kvm_run.exit_reason. */
export function decodeExitReason(run: Buffer): number {
  return run.readUInt32LE(KVM_RUN_OFFSET.exitReason);
}

/** Decodes kvm_run.io: u8 direction, u8 size, u16 port, u32 count, u64 data_offset. */
export function decodeIoExit(run: Buffer): KvmIoExit {
  const at = KVM_RUN_OFFSET.exit;
  return {
    direction: run.readUInt8(at),
    size: run.readUInt8(at + 1),
    port: run.readUInt16LE(at + 2),
    count: run.readUInt32LE(at + 4),
    dataOffset: Number(run.readBigUInt64LE(at + 8)),
  };
}
