import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { startStack, type Stack } from '../../devkit/stack.ts';
import { REPO_ROOT } from '../../devkit/processes.ts';
import { ensureWebBuilt } from '../../devkit/webBuild.ts';
import { DEFAULT_EXCHANGES } from '../../shared/domain.ts';
import { dataOf, graphql } from '../helpers/graphql.ts';
import { launchChromium, type HeadlessBrowser } from '../helpers/browser.ts';

// The web app (docs/web-app.md) in headless Chromium against a real stack. Every expected figure is read
// from the exchanges' SQLite files with plain SELECTs, never from the app's or the gateway's code.

/** Where the tests save a screenshot of each page (docs/web-app.md shows copies of them). */
export const SCREENSHOT_DIR = join(REPO_ROOT, 'tmp', 'screenshots', 'web-app');
const PER_EXCHANGE = 150;
/** The exchanges by id, the order `exchanges` answers in. */
const EXCHANGES = [...DEFAULT_EXCHANGES].sort((a, b) => (a.id < b.id ? -1 : 1));
const IDS = EXCHANGES.map((e) => e.id);
/** The exchange stopped in the last test. */
const STOPPED = 'ty';
/** The exchanges' operator token, for POST /admin/prices in the live test. */
const EXCHANGE_ADMIN = 'exchange-admin-token';

interface Row {
  exchange: string;
  id: string;
  title: string;
  category: string;
  contains_minors: number;
}

let stack: Stack;
let browser: HeadlessBrowser;
let rows: Row[] = [];

function readRows(exchange: string): Row[] {
  const db = new Database(join(stack.dataDir, `${exchange}.db`), { readonly: true, fileMustExist: true });
  try {
    return (db.prepare('SELECT id, title, category, contains_minors FROM datasets').all() as Omit<Row, 'exchange'>[]).map((row) => ({
      ...row,
      // Stored ids are local ("ds-000001"); the API's are global ("sh:ds-000001").
      id: row.id.includes(':') ? row.id : `${exchange}:${row.id}`,
      exchange,
    }));
  } finally {
    db.close();
  }
}

async function statusOf(exchange: string): Promise<string | undefined> {
  const data = dataOf(await graphql<{ exchanges: { id: string; status: string }[] }>(stack.gatewayUrl, '{ exchanges { id status } }'));
  return data.exchanges.find((e) => e.id === exchange)?.status;
}

/** Answering: ONLINE, or DEGRADED when the loaded machine makes a probe slower than 1 s. */
const ANSWERING = ['ONLINE', 'DEGRADED'];

