import type { Connection } from '../connection.js';
import { TsvirtError } from '../errors.js';

/** Opens the connection named by a URI; later issues add the embedded and remote implementations. */
export async function openConnection(uri: string | undefined): Promise<Connection> {
  throw new TsvirtError(
    'ERR_NOT_SUPPORTED',
    `cannot connect to '${uri ?? 'default'}': no connection driver yet`,
    {
      uri,
    },
  );
}
