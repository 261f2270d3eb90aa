import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { routeTable, type Route } from '../../gateway/src/http/routeTable.ts';

/** A real HTTP server over a small table; each handler answers with what it saw. */
let server: Server;
let base = '';
const policyCalls: string[] = [];

const said =
  (name: string): Route['handle'] =>
  (_req, res, match) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ name, ...match }));
  };

const routes: Route[] = [
  { method: 'GET', path: '/', access: 'public', accepts: (req) => (req.headers.accept ?? '').includes('text/html'), handle: said('page') },
  { method: 'GET', path: '/health', access: 'public', handle: said('health') },
  { method: 'DELETE', path: '/admin/things/:id', access: 'admin', handle: said('delete thing') },
  { method: '*', path: '/admin/*', access: 'admin', handle: said('admin fallback') },
];

beforeAll(async () => {
  const handle = routeTable(routes, {
    policies: {
      public: [
        (req, res) => {
          if (req.method !== 'OPTIONS') return true;
          policyCalls.push(`OPTIONS ${req.url}`);
          res.writeHead(204).end();
          return false;
        },
      ],
      admin: [
        (req, res) => {
          policyCalls.push(req.url ?? '');
          if (req.headers.authorization === 'Bearer ok') return true;
          res.writeHead(401).end();
          return false;
        },
      ],
    },
  });
  server = createServer((req, res) => void handle(req, res, new URL(req.url ?? '/', 'http://localhost').pathname));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe('the route table', () => {
  it('answers an exact path, and 404 with the method and path when nothing matches', async () => {
    expect(await (await fetch(`${base}/health`)).json()).toEqual({ name: 'health', path: '/health', params: {} });
    const missing = await fetch(`${base}/health`, { method: 'POST' });
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ error: 'no route for POST /health' });
  });

  it('passes a request the route does not accept on to the later routes', async () => {
    expect((await (await fetch(`${base}/`, { headers: { accept: 'text/html' } })).json()).name).toBe('page');
    expect((await fetch(`${base}/`, { headers: { accept: 'application/json' } })).status).toBe(404);
  });

  it('decodes :name segments and matches a subtree with /*, the first matching route winning', async () => {
    const auth = { authorization: 'Bearer ok' };
    expect(await (await fetch(`${base}/admin/things/a%20b`, { method: 'DELETE', headers: auth })).json()).toEqual({
      name: 'delete thing',
      path: '/admin/things/a%20b',
      params: { id: 'a b' },
    });
    expect((await (await fetch(`${base}/admin/things/a`, { method: 'POST', headers: auth })).json()).name).toBe('admin fallback');
    expect((await (await fetch(`${base}/admin`, { headers: auth })).json()).name).toBe('admin fallback');
    expect((await fetch(`${base}/administrator`, { headers: auth })).status).toBe(404);
  });

  it("runs the policies of a route's access kind first, and a policy that answered stops the handler", async () => {
    policyCalls.length = 0;
    expect((await fetch(`${base}/admin/things/x`, { method: 'DELETE' })).status).toBe(401);
    expect((await fetch(`${base}/health`)).status).toBe(200);
    expect(policyCalls).toEqual(['/admin/things/x']);
  });

  it("lets the policies of a path's access kind answer OPTIONS on it, though no route lists OPTIONS", async () => {
    policyCalls.length = 0;
    expect((await fetch(`${base}/health`, { method: 'OPTIONS' })).status).toBe(204);
    expect((await fetch(`${base}/`, { method: 'OPTIONS' })).status).toBe(204);
    const missing = await fetch(`${base}/nothing-here`, { method: 'OPTIONS' });
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ error: 'no route for OPTIONS /nothing-here' });
    expect((await fetch(`${base}/admin/things/x`, { method: 'OPTIONS' })).status).toBe(401);
    expect(policyCalls).toEqual(['OPTIONS /health', 'OPTIONS /', '/admin/things/x']);
  });
});
