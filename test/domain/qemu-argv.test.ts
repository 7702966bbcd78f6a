import { describe, expect, it } from 'vitest';
import {
  buildQemuArgv,
  findConsoleSerialIndex,
  parseDomainXml,
  type DomainConfig,
  type QemuHostFacts,
  type QemuRuntimePaths,
} from '../../src/domain/index.js';
import type { TsvirtError } from '../../src/errors.js';
import { catchTsvirtError } from '../tsvirt-error.js';
import { BOOT_SECTOR_XML, buildDomainXml, FULL_XML, LINUX_XML } from './fixtures.js';

const KVM_HOST: QemuHostFacts = {
  qemuBinary: '/usr/bin/qemu-system-x86_64',
  kvm: { usable: true, reason: '/dev/kvm answers KVM_GET_API_VERSION 12' },
  cpuHostWorks: false,
};
const NO_KVM_HOST: QemuHostFacts = {
  qemuBinary: '/usr/bin/qemu-system-x86_64',
  kvm: { usable: false, reason: '/dev/kvm does not exist; load kvm_intel or kvm_amd' },
};
const PATHS: QemuRuntimePaths = {
  qmpSocket: '/r/run/qemu/g.qmp',
  serialLog: '/r/log/qemu/g.serial.log',
};

const HEAD = ['-no-user-config', '-nodefaults', '-S'];
const QMP_PID = [
  '-chardev',
  'socket,id=charmonitor,path=/r/run/qemu/g.qmp,server=on,wait=off',
  '-mon',
  'chardev=charmonitor,id=monitor,mode=control',
];
const CONSOLE = [
  '-chardev',
  'pty,id=charserial0,logfile=/r/log/qemu/g.serial.log,logappend=on',
  '-device',
  '{"driver":"isa-serial","chardev":"charserial0","id":"serial0","index":0}',
];

function argvError(config: DomainConfig, host: QemuHostFacts, paths = PATHS): TsvirtError {
  return catchTsvirtError(() => buildQemuArgv(config, host, paths));
}

