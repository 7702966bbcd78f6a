import { TsvirtError } from '../errors.js';
import { isQ35Machine } from './parse-os.js';
import type { DomainConfig } from './types.js';

function invalidAt(path: string, message: string, fields: Record<string, unknown>): TsvirtError {
  return new TsvirtError('ERR_XML_INVALID', `${path}: ${message}`, { path, ...fields });
}

/**
 * Rules that span the sound, audio, watchdog and panic elements: a sound's <audio id> names an <audio>,
 * a spice <audio> needs SPICE graphics, itco exists only on Q35, one panic per model.
 */
export function validateMediaDevices(config: DomainConfig): void {
  const d = config.devices;
  const audioIds = new Set((d.audios ?? []).map((a) => a.id));
  for (const sound of d.sounds ?? []) {
    // Without any <audio>, define adds id 1 (see addImplicitAudio), which a sound may already name.
    const implicit = audioIds.size === 0 && sound.audioId === 1;
    if (sound.audioId === undefined || audioIds.has(sound.audioId) || implicit) continue;
    throw invalidAt(
      'domain/devices/sound/audio',
      `<sound model='${sound.model}'> names <audio id='${sound.audioId}'>, which is not defined; add it or remove the reference`,
      {
        element: 'audio',
        attribute: 'id',
        value: String(sound.audioId),
        expected: `an id of an <audio> element (${[...audioIds].join(', ') || 'none defined'})`,
      },
    );
  }
  const hasSpice = d.graphics.some((g) => g.type === 'spice');
  const spiceAudio = (d.audios ?? []).find((a) => a.type === 'spice');
  if (spiceAudio && !hasSpice) {
    throw invalidAt(
      'domain/devices/audio',
      `<audio id='${spiceAudio.id}' type='spice'> needs <graphics type='spice'>; add SPICE graphics or use type='none'`,
      {
        element: 'audio',
        attribute: 'type',
        value: 'spice',
        expected: "type='none' without SPICE graphics",
      },
    );
  }
  if (d.watchdog?.model === 'itco' && !isQ35Machine(config.os.machine)) {
    throw invalidAt(
      'domain/devices/watchdog',
      `model 'itco' is the Q35 chipset's own watchdog and machine '${config.os.machine}' has none; use i6300esb or ib700`,
      {
        element: 'watchdog',
        attribute: 'model',
        value: 'itco',
        expected: 'i6300esb or ib700 on i440FX',
      },
    );
  }
  const models = new Set<string>();
  for (const panic of d.panics ?? []) {
    if (models.has(panic.model)) {
      throw invalidAt('domain/devices/panic', `two <panic model='${panic.model}'> devices; keep one`, {
        element: 'panic',
        attribute: 'model',
        value: panic.model,
        expected: 'one panic device per model',
      });
    }
    models.add(panic.model);
  }
}
