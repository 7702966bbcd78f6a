/**
 * Domain XML parsed off the event loop. fast-xml-parser takes about 0.3 to 1.5 s for a 4 MiB document
 * (a long text, 700,000 small elements, a huge attribute), and libvirt's RPC allows strings of 4 MiB;
 * parsed on the main thread, one such define stalls every other client. A document of
 * OFF_THREAD_MIN_CHARS or more goes to one long-lived worker thread; a smaller one, which parses in
 * about a millisecond, is parsed in place, as is every document when the worker's script is absent
 * (running from the TypeScript sources, where only the built dist/ has it).
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Worker } from 'node:worker_threads';
import { TsvirtError, type ErrorCode, type ErrorFields } from '../errors.js';
import { parseDomainXml } from './parse-domain.js';
import type { DomainConfig } from './types.js';

/** Documents at least this long (in UTF-16 units) are parsed on the worker thread. */
export const OFF_THREAD_MIN_CHARS = 64 * 1024;

/** The worker's heap ceiling: a hostile document kills the worker, never tsvirtd. */
const WORKER_HEAP_MB = 512;

/** One document for the worker. */
export interface ParseRequest {
  id: number;
  xml: string;
}

/** The worker's answer: the config, or the error's parts (a class does not cross threads). */
export type ParseReply =
  | { id: number; config: DomainConfig; error?: undefined }
  | { id: number; error: { code: ErrorCode; message: string; fields: ErrorFields } };

const WORKER_URL = new URL('./parse-thread-worker.js', import.meta.url);

/** Whether large documents go to the worker thread (false when running from the sources). */
export const hasParseThread: boolean = existsSync(fileURLToPath(WORKER_URL));

interface Pending {
  resolve(config: DomainConfig): void;
  reject(err: Error): void;
}

let worker: Worker | undefined;
/** node:worker_threads, loaded with the first large document. */
let workerModule: Promise<typeof import('node:worker_threads')> | undefined;
let nextId = 1;
const pending = new Map<number, Pending>();

/** parseDomainXml, with a large document parsed on the worker thread; the same results and errors. */
export async function parseDomainXmlOffThread(xml: string): Promise<DomainConfig> {
  if (typeof xml !== 'string' || xml.length < OFF_THREAD_MIN_CHARS || !hasParseThread) {
    return parseDomainXml(xml);
  }
  workerModule ??= import('node:worker_threads');
  const { Worker } = await workerModule;
  const w = worker ?? startWorker(Worker);
  const id = nextId++;
  return new Promise<DomainConfig>((resolve, reject) => {
    pending.set(id, { resolve, reject });
    w.ref(); // keep the process alive while an answer is owed
    w.postMessage({ id, xml } satisfies ParseRequest);
  });
}

function startWorker(Worker: typeof import('node:worker_threads').Worker): Worker {
  const w = new Worker(WORKER_URL, { resourceLimits: { maxOldGenerationSizeMb: WORKER_HEAP_MB } });
  w.unref();
  w.on('message', (reply: ParseReply) => {
    const waiter = pending.get(reply.id);
    pending.delete(reply.id);
    if (pending.size === 0) w.unref();
    if (!waiter) return;
    if (reply.error === undefined) waiter.resolve(reply.config);
    else waiter.reject(new TsvirtError(reply.error.code, reply.error.message, reply.error.fields));
  });
  w.on('error', (err) => failAll(w, `failed: ${err.message}`, err));
  w.on('exit', (code) => failAll(w, `exited with code ${code}`));
  worker = w;
  return w;
}

/** The worker is gone: fail what it owed, and let the next document start a new one. */
function failAll(w: Worker, what: string, cause?: Error): void {
  if (worker !== w) return;
  worker = undefined;
  for (const [id, waiter] of pending) {
    pending.delete(id);
    waiter.reject(
      new TsvirtError(
        'ERR_INTERNAL',
        `the domain XML parser thread ${what}; the document may be too large to parse, try a smaller one`,
        { reason: what },
        { cause },
      ),
    );
  }
}
