import { describe, expect, it } from 'vitest';
import { isCpuDeletedEvent, isCpuEjectReport } from '../../src/driver/vcpu-unplug.js';
import type { QmpEvent } from '../../src/qmp/index.js';

const at = { seconds: 1, microseconds: 0 };
const event = (name: string, data: Record<string, unknown>): QmpEvent => ({
  event: name,
  data,
  timestamp: at,
});

describe('CPU unplug events', () => {
  it('takes the DEVICE_DELETED of a CPU or of its lapic (all qemu 7.2 sends under TCG)', () => {
    const lapic = event('DEVICE_DELETED', { path: '/machine/peripheral/vcpu1/lapic' });
    expect(isCpuDeletedEvent(lapic, '/machine/peripheral/vcpu1')).toBe(true);
    expect(isCpuDeletedEvent(lapic)).toBe(true);
    const cpu = event('DEVICE_DELETED', { device: 'vcpu1', path: '/machine/peripheral/vcpu1' });
    expect(isCpuDeletedEvent(cpu, '/machine/peripheral/vcpu1')).toBe(true);
    expect(isCpuDeletedEvent(cpu, '/machine/peripheral/vcpu11')).toBe(false);
    expect(
      isCpuDeletedEvent(
        event('DEVICE_DELETED', { path: '/machine/peripheral/vcpu10' }),
        '/machine/peripheral/vcpu1',
      ),
    ).toBe(false);
    expect(
      isCpuDeletedEvent(
        event('DEVICE_DELETED', {
          device: 'virtio-disk0',
          path: '/machine/peripheral/virtio-disk0/virtio-backend',
        }),
      ),
    ).toBe(false);
    expect(isCpuDeletedEvent(event('DEVICE_DELETED', {}))).toBe(false);
  });

  it("takes the guest's _OST answers to a CPU eject request, and nothing else", () => {
    const ost = (info: Record<string, unknown>) => event('ACPI_DEVICE_OST', { info });
    expect(
      isCpuEjectReport(ost({ device: 'vcpu1', source: 3, status: 132, slot: '1', 'slot-type': 'CPU' })),
    ).toBe(true);
    expect(isCpuEjectReport(ost({ source: 3, status: 0, slot: '1', 'slot-type': 'CPU' }))).toBe(true);
    // source 1: the insertion report after a plug
    expect(
      isCpuEjectReport(ost({ device: 'vcpu1', source: 1, status: 0, slot: '1', 'slot-type': 'CPU' })),
    ).toBe(false);
    expect(
      isCpuEjectReport(ost({ device: 'dimm0', source: 3, status: 0, slot: '0', 'slot-type': 'DIMM' })),
    ).toBe(false);
    expect(isCpuEjectReport(event('ACPI_DEVICE_OST', {}))).toBe(false);
    expect(isCpuEjectReport(event('DEVICE_DELETED', { path: '/machine/peripheral/vcpu1' }))).toBe(false);
  });
});
