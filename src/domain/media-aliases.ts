import type { DomainConfig } from './types.js';

/** A device of the sound, rng, watchdog, panic and secondary video kinds that has (or gets) an alias. */
export interface MediaAliasHolder {
  dev: { alias?: string };
  /** How errors name it. */
  device: string;
  /** libvirt's alias prefix (sound0, rng0, video1, watchdog0, panic0). */
  prefix: string;
}

/** The devices of those kinds that carry an alias, in libvirt's order of naming. */
export function listMediaAliasHolders(config: DomainConfig): MediaAliasHolder[] {
  const d = config.devices;
  return [
    ...(d.secondaryVideos ?? []).map((dev, i) => ({ dev, device: `video ${i + 1}`, prefix: 'video' })),
    ...(d.sounds ?? []).map((dev, i) => ({ dev, device: `sound ${i}`, prefix: 'sound' })),
    ...(d.watchdog && d.watchdog.model !== 'itco'
      ? [{ dev: d.watchdog, device: 'watchdog', prefix: 'watchdog' }]
      : []),
    ...(d.rngs ?? []).map((dev, i) => ({ dev, device: `rng ${i}`, prefix: 'rng' })),
    ...(d.panics ?? [])
      .filter((p) => p.model === 'pvpanic')
      .map((dev) => ({ dev, device: 'panic pvpanic', prefix: 'panic' })),
  ];
}

/** Give each of those devices without an alias the first free one of its prefix. Mutates. */
export function assignMediaAliases(config: DomainConfig, take: (prefix: string) => string): void {
  // The primary video's alias may not be among the taken ones yet: a secondary never gets it.
  const primary = config.devices.video?.alias;
  const takeOther = (prefix: string): string => {
    let alias = take(prefix);
    while (alias === primary) alias = take(prefix);
    return alias;
  };
  for (const h of listMediaAliasHolders(config)) h.dev.alias ??= takeOther(h.prefix);
}
