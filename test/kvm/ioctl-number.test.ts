import { describe, expect, it } from 'vitest';
import { encodeIoctl, encodeIor, encodeIow, IOC_DIR } from '../../src/kvm/ioctl-number.js';
import { KVM_CAP, KVM_IOCTL, nameKvmExit } from '../../src/kvm/kvm-abi.js';

describe('ioctl numbers', () => {
  it('encodes the KVM requests that take no struct as 0xAEnn', () => {
    expect(KVM_IOCTL.GET_API_VERSION).toBe(0xae00);
    expect(KVM_IOCTL.CREATE_VM).toBe(0xae01);
    expect(KVM_IOCTL.CHECK_EXTENSION).toBe(0xae03);
    expect(KVM_IOCTL.GET_VCPU_MMAP_SIZE).toBe(0xae04);
    expect(KVM_IOCTL.CREATE_VCPU).toBe(0xae41);
    expect(KVM_IOCTL.RUN).toBe(0xae80);
  });

  it('encodes the struct sizes of x86_64 into the requests that take one', () => {
    // direction << 30 | size << 16 | 0xAE << 8 | nr
    expect(KVM_IOCTL.SET_USER_MEMORY_REGION).toBe(0x4020ae46); // _IOW, 32 bytes
    expect(KVM_IOCTL.GET_REGS).toBe(0x8090ae81); // _IOR, 144 bytes
    expect(KVM_IOCTL.SET_REGS).toBe(0x4090ae82); // _IOW, 144 bytes
    expect(KVM_IOCTL.GET_SREGS).toBe(0x8138ae83); // _IOR, 312 bytes
    expect(KVM_IOCTL.SET_SREGS).toBe(0x4138ae84); // _IOW, 312 bytes
  });

  it('gives unsigned numbers for read-write requests, whose top bit is set', () => {
    expect(encodeIoctl(IOC_DIR.readWrite, 0xae, 0x05, 8)).toBe(0xc008ae05);
    expect(encodeIor(0x54, 0x13, 8)).toBe(0x80085413);
    expect(encodeIow(0xae, 0x46, 32)).toBeGreaterThan(0);
  });

  it('rejects a size that does not fit in 14 bits and a type that is not a byte', () => {
    expect(() => encodeIow(0xae, 0x01, 1 << 14)).toThrow(RangeError);
    expect(() => encodeIow(0x1ae, 0x01, 8)).toThrow(RangeError);
  });

  it('names the capabilities with their numbers from <linux/kvm.h>', () => {
    expect(KVM_CAP).toMatchObject({ userMemory: 3, nrVcpus: 9, nrMemslots: 10, maxVcpus: 66 });
  });

  it('names exit reasons, and numbers the ones it does not know', () => {
    expect(nameKvmExit(5)).toBe('KVM_EXIT_HLT');
    expect(nameKvmExit(2)).toBe('KVM_EXIT_IO');
    expect(nameKvmExit(99)).toBe('KVM_EXIT_99');
  });
});
