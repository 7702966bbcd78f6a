/**
 * Keyboard codesets of virDomainSendKey (virKeycodeSet) and the translation of keycodes between them:
 * a pure table of the keys of a 105-key PC keyboard, one row per key. QEMU's send-key takes qnum (XT
 * set 1 scancodes with the 0xe0 prefix folded into bit 7), which is derived here from the set 1 column.
 * Not covered: atset3 and the multimedia keys; their keycodes are refused by name.
 */

/** virKeycodeSet: the codeset a virDomainSendKey call's keycodes are in. */
export const KeycodeSet = {
  LINUX: 0, // Linux input event codes (KEY_A = 30)
  XT: 1, // libvirt takes it as AT set 1 (its own name for a codeset added by mistake)
  ATSET1: 2, // AT set 1 scancodes; extended keys as 0xe0XX
  ATSET2: 3, // AT set 2 scancodes; extended keys as 0xe0XX
  ATSET3: 4, // AT set 3 scancodes
  OSX: 5, // macOS virtual keycodes (kVK_*)
  XT_KBD: 6, // Linux's raw XT codes: set 1, extended keys (0xe0XX) as 0x100 | XX
  USB: 7, // USB HID keyboard usages
  WIN32: 8, // Windows virtual-key codes (VK_*)
  QNUM: 9, // QEMU's numbers: set 1 with 0xe0XX as 0x80 | XX
} as const;

/** libvirt's names of the codesets, as virsh send-key --codeset takes them, by number. */
export const CODESET_NAMES = [
  'linux',
  'xt',
  'atset1',
  'atset2',
  'atset3',
  'os_x',
  'xt_kbd',
  'usb',
  'win32',
  'qnum',
] as const;

/** REMOTE_DOMAIN_SEND_KEY_MAX: keycodes one call may carry. */
export const SEND_KEY_MAX = 16;

/**
 * One key: Linux name and code, set 1 and set 2 scancodes, USB usage, and the win32 and macOS keys (a
 * macOS key with no name has '' as its name).
 */
type Row = readonly [
  linuxName: string,
  linux: number,
  set1: number,
  set2: number,
  usb: number,
  win32?: readonly [string, number],
  osx?: readonly [string, number],
];

const LETTERS = 'QWERTYUIOPASDFGHJKLZXCVBNM';
/** Linux codes of the letters above (16-25, 30-38, 44-50); set 1 equals them. */
const LETTER_LINUX = [
  16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 30, 31, 32, 33, 34, 35, 36, 37, 38, 44, 45, 46, 47, 48, 49, 50,
];
const LETTER_SET2 = [
  0x15, 0x1d, 0x24, 0x2d, 0x2c, 0x35, 0x3c, 0x43, 0x44, 0x4d, 0x1c, 0x1b, 0x23, 0x2b, 0x34, 0x33, 0x3b, 0x42,
  0x4b, 0x1a, 0x22, 0x21, 0x2a, 0x32, 0x31, 0x3a,
];
const LETTER_OSX = [
  0x0c, 0x0d, 0x0e, 0x0f, 0x11, 0x10, 0x20, 0x22, 0x1f, 0x23, 0x00, 0x01, 0x02, 0x03, 0x05, 0x04, 0x26, 0x28,
  0x25, 0x06, 0x07, 0x08, 0x09, 0x0b, 0x2d, 0x2e,
];
const DIGIT_SET2 = [0x45, 0x16, 0x1e, 0x26, 0x25, 0x2e, 0x36, 0x3d, 0x3e, 0x46];
const DIGIT_OSX = [0x1d, 0x12, 0x13, 0x14, 0x15, 0x17, 0x16, 0x1a, 0x1c, 0x19];
/** F1-F12: set 2, and macOS. */
const F_SET2 = [0x05, 0x06, 0x04, 0x0c, 0x03, 0x0b, 0x83, 0x0a, 0x01, 0x09, 0x78, 0x07];
const F_OSX = [0x7a, 0x78, 0x63, 0x76, 0x60, 0x61, 0x62, 0x64, 0x65, 0x6d, 0x67, 0x6f];

