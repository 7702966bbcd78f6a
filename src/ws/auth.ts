/**
 * Tokens of the WebSocket listener (`ws_auth_token_file`). The file holds one token a line:
 *
 *     # comments and blank lines are ignored
 *     rw 0c8f3b0e6a1d4e2f9b7c5a3d1e0f2a4b   full access
 *     ro 7d2e9c4b1a0f3e5d8c6b4a2f0e1d3c5b   read-only: the read-only socket's denied methods apply
 *
 * A token is 16 to 256 characters of `A-Z a-z 0-9 - . _ ~ + / =` (safe in a header and a query string).
 * A client sends it as `Authorization: Bearer TOKEN`, or as `?token=TOKEN` where it cannot set headers
 * (a browser's WebSocket). Keep the file mode 0600: whoever reads it can act as its tokens.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import { TsvirtError } from '../errors.js';

/** The access one token grants. */
export type TokenAccess = 'rw' | 'ro';

/** The tokens of a token file, kept as SHA-256 digests. */
export interface TokenTable {
  entries: ReadonlyArray<{ access: TokenAccess; digest: Buffer }>;
}

const TOKEN_RE = /^[A-Za-z0-9\-._~+/=]{16,256}$/;

/** Parse the text of a token file; `path` names it in errors. */
export function parseTokenFile(text: string, path: string): TokenTable {
  const entries: Array<{ access: TokenAccess; digest: Buffer }> = [];
  const seen = new Set<string>();
  text.split('\n').forEach((raw, index) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const [access, token, ...rest] = line.split(/\s+/);
    const where = { file: path, line: index + 1 };
    if ((access !== 'rw' && access !== 'ro') || token === undefined || rest.length > 0) {
      throw configError(`${path}:${index + 1}: expected "rw TOKEN" or "ro TOKEN"`, where);
    }
    if (!TOKEN_RE.test(token)) {
      throw configError(
        `${path}:${index + 1}: a token must be 16 to 256 characters of A-Za-z0-9-._~+/=`,
        where,
      );
    }
    if (seen.has(token)) throw configError(`${path}:${index + 1}: the token is listed twice`, where);
    seen.add(token);
    entries.push({ access, digest: digestOf(token) });
  });
  if (entries.length === 0)
    throw configError(`${path}: no tokens; add a line "rw TOKEN" or "ro TOKEN"`, { file: path });
  return { entries };
}

/** Read and parse a token file. */
export async function readTokenFile(path: string): Promise<TokenTable> {
  const text = await readFile(path, 'utf8').catch((err: unknown) => {
    throw new TsvirtError(
      'ERR_CONFIG_FILE',
      `${path}: cannot read the token file (${(err as Error).message})`,
      {
        file: path,
      },
    );
  });
  return parseTokenFile(text, path);
}

/** The access a token grants, or undefined when the table does not hold it. */
export function checkToken(table: TokenTable, token: string): TokenAccess | undefined {
  const digest = digestOf(token);
  let found: TokenAccess | undefined;
  for (const entry of table.entries) if (timingSafeEqual(entry.digest, digest)) found = entry.access;
  return found;
}

/** The token a request carries: `Authorization: Bearer TOKEN`, else `?token=`. */
export function tokenOfRequest(req: IncomingMessage, url: URL): string | undefined {
  const header = req.headers.authorization;
  const bearer = header === undefined ? undefined : /^Bearer\s+(\S+)\s*$/i.exec(header)?.[1];
  return bearer ?? url.searchParams.get('token') ?? undefined;
}

function digestOf(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}

function configError(message: string, fields: Record<string, unknown>): TsvirtError {
  return new TsvirtError('ERR_CONFIG_FILE', message, fields);
}
