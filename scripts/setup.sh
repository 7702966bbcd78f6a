#!/usr/bin/env bash
# Installs what tsvirt and its tests need, only where it is missing: Debian packages, npm packages, the
# build, and the test guests. Safe to run again; the README's two commands run it first.
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian packages: the hypervisor and storage tools tsvirt drives, and libvirt's own clients for tests
# (openssl makes the TLS tests' certificates).
packages=(
  qemu-system-x86 qemu-utils lvm2 busybox-static cpio util-linux
  libvirt-clients python3-libvirt libvirt-daemon libvirt-daemon-driver-qemu
  chromium openssl
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
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

echo "setup: test guests"
node dist/scripts/build-guests.js
