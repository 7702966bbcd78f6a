/** The hooks through which other drivers hand a guest what it needs, with real qemu. */
import { describe, expect, it } from 'vitest';
import type { GuestResourceProvider } from '../../src/driver/index.js';
import { buildBootSectorXml, openDriver, readPidFile } from './helpers.js';
import { useDriverHarness } from './harness.js';

/** A provider that writes down each call, as a network driver's port bookkeeping would. */
function recordingProvider(trail: string[], failPrepare = false): GuestResourceProvider {
  return {
    name: 'ports',
    async prepare(def, revert) {
      trail.push(`prepare ${def.name}`);
      revert.push('port', () => void trail.push(`undo ${def.name}`));
      if (failPrepare) throw new Error('no free port');
    },
    async release(def) {
      trail.push(`release ${def.name}`);
    },
    async reclaim(def) {
      trail.push(`reclaim ${def.name}`);
    },
  };
}

describe('guest resources from other drivers', () => {
  const h = useDriverHarness({ killTracked: true });

  it('are prepared at start, given back at stop, and claimed again by a re-adopting driver', async () => {
    const trail: string[] = [];
    const driver = await h.setup([], { resources: [recordingProvider(trail)] });
    const dom = await driver.domainDefineXML(buildBootSectorXml('res1', h.image));
    await driver.domainCreate(dom);
    h.pids.push(readPidFile(h.root, 'res1'));
    expect(trail).toEqual(['prepare res1']);
    await driver.close();
    h.drivers.splice(h.drivers.indexOf(driver), 1);
    const again = await openDriver(h.root, [], { resources: [recordingProvider(trail)] });
    h.drivers.push(again);
    expect(trail).toEqual(['prepare res1', 'reclaim res1']);
    await again.domainDestroy(await again.lookupDomainByName('res1'));
    expect(trail).toEqual(['prepare res1', 'reclaim res1', 'release res1']);
  });

  it('are given back, newest first, when a later start-up step fails, and never released', async () => {
    const trail: string[] = [];
    const failing: GuestResourceProvider = {
      name: 'failing',
      async prepare(def, revert) {
        revert.push('lease', () => void trail.push(`undo lease ${def.name}`));
        throw new Error('no lease');
      },
    };
    const driver = await h.setup([], { resources: [recordingProvider(trail), failing] });
    const dom = await driver.domainDefineXML(buildBootSectorXml('res2', h.image));
    await expect(driver.domainCreate(dom)).rejects.toThrow('no lease');
    expect(trail).toEqual(['prepare res2', 'undo lease res2', 'undo res2']);
    expect(await driver.domainIsActive(dom)).toBe(false);
  });

  it('undo what a provider took when its own prepare fails', async () => {
    const trail: string[] = [];
    const driver = await h.setup([], { resources: [recordingProvider(trail, true)] });
    const dom = await driver.domainDefineXML(buildBootSectorXml('res3', h.image));
    await expect(driver.domainCreate(dom)).rejects.toThrow('no free port');
    expect(trail).toEqual(['prepare res3', 'undo res3']);
    expect((await driver.domainGetState(dom)).state).toBe(5);
  });

  it('a volume disk cannot start on a driver without a storage provider', async () => {
    const driver = await h.setup();
    const xml = buildBootSectorXml('res4', h.image)
      .replace(`<source file='${h.image}'/>`, "<source pool='default' volume='v.img'/>")
      .replace("<disk type='file'", "<disk type='volume'");
    const dom = await driver.domainDefineXML(xml);
    await expect(driver.domainCreate(dom)).rejects.toMatchObject({
      code: 'ERR_NOT_SUPPORTED',
      message: expect.stringContaining(
        "names volume 'v.img' of pool 'default', but this driver has no storage",
      ),
    });
  });
});
