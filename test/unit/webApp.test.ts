import { createServer, get, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { webApp, WEB_APP_PREFIX } from '../../gateway/src/http/webApp.ts';

// The web app's files as the gateway serves them, from a bundle folder of the test's own (a real HTTP server).

/** The test's folder: the bundle in dist/, and a file next to it that must never be served. */
let root: string;
let dir: string;
let server: Server;
let base = '';
let built = true;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'web-app-'));
  dir = join(root, 'dist');
  mkdirSync(join(dir, 'assets'), { recursive: true });
  writeFileSync(join(dir, 'index.html'), '<!doctype html><title>app</title>');
  writeFileSync(join(dir, 'assets', 'index-abc.js'), 'console.log(1)');
  writeFileSync(join(dir, '.source-hash'), 'secret-ish\n');
  writeFileSync(join(root, 'outside.js'), 'not served');
  server = createServer((req, res) => {
    const app = webApp(built ? dir : join(dir, 'missing'));
    // The raw path, as sent: the test sends paths a URL parser would have normalised.
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/') return app.sendPage(req, res);
    if (!app.serveAsset(path, res)) res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  rmSync(root, { recursive: true, force: true });
});

/** GET with the path exactly as written (fetch would resolve `..` before sending). */
function rawStatus(path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    get(`${base}/`, { path }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    }).on('error', reject);
  });
}

describe('web app files', () => {
  it('serves the page uncached and a bundle file cached for good, with its content type', async () => {
    const page = await fetch(`${base}/`);
    expect([page.status, page.headers.get('content-type'), page.headers.get('cache-control')]).toEqual([200, 'text/html; charset=utf-8', 'no-cache']);
    expect(await page.text()).toBe('<!doctype html><title>app</title>');
    const js = await fetch(`${base}${WEB_APP_PREFIX}assets/index-abc.js`);
    expect([js.status, js.headers.get('content-type'), js.headers.get('cache-control')]).toEqual([
      200,
      'text/javascript; charset=utf-8',
      'public, max-age=31536000, immutable',
    ]);
    expect(await js.text()).toBe('console.log(1)');
  });

  it('serves nothing outside the bundle: no parent folder, no dotfile, no folder, no unknown file type', async () => {
    for (const path of ['../outside.js', '%2e%2e/outside.js', 'assets/../../outside.js', '.source-hash', 'assets', 'index.html.bak', 'assets/none.js']) {
      expect(await rawStatus(`${WEB_APP_PREFIX}${path}`), path).toBe(404);
    }
  });

  it('answers 503 saying how to build the app when the bundle is missing', async () => {
    built = false;
    try {
      const res = await fetch(`${base}/`);
      expect(res.status).toBe(503);
      expect(await res.text()).toContain('npm run build:web');
    } finally {
      built = true;
    }
  });
});