describe('buildQemuArgv', () => {
  it('builds a KVM boot-sector guest: one raw IDE disk that boots first, no NIC, the serial pty', () => {
    expect(buildQemuArgv(parseDomainXml(BOOT_SECTOR_XML), KVM_HOST, PATHS)).toEqual([
      '/usr/bin/qemu-system-x86_64',
      '-name',
      'guest=bootsector,debug-threads=on',
      '-uuid',
      '6f1b5a2e-0d3c-4c1e-9d7f-3a2b1c0d9e8f',
      ...HEAD,
      '-machine',
      'pc,acpi=on',
      '-accel',
      'kvm',
      '-m',
      'size=64M',
      '-smp',
      '1',
      ...QMP_PID,
      '-display',
      'none',
      '-blockdev',
      '{"driver":"file","filename":"/var/lib/tsvirt/images/boot.img","node-name":"libvirt-1-storage","read-only":false}',
      '-blockdev',
      '{"driver":"raw","file":"libvirt-1-storage","node-name":"libvirt-1-format","read-only":false}',
      '-device',
      '{"driver":"ide-hd","bus":"ide.0","unit":0,"drive":"libvirt-1-format","id":"ide0-0-0","bootindex":1}',
      ...CONSOLE,
    ]);
  });

  it('builds a TCG Linux guest with kernel, initrd and cmdline, and no boot order', () => {
    expect(buildQemuArgv(parseDomainXml(LINUX_XML), NO_KVM_HOST, PATHS)).toEqual([
      '/usr/bin/qemu-system-x86_64',
      '-name',
      'guest=linux,debug-threads=on',
      '-uuid',
      '0b5c3f4e-7a1d-4e2b-8c9f-1d2e3f4a5b6c',
      ...HEAD,
      '-machine',
      'pc-i440fx-7.2,acpi=on',
      '-accel',
      'tcg',
      '-m',
      'size=256M',
      '-smp',
      '2',
      ...QMP_PID,
      '-rtc',
      'base=utc',
      '-no-reboot',
      '-kernel',
      '/cache/vmlinuz',
      '-initrd',
      '/cache/initrd.gz',
      '-append',
      'console=ttyS0 quiet',
      '-display',
      'none',
      ...CONSOLE,
      '-device',
      '{"driver":"virtio-balloon-pci","id":"balloon0"}',
    ]);
  });

  it('builds a full-featured guest: every disk bus and source, every NIC type, three serials, VNC', () => {
    const config = parseDomainXml(FULL_XML);
    const volume = config.devices.disks[2]?.source;
    if (volume?.kind !== 'volume') throw new Error('fixture changed');
    volume.resolved = { path: '/images/kvm1.img', kind: 'file' };
    expect(buildQemuArgv(config, { ...KVM_HOST, qemuBinary: '/unused' }, PATHS)).toEqual([
      '/usr/bin/qemu-system-x86_64',
      '-name',
      'guest=full,debug-threads=on',
      '-uuid',
      '11111111-2222-4333-8444-555555555555',
      ...HEAD,
      '-machine',
      'pc-i440fx-7.2,acpi=on',
      '-accel',
      'kvm',
      '-cpu',
      'qemu64',
      '-m',
      'size=1024M',
      '-smp',
      '2',
      ...QMP_PID,
      '-rtc',
      'base=localtime',
      '-vnc',
      '127.0.0.1:0,to=99',
      '-device',
      '{"driver":"ahci","id":"sata0"}',
      '-blockdev',
      '{"driver":"file","filename":"/images/full,root.qcow2","node-name":"libvirt-1-storage","read-only":false}',
      '-blockdev',
      '{"driver":"qcow2","file":"libvirt-1-storage","node-name":"libvirt-1-format","read-only":false}',
      '-device',
      '{"driver":"virtio-blk-pci","drive":"libvirt-1-format","id":"virtio-disk0","bootindex":2}',
      '-blockdev',
      '{"driver":"host_device","filename":"/dev/vg0/data","node-name":"libvirt-2-storage","read-only":true}',
      '-blockdev',
      '{"driver":"raw","file":"libvirt-2-storage","node-name":"libvirt-2-format","read-only":true}',
      '-device',
      '{"driver":"virtio-blk-pci","drive":"libvirt-2-format","id":"virtio-disk1"}',
      '-blockdev',
      '{"driver":"file","filename":"/images/kvm1.img","node-name":"libvirt-3-storage","read-only":false}',
      '-blockdev',
      '{"driver":"raw","file":"libvirt-3-storage","node-name":"libvirt-3-format","read-only":false}',
      '-device',
      '{"driver":"ide-hd","bus":"sata0.0","drive":"libvirt-3-format","id":"sata0-0-0"}',
      '-blockdev',
      '{"driver":"file","filename":"/images/install.iso","node-name":"libvirt-4-storage","read-only":true}',
      '-blockdev',
      '{"driver":"raw","file":"libvirt-4-storage","node-name":"libvirt-4-format","read-only":true}',
      '-device',
      '{"driver":"ide-cd","bus":"ide.1","unit":0,"drive":"libvirt-4-format","id":"ide0-1-0","bootindex":1}',
      '-netdev',
      '{"type":"user","id":"hostnet0"}',
      '-device',
      '{"driver":"virtio-net-pci","netdev":"hostnet0","id":"net0","mac":"52:54:00:aa:bb:01","bootindex":3}',
      '-netdev',
      '{"type":"tap","id":"hostnet1","fd":"3"}',
      '-device',
      '{"driver":"e1000","netdev":"hostnet1","id":"net1","mac":"52:54:00:aa:bb:02"}',
      '-netdev',
      '{"type":"tap","id":"hostnet2","ifname":"tap0","script":"no","downscript":"no"}',
      '-device',
      '{"driver":"virtio-net-pci","netdev":"hostnet2","id":"net2","mac":"52:54:00:aa:bb:03"}',
      ...CONSOLE,
      '-chardev',
      'file,id=charserial1,path=/var/log/full-com2.log',
      '-device',
      '{"driver":"isa-serial","chardev":"charserial1","id":"serial1","index":1}',
      '-chardev',
      'socket,id=charserial2,path=/run/full-com3.sock,server=on,wait=off',
      '-device',
      '{"driver":"isa-serial","chardev":"charserial2","id":"serial2","index":2}',
      '-device',
      '{"driver":"VGA","id":"video0","vgamem_mb":16}',
      '-device',
      '{"driver":"virtio-balloon-pci","id":"balloon0"}',
    ]);
  });

  it('fails a type kvm domain with the probe reason where KVM is not usable', () => {
    const err = argvError(parseDomainXml(BOOT_SECTOR_XML), NO_KVM_HOST);
    expect(err.code).toBe('ERR_KVM_UNAVAILABLE');
    expect(err.fields).toEqual({
      domain: 'bootsector',
      reason: '/dev/kvm does not exist; load kvm_intel or kvm_amd',
    });
    expect(err.message).toContain('/dev/kvm does not exist; load kvm_intel or kvm_amd');
  });

  it('fails a volume disk that the driver has not resolved', () => {
    const config = parseDomainXml(
      buildDomainXml({
        devices: "<disk type='volume'><source pool='default' volume='kvm1.img'/><target dev='vdb'/></disk>",
      }),
    );
    const err = argvError(config, KVM_HOST);
    expect(err.code).toBe('ERR_INVALID_ARG');
    expect(err.fields).toEqual({
      field: 'source',
      value: 'default/kvm1.img',
      expected: 'a resolved volume path',
    });
  });

  it('uses host_device for a volume resolved to a block device', () => {
    const config = parseDomainXml(
      buildDomainXml({
        devices: "<disk type='volume'><source pool='vg' volume='lv0'/><target dev='vdb'/></disk>",
      }),
    );
    const src = config.devices.disks[0]?.source;
    if (src?.kind !== 'volume') throw new Error('expected a volume');
    src.resolved = { path: '/dev/vg/lv0', kind: 'block' };
    expect(buildQemuArgv(config, KVM_HOST, PATHS)).toContain(
      '{"driver":"host_device","filename":"/dev/vg/lv0","node-name":"libvirt-1-storage","read-only":false}',
    );
  });

  it('passes host-passthrough as -cpu host only where -cpu host works', () => {
    const config = parseDomainXml(buildDomainXml({ type: 'kvm', top: "<cpu mode='host-passthrough'/>" }));
    const argv = buildQemuArgv(config, { ...KVM_HOST, cpuHostWorks: true }, PATHS);
    expect(argv.slice(argv.indexOf('-cpu'), argv.indexOf('-cpu') + 2)).toEqual(['-cpu', 'host']);
    const err = argvError(config, KVM_HOST);
    expect(err.code).toBe('ERR_NOT_SUPPORTED');
    expect(err.fields).toMatchObject({ element: 'cpu', value: 'host-passthrough', hostFact: 'cpuHostWorks' });
  });

  it('refuses host-passthrough under TCG and maps host-model to the TCG max model', () => {
    const passthrough = parseDomainXml(buildDomainXml({ top: "<cpu mode='host-passthrough'/>" }));
    expect(argvError(passthrough, NO_KVM_HOST).code).toBe('ERR_NOT_SUPPORTED');
    const hostModel = parseDomainXml(buildDomainXml({ top: "<cpu mode='host-model'/>" }));
    expect(buildQemuArgv(hostModel, NO_KVM_HOST, PATHS)).toContain('max');
  });

  it('escapes commas in the name and in chardev paths, and writes odd memory sizes in KiB', () => {
    const config = parseDomainXml(
      buildDomainXml({
        top: "<currentMemory unit='KiB'>1000</currentMemory>",
        devices: "<serial type='file'><source path='/var/log/a,b.log'/></serial>",
      })
        .replace('<name>t</name>', '<name>a,b</name>')
        .replace("<memory unit='MiB'>64</memory>", '<memory>1000</memory>'),
    );
    const argv = buildQemuArgv(config, NO_KVM_HOST, PATHS);
    expect(argv).toContain('guest=a,,b,debug-threads=on');
    expect(argv).toContain('file,id=charserial0,path=/var/log/a,,b.log');
    expect(argv).toContain('size=1000k');
  });

  it('turns off ACPI, keeps qemu after a guest poweroff for preserve, and uses Q35 AHCI buses', () => {
    const config = parseDomainXml(
      buildDomainXml({
        os: "<type machine='q35'>hvm</type>",
        top: '<on_poweroff>preserve</on_poweroff>',
        devices: "<disk device='cdrom'><target dev='sdc' bus='sata'/></disk>",
      }),
    );
    const argv = buildQemuArgv(config, NO_KVM_HOST, PATHS);
    expect(argv).toContain('q35,acpi=off');
    expect(argv).toContain('-no-shutdown');
    expect(argv).not.toContain('{"driver":"ahci","id":"sata0"}');
    expect(argv).toContain('{"driver":"ide-cd","bus":"ide.2","id":"sata0-0-2"}');
  });

  it('serves VNC on a fixed port, on its own socket, or on the driver socket', () => {
    const vnc = (graphics: string, paths: QemuRuntimePaths = PATHS): string | undefined => {
      const argv = buildQemuArgv(parseDomainXml(buildDomainXml({ devices: graphics })), NO_KVM_HOST, paths);
      return argv[argv.indexOf('-vnc') + 1];
    };
    expect(vnc("<graphics type='vnc' port='5907' autoport='no'/>")).toBe('127.0.0.1:7');
    expect(vnc("<graphics type='vnc' socket='/run/v.sock'/>")).toBe('unix:/run/v.sock');
    expect(
      vnc("<graphics type='vnc'><listen type='socket'/></graphics>", { ...PATHS, vncSocket: '/r/g.vnc' }),
    ).toBe('unix:/r/g.vnc');
    const config = parseDomainXml(
      buildDomainXml({ devices: "<graphics type='vnc'><listen type='socket'/></graphics>" }),
    );
    expect(argvError(config, NO_KVM_HOST).fields).toMatchObject({ field: 'vncSocket' });
  });

  it('escapes commas in the monitor, console and VNC socket paths, so that a name with a comma starts', () => {
    const config = parseDomainXml(
      buildDomainXml({ devices: "<graphics type='vnc'><listen type='socket'/></graphics>" }),
    );
    const argv = buildQemuArgv(config, NO_KVM_HOST, {
      ...PATHS,
      qmpSocket: '/r/a,b.d/monitor.sock',
      vncSocket: '/r/a,b.d/vnc.sock',
    });
    expect(argv).toContain('socket,id=charmonitor,path=/r/a,,b.d/monitor.sock,server=on,wait=off');
    expect(argv).toContain('unix:/r/a,,b.d/vnc.sock');
  });

  it('adds the seccomp sandbox that libvirt asks for when told to', () => {
    const argv = buildQemuArgv(parseDomainXml(LINUX_XML), NO_KVM_HOST, PATHS, { seccompSandbox: true });
    expect(argv.slice(argv.indexOf('-sandbox'), argv.indexOf('-sandbox') + 2)).toEqual([
      '-sandbox',
      'on,obsolete=deny,elevateprivileges=deny,spawn=deny,resourcecontrol=deny',
    ]);
    expect(buildQemuArgv(parseDomainXml(LINUX_XML), NO_KVM_HOST, PATHS)).not.toContain('-sandbox');
  });
});

