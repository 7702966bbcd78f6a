import { ElementReader, invalid, notSupported } from './element-reader.js';
import { readPciIdentity } from './parse-address.js';
import type { SataControllerConfig, VideoConfig } from './types.js';

/** The VGA's video memory in KiB as libvirt writes it: qemu's default of 16 MiB. */
export const VGA_VRAM_KIB = 16384;

/** Read the one <video>: model vga with qemu's default memory and one head (the primary). */
export function readVideo(parent: ElementReader, els: ElementReader[]): VideoConfig | undefined {
  if (els.length > 1) {
    throw notSupported(els[1]?.el ?? parent.el, { expected: ['one <video>'] });
  }
  const r = els[0];
  if (!r) return undefined;
  const model = r.child('model');
  if (!model) throw invalid(r.el, 'element <model> is missing', { expected: "<model type='vga'/>" });
  if (model.enumAttr('type', ['vga']) === undefined) {
    throw invalid(model.el, "attribute 'type' is missing", { attribute: 'type', expected: 'vga' });
  }
  model.enumAttr('vram', [String(VGA_VRAM_KIB)]);
  model.enumAttr('heads', ['1']);
  model.enumAttr('primary', ['yes']);
  model.finish();
  const video: VideoConfig = { model: 'vga', ...readPciIdentity(r) };
  r.finish();
  return video;
}

/** Read <controller> elements: only the SATA controller with index 0 is in tsvirt's subset. */
export function readSataController(els: ElementReader[]): SataControllerConfig | undefined {
  let sata: SataControllerConfig | undefined;
  for (const r of els) {
    const type = r.attr('type');
    if (type === undefined) {
      throw invalid(r.el, "attribute 'type' is missing", { attribute: 'type', expected: 'sata' });
    }
    if (type !== 'sata') throw notSupported(r.el, { attribute: 'type', value: type, expected: ['sata'] });
    const index = r.uintAttr('index') ?? 0;
    if (index !== 0 || sata) {
      throw notSupported(r.el, {
        attribute: 'index',
        value: String(index),
        expected: ['0 (one SATA controller)'],
      });
    }
    sata = readPciIdentity(r);
    r.finish();
  }
  return sata;
}
