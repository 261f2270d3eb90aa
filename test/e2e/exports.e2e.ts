import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { startStack, type Stack } from '../../devkit/stack.ts';
import { DEFAULT_EXCHANGES } from '../../shared/domain.ts';

// The CSV and NDJSON exports against real processes: four exchanges (each behind a FlakyProxy), providers
// and the gateway. Expected rows are read from the exchanges' SQLite files directly. The gateway asks each
// exchange for 7 rows per call here (EXPORT_PAGE_SIZE), so every export crosses many pages.

const PER_EXCHANGE = 300;
const CODES = DEFAULT_EXCHANGES.map((e) => e.id);
let stack: Stack;

interface Row {
  id: string;
  exchange: string;
  updated_ms: number;
  price_asc: number;
  price_model: string;
  price_micros: number | null;
  category: string;
  contains_minors: number;
  provider_uscc: string;
  title_zh: string;
  keywords: string;
}
let rows: Row[] = [];

function readRows(exchange: string): Row[] {
  const db = new Database(join(stack.dataDir, `${exchange}.db`), { readonly: true, fileMustExist: true });
  try {
    const sql = 'SELECT id, updated_ms, price_asc, price_model, price_micros, category, contains_minors, provider_uscc, title_zh, keywords FROM datasets';
    return (db.prepare(sql).all() as Row[]).map((row) => ({ ...row, exchange }));
  } finally {
    db.close();
  }
}

/** RFC 4180, written here so that the test does not read the export with the gateway's own code. */
function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let field = '';
  let record: string[] = [];
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      record.push(field);
      field = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      record.push(field);
      records.push(record);
      record = [];
      field = '';
      i++;
    } else if (c === '\n') throw new Error(`a bare LF at ${i}: RFC 4180 lines end in CRLF`);
    else field += c;
  }
  if (field !== '' || record.length > 0) throw new Error('the last record has no CRLF');
  return records;
}

function byHeader(records: string[][]): Array<Record<string, string>> {
  const [header, ...data] = records;
  return data.map((values) => Object.fromEntries(header.map((name, i) => [name, values[i]])));
}

const exportUrl = (path: string, params: Record<string, string> = {}) => `${stack.gatewayBase}${path}?${new URLSearchParams(params)}`;

beforeAll(async () => {
  stack = await startStack({
    perExchange: PER_EXCHANGE,
    exchangeTimeoutMs: 10_000,
    gatewayEnv: { EXPORT_PAGE_SIZE: '7', REGISTRATION_CONFORMANCE_BUDGET_MS: '120000' },
  });
  rows = CODES.flatMap(readRows);
  // An export covers the registered exchanges: on a loaded machine a configured one can fail its start-up
  // check and stay out, and the expected rows would then be wrong for another reason than the export.
  const registered = await fetch(stack.gatewayUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: '{ exchanges { id } }' }),
  });
  expect(((await registered.json()) as any).data.exchanges.map((e: { id: string }) => e.id).sort()).toEqual([...CODES].sort());
}, 180_000);

afterAll(async () => {
  await stack?.stop();
});

