import { resolve } from 'node:path';
import type { Connection } from './connection.js';
import { TsvirtError } from './errors.js';
import { isSocketLive } from './daemon/listeners.js';
import { SYSTEM_ROOT } from './daemon/settings.js';

/** Where a tsvirtd listens by default: the quick start's ./var first, then the system root's. */
export const DEFAULT_DAEMON_SOCKETS: readonly string[] = [
  './var/run/libvirt-sock',
  `${SYSTEM_ROOT}/run/libvirt-sock`,
];

/**
 * The URI used when none is given: $TSVIRT_DEFAULT_URI; else the first default daemon socket on which
 * a tsvirtd accepts (its `-ro` twin for read-only); else the embedded driver on ./var.
 */
export async function defaultUri(opts: { readOnly?: boolean } = {}): Promise<string> {
  const fromEnv = process.env.TSVIRT_DEFAULT_URI;
  if (fromEnv) return fromEnv;
  for (const candidate of DEFAULT_DAEMON_SOCKETS) {
    const path = resolve(candidate) + (opts.readOnly ? '-ro' : '');
    if (await isSocketLive(path, 500))
      return `qemu+unix:///system?socket=${encodeURIComponent(path).replace(/%2F/g, '/')}`;
  }
  return 'qemu:///embed?root=./var';
}

/**
 * Opens the connection a URI names: `qemu:///embed?root=DIR` runs the driver in this process;
 * `qemu+tcp://`, `qemu+unix://` (and libvirt's other drivers over them) speak the libvirt protocol;
 * `ws://HOST:PORT/api[?token=T]` speaks tsvirtd's WebSocket JSON API.
 */
export async function connect(
  uri: string | undefined,
  opts: { readOnly?: boolean } = {},
): Promise<Connection> {
  const text = uri ?? (await defaultUri(opts));
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
    // Loaded on demand: a CLI call pays only for the connection kind it uses.
    const { EmbeddedConnection } = await import('./embedded/embedded-connection.js');
    return EmbeddedConnection.open({
      root: resolve(root),
      log: (line) => process.stderr.write(`warning: ${line}\n`),
    });
  }
  if (/^[a-z]+\+(tcp|unix|tls|ssh):\/\//.test(text)) {
    const { connectRemote } = await import('./remote/index.js');
    return connectRemote(text, { readOnly: opts.readOnly ?? false });
  }
  if (/^wss?:\/\//.test(text)) {
    const { WsConnection } = await import('./ws/index.js');
    return WsConnection.connect(text);
  }
  throw new TsvirtError(
    'ERR_INVALID_ARG',
    `${text}: unsupported connection URI; use qemu:///embed?root=DIR, qemu+tcp://HOST/system, qemu+unix:///system?socket=PATH or ws://HOST:PORT/api`,
    { uri: text },
  );
}
