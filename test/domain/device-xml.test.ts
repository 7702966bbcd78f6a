/** One device's XML read with the domain parsers, and found again in a definition as libvirt matches it. */
import { describe, expect, it } from 'vitest';
import { findDeviceIndex, parseDeviceXml } from '../../src/domain/device-xml.js';
import { parseDomainXml } from '../../src/domain/index.js';
import { catchTsvirtError } from '../tsvirt-error.js';

const DOMAIN = parseDomainXml(`<domain type='qemu'><name>d</name><memory unit='MiB'>64</memory>
  <os><type arch='x86_64' machine='pc'>hvm</type></os>
  <devices>
    <disk type='file' device='disk'><source file='/var/a.img'/><target dev='vda' bus='virtio'/></disk>
    <interface type='user'><mac address='52:54:00:00:00:01'/></interface>
    <interface type='user'><mac address='52:54:00:00:00:02'/></interface>
  </devices></domain>`);

describe('parseDeviceXml', () => {
  it('reads a disk as a <devices> child, with the bus from the target name and no runtime alias', () => {
    const spec = parseDeviceXml(
      "<disk type='file'><source file='/tmp/x.img'/><target dev='vdb'/><alias name='virtio-disk1'/></disk>",
    );
    expect(spec).toMatchObject({ kind: 'disk', disk: { targetDev: 'vdb', bus: 'virtio', device: 'disk' } });
    expect(spec.kind === 'disk' && spec.disk.alias).toBeUndefined();
    expect(spec.kind === 'disk' && spec.disk.source).toEqual({ kind: 'file', path: '/tmp/x.img' });
  });

  it('keeps a user alias and reads a volume source', () => {
    const spec = parseDeviceXml(
      "<disk type='volume'><source pool='p' volume='v'/><target dev='vdc' bus='virtio'/><alias name='ua-data'/></disk>",
    );
    expect(spec.kind === 'disk' && [spec.disk.alias, spec.disk.source]).toEqual([
      'ua-data',
      { kind: 'volume', pool: 'p', volume: 'v' },
    ]);
  });

  it('reads an interface and says whether the XML named its MAC', () => {
    expect(
      parseDeviceXml("<interface type='user'><mac address='52:54:00:aa:bb:cc'/></interface>"),
    ).toMatchObject({
      kind: 'interface',
      macGiven: true,
      nic: { type: 'user', mac: '52:54:00:aa:bb:cc', model: 'virtio' },
    });
    expect(parseDeviceXml("<interface type='user'/>")).toMatchObject({ kind: 'interface', macGiven: false });
  });

  it('refuses a device kind it does not handle, naming it', () => {
    const err = catchTsvirtError(() => parseDeviceXml("<memballoon model='virtio'/>"));
    expect([err.code, err.fields['element']]).toEqual(['ERR_NOT_SUPPORTED', 'memballoon']);
  });

  it('reports the bad value of a device as define does', () => {
    const err = catchTsvirtError(() =>
      parseDeviceXml("<disk type='file'><source file='relative.img'/><target dev='vdb'/></disk>"),
    );
    expect(err.code).toBe('ERR_XML_INVALID');
  });
});

describe('findDeviceIndex', () => {
  it('finds a disk by target and an interface by MAC', () => {
    expect(findDeviceIndex(DOMAIN, parseDeviceXml("<disk><target dev='vda'/></disk>", { match: true }))).toBe(
      0,
    );
    expect(findDeviceIndex(DOMAIN, parseDeviceXml("<disk><target dev='vdz'/></disk>", { match: true }))).toBe(
      -1,
    );
    const nic = parseDeviceXml("<interface type='user'><mac address='52:54:00:00:00:02'/></interface>");
    expect(findDeviceIndex(DOMAIN, nic)).toBe(1);
  });

  it('refuses an interface without a MAC when several of its type match', () => {
    const err = catchTsvirtError(() => findDeviceIndex(DOMAIN, parseDeviceXml("<interface type='user'/>")));
    expect(err.code).toBe('ERR_OPERATION_FAILED');
  });
});
