#!/usr/bin/env bash
# Installs what one of the README's commands needs, only where it is missing. Safe to run again.
#   scripts/setup.sh start   what running tsvirt needs (npm start): the Debian packages of RUN_PACKAGES,
#                            the qemu user and group, npm ci, the build
#   scripts/setup.sh test    that, and what only the tests and benchmarks need (npm test, npm run bench):
#                            TEST_PACKAGES and the test guests (the default)
#   --dry-run                prints the mode's packages, the missing ones and the steps; changes nothing
set -euo pipefail
cd "$(dirname "$0")/.."

# What running tsvirt needs: qemu and qemu-img, LVM for logical pools, util-linux's setpriv (qemu runs
# through it) and prlimit (the daemon's open-file limit). The demo guest is a boot sector of our own.
# Virtual networks run dnsmasq (their DHCP and DNS) and nftables (their NAT and forwarding).
RUN_PACKAGES=(qemu-system-x86 qemu-utils lvm2 util-linux dnsmasq-base nftables)

# What only the tests and benchmarks need. New test-only packages go here, one line each with its reason.
TEST_PACKAGES=(
  busybox-static cpio        # the Linux test guest's initramfs
  openssl                    # the TLS tests' certificates
  chromium                   # the page's tests, headless
  libvirt-clients            # the real virsh, as a client of tsvirtd
  python3-libvirt            # libvirt-python, for tests and benchmarks
  libvirt-daemon             # the reference libvirtd of the benchmarks and the client's tests
  libvirt-daemon-driver-qemu # (its qemu driver)
  virtinst                   # the real virt-install, as a client of tsvirtd
  virt-manager               # the real virt-manager, driven through the walk-through against tsvirtd
  xvfb                       # (the X display it runs on in the tests)
  dbus-daemon                # (its session bus, which starts the accessibility bus)
  python3-dogtail            # (drives its windows through the accessibility bus; brings at-spi2-core)
  iproute2                   # (ip netns: it reaches tsvirtd from a namespace, as a remote host)
)

mode=test
dry_run=0
for arg in "$@"; do
  case "$arg" in
    start | test) mode=$arg ;;
    --dry-run) dry_run=1 ;;
    *)
      echo "setup: unknown argument '$arg'; usage: scripts/setup.sh [start|test] [--dry-run]" >&2
      exit 2
      ;;
  esac
done

packages=("${RUN_PACKAGES[@]}")
[ "$mode" = test ] && packages+=("${TEST_PACKAGES[@]}")
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done

if [ "$dry_run" -eq 1 ]; then
  echo "setup ($mode): Debian packages: ${packages[*]}"
  echo "setup ($mode): missing: ${missing[*]:-none}"
  steps="the qemu user and group (as root), npm ci (when node_modules is stale), the build"
  [ "$mode" = test ] && steps="$steps, the test guests"
  echo "setup ($mode): then $steps"
  exit 0
fi

if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "setup: missing Debian packages: ${missing[*]}; install them as root (apt-get install ${missing[*]})" >&2
    exit 1
  fi
  echo "setup: installing ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# The user and group qemu runs as (qemu.conf's defaults: tsvirt-qemu, kvm), as Debian's libvirt has
# libvirt-qemu:kvm; /dev/kvm for group kvm with mode 0660, as Debian's udev rule gives it.
if [ "$(id -u)" -eq 0 ]; then
  getent group kvm >/dev/null || groupadd --system kvm
  if ! getent passwd tsvirt-qemu >/dev/null; then
    echo "setup: creating the system user tsvirt-qemu (group kvm) that runs qemu"
    useradd --system --gid kvm --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin \
      --comment "tsvirt qemu guests" tsvirt-qemu
  fi
  if [ -c /dev/kvm ] && [ "$(stat -c %G /dev/kvm)" = root ]; then
    chgrp kvm /dev/kvm && chmod 0660 /dev/kvm
  fi
fi

# npm packages, when node_modules is absent or older than the lock file.
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "setup: npm ci"
  npm ci --no-audit --no-fund --loglevel=error
fi

echo "setup: build"
npx tsc -p tsconfig.build.json
npx tsc -p web/tsconfig.json
bash scripts/bundle-cli.sh

if [ "$mode" = test ]; then
  echo "setup: test guests"
  node dist/scripts/build-guests.js
fi
