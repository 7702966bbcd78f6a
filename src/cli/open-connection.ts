import { resolve } from 'node:path';
import type { Connection } from '../connection.js';
import { TsvirtError } from '../errors.js';
import { EmbeddedConnection } from '../embedded/embedded-connection.js';
import { connectRemote } from '../remote/index.js';

/** The URI used when none is given: $TSVIRT_DEFAULT_URI, else the embedded driver on ./var. */
export function defaultUri(): string {
  return process.env.TSVIRT_DEFAULT_URI ?? 'qemu:///embed?root=./var';
}

/**
 * Opens the connection a URI names: `qemu:///embed?root=DIR` runs the driver in this process;
 * `qemu+tcp://`, `qemu+unix://` (and libvirt's other drivers over them) speak the libvirt protocol.
 */
export async function openConnection(
  uri: string | undefined,
  opts: { readOnly?: boolean } = {},
): Promise<Connection> {
  const text = uri ?? defaultUri();
  if (text.startsWith('qemu:///embed')) {
    const root = new URL(text.replace('qemu:///', 'qemu://localhost/')).searchParams.get('root');
    if (!root) {
      throw new TsvirtError(
        'ERR_INVALID_ARG',
        `${text}: the embedded driver needs a root folder (qemu:///embed?root=DIR)`,
        {
          uri: text,
          field: 'root',
        },
      );
    }
    return EmbeddedConnection.open({
      root: resolve(root),
      log: (line) => process.stderr.write(`warning: ${line}\n`),
    });
  }
  if (/^[a-z]+\+(tcp|unix|tls|ssh):\/\//.test(text))
    return connectRemote(text, { readOnly: opts.readOnly ?? false });
  throw new TsvirtError(
    'ERR_INVALID_ARG',
    `${text}: unsupported connection URI; use qemu:///embed?root=DIR, qemu+tcp://HOST/system or qemu+unix:///system?socket=PATH`,
    { uri: text },
  );
}
