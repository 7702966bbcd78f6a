import { LINUX_POWEROFF_MARKER, LINUX_READY_MARKER, LINUX_REBOOT_MARKER } from './markers.js';

/** Folder of busybox acpid's configuration inside the guest; actions run relative to it. */
export const ACPID_DIR = 'etc/acpi';

/** Module names the Linux guest loads that must succeed for the power button to work, in order. */
export const REQUIRED_MODULES = ['evdev', 'button'] as const;

/** Modules loaded best effort, for tests that give the guest virtio devices. */
export const OPTIONAL_MODULES = [
  'virtio_pci',
  'virtio_blk',
  'virtio_balloon',
  'virtio_net',
  'virtio_scsi',
  'sd_mod',
] as const;

/**
 * busybox acpid maps the event `PWRF` (power button) to the action `pwrf`, which it runs as `./pwrf`
 * relative to its -c folder; an absolute path there does nothing.
 */
export function buildAcpidConf(): string {
  return 'PWRF pwrf\n';
}

/**
 * The power-button action: print the marker, give the UART time to drain (poweroff -f does not wait for
 * the tty), then power off at once (a shell /init has no handler for a plain `poweroff`).
 */
export function buildPowerButtonScript(): string {
  return ['#!/bin/sh', `echo ${LINUX_POWEROFF_MARKER} >/dev/console`, 'sleep 0.2', 'poweroff -f', ''].join(
    '\n',
  );
}

/** The lines of /init that load kernel modules from /lib/modules, in load order, reporting failures. */
function buildModuleLines(loadOrder: readonly string[]): string[] {
  return [
    `for m in ${loadOrder.join(' ')}; do`,
    '  insmod "/lib/modules/$m.ko" || echo "tsvirt-init: insmod $m failed"',
    'done',
  ];
}

/** Start acpid in the foreground as a job, and wait (at most 2 s) until it holds an input event device. */
function buildAcpidLines(): string[] {
  return [
    'i=0',
    'while [ ! -e /dev/input/event0 ] && [ $i -lt 40 ]; do sleep 0.05; i=$((i+1)); done',
    `acpid -f -c /${ACPID_DIR} -a /${ACPID_DIR}/acpid.conf -l /dev/null -p /run/acpid.pid &`,
    'acpid_pid=$!',
    'i=0',
    'until ls -l /proc/$acpid_pid/fd 2>/dev/null | grep -q /dev/input/event || [ $i -ge 40 ]; do',
    '  sleep 0.05; i=$((i+1))',
    'done',
    '[ $i -ge 40 ] && echo "tsvirt-init: acpid holds no input device; the power button will be ignored"',
  ];
}

/** The line the guest prints whenever its block devices change, with `tsvirt.watchblock=1`. */
export const LINUX_BLOCK_PREFIX = 'tsvirt-block:';

/** Path of the udhcpc event script inside the guest. */
export const UDHCPC_SCRIPT = 'etc/udhcpc.script';

/** The line the guest prints on its console each time udhcpc binds or renews a lease. */
export const LINUX_DHCP_PREFIX = 'tsvirt-dhcp:';

/**
 * busybox udhcpc's event script: on `bound`/`renew` it sets the address, the default route and
 * /etc/resolv.conf from the lease and prints LINUX_DHCP_PREFIX with the address on the console;
 * on `deconfig` it brings the interface up with no address.
 */
export function buildUdhcpcScript(): string {
  return [
    '#!/bin/sh',
    'case "$1" in',
    '  deconfig)',
    '    ip addr flush dev "$interface"',
    '    ip link set "$interface" up',
    '    ;;',
    '  bound|renew)',
    '    ip addr flush dev "$interface"',
    '    ifconfig "$interface" "$ip" netmask "${subnet:-255.255.255.0}" up',
    '    for r in $router; do ip route replace default via "$r" dev "$interface"; break; done',
    '    : >/etc/resolv.conf',
    '    [ -n "$domain" ] && echo "search $domain" >>/etc/resolv.conf',
    '    for d in $dns; do echo "nameserver $d" >>/etc/resolv.conf; done',
    `    echo "${LINUX_DHCP_PREFIX} $1 $interface $ip" >/dev/console`,
    '    ;;',
    'esac',
    'exit 0',
    '',
  ].join('\n');
}

