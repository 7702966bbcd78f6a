/**
 * The worker side of parse-thread.ts: parses one domain XML per message and posts back the config or
 * the error's code, message and fields. It holds no state between messages.
 */
import { parentPort } from 'node:worker_threads';
import { TsvirtError } from '../errors.js';
import { parseDomainXml } from './parse-domain.js';
import type { ParseReply, ParseRequest } from './parse-thread.js';

const port = parentPort;
if (port === null) throw new Error('parse-thread-worker.js runs only as a worker thread');

port.on('message', ({ id, xml }: ParseRequest) => {
  let reply: ParseReply;
  try {
    reply = { id, config: parseDomainXml(xml) };
  } catch (err) {
    reply =
      err instanceof TsvirtError
        ? { id, error: { code: err.code, message: err.message, fields: err.fields } }
        : { id, error: { code: 'ERR_INTERNAL', message: String(err), fields: {} } };
  }
  port.postMessage(reply);
});
