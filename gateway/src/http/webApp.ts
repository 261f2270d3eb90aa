import { existsSync, readFileSync, statSync } from 'node:fs';
import { extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * The web app (docs/web-app.md): its bundle, built from web/ into web/dist by `npm start` or
 * `npm run build:web`, served from disk. The page is at `/`, its files under /app/ (the bundle's base).
 * The gateway never imports the app's code; it only reads the files the build wrote.
 */
export const WEB_DIST = fileURLToPath(new URL('../../../web/dist/', import.meta.url));

export const WEB_APP_PREFIX = '/app/';

const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
  '.json': 'application/json; charset=utf-8',
};

const NOT_BUILT = `<!doctype html><html lang="en"><head><meta charset="utf-8"><link rel="icon" href="data:,"><title>Exchange catalog</title></head>
<body style="font:16px sans-serif;margin:2em"><h1>The web app is not built</h1>
<p>Run <code>npm run build:web</code> (or <code>npm start</code>, which builds it). The API answers at <a href="/graphql">/graphql</a> (GraphiQL in a browser).</p></body></html>`;

export interface WebApp {
  /** The app's page; 503 with how to build it when the bundle is missing. Read per request: a rebuild renames the files. */
  sendPage(req: IncomingMessage, res: ServerResponse): void;
  /** One file of the bundle; false when the path names none (the caller answers 404). */
  serveAsset(path: string, res: ServerResponse): boolean;
}

/** The app built into `distDir` (web/dist; tests pass a folder of their own). */
export function webApp(distDir: string = WEB_DIST): WebApp {
  return {
    sendPage(_req, res) {
      const index = join(distDir, 'index.html');
      if (!existsSync(index)) {
        res.writeHead(503, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
        res.end(NOT_BUILT);
        return;
      }
      const body = readFileSync(index);
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-cache', 'content-length': body.length });
      res.end(body);
    },
    serveAsset(path, res) {
      const relativePath = normalize(path.slice(WEB_APP_PREFIX.length));
      const type = TYPES[extname(relativePath)];
      // Only files under the bundle's own folder: no `..`, no absolute path, no dotfile (the source hash).
      if (!type || relativePath.startsWith('..') || relativePath.startsWith(sep) || relativePath.split(sep).some((part) => part.startsWith('.'))) {
        return false;
      }
      const file = join(distDir, relativePath);
      if (!existsSync(file) || !statSync(file).isFile()) return false;
      const body = readFileSync(file);
      // Vite names each file by its content hash, so a name never changes meaning.
      res.writeHead(200, { 'content-type': type, 'cache-control': 'public, max-age=31536000, immutable', 'content-length': body.length });
      res.end(body);
      return true;
    },
  };
}
