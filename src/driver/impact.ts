import { TsvirtError } from '../errors.js';
import { ModificationImpact } from '../api/domain-enums.js';
import type { DomainObject } from './domain-object.js';

/** Which definitions a change applies to (virDomainModificationImpact resolved against the state). */
export interface Impact {
  live: boolean;
  config: boolean;
}

/** CURRENT (0) means live while active, config while inactive; LIVE and CONFIG may be combined. */
export function resolveImpact(dom: DomainObject, flags: number): Impact {
  const known = ModificationImpact.LIVE | ModificationImpact.CONFIG;
  if ((flags & ~known) !== 0) {
    throw new TsvirtError('ERR_INVALID_ARG', `flags ${flags}: only live (1) and config (2) are supported`, {
      field: 'flags',
      value: flags,
      expected: '0, 1, 2 or 3',
    });
  }
  if (flags === ModificationImpact.CURRENT) return { live: dom.active, config: !dom.active };
  return {
    live: (flags & ModificationImpact.LIVE) !== 0,
    config: (flags & ModificationImpact.CONFIG) !== 0,
  };
}
