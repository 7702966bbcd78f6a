/**
 * The domain snapshot calls of the QEMU driver (DomainSnapshotApi), each under the job libvirt runs it
 * under: creation, revert and deletion as the SNAPSHOT async job, queries under no job at all.
 */
import { TsvirtError } from '../errors.js';
import type { DomainRef } from '../connection.js';
import type { SnapshotRef } from '../api/snapshot-api.js';
import { formatSnapshotXml } from '../domain/snapshot-xml.js';
import { JobOperation } from '../api/domain-enums.js';
import { SnapshotXmlFlags, UNDEFINE_SNAPSHOTS_METADATA } from '../api/snapshot-enums.js';
import type { DriverContext } from './context.js';
import type { DomainObject } from './domain-object.js';
import { AsyncJob } from './jobs-kinds.js';
import { runAsyncDomainJob } from './power.js';
import { checkCreateFlags, createSnapshot } from './snapshot-create.js';
import { checkDeleteFlags, deleteSnapshot } from './snapshot-delete.js';
import { checkListFlags, selectChildren, selectSnapshots } from './snapshot-query.js';
import { revertToSnapshot } from './snapshot-revert.js';
import { findSnapshot, loadSnapshots, removeAllSnapshots } from './snapshot-store.js';

/** The snapshot calls of one driver. */
export class DomainSnapshots {
  constructor(private readonly ctx: DriverContext) {}

  private dom(ref: DomainRef): DomainObject {
    return this.ctx.registry.resolve(ref);
  }

  private ref(dom: DomainObject, name: string): SnapshotRef {
    return { name, dom: dom.ref() };
  }

  /** virDomainSnapshotCreateXML. */
  async create(ref: DomainRef, xml: string, flags: number): Promise<SnapshotRef> {
    checkCreateFlags(flags);
    const dom = this.dom(ref);
    const req = { kind: AsyncJob.SNAPSHOT, operation: JobOperation.SNAPSHOT };
    const name = await runAsyncDomainJob(this.ctx, dom, req, this.ctx.jobWaitMs, (job) =>
      createSnapshot(this.ctx, dom, job, xml, flags),
    );
    return this.ref(dom, name);
  }

  /** virDomainListAllSnapshots. */
  async listAll(ref: DomainRef, flags: number): Promise<SnapshotRef[]> {
    checkListFlags(flags, 'virDomainListAllSnapshots');
    const dom = this.dom(ref);
    return selectSnapshots(await loadSnapshots(this.ctx, dom), flags).map((s) => this.ref(dom, s.name));
  }

  /** virDomainSnapshotListAllChildren. */
  async listChildren(snap: SnapshotRef, flags: number): Promise<SnapshotRef[]> {
    checkListFlags(flags, 'virDomainSnapshotListAllChildren');
    const dom = this.dom(snap.dom);
    const set = await loadSnapshots(this.ctx, dom);
    findSnapshot(set, snap.name);
    return selectChildren(set, snap.name, flags).map((s) => this.ref(dom, s.name));
  }

  /** virDomainSnapshotLookupByName. */
  async lookup(ref: DomainRef, name: string, flags: number): Promise<SnapshotRef> {
    checkNoFlags('virDomainSnapshotLookupByName', flags);
    const dom = this.dom(ref);
    return this.ref(dom, findSnapshot(await loadSnapshots(this.ctx, dom), name).name);
  }

  /** virDomainSnapshotGetXMLDesc (SECURE: the domain's secrets are kept; tsvirt's files hold them). */
  async getXml(snap: SnapshotRef, flags: number): Promise<string> {
    if ((flags & ~SnapshotXmlFlags.SECURE) !== 0) checkNoFlags('virDomainSnapshotGetXMLDesc', flags);
    const dom = this.dom(snap.dom);
    return formatSnapshotXml(findSnapshot(await loadSnapshots(this.ctx, dom), snap.name));
  }

  /** virDomainSnapshotCurrent. */
  async current(ref: DomainRef, flags: number): Promise<SnapshotRef> {
    checkNoFlags('virDomainSnapshotCurrent', flags);
    const dom = this.dom(ref);
    const { current } = await loadSnapshots(this.ctx, dom);
    if (current !== undefined) return this.ref(dom, current);
    throw new TsvirtError(
      'ERR_SNAPSHOT_NOT_FOUND',
      `Domain snapshot not found: the domain does not have a current snapshot`,
      { domain: dom.name },
    );
  }

