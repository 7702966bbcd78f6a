import { ElementReader, invalid, notSupported } from './element-reader.js';
import { readAlias, readPciIdentity } from './parse-address.js';
import type {
  AudioConfig,
  DevicesConfig,
  PanicConfig,
  RngConfig,
  SoundConfig,
  WatchdogConfig,
} from './types.js';

const SOUND_MODELS = ['ich9', 'ich6', 'ac97'] as const;
const AUDIO_TYPES = ['none', 'spice'] as const;
const RNG_PATHS = ['/dev/urandom', '/dev/random'] as const;
const WATCHDOG_MODELS = ['i6300esb', 'ib700', 'itco'] as const;
const WATCHDOG_ACTIONS = ['reset', 'poweroff', 'pause', 'none', 'shutdown', 'inject-nmi'] as const;
const PANIC_MODELS = ['isa', 'pvpanic', 'hyperv'] as const;

/** The I/O port of the ISA pvpanic device: qemu's default, which libvirt writes into the definition. */
export const PANIC_ISA_IOBASE = 0x505;

/** Read one <sound>: model ich9, ich6 or ac97, an optional <audio id=.../> and its PCI identity. */
export function parseSound(r: ElementReader): SoundConfig {
  const model = r.enumAttr('model', SOUND_MODELS);
  if (model === undefined) {
    throw invalid(r.el, "attribute 'model' is missing", {
      attribute: 'model',
      expected: SOUND_MODELS.join(', '),
    });
  }
  const sound: SoundConfig = { model };
  for (const codec of r.children('codec')) {
    // An HDA card's one codec is hda-duplex, libvirt's default; other codec types are not offered.
    if (model === 'ac97') throw notSupported(codec.el, { expected: ['no <codec> with ac97'] });
    codec.enumAttr('type', ['duplex']);
    codec.finish();
  }
  const audio = r.child('audio');
  if (audio) {
    sound.audioId = readAudioId(audio);
    audio.finish();
  }
  Object.assign(sound, readPciIdentity(r));
  r.finish();
  return sound;
}

/** Read one <audio id='N' type=.../>: a backend of type none or spice. */
export function parseAudio(r: ElementReader): AudioConfig {
  const id = readAudioId(r);
  const type = r.enumAttr('type', AUDIO_TYPES);
  if (type === undefined) {
    throw invalid(r.el, "attribute 'type' is missing", {
      attribute: 'type',
      expected: AUDIO_TYPES.join(' or '),
    });
  }
  r.finish();
  return { id, type };
}

function readAudioId(r: ElementReader): number {
  const id = r.uintAttr('id');
  if (id === undefined || id < 1) {
    throw invalid(r.el, `attribute 'id' is ${id === undefined ? 'missing' : `'${id}'`}`, {
      attribute: 'id',
      expected: 'an integer from 1',
    });
  }
  return id;
}

/** Read one <rng model='virtio'> with a random backend on /dev/urandom or /dev/random and an optional rate. */
export function parseRng(r: ElementReader): RngConfig {
  const model = r.enumAttr('model', ['virtio']);
  if (model === undefined) {
    throw invalid(r.el, "attribute 'model' is missing", { attribute: 'model', expected: 'virtio' });
  }
  const backend = r.child('backend');
  if (!backend) {
    throw invalid(r.el, 'element <backend> is missing', {
      expected: "<backend model='random'>/dev/urandom</backend>",
    });
  }
  const backendModel = backend.attr('model');
  if (backendModel !== 'random') {
    throw notSupported(backend.el, {
      attribute: 'model',
      value: backendModel ?? '',
      expected: ['random (egd and builtin backends are not offered)'],
    });
  }
  const text = backend.text() === '' ? '/dev/urandom' : backend.text();
  if (!(RNG_PATHS as readonly string[]).includes(text)) {
    throw notSupported(backend.el, { value: text, expected: RNG_PATHS });
  }
  backend.finish();
  const rng: RngConfig = {
    model,
    backend: { model: 'random', path: text as RngConfig['backend']['path'] },
  };
  const rate = r.child('rate');
  if (rate) {
    const bytes = rate.uintAttr('bytes');
    if (bytes === undefined || bytes < 1) {
      throw invalid(rate.el, "attribute 'bytes' is missing or 0", {
        attribute: 'bytes',
        expected: 'bytes per period, from 1',
      });
    }
    const periodMs = rate.uintAttr('period');
    if (periodMs === 0) {
      throw invalid(rate.el, "period='0' is not a period", {
        attribute: 'period',
        value: '0',
        expected: 'milliseconds, from 1',
      });
    }
    rng.rate = periodMs === undefined ? { bytes } : { bytes, periodMs };
    rate.finish();
  }
  Object.assign(rng, readPciIdentity(r));
  r.finish();
  return rng;
}