function buildGeneratedRows(): Row[] {
  const rows: Row[] = [];
  [...LETTERS].forEach((c, i) => {
    const linux = LETTER_LINUX[i] as number;
    const usb = 4 + c.charCodeAt(0) - 65;
    rows.push([
      `KEY_${c}`,
      linux,
      linux,
      LETTER_SET2[i] as number,
      usb,
      [`VK_${c}`, c.charCodeAt(0)],
      [`ANSI_${c}`, LETTER_OSX[i] as number],
    ]);
  });
  for (let d = 0; d <= 9; d++) {
    const linux = d === 0 ? 11 : d + 1;
    const usb = d === 0 ? 39 : 29 + d;
    rows.push([
      `KEY_${d}`,
      linux,
      linux,
      DIGIT_SET2[d] as number,
      usb,
      [`VK_${d}`, 0x30 + d],
      [`ANSI_${d}`, DIGIT_OSX[d] as number],
    ]);
  }
  for (let f = 1; f <= 12; f++) {
    const linux = f <= 10 ? 58 + f : 76 + f; // F11 = 87, F12 = 88
    rows.push([
      `KEY_F${f}`,
      linux,
      linux,
      F_SET2[f - 1] as number,
      57 + f,
      [`VK_F${f}`, 0x6f + f],
      [`F${f}`, F_OSX[f - 1] as number],
    ]);
  }
  return rows;
}

