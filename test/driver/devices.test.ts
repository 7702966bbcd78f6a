/**
 * Devices of a running guest across a driver restart, at the driver's level: a disk attached live is in
 * the status file, so a new driver that re-adopts the guest removes it through qemu (a usb disk, which
 * qemu unplugs without the guest's help), deletes its block nodes and gives its file back; a destroy
 * gives back a hot-plugged disk's file as well.
 */
import { stat, truncate, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { DomainDeviceEvent } from '../../src/connection.js';
import { buildBootSectorXml, openDriver, readPidFile, waitUntil } from './helpers.js';
import { useDriverHarness } from './harness.js';

/** The uid qemu runs as under the default qemu.conf (root where the qemu user is absent). */
const QEMU_UID = Number(/^tsvirt-qemu:[^:]*:(\d+):/m.exec(readFileSync('/etc/passwd', 'utf8'))?.[1] ?? '0');

describe('devices of a running guest across a driver restart', () => {
  const h = useDriverHarness({ killTracked: true });

  it('a new driver removes a disk the previous one attached, deleting its nodes and giving its file back', async () => {
    const lines: string[] = [];
    const first = await h.setup(lines);
    const dom = await first.domainDefineXML(buildBootSectorXml('hp', h.image));
    await first.domainCreate(dom);
    h.pids.push(readPidFile(h.root, 'hp'));
    const img = join(h.root, 'usb.img');
    await writeFile(img, '');
    await truncate(img, 1 << 20);
    const xml = `<disk type='file'><source file='${img}'/><target dev='sdb' bus='usb'/></disk>`;
    await first.domainAttachDevice(dom, xml, 1);
    expect((await stat(img)).uid).toBe(QEMU_UID);
    await first.close();

    const second = await openDriver(h.root, lines);
    h.drivers.push(second);
    const ref = await second.lookupDomainByName('hp');
    const live = await second.domainGetXMLDesc(ref);
    expect(live).toContain("<alias name='usb-disk1'/>");
    expect(live).toMatch(/<source file='[^']*usb\.img' index='\d+'\/>/);
    const removed: DomainDeviceEvent[] = [];
    await second.onDomainEvent('device-removed', (ev) => removed.push(ev));
    await second.domainDetachDevice(ref, "<disk><target dev='sdb'/></disk>", 1);
    await waitUntil(() => removed.length > 0, 5_000, 'device-removed');
    expect(removed.map((e) => e.devAlias)).toEqual(['usb-disk1']);
    expect(await second.domainGetXMLDesc(ref)).not.toContain('usb.img');
    expect(lines.filter((l) => l.includes('blockdev-del'))).toEqual([]);
    expect((await stat(img)).uid).toBe(0);
  });

  it('gives a hot-plugged disk file back when the guest is destroyed', async () => {
    const driver = await h.setup();
    const dom = await driver.domainDefineXML(buildBootSectorXml('hp', h.image));
    await driver.domainCreate(dom);
    h.pids.push(readPidFile(h.root, 'hp'));
    const img = join(h.root, 'extra.img');
    await writeFile(img, '');
    await truncate(img, 1 << 20);
    await driver.domainAttachDevice(
      dom,
      `<disk type='file'><source file='${img}'/><target dev='vdb'/></disk>`,
      1,
    );
    expect((await stat(img)).uid).toBe(QEMU_UID);
    await driver.domainDestroy(dom);
    expect((await stat(img)).uid).toBe(0);
  });
});