describe('GET /export/datasets.csv', () => {
  it('exports every listing of every exchange once, as RFC 4180 CSV, in the order of the sort', async () => {
    const response = await fetch(exportUrl('/export/datasets.csv'));
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/csv; charset=utf-8/);
    const records = byHeader(parseCsv(await response.text()));
    const expected = [...rows].sort((a, b) => b.updated_ms - a.updated_ms || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0)).map((r) => r.id);
    expect(expected.length).toBe(PER_EXCHANGE * CODES.length);
    expect(records.map((r) => r.id)).toEqual(expected);
  });

  it('writes the columns from the listing, its provider and its price as the exchange stores them', async () => {
    const response = await fetch(exportUrl('/export/datasets.csv', { sort: 'PRICE_ASC' }));
    const records = byHeader(parseCsv(await response.text()));
    const stored = new Map(rows.map((r) => [r.id, r]));
    expect(records.length).toBe(rows.length);
    for (const record of records) {
      const row = stored.get(record.id)!;
      expect(record.exchange).toBe(row.exchange);
      expect(record.titleZh).toBe(row.title_zh);
      expect(record.category).toBe(row.category);
      expect(record.keywords).toBe((JSON.parse(row.keywords) as string[]).join(';'));
      expect(record.providerUscc).toBe(row.provider_uscc);
      expect(record.containsMinorsData).toBe(row.contains_minors ? 'true' : 'false');
      expect(record.priceModel).toBe(row.price_model);
      if (row.price_micros === null) expect(record.priceAmount).toBe('');
      else expect(Math.round(Number(record.priceAmount) * 1e6)).toBe(row.price_micros);
    }
    const expectedOrder = [...rows].sort((a, b) => a.price_asc - b.price_asc || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)).map((r) => r.id);
    expect(records.map((r) => r.id)).toEqual(expectedOrder);
  });

  it('names each provider as the providers subgraph does', async () => {
    const records = byHeader(parseCsv(await (await fetch(exportUrl('/export/datasets.csv'))).text()));
    const usccs = [...new Set(records.map((r) => r.providerUscc))].slice(0, 5);
    expect(usccs.length).toBeGreaterThan(0);
    for (const uscc of usccs) {
      const answer = await fetch(stack.providersUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: 'query($u: ID!) { provider(uscc: $u) { name nameZh kind } }', variables: { u: uscc } }),
      });
      const provider = ((await answer.json()) as any).data.provider;
      const record = records.find((r) => r.providerUscc === uscc)!;
      expect([record.providerName, record.providerNameZh, record.providerKind]).toEqual([provider.name, provider.nameZh, provider.kind]);
    }
  });

  it('starts with a UTF-8 byte order mark when bom=1, for Excel', async () => {
    const plain = Buffer.from(await (await fetch(exportUrl('/export/datasets.csv'))).arrayBuffer());
    const withBom = Buffer.from(await (await fetch(exportUrl('/export/datasets.csv', { bom: '1' }))).arrayBuffer());
    expect([...withBom.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    expect(plain[0]).toBe('i'.charCodeAt(0));
    expect(withBom.subarray(3).equals(plain)).toBe(true);
  });
});

describe('GET /export/datasets.ndjson', () => {
  it('exports exactly the listings the filter matches, one JSON object per line', async () => {
    const filter = { categories: ['FINANCE', 'PUBLIC_HEALTH'], containsMinorsData: false };
    const response = await fetch(exportUrl('/export/datasets.ndjson', { filter: JSON.stringify(filter), sort: 'TITLE_ASC' }));
    expect(response.status).toBe(200);
    const text = await response.text();
    const lines = text.split('\n');
    expect(lines.pop()).toBe('');
    const records = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    const expected = rows.filter((r) => filter.categories.includes(r.category) && r.contains_minors === 0).map((r) => r.id);
    expect(expected.length).toBeGreaterThan(0);
    expect(records.map((r) => r.id).sort()).toEqual(expected.sort());
    expect(records.every((r) => r.containsMinorsData === false && Array.isArray(r.keywords))).toBe(true);
  });
});