/**
 * Parse `tsvirt.poweroff=N`, `tsvirt.reboot=N`, `tsvirt.shell=1`, `tsvirt.watchblock=1`,
 * `tsvirt.hostname=NAME` and `tsvirt.dhcp=1` from the kernel command line. dhcp runs busybox udhcpc on
 * eth0 in the background (sending the hostname, so that the DHCP server can put it in its DNS), with
 * UDHCPC_SCRIPT as its event script. watchblock prints LINUX_BLOCK_PREFIX and the names in /sys/block each time they change
 * (polled every 20 ms), so that a host sees a hot-plugged disk arrive and leave on the serial console.
 */
function buildCommandLineLines(): string[] {
  return [
    'poweroff_s=; reboot_s=; shell=; watchblock=; dhcp=; host=',
    'for arg in $(cat /proc/cmdline); do',
    '  case "$arg" in',
    '    tsvirt.poweroff=*) poweroff_s=${arg#*=} ;;',
    '    tsvirt.reboot=*) reboot_s=${arg#*=} ;;',
    '    tsvirt.shell=*) shell=${arg#*=} ;;',
    '    tsvirt.watchblock=*) watchblock=${arg#*=} ;;',
    '    tsvirt.dhcp=*) dhcp=${arg#*=} ;;',
    '    tsvirt.hostname=*) host=${arg#*=} ;;',
    '  esac',
    'done',
    'if [ -n "$poweroff_s" ]; then',
    `  (sleep "$poweroff_s"; echo ${LINUX_POWEROFF_MARKER}; sleep 0.2; poweroff -f) &`,
    'fi',
    'if [ "$watchblock" = 1 ]; then',
    '  (last=x; while true; do now=$(ls /sys/block | tr "\\n" " ");',
    `    if [ "$now" != "$last" ]; then echo "${LINUX_BLOCK_PREFIX} $now"; last=$now; fi; sleep 0.02; done) &`,
    'fi',
    'ip link set lo up',
    'if [ -n "$host" ]; then hostname "$host"; fi',
    'if [ "$dhcp" = 1 ]; then',
    `  udhcpc -f -i eth0 -s /${UDHCPC_SCRIPT} -x hostname:"$(hostname)" -T 1 >/dev/null 2>&1 &`,
    'fi',
    'if [ -n "$reboot_s" ]; then',
    `  (sleep "$reboot_s"; echo ${LINUX_REBOOT_MARKER}; sleep 0.2; reboot -f) &`,
    'fi',
  ];
}

/**
 * The guest's /init (a busybox sh script, run as pid 1): mounts, modules, acpid, the READY marker, the
 * command-line timers, then an interactive shell on the console (tsvirt.shell=1) or sleep forever.
 * pid 1 must never exit, or the kernel panics.
 */
export function buildInitScript(loadOrder: readonly string[]): string {
  return [
    '#!/bin/sh',
    '# tsvirt test guest; written by scripts/guests/init-script.ts',
    'export PATH=/sbin:/bin:/usr/sbin:/usr/bin',
    'mount -t proc proc /proc',
    'mount -t sysfs sysfs /sys',
    'mount -t devtmpfs devtmpfs /dev',
    ...buildModuleLines(loadOrder),
    ...buildAcpidLines(),
    ...buildCommandLineLines(),
    `echo ${LINUX_READY_MARKER}`,
    'if [ "$shell" = 1 ]; then',
    '  while true; do setsid cttyhack sh; sleep 0.2; done',
    'fi',
    'while true; do sleep 3600; done',
    '',
  ].join('\n');
}
