/** Domain XML of the test guests, the one copy that tests, benches and the demo all define them with. */

/** What may differ between the boot-sector guests that tests, benches and the demo define. */
export interface BootSectorXmlOptions {
  /** `<domain type>`; 'qemu' (TCG) unless given. */
  type?: 'qemu' | 'kvm';
  uuid?: string;
  /** Memory in MiB (64 unless given). */
  memMiB?: number;
  vcpus?: number;
  /** Raw XML placed after `<features>` (lifecycle actions, cputune, ...). */
  extra?: string;
  /** Adds `<console type='pty'>` on serial port 0. */
  console?: boolean;
  /** `<memballoon model>`: 'virtio' unless given; null leaves the element out. */
  memballoon?: 'virtio' | 'none' | null;
}

/**
 * Domain XML of the boot-sector guest: one raw IDE disk, a pty serial, no NIC (the NIC's option ROM stalls
 * SeaBIOS under KVM on this host).
 */
export function buildBootSectorXml(name: string, image: string, opts: BootSectorXmlOptions = {}): string {
  const balloon = opts.memballoon === undefined ? 'virtio' : opts.memballoon;
  return `<domain type='${opts.type ?? 'qemu'}'>
  <name>${name}</name>${opts.uuid ? `\n  <uuid>${opts.uuid}</uuid>` : ''}
  <memory unit='MiB'>${opts.memMiB ?? 64}</memory>
  <vcpu>${opts.vcpus ?? 1}</vcpu>
  <os><type arch='x86_64' machine='pc'>hvm</type><boot dev='hd'/></os>
  <features><acpi/><apic/></features>${opts.extra ?? ''}
  <devices>
    <disk type='file' device='disk'>
      <driver name='qemu' type='raw'/>
      <source file='${image}'/>
      <target dev='hda' bus='ide'/>
    </disk>
    <serial type='pty'><target port='0'/></serial>${
      opts.console ? "\n    <console type='pty'><target type='serial' port='0'/></console>" : ''
    }${balloon ? `\n    <memballoon model='${balloon}'/>` : ''}
  </devices>
</domain>`;
}

/** What may differ between the Linux guests the tests define. */
export interface LinuxXmlOptions {
  /** Kernel arguments after `console=ttyS0 quiet`. */
  append?: string;
  /** `<on_poweroff>` ('destroy' unless given). */
  onPoweroff?: string;
  /** `<on_reboot>` ('restart' unless given). */
  onReboot?: string;
  /** `<vcpu current='current'>max</vcpu>` (one vCPU unless given). */
  vcpus?: { current: number; max: number };
  /** Raw XML placed after the serial port in `<devices>` (disks, video, ...). */
  devices?: string;
}

/** Domain XML of the Linux guest (TCG, 256 MiB, kernel and initrd booted directly, a pty serial). */
export function buildLinuxXml(
  name: string,
  guest: { linuxKernel: string; linuxInitrd: string },
  opts: LinuxXmlOptions = {},
): string {
  return `<domain type='qemu'>
  <name>${name}</name>
  <memory unit='MiB'>256</memory>
  ${opts.vcpus ? `<vcpu current='${opts.vcpus.current}'>${opts.vcpus.max}</vcpu>` : '<vcpu>1</vcpu>'}
  <os>
    <type arch='x86_64' machine='pc'>hvm</type>
    <kernel>${guest.linuxKernel}</kernel>
    <initrd>${guest.linuxInitrd}</initrd>
    <cmdline>console=ttyS0 quiet ${opts.append ?? ''}</cmdline>
  </os>
  <features><acpi/></features>
  <on_poweroff>${opts.onPoweroff ?? 'destroy'}</on_poweroff>
  <on_reboot>${opts.onReboot ?? 'restart'}</on_reboot>
  <devices>
    <serial type='pty'><target port='0'/></serial>${opts.devices ?? ''}
  </devices>
</domain>`;
}

/** A qcow2 image at `path` as the guest's virtio disk vda: `<disk>` XML for buildLinuxXml's `devices`. */
export function buildQcow2VdaXml(path: string): string {
  return `
    <disk type='file' device='disk'>
      <driver name='qemu' type='qcow2'/>
      <source file='${path}'/>
      <target dev='vda' bus='virtio'/>
    </disk>`;
}
