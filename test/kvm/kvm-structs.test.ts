import { describe, expect, it } from 'vitest';
import {
  decodeExitReason,
  decodeIoExit,
  encodeRealModeRegs,
  encodeUserMemoryRegion,
  KVM_REGS_SIZE,
  KVM_SREGS_SIZE,
  KVM_USERSPACE_MEMORY_REGION_SIZE,
  patchRealModeSregs,
} from '../../src/kvm/kvm-structs.js';

/** Annotated hex: bytes, then an optional `# comment` on each line. */
const hex = (s: string): Buffer => Buffer.from(s.replace(/#.*$/gm, '').replace(/\s+/g, ''), 'hex');

describe('KVM struct layouts', () => {
  it('has the sizes of x86_64', () => {
    expect(KVM_USERSPACE_MEMORY_REGION_SIZE).toBe(32);
    expect(KVM_REGS_SIZE).toBe(144);
    expect(KVM_SREGS_SIZE).toBe(312);
  });

  it('encodes kvm_userspace_memory_region field by field', () => {
    const bytes = encodeUserMemoryRegion({
      slot: 1,
      flags: 2,
      guestPhysAddr: 0x1000n,
      memorySizeBytes: 0x4000n,
      userspaceAddr: 0x7f0012345000n,
    });
    expect(bytes).toEqual(
      hex(`
        01000000          # slot
        02000000          # flags
        0010000000000000  # guest_phys_addr
        0040000000000000  # memory_size
        0050341200 7f0000 # userspace_addr
      `),
    );
  });

  it('encodes kvm_regs with rsi, rip and rflags only', () => {
    const regs = encodeRealModeRegs(0x1000, 0x100c);
    expect(regs.length).toBe(144);
    expect(regs.readBigUInt64LE(4 * 8)).toBe(0x100cn); // rsi is the 5th register
    expect(regs.readBigUInt64LE(16 * 8)).toBe(0x1000n); // rip
    expect(regs.readBigUInt64LE(17 * 8)).toBe(0x2n); // rflags: reserved bit 1
    const others = Buffer.concat([regs.subarray(0, 32), regs.subarray(40, 128)]);
    expect(others.every((b) => b === 0)).toBe(true);
  });

  it('flattens the six code and data segments of kvm_sregs and leaves the rest alone', () => {
    const sregs = Buffer.alloc(312, 0xee);
    // cs as a fresh vCPU has it: base 0xffff0000, limit 0xffff, selector 0xf000
    hex('0000ffff00000000 ffff0000 00f0').copy(sregs, 0);
    patchRealModeSregs(sregs);
    for (const offset of [0, 24, 48, 72, 96, 120]) {
      expect(sregs.readBigUInt64LE(offset)).toBe(0n); // base
      expect(sregs.readUInt16LE(offset + 12)).toBe(0); // selector
    }
    expect(sregs.readUInt32LE(8)).toBe(0xffff); // cs limit kept
    expect(sregs.subarray(144).every((b) => b === 0xee)).toBe(true); // tr, ldt, tables, control registers
    expect(() => patchRealModeSregs(Buffer.alloc(300))).toThrow(RangeError);
  });

  it('decodes the exit reason and kvm_run.io of an OUT to COM1', () => {
    const run = Buffer.alloc(48);
    hex(`
      00 00 000000000000  # request_interrupt_window, immediate_exit, padding
      02000000            # exit_reason = KVM_EXIT_IO
      00 00 0000          # ready_for_interrupt_injection, if_flag, flags
      0000000000000000    # cr8
      0000000000000000    # apic_base
      01 01 f803          # direction out, size 1, port 0x3f8
      03000000            # count 3
      0010000000000000    # data_offset 0x1000
    `).copy(run);
    expect(decodeExitReason(run)).toBe(2);
    expect(decodeIoExit(run)).toEqual({ direction: 1, size: 1, port: 0x3f8, count: 3, dataOffset: 0x1000 });
  });
});
