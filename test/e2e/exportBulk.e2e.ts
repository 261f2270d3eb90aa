import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { startStack, type Stack } from '../../devkit/stack.ts';
import { DEFAULT_EXCHANGES } from '../../shared/domain.ts';

// The exports' bulk read, `datasetRows` (docs/exports.md, docs/contract.md#bulk-rows), against real
// processes: four exchanges (each behind a FlakyProxy that counts and can rewrite answers), providers and
// the gateway. Expected rows come from the exchange's `datasets` connection (GraphQL, field by field),
// never from datasetRows itself. 5,000 listings per exchange: an export of 20,000 rows is larger than the
// socket buffers between the gateway and a client that stops reading.

const PER_EXCHANGE = 5000;
const CODES = DEFAULT_EXCHANGES.map((e) => e.id);
let stack: Stack;

async function post(url: string, query: string, variables: Record<string, unknown> = {}): Promise<any> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query, variables }) });
  return response.json();
}

const NODE_FIELDS = `id productCode title titleZh description descriptionZh type category keywords provider { uscc }
  securityLevel personalInfo containsMinorsData dataOrigin delivery updateFrequency spatialCoverage
  price { model amount currency } complianceAssessed listedAt updatedAt`;

/** A bulk row as the contract's column order spells it, built from a `datasets` edge (the key read from its cursor). */
function expectedRow(edge: { cursor: string; node: any }): unknown[] {
  const [, key] = JSON.parse(Buffer.from(edge.cursor, 'base64url').toString('utf8')) as [string, number | string, string];
  const n = edge.node;
  return [
    key,
    n.id,
    n.productCode,
    n.title,
    n.titleZh,
    n.description,
    n.descriptionZh,
    n.type,
    n.category,
    n.keywords,
    n.provider.uscc,
    n.securityLevel,
    n.personalInfo,
    n.containsMinorsData,
    n.dataOrigin,
    n.delivery,
    n.updateFrequency,
    n.spatialCoverage,
    n.price.model,
    n.price.amount,
    n.price.currency,
    n.complianceAssessed,
    n.listedAt,
    n.updatedAt,
  ];
}

/** Every edge of `datasets` for the filter and sort, in pages of 100. */
async function walkDatasets(url: string, filter: Record<string, unknown>, sort: string): Promise<Array<{ cursor: string; node: any }>> {
  const edges: Array<{ cursor: string; node: any }> = [];
  let after: string | null = null;
  for (;;) {
    const answer = await post(
      url,
      `query($f: DatasetFilter, $s: DatasetSort, $a: String) { datasets(filter: $f, sort: $s, first: 100, after: $a) {
        edges { cursor node { ${NODE_FIELDS} } } pageInfo { hasNextPage endCursor } } }`,
      { f: filter, s: sort, a: after },
    );
    expect(answer.errors).toBeUndefined();
    edges.push(...answer.data.datasets.edges);
    if (!answer.data.datasets.pageInfo.hasNextPage) return edges;
    after = answer.data.datasets.pageInfo.endCursor;
  }
}

interface BulkPage {
  rows: unknown[][];
  endCursor: string | null;
  hasNextPage: boolean;
}

async function bulkPage(url: string, args: Record<string, unknown>): Promise<{ page?: BulkPage; errors?: any[] }> {
  const answer = await post(
    url,
    `query($f: DatasetFilter, $s: DatasetSort, $n: Int, $a: String) { datasetRows(filter: $f, sort: $s, first: $n, after: $a) { columns rows hasNextPage endCursor } }`,
    args,
  );
  if (answer.errors) return { errors: answer.errors };
  const page = answer.data.datasetRows;
  return { page: { rows: JSON.parse(page.rows), endCursor: page.endCursor, hasNextPage: page.hasNextPage } };
}

beforeAll(async () => {
  stack = await startStack({
    perExchange: PER_EXCHANGE,
    exchangeTimeoutMs: 30_000,
    gatewayEnv: { EXPORT_PAGE_SIZE: '50', REGISTRATION_CONFORMANCE_BUDGET_MS: '120000' },
    readyTimeoutMs: 240_000,
  });
  // An export covers the registered exchanges: on a loaded machine one may pass its start-up check late.
  const registered = async () => ((await post(stack.gatewayUrl, '{ exchanges { id status } }')).data?.exchanges ?? []) as Array<{ id: string; status: string }>;
  for (let tries = 0; (await registered()).filter((e) => e.status !== 'OFFLINE').length < CODES.length && tries < 120; tries++) {
    await new Promise((resolve) => setTimeout(resolve, 2000));
  }
  expect((await registered()).map((e) => e.id).sort()).toEqual([...CODES].sort());
}, 600_000);

afterAll(async () => {
  await stack?.stop();
});