async function waitForStatus(exchange: string, statuses: string[], timeoutMs = 150_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!statuses.includes((await statusOf(exchange)) ?? '')) {
    if (performance.now() > deadline) throw new Error(`${exchange} did not become ${statuses.join(' or ')} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** What went wrong in a page: console errors, uncaught exceptions, failed requests and 4xx/5xx answers. */
interface Watched {
  page: Page;
  problems: string[];
}

async function newPage(): Promise<Watched> {
  const page = await browser.context.newPage();
  await page.setViewportSize({ width: 1280, height: 860 });
  const problems: string[] = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error') problems.push(`console: ${msg.text()}`);
  });
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  page.on('requestfailed', (req) => problems.push(`request failed: ${req.url()} ${req.failure()?.errorText}`));
  page.on('response', (res) => {
    if (res.status() >= 400) problems.push(`HTTP ${res.status()}: ${res.url()}`);
  });
  return { page, problems };
}

/** Waits for the view to render, then for every chart on it to be drawn, each with data points. */
async function settled(page: Page, view: string): Promise<void> {
  await page.waitForSelector(`#app[data-state="ready"][data-page="${view}"]`, { timeout: 60_000 });
  await page.waitForFunction(() => [...document.querySelectorAll<HTMLElement>('[data-chart]')].every((c) => c.dataset.drawn === 'true'), undefined, {
    timeout: 60_000,
  });
}

/** Runs a click that re-renders the same view (a facet, the next page) and waits for the newer render. */
async function rerenderAfter(page: Page, action: () => Promise<void>): Promise<void> {
  const before = Number(await page.getAttribute('#app', 'data-render'));
  await action();
  await page.waitForFunction(
    (n) => Number(document.getElementById('app')!.dataset.render) > n && document.getElementById('app')!.dataset.state === 'ready',
    before,
    {
      timeout: 60_000,
    },
  );
}

async function charts(page: Page): Promise<{ name: string; drawn: string | undefined; points: number; canvases: number }[]> {
  return page.$$eval('[data-chart]', (els) =>
    els.map((el) => ({
      name: (el as HTMLElement).dataset.chart!,
      drawn: (el as HTMLElement).dataset.drawn,
      points: Number((el as HTMLElement).dataset.points),
      canvases: el.querySelectorAll('canvas').length,
    })),
  );
}

function expectAllDrawn(list: Awaited<ReturnType<typeof charts>>, names: string[]): void {
  expect(list.map((c) => c.name)).toEqual(expect.arrayContaining(names));
  for (const c of list) expect(c, c.name).toMatchObject({ drawn: 'true', canvases: 1 });
  for (const c of list) expect(c.points, c.name).toBeGreaterThan(0);
}

/** Runs a read-only SELECT on an exchange's SQLite file. */
function select<T>(exchange: string, sql: string): T[] {
  const db = new Database(join(stack.dataDir, `${exchange}.db`), { readonly: true, fileMustExist: true });
  try {
    return db.prepare(sql).all() as T[];
  } finally {
    db.close();
  }
}

/** POST /admin/prices on an exchange, as its operator would (docs/live-prices.md). */
async function changePrice(exchange: string, datasetId: string, model: string, amount: string | null): Promise<void> {
  const response = await fetch(stack.exchangeUrls[exchange]!.replace(/\/graphql$/, '/admin/prices'), {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${EXCHANGE_ADMIN}` },
    body: JSON.stringify({ datasetId, model, amount }),
  });
  expect(response.status, await response.clone().text()).toBe(200);
}

/** Opens a view and waits for it and for the live indicator to say the subscription is open. */
async function openLive(url: string, view: string): Promise<Watched> {
  const watched = await newPage();
  await watched.page.goto(url);
  await settled(watched.page, view);
  await watched.page.waitForSelector('#live[data-state="live"]', { timeout: 60_000 });
  // A reload would lose this mark: the tests check it survives every live update.
  await watched.page.evaluate(() => ((window as unknown as { notReloaded: boolean }).notReloaded = true));
  return watched;
}

async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(SCREENSHOT_DIR, `${name}.png`), fullPage: true });
}

beforeAll(async () => {
  const build = ensureWebBuilt();
  if (build.problem) throw new Error(build.problem);
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  stack = await startStack({
    perExchange: PER_EXCHANGE,
    healthIntervalMs: 250,
    exchangeTimeoutMs: 15_000,
    proxies: false,
    exchangeEnv: { EXCHANGE_ADMIN_TOKEN: EXCHANGE_ADMIN },
  });
  // On a loaded machine an exchange may miss its first probe and start OFFLINE; the probes bring it back.
  for (const id of IDS) await waitForStatus(id, ANSWERING);
  rows = IDS.flatMap(readRows);
  browser = await launchChromium();
  // Generous: a build of the bundle, five processes seeding and starting, on a machine that may be loaded.
}, 420_000);

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

describe('web app', () => {
  it('serves the page at / and its bundle from the gateway itself, and keeps GraphiQL at /graphql', async () => {
    const page = await fetch(`${stack.gatewayBase}/`);
    expect(page.status).toBe(200);
    const html = await page.text();
    const scripts = [...html.matchAll(/<script[^>]* src="([^"]+)"|<link[^>]*rel="stylesheet"[^>]* href="([^"]+)"/g)].map((m) => m[1] ?? m[2]);
    expect(scripts.length).toBeGreaterThan(0);
    for (const url of scripts) {
      expect(url.startsWith('/app/'), url).toBe(true);
      expect((await fetch(`${stack.gatewayBase}${url}`)).status, url).toBe(200);
    }
    expect(await (await fetch(stack.gatewayUrl, { headers: { accept: 'text/html' } })).text()).toContain('GraphiQL');
    expect((await fetch(`${stack.gatewayBase}/app/../package.json`)).status).toBe(404);
    expect((await fetch(`${stack.gatewayBase}/app/.source-hash`)).status).toBe(404);
  });

  it('overview: one answering tile per exchange with its dataset count, every chart drawn, the transparency table from the listings', async () => {
    const { page, problems } = await newPage();
    await page.goto(`${stack.gatewayBase}/#/`);
    await settled(page, 'overview');
    const tiles = await page.$$eval('.tile', (els) =>
      els.map((el) => ({
        id: (el as HTMLElement).dataset.exchange,
        status: el.querySelector('.status')!.textContent,
        datasets: el.querySelector('[data-field="datasets"]')!.textContent,
      })),
    );
    expect(tiles.map((tile) => tile.id)).toEqual(IDS);
    for (const tile of tiles) expect(ANSWERING, tile.id).toContain(tile.status);
    expect(tiles.map((tile) => tile.datasets)).toEqual(IDS.map((id) => String(rows.filter((r) => r.exchange === id).length)));
    expectAllDrawn(await charts(page), ['by-category', 'provider-kinds']);
    expect((await charts(page)).some((c) => c.name.startsWith('prices-'))).toBe(true);
    // The minors column: "<count> (<share>)" per exchange, as counted in SQLite.
    const minors = await page.$$eval('table[data-table="transparency"] tbody tr', (trs) => trs.map((tr) => tr.children[6].textContent!.split(' ')[0]));
    expect(minors).toEqual(IDS.map((id) => String(rows.filter((r) => r.exchange === id && r.contains_minors === 1).length)));
    expect(await page.$('.banner')).toBeNull();
    await screenshot(page, 'overview');
    expect(problems).toEqual([]);
    await page.close();
  });

  it('switches between Chinese and English labels', async () => {
    const { page, problems } = await newPage();
    await page.goto(`${stack.gatewayBase}/#/`);
    await settled(page, 'overview');
    const english = await page.textContent('[data-nav="overview"]');
    await rerenderAfter(page, () => page.click('#lang'));
    await settled(page, 'overview');
    expect(await page.textContent('[data-nav="overview"]')).toBe('概览');
    const names = await page.$$eval('.tile h3', (els) => els.map((el) => el.firstChild!.textContent));
    expect(names).toEqual(EXCHANGES.map((e) => e.nameZh));
    await screenshot(page, 'overview-zh');
    await rerenderAfter(page, () => page.click('#lang'));
    expect(await page.textContent('[data-nav="overview"]')).toBe(english);
    expect(problems).toEqual([]);
    await page.close();
  });

  it('search: a facet click filters to the listings SQLite holds, and paging forward shows each once, in order, with no gap', async () => {
    const { page, problems } = await newPage();
    await page.goto(`${stack.gatewayBase}/#/search?sort=TITLE_ASC`);
    await settled(page, 'search');
    await rerenderAfter(page, () => page.check('fieldset[data-facet="cat"] input[value="PUBLIC_HEALTH"]'));
    await rerenderAfter(page, () => page.check('fieldset[data-facet="cat"] input[value="FINANCE"]'));
    // The binary order of titles, then ids: TITLE_ASC as docs/contract.md defines it.
    const expected = rows
      .filter((r) => r.category === 'PUBLIC_HEALTH' || r.category === 'FINANCE')
      .sort((a, b) => (a.title < b.title ? -1 : a.title > b.title ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
      .map((r) => r.id);
    expect(expected.length).toBeGreaterThan(20);
    expect(await page.getAttribute('[data-total]', 'data-total')).toBe(String(expected.length));
    expect(page.url()).toContain('cat=PUBLIC_HEALTH%2CFINANCE');
    await screenshot(page, 'search');
    const seen: string[] = [];
    for (;;) {
      seen.push(...(await page.$$eval('table[data-table="results"] a[data-dataset]', (as) => as.map((a) => (a as HTMLElement).dataset.dataset!))));
      if (!(await page.$('a[data-next]'))) break;
      await rerenderAfter(page, () => page.click('a[data-next]'));
    }
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen).toEqual(expected);
    expect(problems).toEqual([]);
    await page.close();
  });

  it('a search link opens the same search: the URL holds the whole state', async () => {
    const { page, problems } = await newPage();
    const hash = '#/search?q=health&pm=ANNUAL,MONTHLY&minors=false&sort=PRICE_ASC';
    await page.goto(`${stack.gatewayBase}/${hash}`);
    await settled(page, 'search');
    expect(await page.inputValue('input[name="q"]')).toBe('health');
    expect(await page.isChecked('fieldset[data-facet="pm"] input[value="ANNUAL"]')).toBe(true);
    expect(await page.inputValue('select[name="minors"]')).toBe('false');
    expect(await page.inputValue('select[name="sort"]')).toBe('PRICE_ASC');
    const shown = await page.$$eval('a[data-dataset]', (as) => as.map((a) => (a as HTMLElement).dataset.dataset!));
    const viaApi = dataOf(
      await graphql<{ datasets: { nodes: { id: string }[] } }>(
        stack.gatewayUrl,
        '{ datasets(filter: { text: "health", pricingModels: [ANNUAL, MONTHLY], containsMinorsData: false }, sort: PRICE_ASC, first: 20) { nodes { id } } }',
      ),
    );
    expect(shown.length).toBeGreaterThan(0);
    expect(shown).toEqual(viaApi.datasets.nodes.map((n) => n.id));
    expect(problems).toEqual([]);
    await page.close();
  });

  it('search → dataset → provider by clicking: every field, the price history, the same product elsewhere, the provider with its datasets', async () => {
    const { page, problems } = await newPage();
    await page.goto(`${stack.gatewayBase}/#/search`);
    await settled(page, 'search');
    const first = (await page.getAttribute('table[data-table="results"] a[data-dataset]', 'data-dataset'))!;
    await page.click(`a[data-dataset="${first}"]`);
    await settled(page, 'dataset');
    expect(await page.getAttribute('.dataset', 'data-id')).toBe(first);
    expect(page.url()).toContain(`#/dataset/${encodeURIComponent(first)}`);
    expectAllDrawn(await charts(page), ['price-history']);
    const row = rows.find((r) => r.id === first)!;
    expect(await page.textContent('.fields')).toContain(row.title);
    await screenshot(page, 'dataset');

    const uscc = (await page.getAttribute('.dataset a[data-provider]', 'data-provider'))!;
    await page.click('.dataset a[data-provider]');
    await settled(page, 'provider');
    expect(await page.getAttribute('.provider', 'data-uscc')).toBe(uscc);
    expectAllDrawn(await charts(page), ['provider-exchanges']);
    const listed = await page.$$eval('table[data-table="provider-datasets"] a[data-dataset]', (as) => as.map((a) => (a as HTMLElement).dataset.dataset!));
    expect(listed).toContain(first);
    await screenshot(page, 'provider');
    expect(problems).toEqual([]);
    await page.close();
  });

  it('a product listed on several exchanges shows each listing with its price side by side', async () => {
    const codes = new Map<string, Set<string>>();
    for (const id of IDS) {
      const d = new Database(join(stack.dataDir, `${id}.db`), { readonly: true, fileMustExist: true });
      for (const { product_code } of d.prepare('SELECT product_code FROM datasets').all() as { product_code: string }[]) {
        codes.set(product_code, (codes.get(product_code) ?? new Set()).add(id));
      }
      d.close();
    }
    const [code, where] = [...codes.entries()].find(([, ex]) => ex.size >= 2)!;
    const listing = dataOf(
      await graphql<{ datasets: { nodes: { id: string }[] } }>(
        stack.gatewayUrl,
        `{ datasets(filter: { productCode: ${JSON.stringify(code)} }, first: 1) { nodes { id } } }`,
      ),
    ).datasets.nodes[0];
    const { page, problems } = await newPage();
    await page.goto(`${stack.gatewayBase}/#/dataset/${encodeURIComponent(listing.id)}`);
    await settled(page, 'dataset');
    const listed = await page.$$eval('table[data-table="same-product"] tbody tr', (trs) => trs.length);
    expect(listed).toBeGreaterThanOrEqual(where.size);
    expectAllDrawn(await charts(page), ['price-history', 'same-product']);
    await screenshot(page, 'dataset-cross-listed');
    expect(problems).toEqual([]);
    await page.close();
  });

  it('live: a price posted on an exchange shows on the dataset page and the overview without a reload, and the overview redraws what it moves', async () => {
    const LIVE = 'sh';
    const [x, y] = select<{ id: string }>(LIVE, "SELECT id FROM datasets WHERE price_model NOT IN ('NEGOTIABLE', 'FREE') ORDER BY id LIMIT 2");
    expect(y).toBeDefined();
    const apiId = (id: string) => (id.includes(':') ? id : `${LIVE}:${id}`);
    const historyLength = () =>
      (JSON.parse(select<{ h: string }>(LIVE, `SELECT price_history AS h FROM datasets WHERE id = '${x!.id}'`)[0]!.h) as unknown[]).length;
    const dataset = await openLive(`${stack.gatewayBase}/#/dataset/${encodeURIComponent(apiId(x!.id))}`, 'dataset');
    const overview = await openLive(`${stack.gatewayBase}/#/`, 'overview');
    const renders = [await dataset.page.getAttribute('#app', 'data-render'), await overview.page.getAttribute('#app', 'data-render')];
    const pointsBefore = Number(await dataset.page.getAttribute('[data-chart="price-history"]', 'data-points'));
    expect(pointsBefore).toBe(historyLength());

    await changePrice(LIVE, x!.id, 'PER_CALL', '4321.09');
    const shown = `[data-price-of="${apiId(x!.id)}"]`;
    await dataset.page.waitForFunction((sel) => [...document.querySelectorAll(sel)].every((el) => el.textContent!.includes('4,321.09')), shown, {
      timeout: 30_000,
    });
    expect(await dataset.page.$$eval(shown, (els) => els.length)).toBeGreaterThanOrEqual(2); // the subtitle and the field
    await dataset.page.waitForFunction(
      (n) => Number(document.querySelector<HTMLElement>('[data-chart="price-history"]')!.dataset.points) === n,
      historyLength(),
      {
        timeout: 30_000,
      },
    );
    expect(historyLength()).toBe(pointsBefore + 1);
    const fed = `table[data-table="live-feed"] tr:has(a[data-dataset="${apiId(x!.id)}"])`;
    await overview.page.waitForSelector(fed, { timeout: 30_000 });
    expect(await overview.page.textContent(fed)).toContain('4,321.09');

    // A change to NEGOTIABLE moves the exchange's negotiable share, which the overview asks again and redraws.
    await changePrice(LIVE, y!.id, 'NEGOTIABLE', null);
    const [{ n, negotiable }] = select<{ n: number; negotiable: number }>(
      LIVE,
      "SELECT count(*) AS n, sum(price_model = 'NEGOTIABLE') AS negotiable FROM datasets",
    );
    const share = `${((100 * negotiable) / n).toFixed(1)}%`;
    const cell = `table[data-table="transparency"] tbody tr:nth-child(${IDS.indexOf(LIVE) + 1}) td:nth-child(4)`;
    await overview.page.waitForFunction(([sel, want]) => document.querySelector(sel)?.textContent === want, [cell, share] as const, { timeout: 30_000 });
    expect(await overview.page.textContent(`table[data-table="live-feed"] tr:has(a[data-dataset="${apiId(y!.id)}"])`)).toContain('Negotiable');
    expect(Number(await overview.page.getAttribute('.overview', 'data-refreshed'))).toBeGreaterThanOrEqual(1);
    expectAllDrawn(await charts(overview.page), ['by-category', 'provider-kinds']);

    for (const [i, { page }] of [dataset, overview].entries()) {
      expect(await page.evaluate(() => (window as unknown as { notReloaded?: boolean }).notReloaded)).toBe(true);
      expect(await page.getAttribute('#app', 'data-render')).toBe(renders[i]);
    }
    await screenshot(dataset.page, 'dataset-live');
    await screenshot(overview.page, 'overview-live');
    expect(dataset.problems).toEqual([]);
    expect(overview.problems).toEqual([]);
    await dataset.page.close();
    await overview.page.close();
  });

  it('live: after a gateway restart the page reconnects by itself and shows the changes made meanwhile, each once, in order', async () => {
    const LIVE = 'bj';
    const [x] = select<{ id: string }>(LIVE, 'SELECT id FROM datasets ORDER BY id LIMIT 1');
    const apiId = x!.id.includes(':') ? x!.id : `${LIVE}:${x!.id}`;
    const overview = await openLive(`${stack.gatewayBase}/#/`, 'overview');
    const feedAmounts = () =>
      overview.page.$$eval(`table[data-table="live-feed"] tr:has(a[data-dataset="${apiId}"]) td:nth-child(5)`, (tds) => tds.map((td) => td.textContent!));
    await changePrice(LIVE, x!.id, 'PER_CALL', '1001.10');
    await overview.page.waitForFunction((id) => document.querySelector(`table[data-table="live-feed"] a[data-dataset="${id}"]`), apiId, { timeout: 30_000 });

    const port = new URL(stack.gatewayBase).port;
    await stack.services.gateway!.stop();
    await overview.page.waitForSelector('#live[data-state="reconnecting"]', { timeout: 30_000 });
    await changePrice(LIVE, x!.id, 'PER_CALL', '1002.20');
    await changePrice(LIVE, x!.id, 'PER_CALL', '1003.30');
    // The same port: the page knows one address.
    await stack.startGateway('gateway', { PORT: port });
    await overview.page.waitForSelector('#live[data-state="live"]', { timeout: 60_000 });
    await overview.page.waitForFunction((id) => document.querySelectorAll(`table[data-table="live-feed"] a[data-dataset="${id}"]`).length >= 3, apiId, {
      timeout: 60_000,
    });
    // Newest first; a change received twice would show twice.
    expect(await feedAmounts()).toEqual(['¥1,003.30 / call', '¥1,002.20 / call', '¥1,001.10 / call']);
    expect(await overview.page.evaluate(() => (window as unknown as { notReloaded?: boolean }).notReloaded)).toBe(true);
    // While the gateway was down the browser logged its refused connections, and the stream it had open
    // was cut (ERR_ABORTED): those, and only those.
    const refused = (problem: string) =>
      /ERR_CONNECTION_REFUSED|ERR_EMPTY_RESPONSE|ERR_CONNECTION_RESET|ERR_INCOMPLETE_CHUNKED_ENCODING/.test(problem) ||
      (problem.includes('/graphql/stream') && problem.includes('ERR_ABORTED'));
    expect(overview.problems.filter((problem) => !refused(problem))).toEqual([]);
    await overview.page.close();
    for (const id of IDS) await waitForStatus(id, ANSWERING);
  }, 180_000);

  it('with one exchange stopped: its tile says OFFLINE, the banners name it, and everything else still renders', async () => {
    await stack.services[STOPPED].stop();
    await waitForStatus(STOPPED, ['OFFLINE']);
    const { page, problems } = await newPage();
    await page.goto(`${stack.gatewayBase}/#/`);
    await settled(page, 'overview');
    expect(await page.textContent(`.tile[data-exchange="${STOPPED}"] .status`)).toBe('OFFLINE');
    for (const id of IDS.filter((x) => x !== STOPPED)) expect(ANSWERING).toContain(await page.textContent(`.tile[data-exchange="${id}"] .status`));
    expect((await page.getAttribute('.banner', 'data-missing'))!.split(',')).toEqual([STOPPED]);
    expectAllDrawn(await charts(page), ['by-category', 'provider-kinds']);
    await screenshot(page, 'overview-offline');

    await page.goto(`${stack.gatewayBase}/#/search`);
    await settled(page, 'search');
    expect((await page.getAttribute('.banner', 'data-missing'))!.split(',')).toEqual([STOPPED]);
    expect(Number(await page.getAttribute('[data-total]', 'data-total'))).toBe(rows.filter((r) => r.exchange !== STOPPED).length);
    expect(await page.$$eval('a[data-dataset]', (as) => as.length)).toBeGreaterThan(0);
    await screenshot(page, 'search-offline');
    expect(problems).toEqual([]);
    await page.close();
  });
});
