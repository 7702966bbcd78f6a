/** virDomainSendKey and virDomainInjectNMI: keyboard input and NMIs for a running guest, over QMP. */
import { TsvirtError } from '../errors.js';
import { injectNmi, sendKey } from '../qmp/index.js';
import { KeycodeSet, SEND_KEY_MAX, codesetName, translateKeycode } from '../api/keycodes.js';
import type { DomainObject } from './domain-object.js';
import { requireMonitor } from './power.js';
import { checkAction } from './state-machine.js';

/** Press `keycodes` of `codeset` together for `holdtimeMs` (0: qemu's default 100 ms), as qnum numbers. */
export async function sendKeys(
  dom: DomainObject,
  codeset: number,
  holdtimeMs: number,
  keycodes: readonly number[],
  flags: number,
): Promise<void> {
  checkNoFlags('send-key', flags);
  if (keycodes.length < 1 || keycodes.length > SEND_KEY_MAX) {
    throw new TsvirtError(
      'ERR_INVALID_ARG',
      `${keycodes.length} keycodes: send between 1 and ${SEND_KEY_MAX} at once`,
      { field: 'keycodes', value: keycodes.length, expected: `1-${SEND_KEY_MAX} keycodes` },
    );
  }
  const qnums = keycodes.map((code) => {
    const qnum = translateKeycode(codeset, KeycodeSet.QNUM, code);
    if (qnum !== undefined) return qnum;
    throw new TsvirtError(
      'ERR_INVALID_ARG',
      `cannot translate keycode ${code} of ${codesetName(codeset)} codeset to qnum keycode`,
      { field: 'keycodes', value: code, expected: `a key of the ${codesetName(codeset)} codeset` },
    );
  });
  checkAction('live-change', dom.subject);
  const keys = qnums.map((data) => ({ type: 'number' as const, data }));
  await sendKey(requireMonitor(dom), keys, holdtimeMs > 0 ? holdtimeMs : undefined);
}

/** Raise an NMI on the guest's vCPUs. */
export async function injectNmiToGuest(dom: DomainObject, flags: number): Promise<void> {
  checkNoFlags('inject-nmi', flags);
  checkAction('live-change', dom.subject);
  await injectNmi(requireMonitor(dom));
}

/** libvirt defines no flags for these calls yet: any bit is refused. */
export function checkNoFlags(what: string, flags: number): void {
  if (flags === 0) return;
  throw new TsvirtError('ERR_INVALID_ARG', `${what}: unsupported flags (0x${flags.toString(16)})`, {
    field: 'flags',
    value: flags,
    expected: '0',
  });
}
