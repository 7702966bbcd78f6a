/**
 * SPICE and VNC graphics, the video models, sound, rng, watchdog and panic devices on a real qemu started
 * by the driver (under its confinement: qemu's user and seccomp filter when the host has them).
 */
import { connect } from 'node:net';
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DEFAULT_QEMU_CONF } from '../../src/embedded/qemu-conf.js';
import { useDriverHarness } from './harness.js';
import { buildBootSectorXml, readPidFile } from './helpers.js';

const hasQemu = existsSync('/usr/bin/qemu-system-x86_64');
if (!hasQemu) console.log('graphics and media driver tests skipped: qemu-system-x86_64 is not installed');

/** The boot-sector guest with `devices` added to <devices>, on `machine`. */
function buildXml(name: string, image: string, devices: string, machine = 'pc'): string {
  const xml = buildBootSectorXml(name, image).replace("machine='pc'", `machine='${machine}'`);
  // Q35 has no IDE bus: the disk goes on its AHCI.
  return (machine === 'q35' ? xml.replace("dev='hda' bus='ide'", "dev='sda' bus='sata'") : xml).replace(
    '</devices>',
    `${devices}\n  </devices>`,
  );
}

/** The security types a VNC server offers after the RFB 3.8 version exchange (1 none, 2 VNC password). */
async function readVncSecurityTypes(port: number): Promise<number[]> {
  return new Promise((resolve, reject) => {
    const sock = connect(port, '127.0.0.1');
    let buf = Buffer.alloc(0);
    let sentVersion = false;
    sock.setTimeout(5_000, () => sock.destroy(new Error('no RFB handshake within 5 s')));
    sock.on('data', (chunk) => {
      buf = Buffer.concat([buf, chunk]);
      if (!sentVersion && buf.length >= 12) {
        sentVersion = true;
        sock.write('RFB 003.008\n');
        buf = buf.subarray(12);
      }
      if (sentVersion && buf.length >= 1 && buf.length >= 1 + (buf[0] ?? 0)) {
        sock.destroy();
        resolve([...buf.subarray(1, 1 + (buf[0] ?? 0))]);
      }
    });
    sock.on('error', reject);
  });
}

/** Whether something accepts TCP connections on 127.0.0.1:port. */
async function isListening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = connect(port, '127.0.0.1');
    sock.once('connect', () => {
      sock.destroy();
      resolve(true);
    });
    sock.once('error', () => resolve(false));
  });
}

