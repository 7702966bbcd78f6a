/** The I/O port of COM1, where the self-test guest writes its marker. */
export const SELF_TEST_PORT = 0x3f8;

/** The text the self-test guest writes, so that its output proves our code ran. */
export const SELF_TEST_MARKER = 'tsvirt-selftest-ok';

/** Guest-physical address where the self-test image is loaded and where execution starts. */
export const SELF_TEST_LOAD_ADDRESS = 0x1000;

/**
 * Builds a real-mode guest image: 12 bytes of code that write `marker` to COM1 and halt, followed by
 * the marker. Addresses are 16-bit offsets from segment 0, so the image must end below 64 KiB.
 *
 *   BA F8 03     mov dx, 0x3f8      port
 *   BE lo hi     mov si, marker     source (DS:SI, DS base 0)
 *   B9 lo hi     mov cx, length     count
 *   F3 6E        rep outsb          write CX bytes from DS:SI to port DX
 *   F4           hlt                exit to user space (KVM_EXIT_HLT, no in-kernel irqchip)
 */
export function buildSelfTestImage(
  marker: string = SELF_TEST_MARKER,
  loadAddress: number = SELF_TEST_LOAD_ADDRESS,
): Buffer {
  const text = Buffer.from(marker, 'latin1');
  const codeLength = 12;
  const markerAddress = loadAddress + codeLength;
  if (text.length === 0 || markerAddress + text.length > 0x10000) {
    throw new RangeError('self-test marker must be non-empty and end below 64 KiB');
  }
  // prettier-ignore
  const code = Buffer.from([
    0xba, SELF_TEST_PORT & 0xff, SELF_TEST_PORT >> 8,
    0xbe, markerAddress & 0xff, markerAddress >> 8,
    0xb9, text.length & 0xff, text.length >> 8,
    0xf3, 0x6e,
    0xf4,
  ]);
  return Buffer.concat([code, text]);
}
