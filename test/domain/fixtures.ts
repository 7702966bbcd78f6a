/** Domain XML fixtures shared by the domain tests. */
import { buildBootSectorXml } from '../../scripts/guests/domain-xml.js';

/** A KVM boot-sector guest: one raw disk on IDE, no NIC, a pty serial and console, no balloon. */
export const BOOT_SECTOR_XML = buildBootSectorXml('bootsector', '/var/lib/tsvirt/images/boot.img', {
  type: 'kvm',
  uuid: '6f1b5a2e-0d3c-4c1e-9d7f-3a2b1c0d9e8f',
  console: true,
  memballoon: 'none',
});

/** A TCG Linux guest booted from a kernel and initrd. */
export const LINUX_XML = `<domain type='qemu'>
  <name>linux</name>
  <uuid>0b5c3f4e-7a1d-4e2b-8c9f-1d2e3f4a5b6c</uuid>
  <memory unit='KiB'>262144</memory>
  <currentMemory unit='KiB'>262144</currentMemory>
  <vcpu placement='static'>2</vcpu>
  <os>
    <type arch='x86_64' machine='pc-i440fx-7.2'>hvm</type>
    <kernel>/cache/vmlinuz</kernel>
    <initrd>/cache/initrd.gz</initrd>
    <cmdline>console=ttyS0 quiet</cmdline>
  </os>
  <features><acpi/></features>
  <clock offset='utc'/>
  <on_poweroff>destroy</on_poweroff>
  <on_reboot>destroy</on_reboot>
  <on_crash>destroy</on_crash>
  <devices>
    <emulator>/usr/bin/qemu-system-x86_64</emulator>
    <serial type='pty'/>
  </devices>
</domain>`;

/** Every supported element at once. */
export const FULL_XML = `<domain type='kvm'>
  <name>full</name>
  <uuid>11111111-2222-4333-8444-555555555555</uuid>
  <title>Full &amp; featured</title>
  <description>A guest with
every supported element</description>
  <memory unit='GiB'>1</memory>
  <currentMemory unit='MiB'>512</currentMemory>
  <vcpu placement='static' cpuset='0-1'>2</vcpu>
  <cputune>
    <vcpupin vcpu='0' cpuset='0'/>
    <vcpupin vcpu='1' cpuset='1'/>
  </cputune>
  <os>
    <type arch='x86_64' machine='pc-i440fx-7.2'>hvm</type>
    <boot dev='cdrom'/>
    <boot dev='hd'/>
    <boot dev='network'/>
  </os>
  <features>
    <acpi/>
    <apic/>
  </features>
  <cpu mode='custom' match='exact' check='partial'>
    <model fallback='forbid'>qemu64</model>
  </cpu>
  <clock offset='localtime'/>
  <on_poweroff>destroy</on_poweroff>
  <on_reboot>restart</on_reboot>
  <on_crash>restart</on_crash>
  <devices>
    <emulator>/usr/bin/qemu-system-x86_64</emulator>
    <disk type='file' device='disk'>
      <driver name='qemu' type='qcow2'/>
      <source file='/images/full,root.qcow2'/>
      <target dev='vda' bus='virtio'/>
    </disk>
    <disk type='block' device='disk'>
      <driver name='qemu' type='raw'/>
      <source dev='/dev/vg0/data'/>
      <target dev='vdb' bus='virtio'/>
      <readonly/>
    </disk>
    <disk type='volume' device='disk'>
      <driver name='qemu' type='raw'/>
      <source pool='default' volume='kvm1.img'/>
      <target dev='sda' bus='sata'/>
    </disk>
    <disk type='file' device='cdrom'>
      <driver name='qemu' type='raw'/>
      <source file='/images/install.iso'/>
      <target dev='hdc' bus='ide'/>
      <readonly/>
    </disk>
    <interface type='user'>
      <mac address='52:54:00:aa:bb:01'/>
      <model type='virtio'/>
    </interface>
    <interface type='bridge'>
      <mac address='52:54:00:aa:bb:02'/>
      <source bridge='br0'/>
      <model type='e1000'/>
    </interface>
    <interface type='ethernet'>
      <mac address='52:54:00:AA:BB:03'/>
      <target dev='tap0'/>
      <model type='virtio'/>
    </interface>
    <serial type='pty'>
      <target type='isa-serial' port='0'>
        <model name='isa-serial'/>
      </target>
    </serial>
    <serial type='file'>
      <source path='/var/log/full-com2.log'/>
      <target port='1'/>
    </serial>
    <serial type='unix'>
      <source mode='bind' path='/run/full-com3.sock'/>
      <target port='2'/>
    </serial>
    <console type='pty'>
      <target type='serial' port='0'/>
    </console>
    <graphics type='vnc' port='-1' autoport='yes' listen='127.0.0.1'>
      <listen type='address' address='127.0.0.1'/>
    </graphics>
    <memballoon model='virtio'/>
  </devices>
</domain>`;

/** A minimal TCG domain with pieces swapped in: extra top-level elements, <os> body, <devices> body. */
export function buildDomainXml(
  parts: { top?: string; os?: string; devices?: string; type?: string } = {},
): string {
  return `<domain type='${parts.type ?? 'qemu'}'>
  <name>t</name>
  <uuid>6f1b5a2e-0d3c-4c1e-9d7f-3a2b1c0d9e8f</uuid>
  <memory unit='MiB'>64</memory>
  ${parts.top ?? ''}
  <os>${parts.os ?? "<type arch='x86_64' machine='pc'>hvm</type>"}</os>
  <devices>${parts.devices ?? ''}</devices>
</domain>`;
}