describe('datasetRows at an exchange', () => {
  // Price orders have long runs of ties (every FREE listing is 0.00): pages of 7 cut through them.
  const cases: Array<[string, Record<string, unknown>]> = [
    ['PRICE_ASC', { categories: ['FINANCE', 'PUBLIC_HEALTH'] }],
    ['PRICE_DESC', { pricingModels: ['FREE', 'NEGOTIABLE'], containsMinorsData: false }],
    ['TITLE_ASC', { types: ['DATA_SERVICE'], securityLevels: ['GENERAL'] }],
    ['UPDATED_DESC', { containsMinorsData: true }],
    ['RELEVANCE', { text: 'water' }],
  ];
  it.each(cases)('gives, sorted by %s, the rows and cursors of datasets for the same filter, in pages of any size', async (sort, filter) => {
    const url = stack.exchangeUrls.sh;
    const edges = await walkDatasets(url, filter, sort);
    expect(edges.length).toBeGreaterThan(20);
    const expected = edges.map(expectedRow);
    for (const size of [7, 1000]) {
      const rows: unknown[][] = [];
      let after: string | null = null;
      for (let pages = 0; ; pages++) {
        expect(pages).toBeLessThan(1000);
        const { page, errors } = await bulkPage(url, { f: filter, s: sort, n: size, a: after });
        expect(errors).toBeUndefined();
        rows.push(...page!.rows);
        // endCursor is the cursor datasets gives the same row: the two fields page alike.
        if (page!.rows.length > 0) expect(page!.endCursor).toBe(edges[rows.length - 1].cursor);
        expect(page!.hasNextPage).toBe(rows.length < expected.length);
        if (!page!.hasNextPage) break;
        after = page!.endCursor;
      }
      expect(rows).toEqual(expected);
    }
  });

  it('starts after a cursor of datasets, and gives nothing after the last row', async () => {
    const url = stack.exchangeUrls.bj;
    const edges = await walkDatasets(url, { categories: ['FINANCE'] }, 'PRICE_ASC');
    expect(edges.length).toBeGreaterThan(40);
    const { page } = await bulkPage(url, { f: { categories: ['FINANCE'] }, s: 'PRICE_ASC', n: 10, a: edges[29].cursor });
    expect(page!.rows).toEqual(edges.slice(30, 40).map(expectedRow));
    const end = await bulkPage(url, { f: { categories: ['FINANCE'] }, s: 'PRICE_ASC', n: 10, a: edges.at(-1)!.cursor });
    expect(end.page).toEqual({ rows: [], endCursor: null, hasNextPage: false });
  });

  const bad: Array<[string, Record<string, unknown>, string]> = [
    ['a page larger than 5000', { n: 5001 }, 'first'],
    ['a negative page', { n: -1 }, 'first'],
    ['a cursor that is not one', { a: 'not-a-cursor' }, 'after'],
    ['a cursor of another sort', { s: 'TITLE_ASC', a: Buffer.from(JSON.stringify(['PRICE_ASC', 0, 'sh:ds-000001'])).toString('base64url') }, 'after'],
    ['RELEVANCE without text', { s: 'RELEVANCE' }, 'sort'],
  ];
  it.each(bad)('refuses %s as BAD_USER_INPUT naming the argument', async (_what, args, argument) => {
    const { errors } = await bulkPage(stack.exchangeUrls.sh, args);
    expect(errors).toHaveLength(1);
    expect(errors![0].extensions.code).toBe('BAD_USER_INPUT');
    expect(errors![0].message.startsWith(`${argument}: `)).toBe(true);
  });

  it('is not in the public API', async () => {
    const answer = await post(stack.gatewayUrl, '{ datasetRows(first: 1) { rows } }');
    expect(answer.errors[0].message).toContain('Cannot query field "datasetRows"');
  });
});

/** The ids of an NDJSON export of the filter and sort. */
async function exportIds(params: Record<string, string>): Promise<{ status: number; ids: string[]; body: string }> {
  const response = await fetch(`${stack.gatewayBase}/export/datasets.ndjson?${new URLSearchParams(params)}`);
  const body = await response.text();
  if (response.status !== 200) return { status: response.status, ids: [], body };
  return {
    status: 200,
    ids: body
      .split('\n')
      .filter(Boolean)
      .map((line) => (JSON.parse(line) as { id: string }).id),
    body,
  };
}

/** The ids `datasets` answers through the gateway for the filter and sort, every page. */
async function gatewayIds(filter: Record<string, unknown>, sort: string): Promise<string[]> {
  return (await walkDatasets(stack.gatewayUrl, filter, sort)).map((edge) => edge.node.id);
}

const bulkCalls = (exchange: string) => stack.proxies[exchange].bodies.filter((b) => b.query?.includes('datasetRows')).length;
const datasetsCalls = (exchange: string) => stack.proxies[exchange].bodies.filter((b) => b.query?.includes('GatewayExport')).length;

