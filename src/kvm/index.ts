export { probeHost, probeAccel } from './host-probe.js';
export type { AccelProbe } from './host-probe.js';
export type { Accel, CpuReport, HostCheck, HostProbeOptions, HostReport, KvmReport } from './host-report.js';
export { findQemuBinary } from './qemu-probe.js';
export type { QemuReport } from './qemu-probe.js';
export type { SelfTestReport } from './self-test.js';
export { setThreadAffinity, getThreadAffinity, getHostCpuCount } from './affinity.js';
export { readThreadCpuStats } from './thread-stat.js';
export type { ThreadCpuStats } from './thread-stat.js';