  /** virDomainHasCurrentSnapshot. */
  async hasCurrent(ref: DomainRef, flags: number): Promise<boolean> {
    checkNoFlags('virDomainHasCurrentSnapshot', flags);
    return (await loadSnapshots(this.ctx, this.dom(ref))).current !== undefined;
  }

  /** virDomainSnapshotGetParent. */
  async parent(snap: SnapshotRef, flags: number): Promise<SnapshotRef> {
    checkNoFlags('virDomainSnapshotGetParent', flags);
    const dom = this.dom(snap.dom);
    const found = findSnapshot(await loadSnapshots(this.ctx, dom), snap.name);
    if (found.parent !== undefined) return this.ref(dom, found.parent);
    throw new TsvirtError(
      'ERR_SNAPSHOT_NOT_FOUND',
      `Domain snapshot not found: snapshot '${snap.name}' does not have a parent`,
      { name: snap.name },
    );
  }

  /** virDomainSnapshotIsCurrent. */
  async isCurrent(snap: SnapshotRef, flags: number): Promise<boolean> {
    checkNoFlags('virDomainSnapshotIsCurrent', flags);
    const set = await loadSnapshots(this.ctx, this.dom(snap.dom));
    return findSnapshot(set, snap.name).name === set.current;
  }

  /** virDomainSnapshotHasMetadata: every snapshot tsvirt knows has. */
  async hasMetadata(snap: SnapshotRef, flags: number): Promise<boolean> {
    checkNoFlags('virDomainSnapshotHasMetadata', flags);
    findSnapshot(await loadSnapshots(this.ctx, this.dom(snap.dom)), snap.name);
    return true;
  }

  /** virDomainSnapshotNum. */
  async count(ref: DomainRef, flags: number): Promise<number> {
    return (await this.listAll(ref, flags)).length;
  }

  /** virDomainSnapshotNumChildren. */
  async countChildren(snap: SnapshotRef, flags: number): Promise<number> {
    return (await this.listChildren(snap, flags)).length;
  }

  /** virDomainRevertToSnapshot. */
  async revert(snap: SnapshotRef, flags: number): Promise<void> {
    await revertToSnapshot(this.ctx, this.dom(snap.dom), snap.name, flags);
  }

  /** virDomainSnapshotDelete. */
  async delete(snap: SnapshotRef, flags: number): Promise<void> {
    checkDeleteFlags(flags);
    const dom = this.dom(snap.dom);
    const req = { kind: AsyncJob.SNAPSHOT, name: 'snapshot-delete', operation: JobOperation.SNAPSHOT_DELETE };
    await runAsyncDomainJob(this.ctx, dom, req, this.ctx.jobWaitMs, () =>
      deleteSnapshot(this.ctx, dom, snap.name, flags),
    );
  }

  /**
   * Before an undefine: a domain with snapshots is refused, as libvirt does, unless the flags carry
   * SNAPSHOTS_METADATA, when their metadata goes (the data stays in the images).
   */
  async prepareUndefine(dom: DomainObject, flags: number): Promise<void> {
    const count = (await loadSnapshots(this.ctx, dom)).list.length;
    if (count === 0) return;
    if ((flags & UNDEFINE_SNAPSHOTS_METADATA) === 0) {
      throw new TsvirtError(
        'ERR_OPERATION_INVALID',
        `Requested operation is not valid: cannot delete inactive domain with ${count} snapshots`,
        { domain: dom.name, field: 'flags', value: flags, expected: 'snapshots-metadata (2)' },
      );
    }
    await removeAllSnapshots(this.ctx, dom);
  }
}

/** libvirt's refusal of flags a call defines none of. */
function checkNoFlags(api: string, flags: number): void {
  if (flags === 0) return;
  throw new TsvirtError('ERR_INVALID_ARG', `unsupported flags (0x${flags.toString(16)}) in function ${api}`, {
    field: 'flags',
    value: flags,
    expected: 0,
  });
}
