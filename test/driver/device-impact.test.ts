/** Which definitions a device change applies to, and libvirt's refusals, from the domain's state alone. */
import { describe, expect, it } from 'vitest';
import { DomainState } from '../../src/connection.js';
import { DomainObject } from '../../src/driver/domain-object.js';
import { resolveDeviceImpact } from '../../src/driver/devices.js';
import { DomainEventBus } from '../../src/driver/events.js';
import type { DomainPaths } from '../../src/driver/runtime-files.js';
import type { DomainConfig } from '../../src/domain/index.js';
import { catchTsvirtError } from '../tsvirt-error.js';

function buildDomain(state: 'running' | 'shutoff', persistent: boolean): DomainObject {
  const dom = new DomainObject('d', '6695eb01-f6a4-8304-79aa-97f2502e193f', {} as DomainPaths);
  if (persistent) dom.persistentDef = {} as DomainConfig;
  if (state === 'running') dom.setState(DomainState.RUNNING, 1);
  return dom;
}

describe('resolveDeviceImpact', () => {
  it('takes current as live while running and as config while shut off', () => {
    expect(resolveDeviceImpact(buildDomain('running', true), 0)).toEqual({ live: true, config: false });
    expect(resolveDeviceImpact(buildDomain('shutoff', true), 0)).toEqual({ live: false, config: true });
    expect(resolveDeviceImpact(buildDomain('running', true), 3)).toEqual({ live: true, config: true });
  });

  it('refuses live on a shut-off domain and config on a transient one, in libvirt words', () => {
    const live = catchTsvirtError(() => resolveDeviceImpact(buildDomain('shutoff', true), 1));
    expect([live.code, live.message]).toEqual([
      'ERR_OPERATION_INVALID',
      'Requested operation is not valid: domain is not running',
    ]);
    const config = catchTsvirtError(() => resolveDeviceImpact(buildDomain('running', false), 2));
    expect([config.code, config.message]).toEqual([
      'ERR_OPERATION_INVALID',
      'Requested operation is not valid: transient domains do not have any persistent config',
    ]);
  });

  it('refuses unknown flag bits, and takes force only where the call allows it', () => {
    expect(catchTsvirtError(() => resolveDeviceImpact(buildDomain('running', true), 4)).code).toBe(
      'ERR_INVALID_ARG',
    );
    expect(resolveDeviceImpact(buildDomain('running', true), 5, 4)).toEqual({ live: true, config: false });
  });
});

describe('DomainEventBus', () => {
  it('delivers each kind only to its subscribers, filtered by domain, in order', async () => {
    const bus = new DomainEventBus(() => undefined);
    const dom = { name: 'd', uuid: '6695eb01-f6a4-8304-79aa-97f2502e193f', id: 1 };
    const other = { ...dom, name: 'e', uuid: '00000000-0000-0000-0000-000000000001' };
    const added: string[] = [];
    const lifecycle: number[] = [];
    bus.subscribe('device-added', (ev) => added.push(ev.devAlias), dom.uuid.toUpperCase());
    bus.subscribe('lifecycle', (ev) => lifecycle.push(ev.event));
    bus.emit('device-added', { dom, devAlias: 'net0' });
    bus.emit('device-removed', { dom, devAlias: 'net0' });
    bus.emit('device-added', { dom: other, devAlias: 'net1' });
    bus.emit('lifecycle', { dom, event: 2, detail: 0 });
    bus.emit('device-added', { dom, devAlias: 'virtio-disk1' });
    expect(added).toEqual([]); // delivery waits for a microtask
    await Promise.resolve();
    expect([added, lifecycle]).toEqual([['net0', 'virtio-disk1'], [2]]);
  });
});
