import { describe, expect, it } from 'vitest';
import {
  ACPID_DIR,
  buildAcpidConf,
  buildInitScript,
  buildPowerButtonScript,
  buildUdhcpcScript,
  LINUX_DHCP_PREFIX,
  UDHCPC_SCRIPT,
} from '../../scripts/guests/init-script.js';
import {
  LINUX_POWEROFF_MARKER,
  LINUX_READY_MARKER,
  LINUX_REBOOT_MARKER,
} from '../../scripts/guests/paths.js';

describe('Linux guest /init', () => {
  const init = buildInitScript(['evdev', 'button', 'virtio_ring']);

  it('loads the modules in the order given, after mounting devtmpfs', () => {
    expect(init).toContain('for m in evdev button virtio_ring; do');
    expect(init.indexOf('mount -t devtmpfs')).toBeLessThan(init.indexOf('insmod'));
  });

  it('starts acpid with its config folder before printing READY', () => {
    expect(init).toContain(`acpid -f -c /${ACPID_DIR} -a /${ACPID_DIR}/acpid.conf`);
    expect(init.indexOf('acpid -f')).toBeLessThan(init.indexOf(`echo ${LINUX_READY_MARKER}`));
  });

  it('arms the poweroff and reboot timers from the kernel command line', () => {
    expect(init).toContain('tsvirt.poweroff=*) poweroff_s=${arg#*=}');
    expect(init).toContain(`echo ${LINUX_POWEROFF_MARKER}; sleep 0.2; poweroff -f`);
    expect(init).toContain(`echo ${LINUX_REBOOT_MARKER}; sleep 0.2; reboot -f`);
  });

  it('never lets pid 1 exit', () => {
    expect(init.trimEnd().split('\n').pop()).toBe('while true; do sleep 3600; done');
  });

  it('maps PWRF to a relative action whose script prints the marker and powers off', () => {
    expect(buildAcpidConf()).toBe('PWRF pwrf\n');
    const script = buildPowerButtonScript();
    expect(script.startsWith('#!/bin/sh\n')).toBe(true);
    expect(script).toContain(`echo ${LINUX_POWEROFF_MARKER}`);
    expect(script).toContain('poweroff -f');
  });
});

describe('Linux guest DHCP', () => {
  const init = buildInitScript(['virtio_net']);

  it('runs udhcpc on eth0 with its event script and hostname only with tsvirt.dhcp=1', () => {
    expect(init).toContain('tsvirt.dhcp=*) dhcp=${arg#*=}');
    expect(init).toContain('tsvirt.hostname=*) host=${arg#*=}');
    expect(init).toContain(
      `if [ "$dhcp" = 1 ]; then\n  udhcpc -f -i eth0 -s /${UDHCPC_SCRIPT} -x hostname:"$(hostname)"`,
    );
    expect(init.indexOf('udhcpc')).toBeLessThan(init.indexOf(`echo ${LINUX_READY_MARKER}`));
  });

  it('sets address, default route and resolv.conf from the lease and prints the marker', () => {
    const script = buildUdhcpcScript();
    expect(script.startsWith('#!/bin/sh\n')).toBe(true);
    expect(script).toContain('ifconfig "$interface" "$ip" netmask "${subnet:-255.255.255.0}" up');
    expect(script).toContain('ip route replace default via "$r" dev "$interface"');
    expect(script).toContain('echo "nameserver $d" >>/etc/resolv.conf');
    expect(script).toContain(`echo "${LINUX_DHCP_PREFIX} $1 $interface $ip" >/dev/console`);
  });
});
