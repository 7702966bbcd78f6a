import {
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { copyFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DomainState } from '../../src/connection.js';
import { DefinedDetail, EventType, RunningReason } from '../../src/driver/index.js';
import { EventLog, buildBootSectorXml, openDriver, readPidFile } from './helpers.js';
import { useDriverHarness } from './harness.js';

const UUID_A = '3e4f5a6b-7c8d-4e9f-8a0b-1c2d3e4f5a6b';
const UUID_B = '9a8b7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d';
const UUID_C = '5c4d3e2f-1a0b-4c9d-8e7f-6a5b4c3d2e1f';

/** Every file under etc/ with its content, to prove that nothing changed. */
function snapshotEtc(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else out[path] = readFileSync(path, 'utf8');
    }
  };
  walk(join(root, 'etc'));
  return out;
}

describe('domain definitions', () => {
  const h = useDriverHarness();

  it('rejects bad XML of many kinds with a clear error and changes no file', async () => {
    const driver = await h.setup();
    await driver.domainDefineXML(buildBootSectorXml('good', h.image, { uuid: UUID_A }));
    const before = snapshotEtc(h.root);
    const good = buildBootSectorXml('good', h.image, { uuid: UUID_A });
    const bad: Array<[string, string]> = [
      ['not xml at all <<<', 'ERR_XML_PARSE'],
      ['<domain type="qemu"><name>x</name>', 'ERR_XML_PARSE'],
      [good.replace("type='qemu'", "type='xen'"), ''],
      [good.replace('<name>good</name>', ''), 'ERR_XML_INVALID'],
      [good.replace('<name>good</name>', '<name>a/b</name>'), 'ERR_XML_INVALID'],
      [good.replace("<memory unit='MiB'>64</memory>", "<memory unit='MiB'>lots</memory>"), ''],
      [good.replace('<devices>', '<devices><hostdev/>'), 'ERR_NOT_SUPPORTED'],
      [good.replace('<vcpu>1</vcpu>', '<vcpu>0</vcpu>'), ''],
    ];
    for (const [xml, code] of bad) {
      const err = (await driver.domainDefineXML(xml).catch((e: unknown) => e)) as {
        code: string;
        message: string;
      };
      expect(err.code, xml).toMatch(
        code ? new RegExp(`^${code}$`) : /^ERR_(XML_PARSE|XML_INVALID|NOT_SUPPORTED|INVALID_ARG)$/,
      );
      expect(err.message.length).toBeGreaterThan(10);
      expect(snapshotEtc(h.root)).toEqual(before);
    }
    expect((await driver.listAllDomains()).map((d) => d.name)).toEqual(['good']);
  });

  it('refuses a second domain with a taken name or uuid', async () => {
    const driver = await h.setup();
    await driver.domainDefineXML(buildBootSectorXml('one', h.image, { uuid: UUID_A }));
    await expect(
      driver.domainDefineXML(buildBootSectorXml('one', h.image, { uuid: UUID_B })),
    ).rejects.toMatchObject({
      code: 'ERR_DOMAIN_EXISTS',
      message: `domain 'one' already exists with uuid ${UUID_A}`,
    });
    await expect(
      driver.domainDefineXML(buildBootSectorXml('two', h.image, { uuid: UUID_A })),
    ).rejects.toMatchObject({
      code: 'ERR_DOMAIN_EXISTS',
      message: `domain 'one' is already defined with uuid ${UUID_A}; rename it or use another uuid`,
    });
    await expect(driver.domainCreateXML(buildBootSectorXml('one', h.image))).rejects.toMatchObject({
      code: 'ERR_DOMAIN_EXISTS',
    });
  });

  it('redefines a running domain: the new config is persistent, the live one stays until it stops', async () => {
    const driver = await h.setup();
    const events = new EventLog();
    await driver.onDomainLifecycle(events.listener);
    const dom = await driver.domainDefineXML(buildBootSectorXml('redef', h.image, { uuid: UUID_A }));
    await driver.domainCreate(dom);
    h.pids.push(readPidFile(h.root, 'redef'));
    await driver.domainDefineXML(buildBootSectorXml('redef', h.image, { uuid: UUID_A, memMiB: 96 }));
    expect(await driver.domainGetXMLDesc(dom, 2)).toContain("<memory unit='KiB'>98304</memory>");
    expect(await driver.domainGetXMLDesc(dom)).toContain("<memory unit='KiB'>65536</memory>");
    expect(readFileSync(join(h.root, 'etc', 'qemu', 'redef.xml'), 'utf8')).toContain('98304');
    await driver.domainDestroy(dom);
    expect(await driver.domainGetXMLDesc(dom)).toContain('98304');
    await events.waitFor(EventType.DEFINED, DefinedDetail.UPDATED);
  });

  it('reads etc/qemu again on reload: adds new files, takes changed ones, leaves the rest; bad files are logged', async () => {
    const lines: string[] = [];
    const driver = await h.setup(lines);
    const events = new EventLog();
    await driver.onDomainLifecycle(events.listener);
    const running = await driver.domainDefineXML(buildBootSectorXml('live', h.image, { uuid: UUID_A }));
    await driver.domainCreate(running);
    h.pids.push(readPidFile(h.root, 'live'));
    await driver.domainDefineXML(buildBootSectorXml('still', h.image));
    const etc = join(h.root, 'etc', 'qemu');
    expect(await driver.reloadDefinitions()).toEqual({ added: [], updated: [] });

    // Files written behind the driver's back, as an appliance image or an admin would.
    writeFileSync(join(etc, 'fresh.xml'), buildBootSectorXml('fresh', h.image, { uuid: UUID_B }));
    writeFileSync(join(etc, 'live.xml'), buildBootSectorXml('live', h.image, { uuid: UUID_A, memMiB: 96 }));
    writeFileSync(join(etc, 'broken.xml'), '<domain type="qemu"><name>broken</name>');
    writeFileSync(join(etc, 'thief.xml'), buildBootSectorXml('thief', h.image, { uuid: UUID_A }));
    mkdirSync(join(etc, 'autostart'), { recursive: true });
    symlinkSync(join(etc, 'fresh.xml'), join(etc, 'autostart', 'fresh.xml'));
    rmSync(join(etc, 'still.xml'));
    const before = events.events.length;

    expect(await driver.reloadDefinitions()).toEqual({ added: ['fresh'], updated: ['live'] });
    expect(events.pairs().slice(before)).toEqual([
      [EventType.DEFINED, DefinedDetail.ADDED],
      [EventType.DEFINED, DefinedDetail.UPDATED],
    ]);
    // A running transient domain whose file appears becomes persistent.
    await copyFile(h.image, join(h.root, 'passing.img'));
    const passingXml = buildBootSectorXml('passing', join(h.root, 'passing.img'), { uuid: UUID_C });
    const passing = await driver.domainCreateXML(passingXml);
    h.pids.push(readPidFile(h.root, 'passing'));
    writeFileSync(join(etc, 'passing.xml'), passingXml);
    expect(await driver.reloadDefinitions()).toEqual({ added: ['passing'], updated: [] });
    expect(await driver.domainIsPersistent(passing)).toBe(true);
    await driver.domainDestroy(passing);
    const fresh = await driver.lookupDomainByName('fresh');
    expect(fresh.uuid).toBe(UUID_B);
    expect(await driver.domainGetAutostart(fresh)).toBe(true);
    // The running domain keeps its live definition until it stops; the new one is its persistent one.
    expect(await driver.domainGetXMLDesc(running)).toContain("<memory unit='KiB'>65536</memory>");
    expect(await driver.domainGetXMLDesc(running, 2)).toContain("<memory unit='KiB'>98304</memory>");
    expect((await driver.domainGetState(running)).state).toBe(DomainState.RUNNING);
    // A domain whose file is gone stays, as libvirt keeps it.
    expect((await driver.lookupDomainByName('still')).name).toBe('still');
    const log = lines.join('\n');
    expect(log).toMatch(/broken\.xml: cannot load \(.*\); fix or remove the file/);
    expect(log).toMatch(/thief\.xml: not reloaded \(domain 'live' is already defined with uuid/);
    await expect(driver.lookupDomainByName('thief')).rejects.toMatchObject({ code: 'ERR_DOMAIN_NOT_FOUND' });
    expect(await driver.reloadDefinitions()).toEqual({ added: [], updated: [] });
    await driver.domainDestroy(running);
  });

  it('starts autostart domains when a driver opens, and keeps the mark across restarts', async () => {
    const first = await h.setup();
    const dom = await first.domainDefineXML(buildBootSectorXml('auto', h.image));
    await first.domainSetAutostart(dom, true);
    await first.close();
    const second = await openDriver(h.root);
    h.drivers.push(second);
    h.pids.push(readPidFile(h.root, 'auto'));
    expect(await second.domainGetAutostart(dom)).toBe(true);
    expect(await second.domainGetState(dom)).toEqual({
      state: DomainState.RUNNING,
      reason: RunningReason.BOOTED,
    });
    await second.domainSetAutostart(dom, false);
    expect(existsSync(join(h.root, 'etc', 'qemu', 'autostart', 'auto.xml'))).toBe(false);
    await second.domainDestroy(dom);
  });

  it('runs the XML of createXML once on a defined domain that is shut off, then keeps its definition', async () => {
    const driver = await h.setup();
    const dom = await driver.domainDefineXML(buildBootSectorXml('install', h.image, { uuid: UUID_A }));
    const once = buildBootSectorXml('install', h.image, { uuid: UUID_A, memMiB: 96 });
    const started = await driver.domainCreateXML(once);
    h.pids.push(readPidFile(h.root, 'install'));
    expect(started.uuid).toBe(UUID_A);
    expect(await driver.domainIsPersistent(dom)).toBe(true);
    expect(await driver.domainGetXMLDesc(dom)).toContain("<memory unit='KiB'>98304</memory>");
    // As at define, the machine alias becomes the machine it stands for in this qemu.
    expect(await driver.domainGetXMLDesc(dom)).toMatch(/machine='pc-i440fx-\d+\.\d+'/);
    expect(await driver.domainGetXMLDesc(dom, 2)).toContain("<memory unit='KiB'>65536</memory>");
    const again = (await driver.domainCreateXML(once).catch((e: unknown) => e)) as {
      code: string;
      message: string;
    };
    expect([again.code, again.message]).toEqual([
      'ERR_OPERATION_INVALID',
      "domain 'install' is already active",
    ]);
    await driver.domainDestroy(dom);
    expect((await driver.listAllDomains()).map((d) => d.name)).toEqual(['install']);
    expect(await driver.domainGetXMLDesc(dom)).toContain("<memory unit='KiB'>65536</memory>");
    const otherUuid = (await driver
      .domainCreateXML(buildBootSectorXml('install', h.image, { uuid: UUID_B }))
      .catch((e: unknown) => e)) as { code: string; message: string };
    expect([otherUuid.code, otherUuid.message]).toEqual([
      'ERR_DOMAIN_EXISTS',
      `domain 'install' already exists with uuid ${UUID_A}`,
    ]);
  });

  it('keeps an undefined running domain as transient until it stops', async () => {
    const driver = await h.setup();
    const dom = await driver.domainDefineXML(buildBootSectorXml('fleeting', h.image));
    await driver.domainSetAutostart(dom, true);
    await driver.domainCreate(dom);
    h.pids.push(readPidFile(h.root, 'fleeting'));
    await driver.domainUndefine(dom);
    expect(existsSync(join(h.root, 'etc', 'qemu', 'fleeting.xml'))).toBe(false);
    expect(existsSync(join(h.root, 'etc', 'qemu', 'autostart', 'fleeting.xml'))).toBe(false);
    expect(await driver.domainIsPersistent(dom)).toBe(false);
    expect(readFileSync(join(h.root, 'run', 'qemu', 'fleeting.xml'), 'utf8')).toContain("persistent='no'");
    await driver.domainDestroy(dom);
    expect(await driver.listAllDomains()).toEqual([]);
  });

  it('allows vCPU overcommit with a warning, not an error', async () => {
    const lines: string[] = [];
    const driver = await h.setup(lines);
    const dom = await driver.domainDefineXML(buildBootSectorXml('wide', h.image, { vcpus: 4 }));
    await driver.domainCreate(dom);
    h.pids.push(readPidFile(h.root, 'wide'));
    expect(lines.join('\n')).toMatch(
      /warning: domain 'wide' has 4 vCPUs but the host has \d+ CPUs \(overcommit\)/,
    );
    expect((await driver.domainGetVcpus(dom)).length).toBe(4);
    await driver.domainDestroy(dom);
  });

  it('refuses an image that is not in its <driver type>, naming the disk, and leaves nothing running', async () => {
    const driver = await h.setup();
    const xml = buildBootSectorXml('broken', h.image).replace("type='raw'", "type='qcow2'");
    const dom = await driver.domainDefineXML(xml);
    // The start reads a qcow2 disk's backing chain with qemu-img before qemu runs; a raw image fails there.
    await expect(driver.domainCreate(dom)).rejects.toMatchObject({
      code: 'ERR_OPERATION_FAILED',
      message: expect.stringMatching(
        /^disk hda: .*boot\.img cannot be read as qcow2: qemu-img exited .*qcow2/,
      ),
    });
    // As a start refused before qemu runs (a missing disk): still shut off, no qemu, no status file.
    expect((await driver.domainGetState(dom)).state).toBe(DomainState.SHUTOFF);
    expect(existsSync(join(h.root, 'run', 'qemu', 'broken.xml'))).toBe(false);
    expect((await driver.lookupDomainByName('broken')).id).toBe(-1);
  });

  it('refuses to start a disk that does not exist before qemu runs, naming the file', async () => {
    const driver = await h.setup();
    const dom = await driver.domainDefineXML(buildBootSectorXml('nodisk', join(h.root, 'missing.img')));
    await expect(driver.domainCreate(dom)).rejects.toMatchObject({
      code: 'ERR_IO',
      message: expect.stringContaining(`disk hda ${join(h.root, 'missing.img')}: the qemu user`),
    });
    expect((await driver.domainGetState(dom)).state).toBe(DomainState.SHUTOFF);
    expect(existsSync(join(h.root, 'run', 'qemu', 'nodisk.xml'))).toBe(false);
  });
});
