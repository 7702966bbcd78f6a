import { describe, expect, it } from 'vitest';
import { QmpDecoder, decodeMessage, encodeCommand, type QmpMessage } from '../../src/qmp/codec.js';

// A monitor's output as QEMU 7.2 writes it: greeting, a reply, an event without data, an event with
// data, and an error reply. The HMP reply holds a multi-byte UTF-8 character ("é", 0xc3 0xa9) so that
// some split offsets fall inside it.
const STREAM = [
  '{"QMP": {"version": {"qemu": {"micro": 22, "minor": 2, "major": 7}, "package": "Debian 1:7.2"}, "capabilities": ["oob"]}}',
  '{"return": {}, "id": 1}',
  '{"return": "caf\u00e9\\r\\n", "id": 2}',
  '{"timestamp": {"seconds": 1700000000, "microseconds": 559698}, "event": "STOP"}',
  '{"timestamp": {"seconds": 1700000001, "microseconds": 7}, "event": "SHUTDOWN", "data": {"guest": false, "reason": "host-qmp-quit"}}',
  '{"error": {"class": "DeviceNotFound", "desc": "Device \'nope\' not found"}, "id": 3}',
]
  .map((l) => `${l}\r\n`)
  .join('');

function summarize(messages: QmpMessage[]): unknown[] {
  return messages.map((m) => {
    if (m.type === 'return' || m.type === 'error') {
      const { line: _line, ...rest } = m;
      return rest;
    }
    return m;
  });
}

const EXPECTED = [
  {
    type: 'greeting',
    greeting: {
      version: { qemu: { major: 7, minor: 2, micro: 22 }, package: 'Debian 1:7.2' },
      capabilities: ['oob'],
    },
  },
  { type: 'return', id: 1, value: {} },
  { type: 'return', id: 2, value: 'caf\u00e9\r\n' },
  {
    type: 'event',
    event: { event: 'STOP', data: {}, timestamp: { seconds: 1700000000, microseconds: 559698 } },
  },
  {
    type: 'event',
    event: {
      event: 'SHUTDOWN',
      data: { guest: false, reason: 'host-qmp-quit' },
      timestamp: { seconds: 1700000001, microseconds: 7 },
    },
  },
  { type: 'error', id: 3, errorClass: 'DeviceNotFound', desc: "Device 'nope' not found" },
];

describe('QmpDecoder', () => {
  it('decodes a whole stream given in one chunk', () => {
    expect(summarize(new QmpDecoder().push(Buffer.from(STREAM)))).toEqual(EXPECTED);
  });

  it('decodes the same messages when the stream is split at every byte offset', () => {
    const bytes = Buffer.from(STREAM);
    for (let cut = 0; cut <= bytes.length; cut++) {
      const d = new QmpDecoder();
      const out = [...d.push(bytes.subarray(0, cut)), ...d.push(bytes.subarray(cut))];
      expect(summarize(out), `cut at ${cut}`).toEqual(EXPECTED);
      expect(d.bufferedBytes).toBe(0);
    }
  });

  it('decodes the same messages when the stream arrives one byte at a time', () => {
    const bytes = Buffer.from(STREAM);
    const d = new QmpDecoder();
    const out: QmpMessage[] = [];
    for (let i = 0; i < bytes.length; i++) out.push(...d.push(bytes.subarray(i, i + 1)));
    expect(summarize(out)).toEqual(EXPECTED);
  });

  it('is not confused when the caller reuses its chunk buffer after push', () => {
    const d = new QmpDecoder();
    const chunk = Buffer.from('{"return": 4');
    d.push(chunk);
    chunk.fill(0x20);
    expect(summarize(d.push('2, "id": 9}\n'))).toEqual([{ type: 'return', id: 9, value: 42 }]);
  });

  it('keeps a partial line until its LF arrives', () => {
    const d = new QmpDecoder();
    expect(d.push('{"return": {}, "id"')).toEqual([]);
    expect(d.bufferedBytes).toBe(19);
  });

  it('reports an over-long line once, skips the rest of it, and decodes the next line', () => {
    const d = new QmpDecoder({ maxLineBytes: 16 });
    const first = d.push('{"return": "aaaaaaaaaaaaaaaaaaaaaa');
    expect(first).toEqual([
      { type: 'invalid', line: '{"return": "aaaaaaaaaaaaaaaaaaaaaa', reason: 'line exceeds 16 bytes' },
    ]);
    expect(d.push('bbbbbbbbbbbbbbbbbbb')).toEqual([]);
    expect(summarize(d.push('"}\n{"return": 1, "id": 5}\n'))).toEqual([{ type: 'return', id: 5, value: 1 }]);
  });
});

describe('decodeMessage', () => {
  it.each([
    ['not json', 'not JSON'],
    ['[1,2]', 'not a JSON object'],
    ['{"hello": 1}', 'object is not a greeting, return, error or event'],
    ['{"error": {"class": 1}}', 'error lacks class and desc strings'],
    ['{"event": "STOP"}', 'event lacks timestamp seconds and microseconds'],
    ['{"event": 5, "timestamp": {"seconds": 1, "microseconds": 2}}', 'event name is not a string'],
    [
      '{"event": "X", "data": [1], "timestamp": {"seconds": 1, "microseconds": 2}}',
      'event data is not an object',
    ],
    ['{"QMP": {"version": {}, "capabilities": []}}', 'greeting version lacks qemu.major, minor, micro'],
    ['{"QMP": {}}', 'greeting lacks version or capabilities'],
    ['', 'not JSON'],
  ])('reports %j as invalid, keeping the raw line', (line, reason) => {
    const m = decodeMessage(line);
    expect(m.type).toBe('invalid');
    if (m.type === 'invalid') {
      expect(m.line).toBe(line);
      expect(m.reason.startsWith(reason)).toBe(true);
    }
  });

  it('keeps the raw line of a reply for diagnostics', () => {
    expect(decodeMessage('{"return": [], "id": 7}')).toEqual({
      type: 'return',
      id: 7,
      value: [],
      line: '{"return": [], "id": 7}',
    });
  });
});

describe('encodeCommand', () => {
  it('writes execute and id, and arguments only when given, as one LF-terminated line', () => {
    expect(encodeCommand('query-status', undefined, 1)).toBe('{"execute":"query-status","id":1}\n');
    expect(encodeCommand('balloon', { value: 33554432 }, 12)).toBe(
      '{"execute":"balloon","arguments":{"value":33554432},"id":12}\n',
    );
  });

  it('escapes a newline inside an argument so that the command stays one line', () => {
    const line = encodeCommand('human-monitor-command', { 'command-line': 'info\nstatus' }, 3);
    expect(line.indexOf('\n')).toBe(line.length - 1);
    expect(JSON.parse(line)).toEqual({
      execute: 'human-monitor-command',
      arguments: { 'command-line': 'info\nstatus' },
      id: 3,
    });
  });
});