describe('exports over datasetRows', () => {
  it('export the rows datasets pages through the gateway, in its order, reading every exchange in bulk', async () => {
    const filter = { categories: ['FINANCE', 'TRANSPORT'], pricingModels: ['FREE', 'PER_CALL', 'NEGOTIABLE'] };
    const expected = await gatewayIds(filter, 'PRICE_ASC');
    expect(expected.length).toBeGreaterThan(100);
    for (const code of CODES) stack.proxies[code].reset();
    const exported = await exportIds({ filter: JSON.stringify(filter), sort: 'PRICE_ASC' });
    expect(exported.status).toBe(200);
    expect(exported.ids).toEqual(expected);
    for (const code of CODES) {
      expect(bulkCalls(code)).toBeGreaterThan(0);
      expect(datasetsCalls(code)).toBe(0);
    }
  });

  it('answers 400 naming the filter when the exchanges refuse a value of it', async () => {
    const response = await fetch(`${stack.gatewayBase}/export/datasets.csv?${new URLSearchParams({ filter: JSON.stringify({ text: '%' }) })}`);
    expect(response.status).toBe(400);
    const body = (await response.json()) as { error: string; field: string };
    expect(body.field).toBe('filter');
    expect(body.error).toContain('text');
  });

  it('answers 503 naming an exchange whose rows are out of order, before the first byte', async () => {
    // A lying exchange: the proxy swaps the first two rows of every datasetRows page it forwards.
    stack.proxies.ty.transform = (body) => {
      const answer = JSON.parse(body);
      if (typeof answer.data?.datasetRows?.rows !== 'string') return body;
      const rows = JSON.parse(answer.data.datasetRows.rows) as unknown[][];
      [rows[0], rows[1]] = [rows[1], rows[0]];
      answer.data.datasetRows.rows = JSON.stringify(rows);
      return JSON.stringify(answer);
    };
    try {
      const response = await fetch(`${stack.gatewayBase}/export/datasets.csv`);
      expect(response.status).toBe(503);
      const body = (await response.json()) as { error: string; missingExchanges: string[] };
      expect(body.missingExchanges).toEqual(['ty']);
      expect(body.error).toContain('exchange ty gave a bad response');
    } finally {
      stack.proxies.ty.reset();
    }
  });

  it('reads an exchange that lacks datasetRows through datasets, with the same rows', async () => {
    // An exchange built to an older contract: the proxy answers datasetRows calls as such an exchange's
    // GraphQL server does (a validation error, HTTP 400), and forwards everything else.
    stack.proxies.gy.transform = (body) =>
      body.includes('"datasetRows"')
        ? JSON.stringify({ errors: [{ message: 'Cannot query field "datasetRows" on type "Query".', extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } }] })
        : body;
    try {
      const filter = { categories: ['FINANCE'] };
      const expected = await gatewayIds(filter, 'TITLE_ASC');
      expect(expected.filter((id) => id.startsWith('gy:')).length).toBeGreaterThan(50);
      stack.proxies.gy.bodies = [];
      const exported = await exportIds({ filter: JSON.stringify(filter), sort: 'TITLE_ASC' });
      expect(exported.status).toBe(200);
      expect(exported.ids).toEqual(expected);
      expect(bulkCalls('gy')).toBe(1);
      expect(datasetsCalls('gy')).toBeGreaterThan(1);
    } finally {
      stack.proxies.gy.reset();
    }
  });

  it('aborts the transfer when an exchange sends a bad page midway', async () => {
    stack.proxies.bj.delayMs = 30;
    try {
      const response = await fetch(`${stack.gatewayBase}/export/datasets.csv`);
      expect(response.status).toBe(200);
      const reader = response.body!.getReader();
      expect((await reader.read()).done).toBe(false);
      stack.proxies.bj.transform = (body) => (body.includes('"datasetRows"') ? body.replace('"rows":"[[', '"rows":"[[\\"not a key\\",') : body);
      const readAll = async () => {
        for (;;) if ((await reader.read()).done) return;
      };
      await expect(readAll()).rejects.toThrow();
    } finally {
      stack.proxies.bj.reset();
    }
  });

  it('stops reading the exchanges while the client does not read, and then finishes', async () => {
    const total = PER_EXCHANGE * CODES.length;
    for (const code of CODES) stack.proxies[code].reset();
    const response = await fetch(`${stack.gatewayBase}/export/datasets.csv`);
    expect(response.status).toBe(200);
    const reader = response.body!.getReader();
    const newlines = (chunk: Uint8Array) => {
      let count = 0;
      for (let at = chunk.indexOf(10); at !== -1; at = chunk.indexOf(10, at + 1)) count++;
      return count;
    };
    let lines = newlines((await reader.read()).value!);
    // The client reads nothing more: once the socket buffers are full, the gateway must stop asking.
    const pagesAsked = () => CODES.reduce((sum, code) => sum + bulkCalls(code), 0);
    let before = -1;
    while (pagesAsked() !== before) {
      before = pagesAsked();
      await new Promise((resolve) => setTimeout(resolve, 1500));
    }
    const rowsAsked = pagesAsked() * 50;
    expect(rowsAsked).toBeLessThan(total * 0.6);
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      lines += newlines(value);
    }
    // Every row and the header (the seed writes no line break inside a field).
    expect(lines).toBe(total + 1);
    expect(pagesAsked()).toBeGreaterThanOrEqual(total / 50);
  }, 300_000);
});
