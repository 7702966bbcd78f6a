/**
 * The QMP wire codec: JSON objects, one per line (RFC 8259 text, terminated by LF). Pure: bytes and
 * strings in, values out; no sockets here.
 */
import type { QmpEvent, QmpGreeting } from './types.js';

/** Byte value of LF, the QMP message terminator; it never occurs inside a UTF-8 multi-byte sequence. */
const LF = 0x0a;

/** Default bound on one line: the largest real reply (query-qmp-schema) is well under 1 MiB. */
export const DEFAULT_MAX_LINE_BYTES = 16 * 1024 * 1024;

/** How many characters of a bad line a protocol error keeps. */
const RAW_LINE_KEEP_CHARS = 4096;

/** One decoded line from the monitor. */
export type QmpMessage =
  /** `{"QMP": {"version": ..., "capabilities": [...]}}`, sent once when the monitor accepts a client. */
  | { type: 'greeting'; greeting: QmpGreeting }
  /** `{"return": VALUE, "id": ID}`: a command succeeded. */
  | { type: 'return'; id: unknown; value: unknown; line: string }
  /** `{"error": {"class": C, "desc": D}, "id": ID}`: a command failed. */
  | { type: 'error'; id: unknown; errorClass: string; desc: string; line: string }
  /** `{"event": NAME, "data": {...}, "timestamp": {"seconds": S, "microseconds": U}}`; data may be absent. */
  | { type: 'event'; event: QmpEvent }
  /** A line that is not one of the above; `line` holds the raw text (truncated when huge). */
  | { type: 'invalid'; line: string; reason: string };

/**
 * Encode one command as a QMP line: `{"execute": NAME, "arguments": {...}, "id": ID}` and LF. Compact on
 * purpose: QEMU 7.2 reads its monitor one byte per main-loop turn (one recvmsg of 1 byte each, seen with
 * strace), so every byte sent adds about 2 us to the round trip here.
 */
export function encodeCommand(
  command: string,
  args: Record<string, unknown> | undefined,
  id: number,
): string {
  return args === undefined
    ? `{"execute":${JSON.stringify(command)},"id":${id}}\n`
    : `{"execute":${JSON.stringify(command)},"arguments":${JSON.stringify(args)},"id":${id}}\n`;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function invalid(line: string, reason: string): QmpMessage {
  const kept = line.length > RAW_LINE_KEEP_CHARS ? line.slice(0, RAW_LINE_KEEP_CHARS) : line;
  return { type: 'invalid', line: kept, reason };
}

function decodeGreeting(line: string, body: unknown): QmpMessage {
  if (!isRecord(body) || !isRecord(body.version) || !Array.isArray(body.capabilities)) {
    return invalid(line, 'greeting lacks version or capabilities');
  }
  const qemu = body.version.qemu;
  if (!isRecord(qemu) || ![qemu.major, qemu.minor, qemu.micro].every((n) => typeof n === 'number')) {
    return invalid(line, 'greeting version lacks qemu.major, minor, micro');
  }
  const greeting: QmpGreeting = {
    version: {
      qemu: { major: qemu.major as number, minor: qemu.minor as number, micro: qemu.micro as number },
      package: typeof body.version.package === 'string' ? body.version.package : '',
    },
    capabilities: body.capabilities.filter((c): c is string => typeof c === 'string'),
  };
  return { type: 'greeting', greeting };
}

function decodeEvent(line: string, msg: Record<string, unknown>): QmpMessage {
  const ts = msg.timestamp;
  if (typeof msg.event !== 'string') return invalid(line, 'event name is not a string');
  if (!isRecord(ts) || typeof ts.seconds !== 'number' || typeof ts.microseconds !== 'number') {
    return invalid(line, 'event lacks timestamp seconds and microseconds');
  }
  if (msg.data !== undefined && !isRecord(msg.data)) return invalid(line, 'event data is not an object');
  const data = (msg.data as Record<string, unknown> | undefined) ?? {};
  return {
    type: 'event',
    event: { event: msg.event, data, timestamp: { seconds: ts.seconds, microseconds: ts.microseconds } },
  };
}

/** Decode one line (without its LF) into a message; never throws. */
export function decodeMessage(line: string): QmpMessage {
  let msg: unknown;
  try {
    msg = JSON.parse(line);
  } catch (err) {
    return invalid(line, `not JSON (${(err as Error).message})`);
  }
  if (!isRecord(msg)) return invalid(line, 'not a JSON object');
  if ('return' in msg) return { type: 'return', id: msg.id, value: msg.return, line };
  if ('error' in msg) {
    const e = msg.error;
    if (!isRecord(e) || typeof e.class !== 'string' || typeof e.desc !== 'string') {
      return invalid(line, 'error lacks class and desc strings');
    }
    return { type: 'error', id: msg.id, errorClass: e.class, desc: e.desc, line };
  }
  if ('event' in msg) return decodeEvent(line, msg);
  if ('QMP' in msg) return decodeGreeting(line, msg.QMP);
  return invalid(line, 'object is not a greeting, return, error or event');
}

/**
 * Splits a byte stream into lines and decodes each one, whatever the chunk boundaries: a line may
 * arrive in many chunks and a chunk may hold many lines. A trailing CR is dropped.
 */
export class QmpDecoder {
  private readonly maxLineBytes: number;
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  /** Set while skipping the rest of an over-long line. */
  private discarding = false;

  constructor(options: { maxLineBytes?: number } = {}) {
    this.maxLineBytes = options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
  }

  /** Feed one chunk; returns every message that it completes, in order. */
  push(chunk: Buffer | string): QmpMessage[] {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
    const out: QmpMessage[] = [];
    let start = 0;
    for (let nl = buf.indexOf(LF, start); nl !== -1; nl = buf.indexOf(LF, start)) {
      const line = this.takeLine(buf, start, nl);
      if (line !== undefined) out.push(decodeMessage(line));
      else if (this.discarding) this.discarding = false;
      start = nl + 1;
    }
    if (start < buf.length) this.keep(buf.subarray(start), out);
    return out;
  }

  /** Bytes held for a line not yet complete. */
  get bufferedBytes(): number {
    return this.pendingBytes;
  }

  private takeLine(buf: Buffer, start: number, end: number): string | undefined {
    if (this.discarding) return undefined;
    let text: string;
    if (this.pendingBytes === 0) {
      text = buf.toString('utf8', start, end);
    } else {
      this.pending.push(buf.subarray(start, end));
      text = Buffer.concat(this.pending).toString('utf8');
      this.pending = [];
      this.pendingBytes = 0;
    }
    return text.endsWith('\r') ? text.slice(0, -1) : text;
  }

  private keep(rest: Buffer, out: QmpMessage[]): void {
    if (this.discarding) return;
    // Copy: the caller may reuse its chunk buffer after push returns.
    this.pending.push(Buffer.from(rest));
    this.pendingBytes += rest.length;
    if (this.pendingBytes > this.maxLineBytes) {
      const head = Buffer.concat(this.pending).toString('utf8', 0, RAW_LINE_KEEP_CHARS);
      out.push({ type: 'invalid', line: head, reason: `line exceeds ${this.maxLineBytes} bytes` });
      this.pending = [];
      this.pendingBytes = 0;
      this.discarding = true;
    }
  }
}
