import type { Command, CommandContext } from '../command.js';
import { parseVerbArgs } from '../args.js';
import type { HostProbeOptions, HostReport } from '../../kvm/index.js';

/** The prefix virt-host-validate puts on each QEMU line. */
const PREFIX = '  QEMU: ';

/** `tsvirt host-validate [--json]`: checks this host for KVM and qemu, then picks KVM or TCG. */
export const hostValidateCommand: Command = {
  name: 'host-validate',
  summary: 'check the host for KVM and qemu, and say whether guests get KVM or TCG',
  usage: `Usage: tsvirt host-validate [--json] [--cpuinfo PATH] [--kvm-device PATH] [--qemu PATH]
                            [--sys-module PATH] [--skip-self-test] [--skip-qemu]

Checks the vmx/svm CPU flags, asks the KVM device by ioctl (API version, capabilities, a VM), runs
a dozen bytes of guest code under KVM, and asks qemu for its version and accelerators. Then it
decides between KVM and TCG and gives one reason for each fact that decided it.

Options:
  --json              print the whole report as one JSON object
  --cpuinfo PATH      read CPU flags from PATH (default /proc/cpuinfo)
  --kvm-device PATH   probe PATH as the KVM device (default /dev/kvm)
  --qemu PATH         probe PATH as qemu (default qemu-system-x86_64 on PATH)
  --sys-module PATH   list kernel modules in PATH (default /sys/module)
  --skip-self-test    do not run guest code under KVM
  --skip-qemu         do not run qemu

Exit status: 0 when guests can run (with KVM or TCG), 1 otherwise.`,
  async run(ctx: CommandContext): Promise<number> {
    // Loaded here: the probe pulls in ffi-rs and the exec wrapper, which other verbs may not need.
    const { probeHost } = await import('../../kvm/index.js');
    const report = await probeHost(parseProbeOptions(ctx.args));
    if (ctx.json) ctx.print(JSON.stringify(report, null, 2));
    else for (const line of formatHostReport(report)) ctx.print(line);
    return report.accel === 'none' ? 1 : 0;
  },
};

function parseProbeOptions(args: string[]): HostProbeOptions {
  const a = parseVerbArgs(args, {
    verb: 'host-validate',
    positionals: [],
    flags: ['skip-self-test', 'skip-qemu'],
    options: ['cpuinfo', 'kvm-device', 'qemu', 'sys-module'],
  });
  const options: HostProbeOptions = {
    skipSelfTest: a.flags.has('skip-self-test'),
    skipQemu: a.flags.has('skip-qemu'),
  };
  if (a.opts.cpuinfo !== undefined) options.cpuinfoPath = a.opts.cpuinfo;
  if (a.opts['kvm-device'] !== undefined) options.kvmDevicePath = a.opts['kvm-device'];
  if (a.opts.qemu !== undefined) options.qemuBinary = a.opts.qemu;
  if (a.opts['sys-module'] !== undefined) options.sysModulePath = a.opts['sys-module'];
  return options;
}

/** The human report: one line per check, as virt-host-validate prints them, then the decision. */
export function formatHostReport(report: HostReport): string[] {
  const width = Math.max(...report.checks.map((c) => c.name.length));
  const lines = report.checks.map((check) => {
    const detail = check.detail ? ` (${check.detail})` : '';
    return `${PREFIX}${check.name.padEnd(width)} : ${check.status}${detail}`;
  });
  lines.push(`${PREFIX}${'Accelerator for guests'.padEnd(width)} : ${report.accel.toUpperCase()}`);
  for (const reason of report.reasons) lines.push(`        - ${reason}`);
  return lines;
}
