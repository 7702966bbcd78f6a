import { buildPciPlacement, type QemuDeviceObject } from './device-objects.js';
import { buildDefaultAudio } from './media-defaults.js';
import { buildMediaAlias, buildVideoDevice } from './video-device.js';
import type { AudioConfig, DomainConfig, RngConfig, SoundConfig, WatchdogConfig } from './types.js';

/** The devices of the secondary <video> elements (qxl, virtio-gpu-pci, bochs-display). */
export function buildSecondaryVideoDevices(config: DomainConfig): QemuDeviceObject[] {
  const videos = config.devices.secondaryVideos ?? [];
  return videos.flatMap(
    (v, i) =>
      buildVideoDevice(
        v,
        false,
        v.alias ?? buildMediaAlias('video', i + 1),
        buildPciPlacement(config, v.address),
      ) ?? [],
  );
}

/** The audiodev id of an <audio id='N'>: audioN, as libvirt names it. */
export function buildAudiodevId(audio: Pick<AudioConfig, 'id'>): string {
  return `audio${audio.id}`;
}

/** -audiodev for every <audio>: {"id":"audioN","driver":"none|spice"}. */
export function buildAudiodevArgs(config: DomainConfig): string[] {
  return listAudios(config).flatMap((a) => [
    '-audiodev',
    JSON.stringify({ id: buildAudiodevId(a), driver: a.type }),
  ]);
}

/** The <audio> backends; a definition with sounds and none gets libvirt's default (see buildDefaultAudio). */
function listAudios(config: DomainConfig): AudioConfig[] {
  const audios = config.devices.audios ?? [];
  if (audios.length > 0 || (config.devices.sounds ?? []).length === 0) return audios;
  return [buildDefaultAudio(config)];
}

/** A sound card's devices: the HDA controller and its hda-duplex codec, or the AC97, on their audiodev. */
export function buildSoundDevices(config: DomainConfig): QemuDeviceObject[] {
  const audios = listAudios(config);
  return (config.devices.sounds ?? []).flatMap((sound, i) => {
    const id = sound.alias ?? buildMediaAlias('sound', i);
    const audio = audios.find((a) => a.id === sound.audioId) ?? audios[0];
    const audiodev = audio === undefined ? {} : { audiodev: buildAudiodevId(audio) };
    const placement = buildPciPlacement(config, sound.address);
    if (sound.model === 'ac97') return [{ driver: 'AC97', id, ...audiodev, ...placement }];
    const controller: QemuDeviceObject = { driver: HDA_DRIVERS[sound.model], id, ...placement };
    const codec: QemuDeviceObject = {
      driver: 'hda-duplex',
      id: `${id}-codec0`,
      bus: `${id}.0`,
      cad: 0,
      ...audiodev,
    };
    return [controller, codec];
  });
}

const HDA_DRIVERS: Record<Exclude<SoundConfig['model'], 'ac97'>, string> = {
  ich9: 'ich9-intel-hda',
  ich6: 'intel-hda',
};

/** An rng's backend object id: 'obj' + its alias (objrng0), as libvirt names it. */
export function buildRngObjectId(alias: string): string {
  return `obj${alias}`;
}

/** What an <rng> becomes in qemu: its rng-random backend object (-object, QMP object-add) and its device. */
export function buildRngObjects(
  config: DomainConfig,
  rng: RngConfig,
  position: number,
): { object: { 'qom-type': string; id: string } & Record<string, unknown>; device: QemuDeviceObject } {
  const id = rng.alias ?? buildMediaAlias('rng', position);
  const objId = buildRngObjectId(id);
  const object = { 'qom-type': 'rng-random', id: objId, filename: rng.backend.path };
  const rate = rng.rate ? { 'max-bytes': rng.rate.bytes, period: rng.rate.periodMs ?? 1000 } : {};
  const device: QemuDeviceObject = {
    driver: 'virtio-rng-pci',
    rng: objId,
    id,
    ...rate,
    ...buildPciPlacement(config, rng.address),
  };
  return { object, device };
}

/** Each <rng>: -object rng-random on its host device, then -device virtio-rng-pci with its rate. */
export function buildRngArgs(config: DomainConfig): string[] {
  return (config.devices.rngs ?? []).flatMap((rng: RngConfig, i) => {
    const { object, device } = buildRngObjects(config, rng, i);
    return ['-object', JSON.stringify(object), '-device', JSON.stringify(device)];
  });
}

/** The alias of the watchdog device. */
export const WATCHDOG_ALIAS = 'watchdog0';

/**
 * The <watchdog>: its device (i6300esb on PCI, ib700 on ISA; Q35's iTCO is built in and only made to
 * reset the guest: ICH9-LPC.noreboot=off) and `-action watchdog=` for what qemu does when it fires.
 */
export function buildWatchdogArgs(config: DomainConfig): string[] {
  const dog: WatchdogConfig | undefined = config.devices.watchdog;
  if (!dog) return [];
  const args: string[] = [];
  const id = dog.alias ?? WATCHDOG_ALIAS;
  if (dog.model === 'i6300esb') {
    args.push(
      '-device',
      JSON.stringify({ driver: 'i6300esb', id, ...buildPciPlacement(config, dog.address) }),
    );
  } else if (dog.model === 'ib700') {
    args.push('-device', JSON.stringify({ driver: 'ib700', id }));
  } else {
    args.push('-global', 'ICH9-LPC.noreboot=off');
  }
  args.push('-action', `watchdog=${dog.action}`);
  return args;
}

/** The alias of a PCI pvpanic device. */
export const PANIC_ALIAS = 'panic0';

/** The <panic> devices: pvpanic at its I/O port (isa) or pvpanic-pci; hyperv is a CPU flag (see qemu-argv). */
export function buildPanicArgs(config: DomainConfig): string[] {
  return (config.devices.panics ?? []).flatMap((panic) => {
    if (panic.model === 'isa')
      return ['-device', JSON.stringify({ driver: 'pvpanic', ioport: panic.iobase ?? 0x505 })];
    if (panic.model === 'pvpanic') {
      const device = {
        driver: 'pvpanic-pci',
        id: panic.alias ?? PANIC_ALIAS,
        ...buildPciPlacement(config, panic.address),
      };
      return ['-device', JSON.stringify(device)];
    }
    return [];
  });
}

/**
 * The -cpu value with <panic model='hyperv'>'s Hyper-V crash MSRs (hv-crash=on) added to it, on qemu's
 * default model qemu64 when the definition names none; the value unchanged otherwise.
 */
export function addPanicCpuFlag(config: DomainConfig, cpu: string | undefined): string | undefined {
  if (!(config.devices.panics ?? []).some((p) => p.model === 'hyperv')) return cpu;
  return `${cpu ?? 'qemu64'},hv-crash=on`;
}
