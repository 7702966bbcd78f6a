import { TsvirtError } from '../errors.js';
import { MetadataType, ModificationImpact } from '../api/domain-enums.js';
import type { DomainConfig } from '../domain/index.js';
import { applyMetadataChange, readMetadata, type MetadataChange } from '../domain/metadata-edit.js';
import type { DriverContext } from './context.js';
import type { DomainObject } from './domain-object.js';
import { resolveImpact } from './impact.js';
import { checkAction } from './state-machine.js';
import { saveConfig, saveStatus } from './transitions.js';

/**
 * virDomainSetMetadata: change the title, the description or one namespaced element, in the running
 * definition (live) and/or the persistent one (config). Both are checked before either is changed; then
 * one metadata-change event, as libvirt sends.
 */
export async function setMetadata(
  ctx: DriverContext,
  dom: DomainObject,
  change: MetadataChange,
  flags: number,
): Promise<void> {
  const impact = resolveImpact(dom, flags);
  if (impact.live) checkAction('live-change', dom.subject);
  if (impact.config) checkAction('config-change', dom.subject);
  const targets: DomainConfig[] = [];
  if (impact.live) targets.push(dom.liveDef as DomainConfig);
  if (impact.config) targets.push(dom.persistentDef as DomainConfig);
  // Apply to copies first, so that a bad argument changes neither definition.
  const changed = targets.map((def) => {
    const copy = structuredClone(def);
    applyMetadataChange(copy, change);
    return copy;
  });
  if (impact.live) {
    dom.liveDef = changed[0];
    await saveStatus(ctx, dom);
  }
  if (impact.config) {
    dom.persistentDef = changed[changed.length - 1];
    await saveConfig(dom);
  }
  const nsuri = change.type === MetadataType.ELEMENT ? change.uri : null;
  ctx.events.emit('metadata-change', { dom: dom.ref(), type: change.type, nsuri });
}

/** virDomainGetMetadata: from the running definition (LIVE, or CURRENT while active) or the persistent one. */
export function getMetadata(dom: DomainObject, type: number, uri: string | null, flags: number): string {
  const both = ModificationImpact.LIVE | ModificationImpact.CONFIG;
  if ((flags & both) === both) {
    throw new TsvirtError('ERR_INVALID_ARG', 'flags live (1) and config (2) are mutually exclusive here', {
      field: 'flags',
      value: flags,
      expected: '0, 1 or 2',
    });
  }
  const impact = resolveImpact(dom, flags);
  checkAction(impact.live ? 'live-query' : 'config-change', dom.subject);
  const def = impact.live ? dom.liveDef : dom.persistentDef;
  if (!def) throw new TsvirtError('ERR_INTERNAL', `domain '${dom.name}' has no definition`);
  return readMetadata(def, type, uri);
}
