/** The domain snapshot part of a Connection (libvirt's virDomainSnapshot* calls). */
import type { DomainRef } from './types.js';

/** A domain snapshot as the wire carries it (remote_nonnull_domain_snapshot): its name and its domain. */
export interface SnapshotRef {
  name: string;
  dom: DomainRef;
}

/** Snapshots of a domain: create, list, inspect, revert and delete. */
export interface DomainSnapshotApi {
  /** virDomainSnapshotCreateXML: a snapshot from `<domainsnapshot>` XML (virDomainSnapshotCreateFlags). */
  domainSnapshotCreateXML(dom: DomainRef, xml: string, flags?: number): Promise<SnapshotRef>;
  /** virDomainListAllSnapshots, filtered by virDomainSnapshotListFlags. */
  domainListAllSnapshots(dom: DomainRef, flags?: number): Promise<SnapshotRef[]>;
  /** virDomainSnapshotNum: how many snapshots the list flags select. */
  domainSnapshotNum(dom: DomainRef, flags?: number): Promise<number>;
  /** virDomainSnapshotListAllChildren: children (with DESCENDANTS, all descendants) of a snapshot. */
  domainSnapshotListAllChildren(snap: SnapshotRef, flags?: number): Promise<SnapshotRef[]>;
  /** virDomainSnapshotNumChildren. */
  domainSnapshotNumChildren(snap: SnapshotRef, flags?: number): Promise<number>;
  /** virDomainSnapshotLookupByName. */
  domainSnapshotLookupByName(dom: DomainRef, name: string, flags?: number): Promise<SnapshotRef>;
  /** virDomainSnapshotGetXMLDesc: the `<domainsnapshot>` XML. */
  domainSnapshotGetXMLDesc(snap: SnapshotRef, flags?: number): Promise<string>;
  /** virDomainSnapshotCurrent: the current snapshot, or ERR_SNAPSHOT_NOT_FOUND when there is none. */
  domainSnapshotCurrent(dom: DomainRef, flags?: number): Promise<SnapshotRef>;
  /** virDomainHasCurrentSnapshot. */
  domainHasCurrentSnapshot(dom: DomainRef, flags?: number): Promise<boolean>;
  /** virDomainSnapshotGetParent: ERR_SNAPSHOT_NOT_FOUND for a root. */
  domainSnapshotGetParent(snap: SnapshotRef, flags?: number): Promise<SnapshotRef>;
  /** virDomainSnapshotIsCurrent. */
  domainSnapshotIsCurrent(snap: SnapshotRef, flags?: number): Promise<boolean>;
  /** virDomainSnapshotHasMetadata. */
  domainSnapshotHasMetadata(snap: SnapshotRef, flags?: number): Promise<boolean>;
  /** virDomainRevertToSnapshot (virDomainSnapshotRevertFlags). */
  domainRevertToSnapshot(snap: SnapshotRef, flags?: number): Promise<void>;
  /** virDomainSnapshotDelete (virDomainSnapshotDeleteFlags). */
  domainSnapshotDelete(snap: SnapshotRef, flags?: number): Promise<void>;
}
