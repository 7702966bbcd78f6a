import { ElementReader, invalid, notSupported } from './element-reader.js';
import { readAlias, readPciIdentity } from './parse-address.js';
import type { DevicesConfig, VideoConfig, VideoModel } from './types.js';

const VIDEO_MODELS = ['vga', 'cirrus', 'qxl', 'virtio', 'bochs', 'ramfb', 'none'] as const;

/** Models qemu has a secondary (non-VGA) device for: qxl, virtio-gpu-pci, bochs-display. */
const SECONDARY_MODELS: readonly VideoModel[] = ['qxl', 'virtio', 'bochs'];

/** The sizes (KiB) and head count libvirt fills into a <video> model that names none. */
export const VIDEO_DEFAULTS: Record<VideoModel, Omit<VideoConfig, 'model' | 'address' | 'alias'>> = {
  vga: { vramKiB: 16384, heads: 1 },
  cirrus: { vramKiB: 16384, heads: 1 },
  qxl: { ramKiB: 65536, vramKiB: 65536, vgamemKiB: 16384, heads: 1 },
  virtio: { heads: 1 },
  bochs: { vramKiB: 16384, heads: 1 },
  ramfb: { heads: 1 },
  none: {},
};

/** The KiB attributes of <model> each video model takes. */
const SIZE_ATTRS: Record<VideoModel, ReadonlyArray<'ram' | 'vram' | 'vgamem'>> = {
  vga: ['vram'],
  cirrus: ['vram'],
  qxl: ['ram', 'vram', 'vgamem'],
  virtio: [],
  bochs: ['vram'],
  ramfb: [],
  none: [],
};

/** Models with more than one head (qemu's max_outputs). */
const MULTI_HEAD: readonly VideoModel[] = ['qxl', 'virtio'];
const MAX_HEADS = 16;

/**
 * Read the <video> elements: the primary (the one with primary='yes', else the first) and the others,
 * which only qxl, virtio and bochs can be; model none stands alone. Defaults are filled in as libvirt does.
 */
export function readVideos(
  parent: ElementReader,
  els: ElementReader[],
): Pick<DevicesConfig, 'video' | 'secondaryVideos'> {
  const read = els.map((r) => readOne(r));
  if (read.length === 0) return {};
  const primaries = read.filter((v) => v.primary);
  if (primaries.length > 1) {
    throw invalid(els[1]?.el ?? parent.el, "more than one <video> has primary='yes'", {
      attribute: 'primary',
      expected: 'one primary video',
    });
  }
  const primaryIndex = Math.max(
    0,
    read.findIndex((v) => v.primary),
  );
  const videos = read.map((v) => v.video);
  const [primary] = videos.splice(primaryIndex, 1);
  if (primary === undefined) return {};
  if (primary.model === 'none' && videos.length > 0) {
    throw invalid(parent.el, "<video> model 'none' is given with other <video> elements", {
      value: 'none',
      expected: "model 'none' alone",
    });
  }
  videos.forEach((v, i) => {
    if (SECONDARY_MODELS.includes(v.model)) return;
    const el = els[i >= primaryIndex ? i + 1 : i]?.child('model')?.el ?? parent.el;
    throw notSupported(el, {
      attribute: 'type',
      value: v.model,
      expected: [
        ...SECONDARY_MODELS.map((m) => `${m} (as a secondary video)`),
        `${v.model} as the primary video only`,
      ],
    });
  });
  return videos.length === 0 ? { video: primary } : { video: primary, secondaryVideos: videos };
}

function readOne(r: ElementReader): { video: VideoConfig; primary: boolean } {
  const model = r.child('model');
  if (!model) throw invalid(r.el, 'element <model> is missing', { expected: "<model type='vga'/>" });
  const type = model.enumAttr('type', VIDEO_MODELS);
  if (type === undefined) {
    throw invalid(model.el, "attribute 'type' is missing", {
      attribute: 'type',
      expected: VIDEO_MODELS.join(', '),
    });
  }
  const video: VideoConfig = { model: type, ...VIDEO_DEFAULTS[type] };
  for (const name of SIZE_ATTRS[type]) {
    const kib = readKiB(model, name);
    if (kib === undefined) continue;
    if (name === 'ram') video.ramKiB = kib;
    else if (name === 'vram') video.vramKiB = kib;
    else video.vgamemKiB = kib;
  }
  const heads = type === 'none' ? undefined : model.uintAttr('heads');
  if (heads !== undefined) {
    const max = MULTI_HEAD.includes(type) ? MAX_HEADS : 1;
    if (heads < 1 || heads > max) {
      throw invalid(model.el, `heads='${heads}' is out of range for model '${type}'`, {
        attribute: 'heads',
        value: String(heads),
        expected: max === 1 ? '1' : `1-${max}`,
      });
    }
    video.heads = heads;
  }
  const primary = type === 'none' ? false : (model.boolAttr('primary') ?? false);
  model.finish();
  if (type === 'ramfb') {
    // ramfb is a system-bus device: an alias, no address.
    const alias = readAlias(r);
    if (alias !== undefined) video.alias = alias;
  } else if (type !== 'none') {
    Object.assign(video, readPciIdentity(r));
  }
  r.finish();
  return { video, primary };
}

function readKiB(model: ElementReader, name: 'ram' | 'vram' | 'vgamem'): number | undefined {
  const kib = model.uintAttr(name);
  if (kib === undefined) return undefined;
  // qemu takes these in MiB or as power-of-two byte sizes; libvirt's KiB must be whole MiB.
  if (kib < 1024 || kib % 1024 !== 0) {
    throw invalid(model.el, `${name}='${kib}' is not a whole number of MiB`, {
      attribute: name,
      value: String(kib),
      expected: 'KiB, a multiple of 1024 (at least 1024)',
    });
  }
  return kib;
}
