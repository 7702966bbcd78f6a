import { isTsvirtError } from '../errors.js';
import {
  buildSelfTestImage,
  SELF_TEST_LOAD_ADDRESS,
  SELF_TEST_MARKER,
  SELF_TEST_PORT,
} from './guest-image.js';
import { KVM_EXIT, KVM_EXIT_IO_OUT, KVM_IOCTL, nameKvmExit } from './kvm-abi.js';
import {
  decodeExitReason,
  decodeIoExit,
  encodeRealModeRegs,
  encodeUserMemoryRegion,
  KVM_SREGS_SIZE,
  patchRealModeSregs,
} from './kvm-structs.js';
import {
  copyFromAddress,
  copyToAddress,
  nameErrno,
  SYS,
  sysIoctl,
  sysIoctlBuffer,
  sysMmap,
  sysOpen,
} from './libc.js';
import { checkSys, NativeResources } from './native-resources.js';

/** The outcome of running a tiny guest under KVM. */
export interface SelfTestReport {
  /** The guest halted and wrote exactly the expected marker. */
  ok: boolean;
  /** The last exit reason ("KVM_EXIT_HLT"), or null when the guest never ran. */
  exitReason: string | null;
  /** The bytes the guest wrote to COM1, as Latin-1 text. */
  output: string;
  /** Wall time of the whole test, setup and release included. */
  durationMs: number;
  /** What went wrong, when ok is false. */
  error?: string;
}

/** Knobs of the self-test; the defaults run the standard marker guest. */
export interface SelfTestOptions {
  /** Real-mode image loaded at 0x1000 (default: buildSelfTestImage()). */
  image?: Buffer;
  /** The output that counts as success (default: the standard marker). */
  expectedOutput?: string;
  /** Exits to user space allowed before giving up (default 1000). */
  maxExits?: number;
}

/** Guest memory: 16 KiB at guest-physical 0, holding the image at SELF_TEST_LOAD_ADDRESS. */
const GUEST_MEMORY_BYTES = 0x4000;

/** The head of kvm_run holding exit_reason and the io exit fields. */
const RUN_HEAD_BYTES = 48;

interface GuestRun {
  exitReason: number | null;
  output: Buffer;
  error?: string;
}

/**
 * Creates a VM with one vCPU, loads a real-mode image that writes a marker to COM1 and halts, and
 * runs it with KVM_RUN until it stops. Every fd and mapping is released before this returns, also
 * on failure. Never throws for what KVM answers; the report says what happened.
 */
export function runKvmSelfTest(device: string, options: SelfTestOptions = {}): SelfTestReport {
  const started = performance.now();
  const image = options.image ?? buildSelfTestImage();
  const expected = options.expectedOutput ?? SELF_TEST_MARKER;
  const resources = new NativeResources();
  let run: GuestRun;
  try {
    run = runGuest(device, image, options.maxExits ?? 1000, resources);
  } catch (err) {
    if (!isTsvirtError(err, 'ERR_KVM_IOCTL')) throw err;
    run = { exitReason: null, output: Buffer.alloc(0), error: `${device}: ${err.message}` };
  } finally {
    resources.releaseAll();
  }
  const output = run.output.toString('latin1');
  const report: SelfTestReport = {
    ok: false,
    exitReason: run.exitReason === null ? null : nameKvmExit(run.exitReason),
    output,
    durationMs: Math.round((performance.now() - started) * 100) / 100,
  };
  report.ok = run.error === undefined && run.exitReason === KVM_EXIT.HLT && output === expected;
  if (!report.ok) report.error = run.error ?? describeMismatch(report, expected);
  return report;
}

function runGuest(device: string, image: Buffer, maxExits: number, res: NativeResources): GuestRun {
  const kvm = res.fd(`open ${device}`, sysOpen(device, SYS.O_RDWR));
  const runBytes = checkSys('KVM_GET_VCPU_MMAP_SIZE', sysIoctl(kvm, KVM_IOCTL.GET_VCPU_MMAP_SIZE));
  const vm = res.fd('KVM_CREATE_VM', sysIoctl(kvm, KVM_IOCTL.CREATE_VM));
  const memory = res.mapping(
    'mmap of guest memory',
    sysMmap(GUEST_MEMORY_BYTES, SYS.PROT_RW, SYS.MAP_PRIVATE_ANONYMOUS, -1),
    GUEST_MEMORY_BYTES,
  );
  copyToAddress(memory + BigInt(SELF_TEST_LOAD_ADDRESS), image);
  const region = encodeUserMemoryRegion({
    slot: 0,
    flags: 0,
    guestPhysAddr: 0n,
    memorySizeBytes: BigInt(GUEST_MEMORY_BYTES),
    userspaceAddr: memory,
  });
  checkSys('KVM_SET_USER_MEMORY_REGION', sysIoctlBuffer(vm, KVM_IOCTL.SET_USER_MEMORY_REGION, region));
  const vcpu = res.fd('KVM_CREATE_VCPU', sysIoctl(vm, KVM_IOCTL.CREATE_VCPU, 0));
  const runArea = res.mapping(
    'mmap of kvm_run',
    sysMmap(runBytes, SYS.PROT_RW, SYS.MAP_SHARED, vcpu),
    runBytes,
  );
  const sregs = Buffer.alloc(KVM_SREGS_SIZE);
  checkSys('KVM_GET_SREGS', sysIoctlBuffer(vcpu, KVM_IOCTL.GET_SREGS, sregs));
  checkSys('KVM_SET_SREGS', sysIoctlBuffer(vcpu, KVM_IOCTL.SET_SREGS, patchRealModeSregs(sregs)));
  checkSys(
    'KVM_SET_REGS',
    sysIoctlBuffer(vcpu, KVM_IOCTL.SET_REGS, encodeRealModeRegs(SELF_TEST_LOAD_ADDRESS)),
  );
  return runUntilStop(vcpu, runArea, maxExits);
}

/** Calls KVM_RUN until an exit other than COM1 output, collecting what the guest wrote. */
function runUntilStop(vcpu: number, runArea: bigint, maxExits: number): GuestRun {
  const chunks: Buffer[] = [];
  let exitReason: number | null = null;
  for (let exits = 0; exits < maxExits; exits++) {
    const result = sysIoctl(vcpu, KVM_IOCTL.RUN);
    if (result.value < 0) {
      const name = nameErrno(result.errno);
      if (name === 'EINTR' || name === 'EAGAIN') continue;
      return { exitReason, output: Buffer.concat(chunks), error: `KVM_RUN failed: ${name}` };
    }
    const head = copyFromAddress(runArea, RUN_HEAD_BYTES);
    exitReason = decodeExitReason(head);
    const io = exitReason === KVM_EXIT.IO ? decodeIoExit(head) : undefined;
    if (!io || io.direction !== KVM_EXIT_IO_OUT || io.port !== SELF_TEST_PORT) {
      return { exitReason, output: Buffer.concat(chunks) };
    }
    chunks.push(copyFromAddress(runArea + BigInt(io.dataOffset), io.size * io.count));
  }
  return {
    exitReason,
    output: Buffer.concat(chunks),
    error: `the guest did not halt within ${maxExits} exits`,
  };
}

function describeMismatch(report: SelfTestReport, expected: string): string {
  if (report.exitReason !== 'KVM_EXIT_HLT') {
    return `the guest stopped with ${report.exitReason ?? 'no exit'} instead of KVM_EXIT_HLT; KVM cannot run guest code here, use TCG`;
  }
  return `the guest wrote ${JSON.stringify(report.output)} instead of ${JSON.stringify(expected)}; KVM cannot run guest code correctly here, use TCG`;
}
