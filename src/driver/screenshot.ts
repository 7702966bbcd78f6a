/**
 * virDomainScreenshot: qemu's screendump of one screen to a PNG in the domain's runtime folder (which
 * the qemu user owns), opened, then deleted; the open file is the stream the caller reads.
 */
import { randomBytes } from 'node:crypto';
import { open, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { TsvirtError } from '../errors.js';
import type { DomainConfig, VideoConfig } from '../domain/index.js';
import { screendump } from '../qmp/index.js';
import type { DomainObject } from './domain-object.js';
import { checkNoFlags } from './guest-input.js';
import { requireMonitor } from './power.js';
import { checkAction } from './state-machine.js';

/** MIME type of the picture: qemu 7.2 writes PNG when asked (format png). */
export const SCREENSHOT_MIME = 'image/png';

/** A screenshot: its MIME type and its bytes. */
export interface Screenshot {
  mime: string;
  stream: Readable;
}

/** The video device and head that show `screen`, counting every head of every video device in order. */
export function findScreen(def: DomainConfig, screen: number): { video: VideoConfig; head: number } {
  const videos = [def.devices.video, ...(def.devices.secondaryVideos ?? [])].filter(
    (v): v is VideoConfig => v !== undefined && v.model !== 'none',
  );
  if (videos.length === 0) {
    throw new TsvirtError(
      'ERR_OPERATION_FAILED',
      `domain '${def.name}': no screens to take screenshot from; add a <video> device`,
      { domain: def.name, field: 'screen', value: screen, expected: 'a domain with a <video> device' },
    );
  }
  let left = screen;
  for (const video of videos) {
    const heads = video.heads ?? 1;
    if (left < heads) return { video, head: left };
    left -= heads;
  }
  const total = videos.reduce((n, v) => n + (v.heads ?? 1), 0);
  throw new TsvirtError('ERR_INVALID_ARG', `no such screen ID: ${screen}`, {
    field: 'screen',
    value: screen,
    expected: `0-${total - 1}`,
  });
}

/** Take the picture of `screen` of a running domain. */
export async function takeScreenshot(dom: DomainObject, screen: number, flags: number): Promise<Screenshot> {
  checkNoFlags('screenshot', flags);
  checkAction('live-query', dom.subject);
  const def = dom.liveDef as DomainConfig;
  const { video, head } = findScreen(def, screen);
  const file = join(dom.paths.chanDir, `screenshot-${randomBytes(6).toString('hex')}.png`);
  try {
    await screendump(requireMonitor(dom), file, {
      format: 'png',
      ...(screen === 0 || video.alias === undefined ? {} : { device: video.alias, head }),
    });
    const handle = await open(file, 'r');
    // The handle's own stream closes the handle; a stream on its bare fd leaves it to be closed twice.
    return { mime: SCREENSHOT_MIME, stream: handle.createReadStream() };
  } finally {
    await unlink(file).catch(() => undefined);
  }
}
