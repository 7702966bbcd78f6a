import type { AudioConfig, DomainConfig } from './types.js';

/** libvirt's default <audio id='1'>: type spice with SPICE graphics, none otherwise. */
export function buildDefaultAudio(config: DomainConfig): AudioConfig {
  return { id: 1, type: config.devices.graphics.some((g) => g.type === 'spice') ? 'spice' : 'none' };
}

/**
 * Add libvirt's <audio id='1'> to a definition that has none: type spice with SPICE graphics, none
 * otherwise (libvirt adds one to every guest, so that sound cards and the SPICE channel have a backend).
 * Mutates.
 */
export function addImplicitAudio(config: DomainConfig): void {
  const d = config.devices;
  if ((d.audios ?? []).length > 0) return;
  d.audios = [buildDefaultAudio(config)];
}
