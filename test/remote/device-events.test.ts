/** The device and metadata event MESSAGE bodies (354, 333, 367, 379) and the table of domain event kinds, against annotated bytes. */
import { describe, expect, it } from 'vitest';
import { decodeMessage, encodeMessage } from '../../src/remote/structs.js';
import { Procedure } from '../../src/remote/protocol.js';
import { DOMAIN_EVENT_WIRE, findWireByEventId, findWireByKind } from '../../src/remote/domain-event-kinds.js';
import { hex } from './hex.js';

const BODY = hex(`
  00000002                            # callbackID 2
  00000002 68700000                   # name "hp", padded to 4 bytes
  6695eb01 f6a48304 79aa97f2 502e193f # uuid
  00000003                            # id 3
  0000000c 76697274 696f2d64 69736b31 # devAlias "virtio-disk1"
`);
const EVENT = {
  callbackID: 2,
  dom: { name: 'hp', uuid: '6695eb01-f6a4-8304-79aa-97f2502e193f', id: 3 },
  devAlias: 'virtio-disk1',
};

describe('device event messages', () => {
  it.each([
    ['DEVICE_ADDED', Procedure.DOMAIN_EVENT_CALLBACK_DEVICE_ADDED],
    ['DEVICE_REMOVED', Procedure.DOMAIN_EVENT_CALLBACK_DEVICE_REMOVED],
    ['DEVICE_REMOVAL_FAILED', Procedure.DOMAIN_EVENT_CALLBACK_DEVICE_REMOVAL_FAILED],
  ] as const)('%s encodes callbackID, domain, devAlias in that order and decodes them back', (_n, proc) => {
    expect(encodeMessage(proc, EVENT)).toEqual(BODY);
    expect(decodeMessage(proc, BODY)).toEqual(EVENT);
  });

  it('rejects a body cut short inside devAlias', () => {
    expect(() =>
      decodeMessage(Procedure.DOMAIN_EVENT_CALLBACK_DEVICE_ADDED, BODY.subarray(0, BODY.length - 2)),
    ).toThrow();
  });
});

describe('metadata-change message', () => {
  it('encodes callbackID, domain, type and the optional namespace URI in that order', () => {
    const body = hex(`
      00000001                            # callbackID 1
      00000002 68700000                   # name "hp", padded to 4 bytes
      6695eb01 f6a48304 79aa97f2 502e193f # uuid
      00000003                            # id 3
      00000002                            # type 2 (element)
      00000001                            # nsuri present
      00000008 68747470 3a2f2f78          # "http://x"
    `);
    const ev = { callbackID: 1, dom: EVENT.dom, type: 2, nsuri: 'http://x' };
    expect(encodeMessage(Procedure.DOMAIN_EVENT_CALLBACK_METADATA_CHANGE, ev)).toEqual(body);
    expect(decodeMessage(Procedure.DOMAIN_EVENT_CALLBACK_METADATA_CHANGE, body)).toEqual(ev);
    const title = { ...ev, type: 1, nsuri: null };
    expect(
      decodeMessage(
        Procedure.DOMAIN_EVENT_CALLBACK_METADATA_CHANGE,
        encodeMessage(Procedure.DOMAIN_EVENT_CALLBACK_METADATA_CHANGE, title),
      ),
    ).toEqual(title);
  });
});

describe('domain event kinds on the wire', () => {
  it("maps libvirt's event ids to kinds and callback procedures", () => {
    expect(DOMAIN_EVENT_WIRE.map((w) => [w.kind, w.eventID, w.proc])).toEqual([
      ['lifecycle', 0, 318],
      ['device-removed', 15, 333],
      ['device-added', 19, 354],
      ['device-removal-failed', 22, 367],
      ['metadata-change', 23, 379],
      ['block-job', 8, 326],
      ['block-job-2', 16, 339],
    ]);
    expect(findWireByEventId(19)?.kind).toBe('device-added');
    expect(findWireByEventId(1)).toBeUndefined(); // reboot: accepted, never fired
    expect(findWireByKind('device-removed').eventID).toBe(15);
  });
});
