/** The `ip` argument lists that put a guest's tap on a bridge (pure; tests compare them exactly). */

/**
 * The tap's own MAC: the guest's with the first byte 0xfe, as libvirt sets it, so that the bridge
 * never takes the tap's address for its own (a bridge takes the lowest MAC of its ports).
 */
export function buildHostSideMac(guestMac: string): string {
  return `fe${guestMac.slice(2)}`;
}

/** Sets the tap's MAC and MTU, enslaves it to `bridge` and brings it up. */
export function buildTapUpArgs(tap: string, guestMac: string, bridge: string, mtu?: number): string[][] {
  const set = ['link', 'set', 'dev', tap, 'address', buildHostSideMac(guestMac)];
  if (mtu !== undefined) set.push('mtu', String(mtu));
  return [set, ['link', 'set', 'dev', tap, 'master', bridge, 'up']];
}
