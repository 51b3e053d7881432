import { existsSync, readdirSync, readFileSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The web UI's build (ui/dist), beside src/ and dist/ in a checkout and in the package. */
export const UI_DIR = fileURLToPath(new URL('../../ui/dist/', import.meta.url));

/**
 * What the UI's pages may do: scripts, styles and requests only from this server (no inline script or style element, no
 * eval), no framing, no plugins, no base-URI or form target elsewhere.
 */
export const UI_CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; manifest-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'; object-src 'none'";

const TYPES: Record<string, string> = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8', '.svg': 'image/svg+xml', '.png': 'image/png', '.woff2': 'font/woff2', '.json': 'application/json', '.map': 'application/json' };

interface UiFile {
  body: Buffer;
  type: string;
  cache: string;
}
export type UiFiles = Map<string, UiFile>;

/**
 * The UI's files, read once: `/` is index.html (revalidated on every load), `/assets/NAME` the hashed bundles (cached for a
 * year: a new build has new names). Only the files listed here are ever answered, so no path can reach anything else.
 * Null when the UI was not built (the API works without it).
 */
export function loadUi(dir: string = UI_DIR): UiFiles | null {
  if (!existsSync(join(dir, 'index.html'))) return null;
  const files = new Map<string, UiFile>();
  files.set('/', { body: readFileSync(join(dir, 'index.html')), type: TYPES['.html'], cache: 'no-cache' });
  const assets = join(dir, 'assets');
  if (existsSync(assets)) {
    for (const name of readdirSync(assets)) {
      const type = TYPES[extname(name)];
      if (type) files.set(`/assets/${name}`, { body: readFileSync(join(assets, name)), type, cache: 'public, max-age=31536000, immutable' });
    }
  }
  return files;
}

/** Answer a GET or HEAD of a UI file with its security headers; false when the path is not one. */
export function sendUiFile(files: UiFiles, path: string, head: boolean, res: ServerResponse): boolean {
  const f = files.get(path);
  if (!f) return false;
  res.writeHead(200, {
    'content-type': f.type,
    'content-length': f.body.length,
    'cache-control': f.cache,
    'content-security-policy': UI_CSP,
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'x-frame-options': 'DENY',
    'cross-origin-opener-policy': 'same-origin',
  });
  res.end(head ? undefined : f.body);
  return true;
}
