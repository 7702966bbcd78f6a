import { DefinitionStore } from '../fs/definition-store.js';
import type { NetworkDef } from './network-def.js';
import { formatNetworkXml } from './network-format.js';
import { parseNetworkXml } from './network-xml.js';

/**
 * Network state on disk, laid out as libvirt's: ROOT/etc/network/NAME.xml (persistent definitions),
 * ROOT/etc/network/autostart/NAME.xml (symlink marks), ROOT/run/network/NAME.xml (networks that are running).
 */
export class NetworkStore extends DefinitionStore<NetworkDef> {
  constructor(root: string, warn: (message: string) => void) {
    super(root, { folder: 'network', noun: 'network', format: formatNetworkXml, parse: parseStored }, warn);
  }
}

/** A stored network definition: define gave it its uuid, so one without is not tsvirt's. */
function parseStored(text: string): NetworkDef {
  const parsed = parseNetworkXml(text);
  if (parsed.uuid === undefined) throw new Error('it has no <uuid>');
  return { ...parsed, uuid: parsed.uuid };
}