/** The other keys, written out. */
const OTHER_ROWS: readonly Row[] = [
  ['KEY_ESC', 1, 0x01, 0x76, 41, ['VK_ESCAPE', 0x1b], ['Escape', 0x35]],
  ['KEY_MINUS', 12, 0x0c, 0x4e, 45, ['VK_OEM_MINUS', 0xbd], ['ANSI_Minus', 0x1b]],
  ['KEY_EQUAL', 13, 0x0d, 0x55, 46, ['VK_OEM_PLUS', 0xbb], ['ANSI_Equal', 0x18]],
  ['KEY_BACKSPACE', 14, 0x0e, 0x66, 42, ['VK_BACK', 0x08], ['Delete', 0x33]],
  ['KEY_TAB', 15, 0x0f, 0x0d, 43, ['VK_TAB', 0x09], ['Tab', 0x30]],
  ['KEY_LEFTBRACE', 26, 0x1a, 0x54, 47, ['VK_OEM_4', 0xdb], ['ANSI_LeftBracket', 0x21]],
  ['KEY_RIGHTBRACE', 27, 0x1b, 0x5b, 48, ['VK_OEM_6', 0xdd], ['ANSI_RightBracket', 0x1e]],
  ['KEY_ENTER', 28, 0x1c, 0x5a, 40, ['VK_RETURN', 0x0d], ['Return', 0x24]],
  ['KEY_LEFTCTRL', 29, 0x1d, 0x14, 224, ['VK_LCONTROL', 0xa2], ['Control', 0x3b]],
  ['KEY_SEMICOLON', 39, 0x27, 0x4c, 51, ['VK_OEM_1', 0xba], ['ANSI_Semicolon', 0x29]],
  ['KEY_APOSTROPHE', 40, 0x28, 0x52, 52, ['VK_OEM_7', 0xde], ['ANSI_Quote', 0x27]],
  ['KEY_GRAVE', 41, 0x29, 0x0e, 53, ['VK_OEM_3', 0xc0], ['ANSI_Grave', 0x32]],
  ['KEY_LEFTSHIFT', 42, 0x2a, 0x12, 225, ['VK_LSHIFT', 0xa0], ['Shift', 0x38]],
  ['KEY_BACKSLASH', 43, 0x2b, 0x5d, 49, ['VK_OEM_5', 0xdc], ['ANSI_Backslash', 0x2a]],
  ['KEY_COMMA', 51, 0x33, 0x41, 54, ['VK_OEM_COMMA', 0xbc], ['ANSI_Comma', 0x2b]],
  ['KEY_DOT', 52, 0x34, 0x49, 55, ['VK_OEM_PERIOD', 0xbe], ['ANSI_Period', 0x2f]],
  ['KEY_SLASH', 53, 0x35, 0x4a, 56, ['VK_OEM_2', 0xbf], ['ANSI_Slash', 0x2c]],
  ['KEY_RIGHTSHIFT', 54, 0x36, 0x59, 229, ['VK_RSHIFT', 0xa1], ['RightShift', 0x3c]],
  ['KEY_KPASTERISK', 55, 0x37, 0x7c, 85, ['VK_MULTIPLY', 0x6a], ['ANSI_KeypadMultiply', 0x43]],
  ['KEY_LEFTALT', 56, 0x38, 0x11, 226, ['VK_LMENU', 0xa4], ['Option', 0x3a]],
  ['KEY_SPACE', 57, 0x39, 0x29, 44, ['VK_SPACE', 0x20], ['Space', 0x31]],
  ['KEY_CAPSLOCK', 58, 0x3a, 0x58, 57, ['VK_CAPITAL', 0x14], ['CapsLock', 0x39]],
  ['KEY_NUMLOCK', 69, 0x45, 0x77, 83, ['VK_NUMLOCK', 0x90], ['ANSI_KeypadClear', 0x47]],
  ['KEY_SCROLLLOCK', 70, 0x46, 0x7e, 71, ['VK_SCROLL', 0x91]],
  ['KEY_KP7', 71, 0x47, 0x6c, 95, ['VK_NUMPAD7', 0x67], ['ANSI_Keypad7', 0x59]],
  ['KEY_KP8', 72, 0x48, 0x75, 96, ['VK_NUMPAD8', 0x68], ['ANSI_Keypad8', 0x5b]],
  ['KEY_KP9', 73, 0x49, 0x7d, 97, ['VK_NUMPAD9', 0x69], ['ANSI_Keypad9', 0x5c]],
  ['KEY_KPMINUS', 74, 0x4a, 0x7b, 86, ['VK_SUBTRACT', 0x6d], ['ANSI_KeypadMinus', 0x4e]],
  ['KEY_KP4', 75, 0x4b, 0x6b, 92, ['VK_NUMPAD4', 0x64], ['ANSI_Keypad4', 0x56]],
  ['KEY_KP5', 76, 0x4c, 0x73, 93, ['VK_NUMPAD5', 0x65], ['ANSI_Keypad5', 0x57]],
  ['KEY_KP6', 77, 0x4d, 0x74, 94, ['VK_NUMPAD6', 0x66], ['ANSI_Keypad6', 0x58]],
  ['KEY_KPPLUS', 78, 0x4e, 0x79, 87, ['VK_ADD', 0x6b], ['ANSI_KeypadPlus', 0x45]],
  ['KEY_KP1', 79, 0x4f, 0x69, 89, ['VK_NUMPAD1', 0x61], ['ANSI_Keypad1', 0x53]],
  ['KEY_KP2', 80, 0x50, 0x72, 90, ['VK_NUMPAD2', 0x62], ['ANSI_Keypad2', 0x54]],
  ['KEY_KP3', 81, 0x51, 0x7a, 91, ['VK_NUMPAD3', 0x63], ['ANSI_Keypad3', 0x55]],
  ['KEY_KP0', 82, 0x52, 0x70, 98, ['VK_NUMPAD0', 0x60], ['ANSI_Keypad0', 0x52]],
  ['KEY_KPDOT', 83, 0x53, 0x71, 99, ['VK_DECIMAL', 0x6e], ['ANSI_KeypadDecimal', 0x41]],
  ['KEY_102ND', 86, 0x56, 0x61, 100, ['VK_OEM_102', 0xe2], ['ISO_Section', 0x0a]],
  ['KEY_SYSRQ', 99, 0x54, 0x7f, 70, ['VK_SNAPSHOT', 0x2c]],
  ['KEY_KPENTER', 96, 0xe01c, 0xe05a, 88, undefined, ['ANSI_KeypadEnter', 0x4c]],
  ['KEY_RIGHTCTRL', 97, 0xe01d, 0xe014, 228, ['VK_RCONTROL', 0xa3], ['RightControl', 0x3e]],
  ['KEY_KPSLASH', 98, 0xe035, 0xe04a, 84, ['VK_DIVIDE', 0x6f], ['ANSI_KeypadDivide', 0x4b]],
  ['KEY_RIGHTALT', 100, 0xe038, 0xe011, 230, ['VK_RMENU', 0xa5], ['RightOption', 0x3d]],
  ['KEY_HOME', 102, 0xe047, 0xe06c, 74, ['VK_HOME', 0x24], ['Home', 0x73]],
  ['KEY_UP', 103, 0xe048, 0xe075, 82, ['VK_UP', 0x26], ['UpArrow', 0x7e]],
  ['KEY_PAGEUP', 104, 0xe049, 0xe07d, 75, ['VK_PRIOR', 0x21], ['PageUp', 0x74]],
  ['KEY_LEFT', 105, 0xe04b, 0xe06b, 80, ['VK_LEFT', 0x25], ['LeftArrow', 0x7b]],
  ['KEY_RIGHT', 106, 0xe04d, 0xe074, 79, ['VK_RIGHT', 0x27], ['RightArrow', 0x7c]],
  ['KEY_END', 107, 0xe04f, 0xe069, 77, ['VK_END', 0x23], ['End', 0x77]],
  ['KEY_DOWN', 108, 0xe050, 0xe072, 81, ['VK_DOWN', 0x28], ['DownArrow', 0x7d]],
  ['KEY_PAGEDOWN', 109, 0xe051, 0xe07a, 78, ['VK_NEXT', 0x22], ['PageDown', 0x79]],
  ['KEY_INSERT', 110, 0xe052, 0xe070, 73, ['VK_INSERT', 0x2d]],
  ['KEY_DELETE', 111, 0xe053, 0xe071, 76, ['VK_DELETE', 0x2e], ['ForwardDelete', 0x75]],
  ['KEY_LEFTMETA', 125, 0xe05b, 0xe01f, 227, ['VK_LWIN', 0x5b], ['Command', 0x37]],
  ['KEY_RIGHTMETA', 126, 0xe05c, 0xe027, 231, ['VK_RWIN', 0x5c], ['RightCommand', 0x36]],
  ['KEY_COMPOSE', 127, 0xe05d, 0xe02f, 101, ['VK_APPS', 0x5d], ['', 0x6e]],
];

