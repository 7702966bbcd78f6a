/**
 * Spot checks of the keycode table against the published tables: Linux's input-event-codes.h, the IBM
 * PC scancode sets 1 and 2, the USB HID usage tables (keyboard page), Windows' virtual-key codes, macOS's
 * kVK_* codes, and QEMU's qnum numbering.
 */
import { describe, expect, it } from 'vitest';
import {
  CODESET_NAMES,
  KeycodeSet,
  codesetName,
  keycodeOfName,
  parseCodesetName,
  translateKeycode,
} from '../../src/api/keycodes.js';

const { LINUX, XT, ATSET1, ATSET2, ATSET3, OSX, XT_KBD, USB, WIN32, QNUM } = KeycodeSet;
const fromLinux = (to: number, code: number) => translateKeycode(LINUX, to, code);

describe('keycode codesets', () => {
  it("numbers and names the codesets as libvirt's virKeycodeSet does", () => {
    expect(CODESET_NAMES.map((name, n) => [n, name])).toEqual([
      [0, 'linux'],
      [1, 'xt'],
      [2, 'atset1'],
      [3, 'atset2'],
      [4, 'atset3'],
      [5, 'os_x'],
      [6, 'xt_kbd'],
      [7, 'usb'],
      [8, 'win32'],
      [9, 'qnum'],
    ]);
    expect([LINUX, XT, ATSET1, ATSET2, ATSET3, OSX, XT_KBD, USB, WIN32, QNUM]).toEqual([
      0, 1, 2, 3, 4, 5, 6, 7, 8, 9,
    ]);
    expect(parseCodesetName('win32')).toBe(WIN32);
    expect(parseCodesetName('rfb')).toBe(QNUM); // qnum's old name
    expect(parseCodesetName('ebcdic')).toBeUndefined();
    expect(codesetName(OSX)).toBe('os_x');
    expect(codesetName(42)).toBe('42');
  });

  it('gives the letter A in every codeset it knows', () => {
    expect(keycodeOfName(LINUX, 'KEY_A')).toBe(30);
    expect(fromLinux(XT, 30)).toBe(0x1e);
    expect(fromLinux(ATSET1, 30)).toBe(0x1e);
    expect(fromLinux(ATSET2, 30)).toBe(0x1c);
    expect(fromLinux(USB, 30)).toBe(4);
    expect(fromLinux(WIN32, 30)).toBe(0x41);
    expect(fromLinux(OSX, 30)).toBe(0);
    expect(fromLinux(XT_KBD, 30)).toBe(0x1e);
    expect(fromLinux(QNUM, 30)).toBe(0x1e);
  });

  it('spot-checks keys of each row of the keyboard in each codeset', () => {
    // [linux, set 1, set 2, usb, win32, os_x]
    const keys: [string, number, number, number, number, number, number][] = [
      ['KEY_ESC', 1, 0x01, 0x76, 0x29, 0x1b, 0x35],
      ['KEY_1', 2, 0x02, 0x16, 0x1e, 0x31, 0x12],
      ['KEY_0', 11, 0x0b, 0x45, 0x27, 0x30, 0x1d],
      ['KEY_Q', 16, 0x10, 0x15, 0x14, 0x51, 0x0c],
      ['KEY_ENTER', 28, 0x1c, 0x5a, 0x28, 0x0d, 0x24],
      ['KEY_M', 50, 0x32, 0x3a, 0x10, 0x4d, 0x2e],
      ['KEY_SPACE', 57, 0x39, 0x29, 0x2c, 0x20, 0x31],
      ['KEY_F1', 59, 0x3b, 0x05, 0x3a, 0x70, 0x7a],
      ['KEY_F7', 65, 0x41, 0x83, 0x40, 0x76, 0x62],
      ['KEY_F12', 88, 0x58, 0x07, 0x45, 0x7b, 0x6f],
      ['KEY_KP7', 71, 0x47, 0x6c, 0x5f, 0x67, 0x59],
      ['KEY_UP', 103, 0xe048, 0xe075, 0x52, 0x26, 0x7e],
      ['KEY_DELETE', 111, 0xe053, 0xe071, 0x4c, 0x2e, 0x75],
      ['KEY_RIGHTCTRL', 97, 0xe01d, 0xe014, 0xe4, 0xa3, 0x3e],
      ['KEY_LEFTMETA', 125, 0xe05b, 0xe01f, 0xe3, 0x5b, 0x37],
    ];
    for (const [name, linux, set1, set2, usb, win32, osx] of keys) {
      expect([name, keycodeOfName(LINUX, name)]).toEqual([name, linux]);
      const got = [ATSET1, ATSET2, USB, WIN32, OSX].map((set) => fromLinux(set, linux));
      expect([name, ...got]).toEqual([name, set1, set2, usb, win32, osx]);
    }
  });

  it('folds extended set 1 keys into qnum bit 7 and xt_kbd bit 8', () => {
    expect(fromLinux(QNUM, 103)).toBe(0xc8); // KEY_UP, set 1 0xe048
    expect(fromLinux(XT_KBD, 103)).toBe(0x148);
    expect(fromLinux(QNUM, 96)).toBe(0x9c); // KEY_KPENTER, set 1 0xe01c
    expect(translateKeycode(XT_KBD, QNUM, 0x11d)).toBe(0x9d); // KEY_RIGHTCTRL
    expect(translateKeycode(XT_KBD, LINUX, 0x9d)).toBeUndefined(); // 0x9d is no xt_kbd code
    // libvirt takes xt as set 1, extended keys included.
    expect(translateKeycode(XT, QNUM, 0xe048)).toBe(0xc8);
    expect(translateKeycode(ATSET1, LINUX, 0xe053)).toBe(111);
    expect(translateKeycode(QNUM, LINUX, 0x54)).toBe(99); // KEY_SYSRQ
    expect(fromLinux(ATSET2, 99)).toBe(0x7f);
  });

  it('translates between any two codesets through the same key', () => {
    expect(translateKeycode(USB, QNUM, 5)).toBe(0x30); // usb B -> set 1 B
    expect(translateKeycode(WIN32, QNUM, 0x43)).toBe(0x2e); // VK_C
    expect(translateKeycode(OSX, ATSET2, 0x24)).toBe(0x5a); // Return
    expect(translateKeycode(ATSET2, USB, 0xe06b)).toBe(0x50); // left arrow
    expect(translateKeycode(QNUM, WIN32, 0xdb)).toBe(0x5b); // left meta -> VK_LWIN
  });

  it("takes win32's side-less VK_SHIFT, VK_CONTROL and VK_MENU as the left keys", () => {
    expect(keycodeOfName(WIN32, 'VK_SHIFT')).toBe(0x10);
    expect(keycodeOfName(WIN32, 'VK_CONTROL')).toBe(0x11);
    expect(keycodeOfName(WIN32, 'VK_MENU')).toBe(0x12);
    expect(translateKeycode(WIN32, QNUM, 0x10)).toBe(0x2a);
    expect(translateKeycode(WIN32, LINUX, 0x11)).toBe(29);
    expect(translateKeycode(WIN32, LINUX, 0x12)).toBe(56);
    expect(fromLinux(WIN32, 29)).toBe(0xa2); // VK_LCONTROL
  });

  it('looks names up only in the codesets that have them', () => {
    expect(keycodeOfName(WIN32, 'VK_RETURN')).toBe(0x0d);
    expect(keycodeOfName(OSX, 'ANSI_A')).toBe(0);
    expect(keycodeOfName(OSX, 'RightCommand')).toBe(0x36);
    expect(keycodeOfName(LINUX, 'VK_RETURN')).toBeUndefined();
    expect(keycodeOfName(WIN32, 'KEY_A')).toBeUndefined();
    expect(keycodeOfName(USB, 'KEY_A')).toBeUndefined();
    expect(keycodeOfName(QNUM, 'KEY_A')).toBeUndefined();
    expect(keycodeOfName(OSX, '')).toBeUndefined();
    expect(keycodeOfName(LINUX, 'key_a')).toBeUndefined();
  });

  it('refuses keys a codeset lacks, atset3, and unknown codesets', () => {
    expect(fromLinux(WIN32, 96)).toBeUndefined(); // KEY_KPENTER has no virtual key of its own
    expect(fromLinux(OSX, 70)).toBeUndefined(); // KEY_SCROLLLOCK
    expect(fromLinux(OSX, 110)).toBeUndefined(); // KEY_INSERT: macOS's Help key is KEY_HELP
    expect(translateKeycode(XT, QNUM, 250)).toBeUndefined();
    expect(translateKeycode(USB, QNUM, 0)).toBeUndefined();
    expect(translateKeycode(LINUX, QNUM, 0x7fff)).toBeUndefined();
    expect(translateKeycode(ATSET3, QNUM, 0x1c)).toBeUndefined();
    expect(fromLinux(ATSET3, 30)).toBeUndefined();
    expect(translateKeycode(10, QNUM, 30)).toBeUndefined();
    expect(fromLinux(-1, 30)).toBeUndefined();
  });

  it('has one key per code in each codeset (translation back gives the same code)', () => {
    for (const set of [XT, ATSET1, ATSET2, OSX, XT_KBD, USB, WIN32, QNUM]) {
      for (let linux = 1; linux < 128; linux++) {
        const code = fromLinux(set, linux);
        if (code === undefined) continue;
        expect([set, linux, translateKeycode(set, LINUX, code)]).toEqual([set, linux, linux]);
      }
    }
  });
});
