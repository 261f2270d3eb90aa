import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { startStack, type Stack } from '../../devkit/stack.ts';
import { DEFAULT_EXCHANGES } from '../../shared/domain.ts';
import { dataOf, graphql } from '../helpers/graphql.ts';
import { launchChromium, type HeadlessBrowser } from '../helpers/browser.ts';

// A dashboard on another origin, as its users run it: a page served from a second local port, in headless
// Chromium, queries the gateway with fetch and renders the answer. The browser, not the test, decides
// whether the page may read the answer (CORS); the gateways differ only in CORS_ORIGINS.

const ADMIN_TOKEN = 'cors-test-admin';
const ELSEWHERE = 'http://dashboard.elsewhere.example';

const DASHBOARD_QUERY = '{ exchanges { id nameZh datasetCount } datasets(first: 1) { totalCount } }';

/** The dashboard: fetches from the gateway named in ?gateway=, renders the exchanges, or why it could not. */
const DASHBOARD_HTML = `<!doctype html>
<html lang="zh"><head><meta charset="utf-8"><title>Catalog dashboard</title>
<style>body{font:16px sans-serif;margin:2em}li{margin:.3em 0}#status{font-weight:bold}</style></head>
<body><h1>数据交易所 · Catalog dashboard</h1><p id="status" data-state="loading">loading…</p><ul id="exchanges"></ul>
<script>
const gateway = new URLSearchParams(location.search).get('gateway');
const status = document.getElementById('status');
fetch(gateway, { method: 'POST', headers: { 'content-type': 'application/json', 'x-request-id': 'dashboard-1' },
  body: JSON.stringify({ query: ${JSON.stringify(DASHBOARD_QUERY)} }) })
  .then((response) => response.json().then((body) => ({ body, requestId: response.headers.get('x-request-id') })))
  .then(({ body, requestId }) => {
    for (const e of body.data.exchanges) {
      const li = document.createElement('li');
      li.textContent = e.id + ' ' + e.nameZh + ': ' + e.datasetCount;
      document.getElementById('exchanges').append(li);
    }
    status.textContent = body.data.datasets.totalCount + ' datasets (request ' + requestId + ')';
    status.dataset.state = 'answered';
  })
  .catch((err) => { status.textContent = 'refused: ' + err.name + ': ' + err.message; status.dataset.state = 'refused'; });
</script></body></html>`;

/** A cross-site form post, as an attacker's page would send it: text/plain needs no preflight. */
const FORM_HTML = `<!doctype html><html><body>
<form id="attack" method="POST" enctype="text/plain" action="">
<input name='{"query":"{ exchanges { id } }","x":"' value='"}'><button>send</button></form>
<script>document.getElementById('attack').action = new URLSearchParams(location.search).get('gateway');</script>
</body></html>`;

let stack: Stack;
let pageServer: Server;
let pageOrigin = '';
let browser: HeadlessBrowser;
/** /graphql of the gateways with CORS_ORIGINS unset (`*`), listing the page's origin, and listing only another. */
const gateways = { open: '', listed: '', other: '' };

