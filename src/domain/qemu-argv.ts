import { TsvirtError } from '../errors.js';
import { buildDisplayArgs } from './graphics-args.js';
import {
  buildAudiodevArgs,
  buildPanicArgs,
  buildRngArgs,
  buildSecondaryVideoDevices,
  buildSoundDevices,
  buildWatchdogArgs,
  addPanicCpuFlag,
} from './media-args.js';
import {
  buildDiskArgs,
  buildNicArgs,
  buildSerialArgs,
  computeBootIndexes,
  jsonOpt,
} from './qemu-device-args.js';
import { assignAliases } from './aliases.js';
import { dirname } from 'node:path';
import { buildChannelArgs, buildInputDevices, buildRedirdevArgs } from './bus-device-objects.js';
import { buildBalloonDevice, busIdOf, buildImplicitDevices } from './device-objects.js';
import type { DomainConfig } from './types.js';
import {
  buildClockArgs,
  buildCpuArg,
  buildMachineProps,
  buildPmArgs,
  buildSmpArg,
} from './qemu-platform-args.js';

/** What buildQemuArgv needs to know about the host (from src/kvm's probe). */
export interface QemuHostFacts {
  /** qemu-system-x86_64 to run when the XML has no <emulator>. */
  qemuBinary: string;
  kvm: { usable: boolean; reason: string };
  /** Whether `-cpu host` starts under KVM here (false on this machine's kvm_pvm: qemu aborts on MSR 0x10a). */
  cpuHostWorks?: boolean;
}

/** Files of one running domain, chosen by the driver (DIR/run/qemu/NAME.d/ and DIR/log/qemu/). */
export interface QemuRuntimePaths {
  qmpSocket: string;
  /** Everything the guest writes to a pty serial is also appended here. */
  serialLog: string;
  /** The VNC socket when <listen type='socket'/> names no path. */
  vncSocket?: string;
  /** Where unix channels without a path get their socket (default: the QMP socket's folder, NAME.d/). */
  channelDir?: string;
}

/** How the driver confines qemu. */
export interface QemuArgvOptions {
  /** Start qemu under its seccomp filter (qemu.conf seccomp_sandbox). */
  seccompSandbox?: boolean;
  /** `-incoming VALUE`: wait for a migration stream (a URI, or 'defer' for migrate-incoming over QMP). */
  incoming?: string;
  /** The port the driver picked for a SPICE <graphics> with autoport. */
  spicePort?: number;
}

/**
 * qemu's seccomp filter as libvirt asks for it: obsolete system calls, raising privileges, spawning
 * processes and changing scheduling or resource limits are refused to the guest's process.
 */
export const SANDBOX_ARG = 'on,obsolete=deny,elevateprivileges=deny,spawn=deny,resourcecontrol=deny';

/** Escape a value inside qemu's key=value option syntax, where ',' is written ',,'. */
export function escapeQemuOpt(value: string): string {
  return value.replaceAll(',', ',,');
}

/**
 * Build the qemu-system-x86_64 argv of a domain: a pure function of its config, the host facts and the
 * runtime paths. qemu starts paused (-S); the driver sends `cont` once QMP is up. Throws
 * ERR_KVM_UNAVAILABLE (type='kvm' where KVM is not usable), ERR_NOT_SUPPORTED (a CPU mode the host or
 * accelerator cannot give) and ERR_INVALID_ARG (an unresolved volume disk, a missing socket path).
 */