describe.skipIf(!hasQemu)('graphics and media devices on a started domain', () => {
  const h = useDriverHarness();

  it('starts SPICE with autoport, qxl, ich9 sound on the spice audiodev, rng, watchdog and panic on Q35', async () => {
    const driver = await h.setup();
    const devices = `
    <graphics type='spice' port='-1' tlsPort='-1' autoport='yes' passwd='s3cret'/>
    <video><model type='qxl'/></video>
    <video><model type='virtio'/></video>
    <sound model='ich9'/>
    <rng model='virtio'><rate bytes='2048' period='500'/><backend model='random'>/dev/urandom</backend></rng>
    <watchdog model='i6300esb' action='poweroff'/>
    <panic model='isa'/>`;
    const dom = await driver.domainDefineXML(buildXml('media1', h.image, devices, 'q35'));
    await driver.domainCreate(dom);
    h.pids.push(readPidFile(h.root, 'media1'));
    const live = await driver.domainGetXMLDesc(dom);
    const port = Number(
      /<graphics type='spice' port='(\d+)' autoport='yes' listen='127.0.0.1'>/.exec(live)?.[1],
    );
    expect(port).toBeGreaterThanOrEqual(5900);
    expect(await isListening(port)).toBe(true);
    expect(live).not.toContain('passwd=');
    expect(await driver.domainGetXMLDesc(dom, 1)).toContain("passwd='s3cret'");
    expect(live).toContain(
      "<sound model='ich9'>\n      <alias name='sound0'/>\n      <address type='pci' domain='0x0000' bus='0x00' slot='0x1b' function='0x0'/>",
    );
    expect(live).toContain("<audio id='1' type='spice'/>");
    expect(live).toContain(
      "<model type='qxl' ram='65536' vram='65536' vgamem='16384' heads='1' primary='yes'/>",
    );
    expect(live).toContain("<model type='virtio' heads='1'/>\n      <alias name='video1'/>");
    expect(live).toContain("<watchdog model='i6300esb' action='poweroff'>\n      <alias name='watchdog0'/>");
    expect(live).toMatch(
      /<rng model='virtio'>\n {6}<rate bytes='2048' period='500'\/>\n {6}<backend model='random'>\/dev\/urandom<\/backend>\n {6}<alias name='rng0'\/>/,
    );
    expect(live).toContain("<panic model='isa'>\n      <address type='isa' iobase='0x505'/>");
    const inactive = await driver.domainGetXMLDesc(dom, 2);
    expect(inactive).toContain("<graphics type='spice' autoport='yes'>\n      <listen type='address'/>");
    await driver.domainDestroy(dom);
  });

  it('serves VNC with a password set over QMP, never on the command line', async () => {
    const driver = await h.setup();
    const dom = await driver.domainDefineXML(
      buildXml('vncpw', h.image, "<graphics type='vnc' autoport='yes' passwd='pw1'/><sound model='ac97'/>"),
    );
    await driver.domainCreate(dom);
    const pid = readPidFile(h.root, 'vncpw');
    h.pids.push(pid);
    const live = await driver.domainGetXMLDesc(dom);
    const port = Number(/<graphics type='vnc' port='(\d+)'/.exec(live)?.[1]);
    expect(await readVncSecurityTypes(port)).toEqual([2]);
    const { readFileSync } = await import('node:fs');
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    expect(cmdline).toContain('127.0.0.1:0,to=99,password=on');
    expect(cmdline.join(' ')).not.toContain('pw1');
    expect(live).toContain("<audio id='1' type='none'/>");
    await driver.domainDestroy(dom);
  });

  it("listens on qemu.conf's vnc_listen and spice_listen where <graphics> names no address", async () => {
    const driver = await h.setup([], {
      qemuConf: { ...DEFAULT_QEMU_CONF, vncListen: '127.0.0.2', spiceListen: '127.0.0.3' },
    });
    const cases = [
      ['vncl', "<graphics type='vnc' autoport='yes'/>", 'pc', '-vnc 127.0.0.2:0,to=99'],
      ['spicel', "<graphics type='spice' autoport='yes'/>", 'q35', 'addr=127.0.0.3,'],
    ] as const;
    for (const [name, graphics, machine, argv] of cases) {
      const dom = await driver.domainDefineXML(buildXml(name, h.image, graphics, machine));
      await driver.domainCreate(dom);
      const pid = readPidFile(h.root, name);
      h.pids.push(pid);
      const type = name === 'vncl' ? 'vnc' : 'spice';
      const address = name === 'vncl' ? '127\\.0\\.0\\.2' : '127\\.0\\.0\\.3';
      expect(await driver.domainGetXMLDesc(dom)).toMatch(
        new RegExp(`<graphics type='${type}' port='\\d+' autoport='yes' listen='${address}'>`),
      );
      expect(readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ')).toContain(argv);
      // The definition keeps no address: another qemu.conf gives another one at the next start.
      expect(await driver.domainGetXMLDesc(dom, 2)).toContain(`<graphics type='${type}'`);
      expect(await driver.domainGetXMLDesc(dom, 2)).not.toContain('listen=');
      await driver.domainDestroy(dom);
    }
  });

  for (const model of ['vga', 'cirrus', 'qxl', 'virtio', 'bochs', 'ramfb', 'none']) {
    it(`starts with a primary <video> of model ${model}`, async () => {
      const driver = await h.setup();
      const name = `video-${model}`;
      const dom = await driver.domainDefineXML(
        buildXml(
          name,
          h.image,
          `<graphics type='vnc' autoport='yes'/><video><model type='${model}'/></video>`,
        ),
      );
      await driver.domainCreate(dom);
      h.pids.push(readPidFile(h.root, name));
      const live = await driver.domainGetXMLDesc(dom);
      expect(live).toContain(`<model type='${model}'`);
      await driver.domainDestroy(dom);
    });
  }

  it('starts ich6 sound, an ib700 watchdog, a PCI pvpanic and a hyperv panic on i440FX', async () => {
    const driver = await h.setup();
    const devices = `
    <sound model='ich6'/>
    <watchdog model='ib700' action='pause'/>
    <panic model='pvpanic'/>
    <panic model='hyperv'/>
    <rng model='virtio'><backend model='random'>/dev/random</backend></rng>`;
    const dom = await driver.domainDefineXML(buildXml('media2', h.image, devices));
    await driver.domainCreate(dom);
    h.pids.push(readPidFile(h.root, 'media2'));
    const live = await driver.domainGetXMLDesc(dom);
    expect(live).toContain("<panic model='pvpanic'>\n      <alias name='panic0'/>");
    expect(live).toContain("<panic model='hyperv'/>");
    expect(live).toContain("<audio id='1' type='none'/>");
    await driver.domainDestroy(dom);
  });

  it('starts the Q35 iTCO watchdog with an action', async () => {
    const driver = await h.setup();
    const dom = await driver.domainDefineXML(
      buildXml('itco', h.image, "<watchdog model='itco' action='inject-nmi'/>", 'q35'),
    );
    await driver.domainCreate(dom);
    h.pids.push(readPidFile(h.root, 'itco'));
    expect(await driver.domainGetXMLDesc(dom)).toContain("<watchdog model='itco' action='inject-nmi'/>");
    await driver.domainDestroy(dom);
  });
});
