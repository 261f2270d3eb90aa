import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import { startStack, type Stack } from '../../devkit/stack.ts';
import { DEFAULT_EXCHANGES } from '../../shared/domain.ts';
import { listingsOfProvider } from '../../examples/recipes/urql.ts';
import { exchangeTable } from '../../examples/recipes/graphqlRequest.ts';
import { pricesOfProduct } from '../../examples/recipes/productPrices.ts';

// Every recipe of docs/recipes.md, run as written (the files in examples/recipes/, which the page holds
// verbatim) against a real stack; every answer is checked against the exchanges' SQLite files read here.

const run = promisify(execFile);
const PER_EXCHANGE = 200;
const CODES = DEFAULT_EXCHANGES.map((e) => e.id);
const RECIPES = new URL('../../examples/recipes/', import.meta.url).pathname;
// Debian's python3, with python3-pandas and python3-requests (.ci/run installs them when missing).
const PYTHON = '/usr/bin/python3';
let stack: Stack;
let workDir: string;

interface Row {
  id: string;
  exchange: string;
  product_code: string;
  category: string;
  provider_uscc: string;
  provider_kind: string;
  contains_minors: number;
  price_model: string;
  price_micros: number | null;
  price_asc: number;
}
let rows: Row[] = [];

function readRows(exchange: string): Row[] {
  const db = new Database(join(stack.dataDir, `${exchange}.db`), { readonly: true, fileMustExist: true });
  try {
    const sql = 'SELECT id, product_code, category, provider_uscc, provider_kind, contains_minors, price_model, price_micros, price_asc FROM datasets';
    return (db.prepare(sql).all() as Row[]).map((r) => ({ ...r, exchange }));
  } finally {
    db.close();
  }
}

const byIdAscending = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

beforeAll(async () => {
  stack = await startStack({ perExchange: PER_EXCHANGE, exchangeTimeoutMs: 10_000 });
  rows = CODES.flatMap(readRows);
  // Every recipe covers the registered exchanges: on a loaded machine a configured one can fail its
  // start-up check and stay out, and every expected figure would then be wrong for another reason.
  const registered = await fetch(stack.gatewayUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: '{ exchanges { id } }' }),
  });
  expect(((await registered.json()) as any).data.exchanges.map((e: { id: string }) => e.id).sort()).toEqual([...CODES].sort());
  workDir = mkdtempSync(join(tmpdir(), 'recipes-'));
}, 400_000);

afterAll(async () => {
  await stack?.stop();
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});

describe('recipes', () => {
  it('curl: counts the FINANCE listings and downloads them as CSV', async () => {
    const { stdout } = await run('sh', [join(RECIPES, 'curl.sh')], { cwd: workDir, env: { ...process.env, GATEWAY: stack.gatewayBase } });
    const lines = stdout.split('\n').filter((line) => line.trim() !== '');
    const [json, summary] = [lines[0], lines.at(-1)];
    const finance = rows.filter((r) => r.category === 'FINANCE').length;
    expect(finance).toBeGreaterThan(0);
    expect(JSON.parse(json).data.datasets).toEqual({ totalCount: finance, missingExchanges: [] });
    expect(summary).toBe(`finance.csv: ${finance} listings`);
    expect(readFileSync(join(workDir, 'finance.csv'), 'utf8').split('\r\n').length - 2).toBe(finance);
  });

  it('Apollo Client (React): renders the five cheapest listings of a category once the query has answered', async () => {
    // A JavaScript (JSX) module: imported by path, as tsc does not type-check JSX in this repository.
    const recipe = join(RECIPES, 'apolloReact.jsx');
    const { renderCheapest } = (await import(recipe)) as { renderCheapest: (url: string, category: string) => Promise<string> };
    const html = await renderCheapest(stack.gatewayUrl, 'FINANCE');
    const shown = [...html.matchAll(/data-id="([^"]+)"/g)].map((m) => m[1]);
    const expected = rows
      .filter((r) => r.category === 'FINANCE')
      .sort((a, b) => a.price_asc - b.price_asc || byIdAscending(a.id, b.id))
      .slice(0, 5)
      .map((r) => r.id);
    expect(expected.length).toBe(5);
    expect(shown).toEqual(expected);
  });

  it("urql: pages through one provider's listings on every exchange", async () => {
    const counts = new Map<string, number>();
    for (const r of rows) counts.set(r.provider_uscc, (counts.get(r.provider_uscc) ?? 0) + 1);
    const [uscc, count] = [...counts].sort((a, b) => b[1] - a[1])[0];
    expect(count).toBeGreaterThan(1);
    const answer = await listingsOfProvider(stack.gatewayUrl, uscc);
    expect(answer.totalCount).toBe(count);
    expect(answer.ids.sort()).toEqual(
      rows
        .filter((r) => r.provider_uscc === uscc)
        .map((r) => r.id)
        .sort(),
    );
  });

  it('graphql-request: lists the exchanges with their status and listing counts', async () => {
    const table = await exchangeTable(stack.gatewayUrl);
    expect(table.map((e) => e.id).sort()).toEqual([...CODES].sort());
    for (const exchange of table) {
      expect(exchange.status).toBe('ONLINE');
      expect(exchange.datasetCount).toBe(rows.filter((r) => r.exchange === exchange.id).length);
    }
  });
});

