import { hasManagedSaveImage } from './managed-save-image.js';
import { DomainState, type DomainRef } from '../connection.js';
import { TsvirtError } from '../errors.js';
import { ListFlags } from '../api/domain-enums.js';
import type { DomainObject } from './domain-object.js';
import { hasSnapshotMetadata } from './snapshot-store.js';

/** The domains a driver knows, by name and uuid, with libvirt's lookup errors and list filters. */
export class DomainRegistry {
  private readonly byName = new Map<string, DomainObject>();
  private readonly byUuid = new Map<string, DomainObject>();

  /** Every domain, sorted by name. */
  all(): DomainObject[] {
    // By code point, not localeCompare: this runs on every listing.
    return [...this.byName.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /** Add a domain; throws ERR_DOMAIN_EXISTS when its name or uuid is taken by another. */
  add(dom: DomainObject): void {
    this.checkFree(dom.name, dom.uuid);
    this.byName.set(dom.name, dom);
    this.byUuid.set(dom.uuid, dom);
  }

  /** Remove a domain (only if it is this very object). */
  remove(dom: DomainObject): void {
    if (this.byName.get(dom.name) === dom) this.byName.delete(dom.name);
    if (this.byUuid.get(dom.uuid) === dom) this.byUuid.delete(dom.uuid);
  }

  /** Throws ERR_DOMAIN_EXISTS when `name` or `uuid` belongs to a domain other than one with both. */
  checkFree(name: string, uuid: string): void {
    const sameName = this.byName.get(name);
    if (sameName && sameName.uuid !== uuid) {
      throw new TsvirtError(
        'ERR_DOMAIN_EXISTS',
        `domain '${name}' already exists with uuid ${sameName.uuid}`,
        {
          name,
          uuid: sameName.uuid,
        },
      );
    }
    const sameUuid = this.byUuid.get(uuid);
    if (sameUuid && sameUuid.name !== name) {
      throw new TsvirtError(
        'ERR_DOMAIN_EXISTS',
        `domain '${sameUuid.name}' is already defined with uuid ${uuid}; rename it or use another uuid`,
        { name: sameUuid.name, uuid },
      );
    }
  }

  /** The domain of this name, if any. */
  findByName(name: string): DomainObject | undefined {
    return this.byName.get(name);
  }

  /** The domain of this name; throws ERR_DOMAIN_NOT_FOUND with libvirt's wording. */
  getByName(name: string): DomainObject {
    const dom = this.byName.get(name);
    if (!dom) throw notFound(`no domain with matching name '${name}'`, { name });
    return dom;
  }

  /** The domain of this uuid; throws ERR_DOMAIN_NOT_FOUND. */
  getByUuid(uuid: string): DomainObject {
    const dom = this.byUuid.get(uuid.toLowerCase());
    if (!dom) throw notFound(`no domain with matching uuid '${uuid}'`, { uuid });
    return dom;
  }

  /** The active domain with this id; throws ERR_DOMAIN_NOT_FOUND. */
  getById(id: number): DomainObject {
    const dom = [...this.byName.values()].find((d) => d.active && d.id === id);
    if (!dom) throw notFound(`no domain with matching id ${id}`, { id });
    return dom;
  }

  /** The domain a reference names: by uuid when it has one, else by name. */
  resolve(ref: DomainRef): DomainObject {
    if (!ref.uuid) return this.getByName(ref.name);
    const dom = this.byUuid.get(ref.uuid.toLowerCase());
    if (!dom) throw notFound(`no domain with matching uuid '${ref.uuid}' (${ref.name})`, { ...ref });
    return dom;
  }

  /** Domains that pass virConnectListAllDomains `flags` (0 = all). */
  list(flags: number): DomainObject[] {
    return this.all().filter((d) => matchesListFlags(d, flags));
  }
}

/** Whether a domain passes the filter groups of virConnectListAllDomainsFlags. */
export function matchesListFlags(dom: DomainObject, flags: number): boolean {
  if (flags === 0) return true;
  const other = dom.state !== DomainState.RUNNING && dom.state !== DomainState.PAUSED && dom.active;
  const groups: Array<Array<[number, boolean]>> = [
    [
      [ListFlags.ACTIVE, dom.active],
      [ListFlags.INACTIVE, !dom.active],
    ],
    [
      [ListFlags.PERSISTENT, dom.persistent],
      [ListFlags.TRANSIENT, !dom.persistent],
    ],
    [
      [ListFlags.RUNNING, dom.state === DomainState.RUNNING],
      [ListFlags.PAUSED, dom.state === DomainState.PAUSED],
      [ListFlags.SHUTOFF, !dom.active],
      [ListFlags.OTHER, other],
    ],
    [
      [ListFlags.AUTOSTART, dom.autostart],
      [ListFlags.NO_AUTOSTART, !dom.autostart],
    ],
    [
      [ListFlags.MANAGEDSAVE, hasManagedSaveImage(dom)],
      [ListFlags.NO_MANAGEDSAVE, !hasManagedSaveImage(dom)],
    ],
    [
      [ListFlags.HAS_SNAPSHOT, hasSnapshotMetadata(dom)],
      [ListFlags.NO_SNAPSHOT, !hasSnapshotMetadata(dom)],
    ],
  ];
  return groups.every((group) => {
    const asked = group.filter(([bit]) => (flags & bit) !== 0);
    return asked.length === 0 || asked.some(([, holds]) => holds);
  });
}

function notFound(what: string, fields: Record<string, unknown>): TsvirtError {
  return new TsvirtError('ERR_DOMAIN_NOT_FOUND', `Domain not found: ${what}`, fields);
}