describe('buildQemuArgv NIC option ROM', () => {
  it("loads no option ROM for <rom enabled='no'/>", () => {
    const config = parseDomainXml(
      buildDomainXml({
        devices: "<interface type='user'><mac address='52:54:00:00:00:05'/><rom enabled='no'/></interface>",
      }),
    );
    expect(buildQemuArgv(config, NO_KVM_HOST, PATHS)).toContain(
      '{"driver":"virtio-net-pci","netdev":"hostnet0","id":"net0","mac":"52:54:00:00:00:05","romfile":""}',
    );
  });
});

describe('buildQemuArgv pty serials', () => {
  it("gives each pty serial its own qemu pty, and only the console's serial the serial log", () => {
    const config = parseDomainXml(
      buildDomainXml({
        devices:
          "<serial type='pty'><target port='0'/></serial><serial type='pty'><target port='1'/></serial>" +
          "<console type='pty'><target type='serial' port='1'/></console>",
      }),
    );
    const chardevs = buildQemuArgv(config, NO_KVM_HOST, PATHS).filter((a) => a.startsWith('pty,'));
    expect(chardevs).toEqual([
      'pty,id=charserial0',
      'pty,id=charserial1,logfile=/r/log/qemu/g.serial.log,logappend=on',
    ]);
  });
});

describe('findConsoleSerialIndex', () => {
  it('is the serial the <console> names by port, else the first serial, and none without serials', () => {
    const index = (devices: string): number | undefined =>
      findConsoleSerialIndex(parseDomainXml(buildDomainXml({ devices })));
    const two =
      "<serial type='file'><source path='/f'/><target port='0'/></serial><serial type='pty'><target port='1'/></serial>";
    expect(index(two)).toBe(0);
    expect(index(`${two}<console type='pty'><target type='serial' port='1'/></console>`)).toBe(1);
    expect(index('')).toBeUndefined();
  });
});
