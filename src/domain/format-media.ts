import { buildAddressNode as address, buildAliasNode as alias } from './format-identity.js';
import { GRAPHICS_LISTEN_ADDRESS } from './parse-graphics.js';
import type {
  AudioConfig,
  DomainLiveFacts,
  GraphicsConfig,
  PanicConfig,
  RngConfig,
  SoundConfig,
  SpiceGraphicsConfig,
  VideoConfig,
  WatchdogConfig,
} from './types.js';
import { el, type XmlNode } from './xml-writer.js';

/**
 * <graphics> as libvirt writes it: the live port of an autoport server (the port qemu reports), the
 * listen address in the attribute and in <listen>, and passwd= only when `secure` (VIR_DOMAIN_XML_SECURE).
 */
export function buildGraphics(
  g: GraphicsConfig,
  live: DomainLiveFacts | undefined,
  secure: boolean,
): XmlNode {
  const passwd: [string, string | undefined] = ['passwd', secure ? g.passwd : undefined];
  if (g.type === 'spice') return buildSpice(g, live, passwd);
  if (g.listen.kind === 'none') {
    return el('graphics', [['type', 'vnc'], passwd], [el('listen', [['type', 'none']])]);
  }
  if (g.listen.kind === 'socket') {
    const socket = g.listen.socket ?? live?.vncSocket;
    return el(
      'graphics',
      [['type', 'vnc'], ['socket', socket], passwd],
      [
        el('listen', [
          ['type', 'socket'],
          ['socket', socket],
        ]),
      ],
    );
  }
  const port = g.autoport ? (live?.vncPort ?? -1) : g.port;
  // An inactive definition keeps an address only when the XML gave one; the start fills in vnc_listen.
  const listenAddress = g.listen.address ?? (live ? GRAPHICS_LISTEN_ADDRESS : undefined);
  const attrs: XmlNode['attrs'] = [
    ['type', 'vnc'],
    ['port', port],
    ['autoport', g.autoport ? 'yes' : 'no'],
    ['listen', listenAddress],
    passwd,
  ];
  return el('graphics', attrs, [
    el('listen', [
      ['type', 'address'],
      ['address', listenAddress],
    ]),
  ]);
}

function buildSpice(
  g: SpiceGraphicsConfig,
  live: DomainLiveFacts | undefined,
  passwd: [string, string | undefined],
): XmlNode {
  const image = g.imageCompression && el('image', [['compression', g.imageCompression]]);
  if (g.listen.kind === 'none') {
    return el(
      'graphics',
      [['type', 'spice'], ['autoport', 'no'], passwd],
      [el('listen', [['type', 'none']]), image],
    );
  }
  // An inactive definition keeps an address only when the XML gave one; a running domain shows the default.
  const listenAddress = g.listen.address ?? (live ? GRAPHICS_LISTEN_ADDRESS : undefined);
  const port = g.autoport ? live?.spicePort : g.port;
  return el(
    'graphics',
    [
      ['type', 'spice'],
      ['port', port],
      ['autoport', g.autoport ? 'yes' : 'no'],
      ['listen', listenAddress],
      passwd,
    ],
    [
      el('listen', [
        ['type', 'address'],
        ['address', listenAddress],
      ]),
      image,
    ],
  );
}

/** <video> with the model's sizes and heads (primary='yes' on the primary), its alias and address. */
export function buildVideo(video: VideoConfig, primary = true): XmlNode {
  if (video.model === 'none') return el('video', [], [el('model', [['type', 'none']])]);
  const model = el('model', [
    ['type', video.model],
    ['ram', video.ramKiB],
    ['vram', video.vramKiB],
    ['vgamem', video.vgamemKiB],
    ['heads', video.heads],
    ['primary', primary ? 'yes' : undefined],
  ]);
  return el('video', [], [model, alias(video.alias), address(video.address)]);
}

/** <sound model=...> with its <audio id=.../>, alias and address. */
export function buildSound(sound: SoundConfig): XmlNode {
  return el(
    'sound',
    [['model', sound.model]],
    [
      sound.audioId !== undefined && el('audio', [['id', sound.audioId]]),
      alias(sound.alias),
      address(sound.address),
    ],
  );
}

/** <audio id=... type=.../>. */
export function buildAudio(audio: AudioConfig): XmlNode {
  return el('audio', [
    ['id', audio.id],
    ['type', audio.type],
  ]);
}

/** <rng model='virtio'> with its rate, backend, alias and address. */
export function buildRng(rng: RngConfig): XmlNode {
  return el(
    'rng',
    [['model', rng.model]],
    [
      rng.rate &&
        el('rate', [
          ['bytes', rng.rate.bytes],
          ['period', rng.rate.periodMs],
        ]),
      el('backend', [['model', rng.backend.model]], rng.backend.path),
      alias(rng.alias),
      address(rng.address),
    ],
  );
}

/** <watchdog model=... action=...> with its alias and (i6300esb) address. */
export function buildWatchdog(dog: WatchdogConfig): XmlNode {
  return el(
    'watchdog',
    [
      ['model', dog.model],
      ['action', dog.action],
    ],
    [alias(dog.alias), address(dog.address)],
  );
}

/** <panic model=...> with its ISA iobase or PCI address. */
export function buildPanic(panic: PanicConfig): XmlNode {
  const isa =
    panic.iobase !== undefined &&
    el('address', [
      ['type', 'isa'],
      ['iobase', `0x${panic.iobase.toString(16)}`],
    ]);
  return el('panic', [['model', panic.model]], [alias(panic.alias), isa || address(panic.address)]);
}