/** Every row, built once. */
const ROWS: readonly Row[] = [...buildGeneratedRows(), ...OTHER_ROWS];

/** win32's side-less virtual keys, taken as the left key (VK_CONTROL as VK_LCONTROL): name, code, Linux code. */
const WIN32_GENERIC_KEYS: readonly (readonly [string, number, number])[] = [
  ['VK_SHIFT', 0x10, 42],
  ['VK_CONTROL', 0x11, 29],
  ['VK_MENU', 0x12, 56],
];

/** qnum of a set 1 scancode: 0xe0XX becomes 0x80 | XX. */
function set1ToQnum(set1: number): number {
  return set1 > 0xff ? 0x80 | (set1 & 0x7f) : set1;
}

/** Linux's raw XT code (xt_kbd) of a set 1 scancode: 0xe0XX becomes 0x100 | XX. */
function set1ToXtKbd(set1: number): number {
  return set1 > 0xff ? 0x100 | (set1 & 0x7f) : set1;
}

/** A row's keycode in `codeset`, or undefined where that codeset has no such key. */
function codeOf(row: Row, codeset: number): number | undefined {
  const [, linux, set1, set2, usb, win32, osx] = row;
  switch (codeset) {
    case KeycodeSet.LINUX:
      return linux;
    case KeycodeSet.XT:
    case KeycodeSet.ATSET1:
      return set1;
    case KeycodeSet.XT_KBD:
      return set1ToXtKbd(set1);
    case KeycodeSet.ATSET2:
      return set2;
    case KeycodeSet.OSX:
      return osx?.[1];
    case KeycodeSet.USB:
      return usb;
    case KeycodeSet.WIN32:
      return win32?.[1];
    case KeycodeSet.QNUM:
      return set1ToQnum(set1);
    default:
      return undefined; // atset3
  }
}

/** libvirt's name of codeset number `codeset` (or the number, when it is not one). */
export function codesetName(codeset: number): string {
  return CODESET_NAMES[codeset] ?? String(codeset);
}

/** The codeset number of a name as virsh send-key --codeset takes it (rfb is qnum's old name). */
export function parseCodesetName(name: string): number | undefined {
  const at = (CODESET_NAMES as readonly string[]).indexOf(name === 'rfb' ? 'qnum' : name);
  return at >= 0 ? at : undefined;
}

/** `keycode` of `from` in codeset `to`, or undefined when either codeset lacks the key. */
export function translateKeycode(from: number, to: number, keycode: number): number | undefined {
  const generic = from === KeycodeSet.WIN32 ? WIN32_GENERIC_KEYS.find((k) => k[1] === keycode) : undefined;
  const row = generic ? ROWS.find((r) => r[1] === generic[2]) : ROWS.find((r) => codeOf(r, from) === keycode);
  return row === undefined ? undefined : codeOf(row, to);
}

/**
 * A key name's code in `codeset`: KEY_* names in linux, VK_* in win32, macOS names (ANSI_A, Return) in
 * os_x; other codesets have no names. Undefined for an unknown name.
 */
export function keycodeOfName(codeset: number, name: string): number | undefined {
  if (name === '') return undefined;
  if (codeset === KeycodeSet.WIN32) {
    const generic = WIN32_GENERIC_KEYS.find((k) => k[0] === name);
    if (generic) return generic[1];
  }
  for (const row of ROWS) {
    if (codeset === KeycodeSet.LINUX && row[0] === name) return row[1];
    if (codeset === KeycodeSet.WIN32 && row[5]?.[0] === name) return row[5][1];
    if (codeset === KeycodeSet.OSX && row[6]?.[0] === name) return row[6][1];
  }
  return undefined;
}