describe('export arguments', () => {
  const cases: Array<[string, Record<string, string>, string]> = [
    ['an unknown enum value in the filter', { filter: JSON.stringify({ categories: ['FINANCE', 'NOPE'] }) }, 'filter.categories[1]'],
    ['a field DatasetFilter does not have', { filter: JSON.stringify({ colour: 'red' }) }, 'filter'],
    ['a filter that is not JSON', { filter: '{categories:' }, 'filter'],
    ['a list of the wrong type', { filter: JSON.stringify({ containsMinorsData: 'yes' }) }, 'filter.containsMinorsData'],
    ['an unknown sort', { sort: 'CHEAPEST' }, 'sort'],
    ['an unknown parameter', { limit: '10' }, 'limit'],
    ['a bom that is not 0 or 1', { bom: 'yes' }, 'bom'],
  ];
  it.each(cases)('answers 400 naming the field for %s', async (_what, params, field) => {
    const response = await fetch(exportUrl('/export/datasets.csv', params));
    expect(response.status).toBe(400);
    const body = (await response.json()) as { error: string; field: string };
    expect(body.field).toBe(field);
    expect(body.error.startsWith(field)).toBe(true);
  });

  it('refuses a bad filter with the same rule the GraphQL argument uses', async () => {
    const filter = { pricingModels: ['PER_CALL', 'PER_HOUR'] };
    const graphql = await fetch(stack.gatewayUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: 'query($f: DatasetFilter) { datasets(filter: $f) { totalCount } }', variables: { f: filter } }),
    });
    const graphqlMessage = ((await graphql.json()) as any).errors[0].message as string;
    const exported = (await (await fetch(exportUrl('/export/datasets.csv', { filter: JSON.stringify(filter) }))).json()) as { error: string };
    // GraphQL says where as a variable path, then the rule: the export says where as a parameter path, then the same rule.
    const rule = graphqlMessage.slice(graphqlMessage.indexOf('; ') + 2);
    expect(graphqlMessage).toContain('at "f.pricingModels[1]"');
    expect(rule).toContain('"PER_HOUR" does not exist in "PricingModel" enum');
    expect(exported.error).toBe(`filter.pricingModels[1]: ${rule}`);
  });
});

describe('an exchange that fails', () => {
  it('answers 503 naming an exchange that fails before the first byte', async () => {
    stack.proxies.gy.mode = 'http500';
    try {
      const response = await fetch(exportUrl('/export/datasets.csv'));
      expect(response.status).toBe(503);
      const body = (await response.json()) as { error: string; missingExchanges: string[] };
      expect(body.missingExchanges).toEqual(['gy']);
      expect(body.error).toContain('gy');
    } finally {
      stack.proxies.gy.reset();
    }
  });

  it('with partial=1, exports the other exchanges and names the missing one in X-Missing-Exchanges', async () => {
    stack.proxies.gy.mode = 'http500';
    try {
      const response = await fetch(exportUrl('/export/datasets.csv', { partial: '1' }));
      expect(response.status).toBe(200);
      expect(response.headers.get('x-missing-exchanges')).toBe('gy');
      const records = byHeader(parseCsv(await response.text()));
      const expected = rows.filter((r) => r.exchange !== 'gy').map((r) => r.id);
      expect(expected.length).toBe(PER_EXCHANGE * 3);
      expect(records.map((r) => r.id).sort()).toEqual(expected.sort());
    } finally {
      stack.proxies.gy.reset();
    }
  });

  it('aborts the transfer when an exchange fails midway, so the client sees an error and not a short file', async () => {
    // Slow pages from gy keep the export going long enough for gy to fail after the first bytes are sent.
    stack.proxies.gy.delayMs = 60;
    try {
      const response = await fetch(exportUrl('/export/datasets.csv'));
      expect(response.status).toBe(200);
      const reader = response.body!.getReader();
      const first = await reader.read();
      expect(first.done).toBe(false);
      stack.proxies.gy.mode = 'http500';
      let received = first.value!.byteLength;
      const readAll = async () => {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) return received;
          received += value.byteLength;
        }
      };
      await expect(readAll()).rejects.toThrow();
    } finally {
      stack.proxies.gy.reset();
    }
  });

  it('answers 503 naming an exchange whose process is stopped', async () => {
    await stack.services.ty.stop();
    const response = await fetch(exportUrl('/export/datasets.ndjson'));
    expect(response.status).toBe(503);
    expect(((await response.json()) as { missingExchanges: string[] }).missingExchanges).toEqual(['ty']);
  });
});
