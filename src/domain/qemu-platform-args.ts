import { listHypervOn } from './parse-features.js';
import { isQ35Machine } from './parse-os.js';
import type { DomainConfig } from './types.js';

/** The CPU model libvirt gives a guest whose XML has no <cpu>, when -cpu must carry flags. */
export const DEFAULT_CPU_MODEL = 'qemu64';

/** -machine properties beyond the machine type and acpi: vmport=on|off from <vmport state=.../>. */
export function buildMachineProps(config: DomainConfig): string {
  const vmport = config.features.vmport;
  return vmport === undefined ? '' : `,vmport=${vmport ? 'on' : 'off'}`;
}

/**
 * The -cpu value as libvirt builds it: the model, then <feature> flags (name=on|off), then the timers'
 * (kvmclock, hv-time, tsc-frequency), then the Hyper-V enlightenments (hv-NAME=on), then kvm=off for a
 * hidden KVM. Without a model and without flags there is no -cpu (qemu's default model).
 */
export function buildCpuArg(config: DomainConfig, model: string | undefined): string | undefined {
  const flags: string[] = [];
  for (const f of config.cpu?.features ?? [])
    flags.push(`${f.name}=${f.policy === 'require' ? 'on' : 'off'}`);
  for (const t of config.clock?.timers ?? []) {
    if (t.name === 'kvmclock' && t.present !== undefined) flags.push(`kvmclock=${t.present ? 'on' : 'off'}`);
    if (t.name === 'hypervclock' && t.present === true) flags.push('hv-time=on');
    if (t.name === 'tsc' && t.frequency !== undefined) flags.push(`tsc-frequency=${t.frequency}`);
  }
  const hyperv = config.features.hyperv;
  for (const name of listHypervOn(hyperv)) {
    flags.push(
      name === 'spinlocks'
        ? `hv-spinlocks=0x${(hyperv?.spinlockRetries ?? 0).toString(16)}`
        : `hv-${name}=on`,
    );
  }
  if (config.features.kvmHidden === true) flags.push('kvm=off');
  if (flags.length === 0) return model;
  return [model ?? DEFAULT_CPU_MODEL, ...flags].join(',');
}

/**
 * The -smp value: the vCPUs online at start, `maxcpus` when fewer than the maximum (the rest can be
 * plugged later), then sockets, dies (when more than one), cores and threads of a <topology>.
 */
export function buildSmpArg(config: DomainConfig): string {
  const current = config.vcpusCurrent ?? config.vcpus;
  const count = current < config.vcpus ? `${current},maxcpus=${config.vcpus}` : String(config.vcpus);
  const t = config.cpu?.topology;
  if (!t) return count;
  const dies = t.dies === 1 ? '' : `,dies=${t.dies}`;
  return `${count},sockets=${t.sockets}${dies},cores=${t.cores},threads=${t.threads}`;
}

/**
 * The clock's options in libvirt's order: -rtc base=OFFSET (driftfix=slew for the rtc's catchup), the
 * PIT's lost tick policy (delay, or discard; catchup is KVM's own default), and -no-hpet.
 */
export function buildClockArgs(config: DomainConfig): string[] {
  const clock = config.clock;
  if (!clock) return [];
  const timer = (name: string) => clock.timers?.find((t) => t.name === name);
  const args = [
    '-rtc',
    `base=${clock.offset}${timer('rtc')?.tickpolicy === 'catchup' ? ',driftfix=slew' : ''}`,
  ];
  const pit = timer('pit');
  if (pit && pit.tickpolicy !== 'catchup') {
    args.push('-global', `kvm-pit.lost_tick_policy=${pit.tickpolicy === 'discard' ? 'discard' : 'delay'}`);
  }
  if (timer('hpet')?.present === false) args.push('-no-hpet');
  return args;
}

/** <pm> as the chipset's power-management device properties: PIIX4_PM on i440FX, ICH9-LPC on Q35. */
export function buildPmArgs(config: DomainConfig): string[] {
  const pm = config.pm;
  if (!pm) return [];
  const device = isQ35Machine(config.os.machine) ? 'ICH9-LPC' : 'PIIX4_PM';
  const args: string[] = [];
  if (pm.suspendToMem !== undefined) args.push('-global', `${device}.disable_s3=${pm.suspendToMem ? 0 : 1}`);
  if (pm.suspendToDisk !== undefined)
    args.push('-global', `${device}.disable_s4=${pm.suspendToDisk ? 0 : 1}`);
  return args;
}
