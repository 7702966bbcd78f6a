/**
 * The one table between tsvirt's domain event kinds (DomainEventMap) and libvirt's callback events:
 * the event id a client registers (CONNECT_DOMAIN_EVENT_CALLBACK_REGISTER_ANY) and the MESSAGE
 * procedure the event arrives in. The server (server/events.ts) and RemoteConnection both read it; a
 * new kind is one more row and its message codec.
 */
import type { DomainEventKind } from '../connection.js';
import { EventId, Procedure as P } from './protocol.js';

/** One kind's wire facts. */
export interface DomainEventWire {
  kind: DomainEventKind;
  /** VIR_DOMAIN_EVENT_ID_*. */
  eventID: number;
  /** REMOTE_PROC_DOMAIN_EVENT_CALLBACK_*: the MESSAGE body `{ callbackID, ...event }`. */
  proc:
    | typeof P.DOMAIN_EVENT_CALLBACK_LIFECYCLE
    | typeof P.DOMAIN_EVENT_CALLBACK_DEVICE_ADDED
    | typeof P.DOMAIN_EVENT_CALLBACK_DEVICE_REMOVED
    | typeof P.DOMAIN_EVENT_CALLBACK_DEVICE_REMOVAL_FAILED
    | typeof P.DOMAIN_EVENT_CALLBACK_METADATA_CHANGE
    | typeof P.DOMAIN_EVENT_CALLBACK_BLOCK_JOB
    | typeof P.DOMAIN_EVENT_BLOCK_JOB_2;
}

/** Every domain event kind tsvirt delivers over the libvirt protocol. */
export const DOMAIN_EVENT_WIRE: readonly DomainEventWire[] = [
  { kind: 'lifecycle', eventID: EventId.DOMAIN_LIFECYCLE, proc: P.DOMAIN_EVENT_CALLBACK_LIFECYCLE },
  {
    kind: 'device-removed',
    eventID: EventId.DOMAIN_DEVICE_REMOVED,
    proc: P.DOMAIN_EVENT_CALLBACK_DEVICE_REMOVED,
  },
  { kind: 'device-added', eventID: EventId.DOMAIN_DEVICE_ADDED, proc: P.DOMAIN_EVENT_CALLBACK_DEVICE_ADDED },
  {
    kind: 'device-removal-failed',
    eventID: EventId.DOMAIN_DEVICE_REMOVAL_FAILED,
    proc: P.DOMAIN_EVENT_CALLBACK_DEVICE_REMOVAL_FAILED,
  },
  {
    kind: 'metadata-change',
    eventID: EventId.DOMAIN_METADATA_CHANGE,
    proc: P.DOMAIN_EVENT_CALLBACK_METADATA_CHANGE,
  },
  { kind: 'block-job', eventID: EventId.DOMAIN_BLOCK_JOB, proc: P.DOMAIN_EVENT_CALLBACK_BLOCK_JOB },
  { kind: 'block-job-2', eventID: EventId.DOMAIN_BLOCK_JOB_2, proc: P.DOMAIN_EVENT_BLOCK_JOB_2 },
];

/** The wire facts of an event id a client registers, or undefined for one tsvirt never fires. */
export function findWireByEventId(eventID: number): DomainEventWire | undefined {
  return DOMAIN_EVENT_WIRE.find((w) => w.eventID === eventID);
}

/** The wire facts of a kind. */
export function findWireByKind(kind: DomainEventKind): DomainEventWire {
  return DOMAIN_EVENT_WIRE.find((w) => w.kind === kind) as DomainEventWire;
}
