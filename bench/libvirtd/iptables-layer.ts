/**
 * iptables for the confined reference libvirtd only. libvirtd 9.0's network driver applies its firewall
 * rules with /usr/sbin/iptables and ip6tables (without D-Bus it does not try firewalld), and a network
 * with NAT fails to start when they are missing: "cannot execute binary /usr/sbin/iptables". It also
 * remembers that failure until it restarts, so the binaries must be there before it starts. This host
 * has nftables but no iptables package; Debian's iptables package (the nft variant, which programs the
 * same kernel tables as nft) is unpacked once into .cache/bench-iptables with `apt-get download` and
 * `dpkg -x`, and overlaid on /usr inside libvirtd's mount namespace. Nothing is installed on the host.
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rename, rm, symlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { GUEST_CACHE_DIR } from '../../scripts/guests/paths.js';
import { unpackPackage } from '../../scripts/guests/kernel-package.js';

/** Packages that make up iptables here: libip6tc2 is the one library of it the host lacks. */
const PACKAGES = ['iptables', 'libip6tc2'] as const;

/** The names libvirtd runs; Debian's postinst points them at xtables-nft-multi through alternatives. */
const COMMANDS = ['iptables', 'ip6tables'].flatMap((c) => [c, `${c}-save`, `${c}-restore`]);

const CACHE_DIR = join(dirname(GUEST_CACHE_DIR), 'bench-iptables');

/** Unpack the packages and add the alternatives' links; a no-op once done. */
async function ensureUnpacked(): Promise<void> {
  if (existsSync(join(CACHE_DIR, 'alt', 'usr', 'sbin', 'iptables'))) return;
  await mkdir(dirname(CACHE_DIR), { recursive: true, mode: 0o755 });
  const work = await mkdtemp(`${CACHE_DIR}.tmp-`);
  try {
    for (const pkg of PACKAGES) await unpackPackage(pkg, work);
    const sbin = join(work, 'alt', 'usr', 'sbin');
    await mkdir(sbin, { recursive: true, mode: 0o755 });
    for (const c of COMMANDS) await symlink('xtables-nft-multi', join(sbin, c));
    await rm(CACHE_DIR, { recursive: true, force: true });
    await rename(work, CACHE_DIR);
  } catch (err) {
    await rm(work, { recursive: true, force: true });
    throw err;
  }
}

/** The read-only layers to stack on /usr (uppermost first) so that /usr/sbin/iptables exists. */
export async function prepareIptablesLayers(): Promise<string[]> {
  await ensureUnpacked();
  return [join(CACHE_DIR, 'alt', 'usr'), join(CACHE_DIR, 'root', 'usr')];
}
