/** MAC addresses of network definitions: canonical form, checks and libvirt's 52:54:00 prefix (pure). */

const MAC_RE = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/i;

/** The lower-case canonical form of `text`, or undefined when it is not six colon-separated bytes. */
export function parseMac(text: string): string | undefined {
  return MAC_RE.test(text) ? text.toLowerCase() : undefined;
}

/** Whether the group bit (the low bit of the first byte) is set. */
export function isMulticastMac(mac: string): boolean {
  return (parseInt(mac.slice(0, 2), 16) & 1) === 1;
}

/** A MAC address with libvirt's QEMU prefix 52:54:00 and three bytes from `random`. */
export function buildQemuMac(random: Buffer): string {
  const tail = [...random.subarray(0, 3)].map((b) => b.toString(16).padStart(2, '0'));
  return ['52', '54', '00', ...tail].join(':');
}