/** Read the one <watchdog>: model i6300esb (PCI), ib700 (ISA) or itco (Q35's own), and its action. */
export function readWatchdog(parent: ElementReader, els: ElementReader[]): WatchdogConfig | undefined {
  if (els.length > 1) throw notSupported(els[1]?.el ?? parent.el, { expected: ['one <watchdog>'] });
  const r = els[0];
  if (!r) return undefined;
  const model = r.enumAttr('model', WATCHDOG_MODELS);
  if (model === undefined) {
    throw invalid(r.el, "attribute 'model' is missing", {
      attribute: 'model',
      expected: WATCHDOG_MODELS.join(', '),
    });
  }
  const actionText = r.attr('action');
  if (actionText === 'dump') {
    throw notSupported(r.el, { attribute: 'action', value: 'dump', expected: WATCHDOG_ACTIONS });
  }
  r.skip({ attrs: ['action'] });
  const action = actionText === undefined ? 'reset' : checkAction(r, actionText);
  const dog: WatchdogConfig = { model, action };
  if (model === 'i6300esb') Object.assign(dog, readPciIdentity(r));
  else {
    const alias = readAlias(r);
    if (alias !== undefined) dog.alias = alias;
  }
  r.finish();
  return dog;
}

function checkAction(r: ElementReader, value: string): WatchdogConfig['action'] {
  if ((WATCHDOG_ACTIONS as readonly string[]).includes(value)) return value as WatchdogConfig['action'];
  throw notSupported(r.el, { attribute: 'action', value, expected: WATCHDOG_ACTIONS });
}

/** Read one <panic>: isa (pvpanic at an I/O port, 0x505 unless given), pvpanic (PCI) or hyperv. */
export function parsePanic(r: ElementReader): PanicConfig {
  const model = r.enumAttr('model', PANIC_MODELS, 'isa');
  const panic: PanicConfig = { model };
  if (model === 'isa') {
    panic.iobase = readIsaAddress(r) ?? PANIC_ISA_IOBASE;
    const alias = readAlias(r);
    if (alias !== undefined) panic.alias = alias;
  } else if (model === 'pvpanic') {
    Object.assign(panic, readPciIdentity(r));
  }
  r.finish();
  return panic;
}

function readIsaAddress(parent: ElementReader): number | undefined {
  const r = parent.child('address');
  if (!r) return undefined;
  r.enumAttr('type', ['isa']);
  const text = r.attr('iobase');
  r.finish();
  if (text === undefined) return undefined;
  if (!/^(0x[0-9a-fA-F]{1,4}|\d{1,5})$/.test(text) || Number(text) > 0xffff) {
    throw invalid(r.el, `'${text}' is not an I/O port`, {
      attribute: 'iobase',
      value: text,
      expected: 'an I/O port such as 0x505',
    });
  }
  return Number(text);
}

/** Every <sound>, <audio>, <rng>, <watchdog> and <panic> of <devices>, as optional DevicesConfig fields. */
export function readMediaDevices(
  parent: ElementReader,
  els: {
    sound: ElementReader[];
    audio: ElementReader[];
    rng: ElementReader[];
    watchdog: ElementReader[];
    panic: ElementReader[];
  },
): Pick<DevicesConfig, 'sounds' | 'audios' | 'rngs' | 'watchdog' | 'panics'> {
  const out: Pick<DevicesConfig, 'sounds' | 'audios' | 'rngs' | 'watchdog' | 'panics'> = {};
  if (els.sound.length > 0) out.sounds = els.sound.map(parseSound);
  if (els.audio.length > 0) out.audios = readAudios(parent, els.audio);
  if (els.rng.length > 0) out.rngs = els.rng.map(parseRng);
  const watchdog = readWatchdog(parent, els.watchdog);
  if (watchdog) out.watchdog = watchdog;
  if (els.panic.length > 0) out.panics = els.panic.map(parsePanic);
  return out;
}

function readAudios(parent: ElementReader, els: ElementReader[]): AudioConfig[] {
  const audios = els.map(parseAudio);
  const seen = new Set<number>();
  for (const a of audios) {
    if (seen.has(a.id)) {
      throw invalid(parent.el, `<audio id='${a.id}'> appears twice`, {
        attribute: 'id',
        value: String(a.id),
        expected: 'one <audio> per id',
      });
    }
    seen.add(a.id);
  }
  return audios;
}
