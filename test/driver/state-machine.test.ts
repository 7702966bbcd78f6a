import { describe, expect, it } from 'vitest';
import { DomainState } from '../../src/connection.js';
import { checkAction, type DomainAction } from '../../src/driver/index.js';

const subject = (state: number, persistent = true) => ({
  name: 'vm',
  state: state as (typeof DomainState)[keyof typeof DomainState],
  persistent,
});

describe('the domain state table', () => {
  it('lets start run only on a shut-off domain, with libvirt wording otherwise', () => {
    expect(checkAction('start', subject(DomainState.SHUTOFF))).toBe('run');
    for (const state of [DomainState.RUNNING, DomainState.PAUSED, DomainState.SHUTDOWN]) {
      expect(() => checkAction('start', subject(state))).toThrow(
        'Requested operation is not valid: domain is already running',
      );
    }
  });

  it('says "domain is not running" for every live action on a shut-off domain', () => {
    const actions: DomainAction[] = [
      'shutdown',
      'destroy',
      'reboot',
      'reset',
      'suspend',
      'resume',
      'live-query',
      'live-change',
    ];
    for (const action of actions) {
      expect(() => checkAction(action, subject(DomainState.SHUTOFF))).toThrow(
        expect.objectContaining({
          code: 'ERR_OPERATION_INVALID',
          message: 'Requested operation is not valid: domain is not running',
        }),
      );
    }
  });

  it('makes suspend of a paused domain a no-op and resume of a running one an error', () => {
    expect(checkAction('suspend', subject(DomainState.RUNNING))).toBe('run');
    expect(checkAction('suspend', subject(DomainState.PAUSED))).toBe('noop');
    expect(checkAction('resume', subject(DomainState.PAUSED))).toBe('run');
    expect(() => checkAction('resume', subject(DomainState.RUNNING))).toThrow('domain is not paused');
  });

  it('needs a running (not paused) domain for ACPI shutdown and reboot', () => {
    expect(checkAction('shutdown', subject(DomainState.RUNNING))).toBe('run');
    expect(() => checkAction('shutdown', subject(DomainState.PAUSED))).toThrow('domain is not running');
    expect(() => checkAction('reboot', subject(DomainState.PAUSED))).toThrow('domain is not running');
    expect(checkAction('reset', subject(DomainState.PAUSED))).toBe('run');
  });

  it('refuses persistent-only actions on transient domains', () => {
    expect(() => checkAction('undefine', subject(DomainState.RUNNING, false))).toThrow(
      'Requested operation is not valid: cannot undefine transient domain',
    );
    expect(() => checkAction('set-autostart', subject(DomainState.RUNNING, false))).toThrow(
      'cannot set autostart for transient domain',
    );
    expect(checkAction('undefine', subject(DomainState.RUNNING))).toBe('run');
  });

  it('allows only destroy while qemu runs without an answering monitor (NOSTATE)', () => {
    const mute = { ...subject(DomainState.NOSTATE), monitorError: 'greeting timed out' };
    expect(checkAction('destroy', mute)).toBe('run');
    expect(() => checkAction('suspend', mute)).toThrow(
      expect.objectContaining({
        code: 'ERR_OPERATION_FAILED',
        message:
          "domain 'vm': qemu does not answer on QMP (greeting timed out); destroy the domain to recover",
      }),
    );
  });
});