export function buildQemuArgv(
  definition: DomainConfig,
  host: QemuHostFacts,
  paths: QemuRuntimePaths,
  options: QemuArgvOptions = {},
): string[] {
  // The driver assigns aliases and node indexes at start; a definition without them gets a fresh start's.
  const config = assignAliases(definition);
  const argv = [config.devices.emulator ?? host.qemuBinary];
  argv.push('-name', `guest=${escapeQemuOpt(config.name)},debug-threads=on`);
  argv.push('-uuid', config.uuid, '-no-user-config', '-nodefaults', '-S');
  argv.push(
    '-machine',
    `${config.os.machine},acpi=${config.features.acpi ? 'on' : 'off'}${buildMachineProps(config)}`,
  );
  argv.push('-accel', buildAccel(config, host));
  const cpu = addPanicCpuFlag(config, buildCpuArg(config, buildCpuModel(config, host)));
  if (cpu !== undefined) argv.push('-cpu', cpu);
  argv.push('-m', `size=${formatMemory(config.memoryKiB)}`, '-smp', buildSmpArg(config));
  argv.push('-chardev', `socket,id=charmonitor,path=${escapeQemuOpt(paths.qmpSocket)},server=on,wait=off`);
  argv.push('-mon', 'chardev=charmonitor,id=monitor,mode=control');
  if (options.seccompSandbox) argv.push('-sandbox', SANDBOX_ARG);
  argv.push(...buildClockArgs(config), ...buildPmArgs(config));
  // on_reboot=destroy: a guest reboot ends qemu. on_poweroff=preserve: qemu stays after a guest poweroff.
  // restart on poweroff and on_crash are the driver's to carry out when it sees qemu's events.
  if (config.onReboot === 'destroy') argv.push('-no-reboot');
  if (config.onPoweroff === 'preserve') argv.push('-no-shutdown');
  argv.push(...buildKernelArgs(config), ...buildAudiodevArgs(config));
  argv.push(...buildDisplayArgs(config, { vncSocket: paths.vncSocket, spicePort: options.spicePort }));
  const boot = computeBootIndexes(config);
  argv.push(...buildDiskArgs(config, boot), ...buildNicArgs(config, boot), ...buildSerialArgs(config, paths));
  // Unix channels without a path get a socket named after the channel in the domain's socket folder.
  argv.push(...buildChannelArgs(config, paths.channelDir ?? dirname(paths.qmpSocket)));
  for (const dev of buildInputDevices(config, busIdOf(config))) argv.push('-device', jsonOpt(dev));
  const { video } = buildImplicitDevices(config);
  if (video) argv.push('-device', jsonOpt(video));
  for (const dev of [...buildSecondaryVideoDevices(config), ...buildSoundDevices(config)])
    argv.push('-device', jsonOpt(dev));
  argv.push(...buildRedirdevArgs(config), ...buildWatchdogArgs(config));
  const balloon = buildBalloonDevice(config);
  if (balloon) argv.push('-device', jsonOpt(balloon));
  argv.push(...buildRngArgs(config), ...buildPanicArgs(config));
  if (options.incoming !== undefined) argv.push('-incoming', options.incoming);
  // <qemu:commandline>: appended last, as libvirt does; its environment is the driver's to set.
  argv.push(...(config.qemuCommandline?.args ?? []));
  return argv;
}

function buildAccel(config: DomainConfig, host: QemuHostFacts): string {
  if (config.type === 'qemu') return 'tcg';
  if (!host.kvm.usable) {
    throw new TsvirtError(
      'ERR_KVM_UNAVAILABLE',
      `domain '${config.name}' needs KVM, which is not usable here: ${host.kvm.reason}; fix the host or use <domain type='qemu'> for TCG`,
      { domain: config.name, reason: host.kvm.reason },
    );
  }
  return 'kvm';
}

function buildCpuModel(config: DomainConfig, host: QemuHostFacts): string | undefined {
  const cpu = config.cpu;
  if (!cpu) return undefined;
  if (cpu.mode === 'custom') return cpu.model;
  if (config.type === 'qemu') {
    if (cpu.mode === 'host-model') return 'max'; // TCG's fullest model stands for "the host's" under emulation
    throw new TsvirtError(
      'ERR_NOT_SUPPORTED',
      `domain '${config.name}': cpu mode 'host-passthrough' needs KVM; use <domain type='kvm'> or another cpu mode`,
      {
        element: 'cpu',
        attribute: 'mode',
        value: cpu.mode,
        expected: ['host-model', 'custom'],
      },
    );
  }
  // libvirt turns host-model into a named model from its host CPU map; tsvirt has none and passes qemu's
  // own host model, which under KVM is what both modes amount to.
  if (host.cpuHostWorks === false) {
    throw new TsvirtError(
      'ERR_NOT_SUPPORTED',
      `domain '${config.name}': cpu mode '${cpu.mode}' needs qemu's '-cpu host', which fails on this host (host fact cpuHostWorks=false); use <cpu mode='custom'><model>qemu64</model></cpu> or no <cpu>`,
      {
        element: 'cpu',
        attribute: 'mode',
        value: cpu.mode,
        hostFact: 'cpuHostWorks',
        expected: ['custom'],
      },
    );
  }
  return 'host';
}

function formatMemory(kib: number): string {
  return kib % 1024 === 0 ? `${kib / 1024}M` : `${kib}k`;
}

function buildKernelArgs(config: DomainConfig): string[] {
  const { kernel, initrd, cmdline } = config.os;
  const args: string[] = [];
  if (kernel !== undefined) args.push('-kernel', kernel);
  if (initrd !== undefined) args.push('-initrd', initrd);
  if (cmdline !== undefined) args.push('-append', cmdline);
  return args;
}
