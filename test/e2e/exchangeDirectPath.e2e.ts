import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { seedExchangeDatabase } from '../../subgraphs/exchange/seedStore.ts';
import { DatasetStore } from '../../subgraphs/exchange/store/DatasetStore.ts';
import { startExchangeServer, type ExchangeServer } from '../../subgraphs/exchange/server.ts';

// The exchange's direct path for repeated queries (subgraphs/exchange/server.ts, DirectQueries): two
// servers over HTTP on one database, one with the direct path off (every answer Apollo Server's), one with
// it on. Each query goes twice to each: the second time the direct path must
// answer it, with the very bytes and headers Apollo gave; a query with errors must go to Apollo.

const HEADERS = ['content-type', 'cache-control', 'x-catalog-version', 'x-sql-statements', 'content-length'];

let dir: string;
const stores: DatasetStore[] = [];
let apolloOnly: ExchangeServer;
let direct: ExchangeServer;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'exchange-direct-'));
  const dbPath = join(dir, 'sh.db');
  seedExchangeDatabase({ exchange: 'sh', divisionCode: '310000', count: 300, dbPath });
  for (let i = 0; i < 2; i++) stores.push(new DatasetStore('sh', dbPath));
  apolloOnly = await startExchangeServer({ store: stores[0], port: 0, directQueries: false });
  direct = await startExchangeServer({ store: stores[1], port: 0 });
}, 60_000);

afterAll(async () => {
  await apolloOnly?.close();
  await direct?.close();
  for (const store of stores) store.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

interface Answer {
  status: number;
  body: Buffer;
  headers: Record<string, string | null>;
}

async function post(url: string, body: unknown, accept = 'application/json'): Promise<Answer> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', accept }, body: JSON.stringify(body) });
  return {
    status: response.status,
    body: Buffer.from(await response.arrayBuffer()),
    headers: Object.fromEntries(HEADERS.map((name) => [name, response.headers.get(name)])),
  };
}

/** What the gateway sends, and a few shapes more: variables, aliases, fragments, an operation picked by name. */
const QUERIES: Array<{ name: string; body: Record<string, unknown> }> = [
  {
    name: 'a small shard page with hidden variables',
    body: {
      query:
        'query ($_sr0_first_datasets: Int, $_sr0_after_datasets: String) { datasets(first: $_sr0_first_datasets, after: $_sr0_after_datasets) { totalCount nodes { id title price { model amount } _sr0_id: id } _sr0_edges: edges { cursor } _sr0_info: pageInfo { hasNextPage } } }',
      variables: { _sr0_first_datasets: 4, _sr0_after_datasets: null },
    },
  },
  {
    name: 'a filtered page sorted by price',
    body: {
      query:
        'query Page($f: DatasetFilter, $s: DatasetSort) { datasets(first: 7, filter: $f, sort: $s) { totalCount edges { cursor node { id provider { uscc } updatedAt } } } }',
      variables: { f: { pricingModels: ['ONE_TIME', 'ANNUAL'] }, s: 'PRICE_ASC' },
      operationName: 'Page',
    },
  },
  {
    name: 'statistics with sketches',
    body: { query: '{ priceStats(groupBy: CATEGORY) { key count pricedCount min p50 p90 max } }' },
  },
  {
    name: 'entities, with a fragment',
    body: {
      query: 'query ($r: [_Any!]!) { _entities(representations: $r) { ...E } } fragment E on Exchange { id datasetCount catalogVersion }',
      variables: { r: [{ __typename: 'Exchange', id: 'sh' }] },
    },
  },
  {
    name: 'one operation of two, by name',
    body: { query: 'query A { datasets(first: 1) { totalCount } } query B { datasets(first: 2) { nodes { id } } }', operationName: 'B' },
  },
];

describe('the exchange direct path for repeated queries', () => {
  it('answers a query seen before with the bytes and headers Apollo Server gives', async () => {
    expect(QUERIES.length).toBeGreaterThan(0);
    for (const { name, body } of QUERIES) {
      // Twice to each: the store keeps some reads between requests (x-sql-statements may fall to 0).
      const expected = [await post(apolloOnly.url, body), await post(apolloOnly.url, body)];
      expect(expected[0].status, name).toBe(200);
      expect(JSON.parse(expected[0].body.toString()).errors, name).toBeUndefined();
      const first = await post(direct.url, body);
      const before = direct.directAnswers();
      const second = await post(direct.url, body);
      expect(direct.directAnswers(), `${name}: answered directly`).toBe(before + 1);
      [first, second].forEach((answer, i) => {
        expect(answer.status, name).toBe(200);
        expect(answer.headers, name).toEqual(expected[i].headers);
        expect(answer.body.equals(expected[i].body), `${name}: ${answer.body.toString().slice(0, 200)}`).toBe(true);
      });
    }
    expect(apolloOnly.directAnswers()).toBe(0);
  });

  it('leaves to Apollo an answer with errors, another accept, and a text it has not validated', async () => {
    const bad = { query: 'query ($n: Int) { datasets(first: $n) { totalCount } }', variables: { n: -1 } };
    const expected = await post(apolloOnly.url, bad);
    expect(JSON.parse(expected.body.toString()).errors[0].extensions.code).toBe('BAD_USER_INPUT');
    await post(direct.url, { ...bad, variables: { n: 1 } });
    const before = direct.directAnswers();
    const refused = await post(direct.url, bad);
    expect(refused.body.equals(expected.body)).toBe(true);
    expect(refused.headers).toEqual(expected.headers);
    expect(direct.directAnswers()).toBe(before);

    const graphqlResponse = await post(direct.url, { query: bad.query, variables: { n: 1 } }, 'application/graphql-response+json');
    expect(graphqlResponse.headers['content-type']).toContain('application/graphql-response+json');
    expect(direct.directAnswers()).toBe(before);

    const invalid = await post(direct.url, { query: '{ datasets(first: 1) { nope } }' });
    expect(invalid.status).toBe(400);
    expect(direct.directAnswers()).toBe(before);
  });
});
