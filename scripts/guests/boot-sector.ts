import { TsvirtError } from '../../src/errors.js';
import { BOOT_SECTOR_MARKER } from './markers.js';

/** Size of a BIOS boot sector. */
export const SECTOR_BYTES = 512;

/** Where the BIOS loads sector 0 (physical address 0x7c00). */
const LOAD_ADDRESS = 0x7c00;

/** The 16-bit code before the message; its length fixes the message's offset. */
function buildCode(messageAddress: number): number[] {
  return [
    0xfa, //                      0: cli                 no interrupts: nothing here handles them
    0x31,
    0xc0, //                1: xor ax, ax
    0x8e,
    0xd8, //                3: mov ds, ax          ds = 0, so si holds a physical address
    0xfc, //                      5: cld                 lodsb counts up
    0xbe,
    messageAddress & 0xff,
    messageAddress >> 8, // 6: mov si, message
    0xba,
    0xf8,
    0x03, //          9: mov dx, 0x3f8       COM1 data register (THR)
    0xac, //                     12: lodsb              al = [ds:si++]
    0x84,
    0xc0, //               13: test al, al
    0x74,
    0x03, //               15: jz +3 -> 20        NUL ends the message
    0xee, //                     17: out dx, al         QEMU's 16550 needs no setup to transmit
    0xeb,
    0xf8, //               18: jmp -8 -> 12
    0xfa, //                     20: cli
    0xf4, //                     21: hlt
    0xeb,
    0xfc, //               22: jmp -4 -> 20       stay halted even after an NMI
  ];
}

/** Offset of the message in the sector: right after the 24 bytes of code. */
const MESSAGE_OFFSET = 24;

/**
 * The 512-byte boot sector of the boot-sector guest: real-mode code that writes
 * `TSVIRT-BOOT-OK\r\n` to COM1 and halts, then the 0x55 0xAA signature.
 */
export function buildBootSector(): Buffer {
  const sector = Buffer.alloc(SECTOR_BYTES);
  const code = buildCode(LOAD_ADDRESS + MESSAGE_OFFSET);
  if (code.length !== MESSAGE_OFFSET) {
    throw new TsvirtError('ERR_INTERNAL', 'boot sector: code length and message offset disagree', {
      field: 'code.length',
      value: code.length,
      expected: MESSAGE_OFFSET,
    });
  }
  sector.set(code, 0);
  sector.write(`${BOOT_SECTOR_MARKER}\r\n\0`, MESSAGE_OFFSET, 'latin1');
  sector[510] = 0x55; // BIOS boot signature, low byte first
  sector[511] = 0xaa;
  return sector;
}

/** Size of the raw disk image that holds the boot sector (1 MiB; the rest is zeros). */
export const BOOT_IMAGE_BYTES = 1024 * 1024;

/** The whole raw disk image: the boot sector followed by zeros. */
export function buildBootImage(): Buffer {
  const image = Buffer.alloc(BOOT_IMAGE_BYTES);
  buildBootSector().copy(image, 0);
  return image;
}