function startPageServer(): Promise<Server> {
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    const html = path === '/dashboard.html' ? DASHBOARD_HTML : path === '/form.html' ? FORM_HTML : null;
    if (!html) return void res.writeHead(404).end();
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(html);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

/** Opens the dashboard against one gateway and waits until it has rendered an answer or a refusal. */
async function openDashboard(gatewayUrl: string): Promise<{ page: Page; state: string; status: string; items: string[] }> {
  const page = await browser.context.newPage();
  await page.goto(`${pageOrigin}/dashboard.html?gateway=${encodeURIComponent(gatewayUrl)}`);
  await page.waitForSelector('#status:not([data-state="loading"])', { timeout: 20_000 });
  return {
    page,
    state: (await page.getAttribute('#status', 'data-state'))!,
    status: (await page.textContent('#status'))!,
    items: await page.locator('#exchanges li').allTextContents(),
  };
}

/** What the dashboard should show, asked of every exchange directly (no gateway, no browser). */
async function expectedDashboard(): Promise<{ items: string[]; total: number }> {
  const counts = await Promise.all(
    DEFAULT_EXCHANGES.map(async (e) => {
      const data = dataOf(await graphql<{ datasets: { totalCount: number } }>(stack.exchangeUrls[e.id], '{ datasets(first: 1) { totalCount } }'));
      return { id: e.id, line: `${e.id} ${e.nameZh}: ${data.datasets.totalCount}`, count: data.datasets.totalCount };
    }),
  );
  counts.sort((a, b) => (a.id < b.id ? -1 : 1));
  return { items: counts.map((c) => c.line), total: counts.reduce((sum, c) => sum + c.count, 0) };
}

beforeAll(async () => {
  pageServer = await startPageServer();
  pageOrigin = `http://127.0.0.1:${(pageServer.address() as AddressInfo).port}`;
  // A generous exchange timeout: on a loaded machine a configured exchange whose start-up check times out is left out.
  stack = await startStack({ perExchange: 40, proxies: false, exchangeTimeoutMs: 10_000, gatewayEnv: { GATEWAY_ADMIN_TOKEN: ADMIN_TOKEN } });
  const [listed, other] = await Promise.all([
    stack.startGateway('gateway-listed', { CORS_ORIGINS: `${ELSEWHERE}, ${pageOrigin}` }),
    stack.startGateway('gateway-other', { CORS_ORIGINS: ELSEWHERE }),
  ]);
  Object.assign(gateways, { open: stack.gatewayUrl, listed: listed.url, other: other.url });
  browser = await launchChromium();
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
  await new Promise<void>((resolve) => (pageServer ? pageServer.close(() => resolve()) : resolve()));
});

describe('CORS in a browser: a dashboard on another origin', () => {
  it('renders the catalog from a gateway with the default CORS_ORIGINS (*), reading the exposed x-request-id', async () => {
    const expected = await expectedDashboard();
    expect(expected.items.length).toBe(DEFAULT_EXCHANGES.length);
    const { page, state, status, items } = await openDashboard(gateways.open);
    await page.screenshot({ path: '/tmp/cors-dashboard.png', fullPage: true });
    expect(state, status).toBe('answered');
    expect(items).toEqual(expected.items);
    expect(status).toBe(`${expected.total} datasets (request dashboard-1)`);
    await page.close();
  });

  it("renders the catalog from a gateway whose CORS_ORIGINS lists the page's origin among others", async () => {
    const expected = await expectedDashboard();
    const { page, state, items } = await openDashboard(gateways.listed);
    expect(state).toBe('answered');
    expect(items).toEqual(expected.items);
    await page.close();
  });

  it('is refused by the browser when CORS_ORIGINS lists only another origin: fetch rejects', async () => {
    const { page, state, status, items } = await openDashboard(gateways.other);
    await page.screenshot({ path: '/tmp/cors-dashboard-refused.png', fullPage: true });
    expect(state).toBe('refused');
    expect(status).toBe('refused: TypeError: Failed to fetch');
    expect(items).toEqual([]);
    await page.close();
  });

  it("still refuses a cross-site form post (text/plain, no preflight): Apollo's CSRF prevention stays on", async () => {
    const page = await browser.context.newPage();
    await page.goto(`${pageOrigin}/form.html?gateway=${encodeURIComponent(gateways.open)}`);
    const [response] = await Promise.all([page.waitForNavigation(), page.click('button')]);
    expect(response!.status()).toBe(400);
    expect(await page.textContent('body')).toContain('Cross-Site Request Forgery');
    await page.close();
  });
});

describe('CORS headers, asked as a browser would ask', () => {
  const preflight = (url: string, origin: string) =>
    fetch(url, {
      method: 'OPTIONS',
      headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type, x-api-key, traceparent' },
    });

  it('answers a preflight for /graphql with 204, the methods, the request headers clients send and a max age', async () => {
    const response = await preflight(gateways.open, pageOrigin);
    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-origin')).toBe('*');
    expect(response.headers.get('access-control-allow-methods')?.split(', ')).toEqual(['GET', 'POST', 'OPTIONS']);
    const allowedHeaders = response.headers.get('access-control-allow-headers')?.split(', ') ?? [];
    for (const header of [
      'content-type',
      'x-api-key',
      'apollo-require-preflight',
      'x-apollo-operation-name',
      'traceparent',
      'tracestate',
      'x-request-id',
      'authorization',
    ]) {
      expect(allowedHeaders).toContain(header);
    }
    expect(Number(response.headers.get('access-control-max-age'))).toBeGreaterThanOrEqual(60);
    expect(response.headers.get('access-control-allow-credentials')).toBeNull();
    expect(await response.text()).toBe('');
  });

  it('answers preflights on every public path, whatever methods its routes take', async () => {
    for (const path of ['/schema.graphql', '/health']) {
      const response = await preflight(gateways.open.replace(/\/graphql$/, path), pageOrigin);
      expect(response.status, path).toBe(204);
      expect(response.headers.get('access-control-allow-origin'), path).toBe('*');
    }
  });

  it('echoes a listed origin with Vary: Origin, and gives any other origin no Access-Control-Allow-Origin', async () => {
    const listed = await graphql(gateways.listed, '{ exchanges { id } }', undefined, { origin: pageOrigin });
    expect(listed.headers.get('access-control-allow-origin')).toBe(pageOrigin);
    expect(listed.headers.get('vary')?.toLowerCase()).toContain('origin');
    expect(listed.headers.get('access-control-expose-headers')?.split(', ')).toContain('x-request-id');

    const stranger = await graphql(gateways.listed, '{ exchanges { id } }', undefined, { origin: 'http://127.0.0.1:1' });
    expect(stranger.status).toBe(200);
    expect(stranger.headers.get('access-control-allow-origin')).toBeNull();
    expect(stranger.headers.get('vary')?.toLowerCase()).toContain('origin');
    const refusedPreflight = await preflight(gateways.listed, 'http://127.0.0.1:1');
    expect(refusedPreflight.status).toBe(403);
    expect(refusedPreflight.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('never answers /admin cross-origin: its preflight is 404 and its answers carry no Access-Control-Allow-Origin', async () => {
    const admin = gateways.open.replace(/\/graphql$/, '/admin/exchanges');
    const refused = await preflight(admin, pageOrigin);
    expect(refused.status).toBe(404);
    expect(refused.headers.get('access-control-allow-origin')).toBeNull();
    expect(refused.headers.get('access-control-allow-methods')).toBeNull();
    const answered = await fetch(admin, { headers: { origin: pageOrigin, authorization: `Bearer ${ADMIN_TOKEN}` } });
    expect(answered.status).toBe(200);
    expect(((await answered.json()) as { exchanges: unknown[] }).exchanges.length).toBe(DEFAULT_EXCHANGES.length);
    expect(answered.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('refuses the simple requests a browser sends without a preflight (form posts, a bare GET) with 400', async () => {
    const simple = [
      { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'query=%7B%20exchanges%20%7B%20id%20%7D%20%7D' },
      { method: 'POST', headers: { 'content-type': 'text/plain' }, body: JSON.stringify({ query: '{ exchanges { id } }' }) },
      { method: 'POST', headers: { 'content-type': 'multipart/form-data; boundary=x' }, body: '--x--' },
      { method: 'GET', url: `${gateways.open}?query=${encodeURIComponent('{ exchanges { id } }')}` },
    ];
    for (const request of simple) {
      const response = await fetch(request.url ?? gateways.open, {
        method: request.method,
        headers: { origin: 'http://attacker.example', ...request.headers },
        body: request.body,
      });
      expect(response.status, `${request.method} ${request.headers?.['content-type'] ?? ''}`).toBe(400);
      expect(await response.text()).toContain('Cross-Site Request Forgery');
    }
    // The same GET with Apollo's preflight header is a query like any other.
    const withHeader = await fetch(`${gateways.open}?query=${encodeURIComponent('{ exchanges { id } }')}`, { headers: { 'apollo-require-preflight': 'true' } });
    expect(withHeader.status).toBe(200);
  });
});
