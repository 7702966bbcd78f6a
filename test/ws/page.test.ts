import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LINUX_READY_MARKER, ensureGuests, type GuestPaths } from '../../scripts/guests/paths.js';
import { run } from '../../src/exec/index.js';
import { isAlive, buildBootSectorXml, buildLinuxXml, readPidFile } from '../driver/helpers.js';
import { startFixture, type WsFixture } from './helpers.js';

const CHROMIUM = '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) console.warn(`skipping the browser test: ${CHROMIUM} is absent (apt-get install chromium)`);

/** Debian's Chromium as root, headless, on a closed network (playwright adds a fresh --user-data-dir). */
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

describe.skipIf(!hasChromium)('the web page in headless Chromium', () => {
  let fx: WsFixture;
  let guests: GuestPaths;
  let browser: Browser;
  const pids: number[] = [];
  beforeAll(async () => {
    // Build the page's modules into dist/web, as the package build does.
    await run([process.execPath, 'node_modules/typescript/bin/tsc', '-p', 'web/tsconfig.json'], {
      timeoutMs: 120_000,
    });
    guests = await ensureGuests();
    fx = await startFixture({ page: true });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: CHROMIUM_ARGS,
    });
  }, 180_000);
  afterAll(async () => {
    await browser?.close();
    expect(await fx.close()).toEqual([]);
    for (const pid of pids) expect(isAlive(pid), `qemu ${pid}`).toBe(false);
  });

  async function openPage(): Promise<{ page: Page; errors: string[] }> {
    const page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
    const errors: string[] = [];
    page.on('pageerror', (err) => errors.push(err.message));
    await page.goto(`http://127.0.0.1:${fx.server.port}/`);
    return { page, errors };
  }

  const stateOf = (page: Page, name: string) => page.locator(`tr[data-name="${name}"] .state`);

  it('lists a domain, starts it, follows its state and shows its serial console', async () => {
    const dom = await fx.conn.domainDefineXML(
      buildLinuxXml('web-linux', guests, { append: 'tsvirt.shell=1' }),
    );
    const { page, errors } = await openPage();
    try {
      await expect.poll(() => stateOf(page, 'web-linux').textContent(), { timeout: 10_000 }).toBe('shut off');
      await page.locator('tr[data-name="web-linux"] button[data-action="start"]').click();
      await expect.poll(() => stateOf(page, 'web-linux').textContent(), { timeout: 15_000 }).toBe('running');
      pids.push(readPidFile(fx.root, 'web-linux'));
      await page.locator('tr[data-name="web-linux"] button[data-action="console"]').click();
      const rows = page.locator('#terminal .xterm-rows');
      await rows.waitFor({ timeout: 10_000 });
      // /init prints its marker, then starts the shell; the marker is missed only if the guest was faster
      // than the click, and then Enter brings up a prompt.
      try {
        await expect.poll(() => rows.textContent(), { timeout: 40_000 }).toContain(LINUX_READY_MARKER);
      } catch {
        console.warn('the page opened the console after the guest printed its marker');
      }
      await expect
        .poll(
          async () => {
            await page.keyboard.press('Enter');
            return rows.textContent();
          },
          { timeout: 30_000, interval: 2_000 },
        )
        .toContain('/ #');
      await page.keyboard.type('echo hello-$((6*7))\n');
      await expect.poll(() => rows.textContent(), { timeout: 10_000 }).toContain('hello-42');
      // TSVIRT_SCREENSHOT=docs/screenshot.png refreshes the README's picture; otherwise it is only checked.
      const scratch = await mkdtemp(join(tmpdir(), 'tsvirt-page-'));
      const shot = process.env.TSVIRT_SCREENSHOT ?? join(scratch, 'page.png');
      await mkdir(dirname(shot), { recursive: true });
      await page.screenshot({ path: shot });
      expect((await stat(shot)).size).toBeGreaterThan(10_000);
      await rm(scratch, { recursive: true, force: true });
      // The state follows events that the page did not cause.
      await fx.conn.domainDestroy(dom);
      await expect.poll(() => stateOf(page, 'web-linux').textContent(), { timeout: 10_000 }).toBe('shut off');
      await expect.poll(() => rows.textContent(), { timeout: 5_000 }).toContain('[console closed');
      expect(errors).toEqual([]);
    } finally {
      await page.close();
      await fx.conn.domainDestroy(dom).catch(() => undefined);
    }
  });

  it("draws a guest's screen with noVNC over /vnc/NAME", async () => {
    // The boot-sector guest under TCG with a VNC display: SeaBIOS writes its banner to the VGA screen.
    await copyFile(guests.bootSectorImage, join(fx.root, 'web-vnc.img'));
    const xml = buildBootSectorXml('web-vnc', join(fx.root, 'web-vnc.img')).replace(
      '</devices>',
      "<graphics type='vnc' autoport='yes' listen='127.0.0.1'/></devices>",
    );
    const dom = await fx.conn.domainDefineXML(xml);
    const { page, errors } = await openPage();
    try {
      await fx.conn.domainCreate(dom);
      pids.push(readPidFile(fx.root, 'web-vnc'));
      await expect.poll(() => stateOf(page, 'web-vnc').textContent(), { timeout: 10_000 }).toBe('running');
      await page.locator('tr[data-name="web-vnc"] button[data-action="display"]').click();
      const canvas = page.locator('#screen canvas');
      await canvas.waitFor({ timeout: 10_000 });
      // noVNC has drawn the framebuffer once the canvas has the guest's size and some lit pixels.
      const litPixels = () =>
        canvas.evaluate((el: HTMLCanvasElement) => {
          if (el.width < 100 || el.height < 100) return 0;
          const data = el.getContext('2d')?.getImageData(0, 0, el.width, el.height).data ?? [];
          let lit = 0;
          for (let i = 0; i < data.length; i += 4) if (data[i]! + data[i + 1]! + data[i + 2]! > 150) lit++;
          return lit;
        });
      await expect.poll(litPixels, { timeout: 20_000, interval: 500 }).toBeGreaterThan(200);
      // ...and the user sees it: the scaled canvas takes room in the panel.
      const box = await canvas.boundingBox();
      expect(box?.width).toBeGreaterThan(300);
      expect(box?.height).toBeGreaterThan(150);
      expect(await canvas.evaluate((el: HTMLCanvasElement) => [el.width, el.height])).toEqual([720, 400]);
      expect(await page.locator('#messages li.error').count()).toBe(0);
      expect(errors).toEqual([]);
    } finally {
      await page.close();
      await fx.conn.domainDestroy(dom).catch(() => undefined);
    }
  });

  it('shows a failed action as a message in the page', async () => {
    const xml = buildLinuxXml('web-novnc', guests, { append: 'tsvirt.shell=1' });
    const dom = await fx.conn.domainDefineXML(xml);
    const { page } = await openPage();
    try {
      await fx.conn.domainCreate(dom);
      pids.push(readPidFile(fx.root, 'web-novnc'));
      await expect.poll(() => stateOf(page, 'web-novnc').textContent(), { timeout: 10_000 }).toBe('running');
      await page.locator('tr[data-name="web-novnc"] button[data-action="display"]').click();
      await expect
        .poll(() => page.locator('#messages li.error').first().textContent(), { timeout: 10_000 })
        .toContain('display web-novnc');
      await fx.conn.domainSuspend(dom);
      await expect.poll(() => stateOf(page, 'web-novnc').textContent(), { timeout: 10_000 }).toBe('paused');
      await page.locator('tr[data-name="web-novnc"] button[data-action="resume"]').click();
      await expect.poll(() => stateOf(page, 'web-novnc').textContent(), { timeout: 10_000 }).toBe('running');
      await page.locator('tr[data-name="web-novnc"] button[data-action="destroy"]').click();
      await expect.poll(() => stateOf(page, 'web-novnc').textContent(), { timeout: 10_000 }).toBe('shut off');
    } finally {
      await page.close();
      await fx.conn.domainDestroy(dom).catch(() => undefined);
    }
  });
});