describe('research questions', () => {
  it('the price of one product on every exchange that lists it', async () => {
    const exchangesByCode = new Map<string, Set<string>>();
    for (const r of rows) exchangesByCode.set(r.product_code, (exchangesByCode.get(r.product_code) ?? new Set()).add(r.exchange));
    const crossListed = [...exchangesByCode].filter(([, exchanges]) => exchanges.size >= 2).map(([code]) => code);
    expect(crossListed.length).toBeGreaterThan(0);
    for (const code of crossListed.slice(0, 3)) {
      const prices = await pricesOfProduct(stack.gatewayUrl, code);
      const listed = rows.filter((r) => r.product_code === code);
      expect(prices.map((p) => p.id).sort()).toEqual(listed.map((r) => r.id).sort());
      for (const price of prices) {
        const row = listed.find((r) => r.id === price.id)!;
        expect(price.exchange).toBe(row.exchange);
        expect(price.model).toBe(row.price_model);
        expect(price.amount === null ? null : Math.round(Number(price.amount) * 1e6)).toBe(row.price_micros);
      }
    }
  });

  it("every listing with minors' data, and who provides it (pandas over the CSV export)", async () => {
    const { stdout } = await run(PYTHON, [join(RECIPES, 'minors_providers.py'), stack.gatewayBase], { maxBuffer: 64 * 1024 * 1024 });
    const providers = stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { uscc: string; kind: string; name: string; listings: string[]; exchanges: string[] });
    const minors = rows.filter((r) => r.contains_minors === 1);
    expect(minors.length).toBeGreaterThan(0);
    const expected = new Map<string, Row[]>();
    for (const r of minors) expected.set(r.provider_uscc, [...(expected.get(r.provider_uscc) ?? []), r]);
    expect(providers.map((p) => p.uscc).sort()).toEqual([...expected.keys()].sort());
    for (const provider of providers) {
      const own = expected.get(provider.uscc)!;
      expect(provider.listings).toEqual(own.map((r) => r.id).sort());
      expect(provider.kind).toBe(own[0].provider_kind);
      expect(provider.name.length).toBeGreaterThan(0);
    }
  });

  it('the share of government providers per exchange (pandas over the CSV export)', async () => {
    const { stdout } = await run(PYTHON, [join(RECIPES, 'government_share.py'), stack.gatewayBase], { maxBuffer: 64 * 1024 * 1024 });
    const shares = JSON.parse(stdout) as Record<string, { providers: number; government: number; share: number }>;
    expect(Object.keys(shares).sort()).toEqual([...CODES].sort());
    for (const exchange of CODES) {
      const kinds = new Map(rows.filter((r) => r.exchange === exchange).map((r) => [r.provider_uscc, r.provider_kind]));
      const government = [...kinds.values()].filter((k) => k === 'GOVERNMENT_DEPARTMENT').length;
      expect(kinds.size).toBeGreaterThan(0);
      expect(shares[exchange]).toEqual({ providers: kinds.size, government, share: Math.round((government / kinds.size) * 1e4) / 1e4 });
    }
  });
});

describe('docs/recipes.md', () => {
  it('holds every recipe file verbatim, so that what is tested is what is documented', () => {
    const doc = readFileSync(new URL('../../docs/recipes.md', import.meta.url), 'utf8');
    const files = readdirSync(RECIPES);
    expect(files.length).toBeGreaterThan(5);
    for (const file of files) expect(doc.includes(readFileSync(join(RECIPES, file), 'utf8').trim()), file).toBe(true);
  });
});
