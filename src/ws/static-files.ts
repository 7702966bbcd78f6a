/**
 * The web page's files over plain HTTP GET: web/index.html and web/style.css at / and /style.css, the
 * compiled browser modules (dist/web, from web/tsconfig.json) under /js/, and the npm libraries the page
 * uses under /vendor/ (xterm.js, noVNC). Nothing comes from elsewhere; paths never leave these folders.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { dirname, extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.map': 'application/json',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
};

/** `file`: one URL path → one file; `tree`: a URL prefix ending in '/' → a folder. */
export type StaticRoutes = ReadonlyArray<readonly ['file' | 'tree', string, string]>;

/** The package root: the nearest folder above this module that holds package.json. */
function findPackageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return dir;
}

/** The folder of an npm package, from the package root up through parent node_modules folders. */
function findPackage(root: string, name: string): string {
  let dir = root;
  for (;;) {
    const candidate = join(dir, 'node_modules', name);
    if (existsSync(candidate) || dirname(dir) === dir) return candidate;
    dir = dirname(dir);
  }
}

/** The routes of the page, resolved against this package's files. */
export function buildPageRoutes(): StaticRoutes {
  const root = findPackageRoot();
  const xterm = findPackage(root, '@xterm/xterm');
  const novnc = findPackage(root, '@novnc/novnc');
  return [
    ['file', '/', join(root, 'web', 'index.html')],
    ['file', '/index.html', join(root, 'web', 'index.html')],
    ['file', '/style.css', join(root, 'web', 'style.css')],
    ['tree', '/js/', join(root, 'dist', 'web')],
    ['file', '/vendor/xterm/xterm.mjs', join(xterm, 'lib', 'xterm.mjs')],
    ['file', '/vendor/xterm/xterm.css', join(xterm, 'css', 'xterm.css')],
    ['tree', '/vendor/novnc/core/', join(novnc, 'core')],
    ['tree', '/vendor/novnc/vendor/', join(novnc, 'vendor')],
  ];
}

/** The file a URL path maps to, or undefined (unknown path, or one that would leave its folder). */
export function resolveStaticPath(routes: StaticRoutes, pathname: string): string | undefined {
  for (const [kind, prefix, target] of routes) {
    if (kind === 'file') {
      if (pathname === prefix) return target;
      continue;
    }
    if (!pathname.startsWith(prefix)) continue;
    const rest = decodeURIComponent(pathname.slice(prefix.length));
    if (rest.includes('\0')) return undefined;
    const file = normalize(join(target, rest));
    return file.startsWith(target + sep) ? file : undefined;
  }
  return undefined;
}

/** Answer one GET or HEAD; 404 for anything else or anything missing. */
export async function serveStatic(
  routes: StaticRoutes,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://localhost');
  let file: string | undefined;
  try {
    file =
      req.method === 'GET' || req.method === 'HEAD' ? resolveStaticPath(routes, url.pathname) : undefined;
  } catch {
    file = undefined; // a bad %-escape
  }
  const body = file === undefined ? undefined : await readFile(file).catch(() => undefined);
  if (body === undefined) {
    const hint = url.pathname.startsWith('/js/') ? '; build the page with: npx tsc -p web/tsconfig.json' : '';
    res
      .writeHead(404, { 'content-type': 'text/plain; charset=utf-8' })
      .end(`${url.pathname}: not found${hint}\n`);
    return;
  }
  res.writeHead(200, {
    'content-type': CONTENT_TYPES[extname(file as string)] ?? 'application/octet-stream',
    'content-length': body.length,
    'cache-control': 'no-cache',
    'x-content-type-options': 'nosniff',
  });
  res.end(req.method === 'HEAD' ? undefined : body);
}
