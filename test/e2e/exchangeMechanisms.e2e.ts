import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { graphql, dataOf } from '../helpers/graphql.ts';
import { startSeededExchange, type ExchangeFixture } from '../helpers/exchangeFixture.ts';
import { CATALOG_VERSION_HEADER, SQL_STATEMENTS_HEADER } from '../../shared/headers.ts';
import { parseAmountMicros } from '../../shared/money.ts';

let exchange: ExchangeFixture;
const TOKEN = 'test-exchange-admin-token';
let all: Array<{ id: string; category: string; provider: { uscc: string }; price: { model: string; amount: string | null } }>;

beforeAll(async () => {
  exchange = await startSeededExchange({ id: 'gy', count: 1500, adminToken: TOKEN });
  all = [];
  let after: string | null = null;
  do {
    const data: any = dataOf(
      await graphql(
        exchange.url,
        `
          query ($after: String) {
            datasets(first: 100, after: $after) {
              nodes {
                id
                category
                provider {
                  uscc
                }
                price {
                  model
                  amount
                }
              }
              pageInfo {
                hasNextPage
                endCursor
              }
            }
          }
        `,
        { after },
      ),
    );
    all.push(...data.datasets.nodes);
    after = data.datasets.pageInfo.hasNextPage ? data.datasets.pageInfo.endCursor : null;
  } while (after);
});
afterAll(async () => {
  await exchange?.close();
});

const ENTITIES = `query($representations: [_Any!]!) { _entities(representations: $representations) {
  ... on Dataset { id title price { amount } priceHistory { amount effectiveAt } exchange { id } provider { uscc } }
  ... on Provider { uscc datasets(first: 3) { totalCount nodes { id } } }
  ... on Exchange { id datasetCount providerCount catalogVersion } } }`;

async function statementsFor(representations: unknown[]): Promise<{ count: number; data: any }> {
  const result = await graphql(exchange.url, ENTITIES, { representations });
  return { count: Number(result.headers.get(SQL_STATEMENTS_HEADER)), data: dataOf(result) };
}

describe('exchange subgraph: batching', () => {
  it('resolves Dataset entities with a number of SQL statements that does not grow with the batch', async () => {
    const few = await statementsFor(all.slice(0, 3).map((d) => ({ __typename: 'Dataset', id: d.id })));
    const many = await statementsFor(all.slice(0, 80).map((d) => ({ __typename: 'Dataset', id: d.id })));
    expect(many.data._entities.map((e: any) => e.id)).toEqual(all.slice(0, 80).map((d) => d.id));
    expect(few.count).toBeGreaterThan(0);
    expect(many.count).toBe(few.count);
  });

  it('answers Provider.datasets for many providers with the same number of statements as for one', async () => {
    const usccs = [...new Set(all.map((d) => d.provider.uscc))];
    const one = await statementsFor([{ __typename: 'Provider', uscc: usccs[0] }]);
    const many = await statementsFor(usccs.slice(0, 40).map((uscc) => ({ __typename: 'Provider', uscc })));
    expect(many.count).toBe(one.count);
    expect(many.data._entities).toHaveLength(Math.min(40, usccs.length));
    expect(usccs.length).toBeGreaterThan(1);
    for (const [index, entity] of many.data._entities.entries()) {
      const expected = all.filter((d) => d.provider.uscc === usccs[index]);
      expect(entity.datasets.totalCount).toBe(expected.length);
      expect(entity.datasets.nodes.length).toBe(Math.min(3, expected.length));
      for (const node of entity.datasets.nodes) expect(expected.map((d) => d.id)).toContain(node.id);
    }
  });

  it('returns null for an entity of another exchange and for an unknown id, keeping the batch aligned', async () => {
    const result = await statementsFor([
      { __typename: 'Dataset', id: 'bj:ds-000001' },
      { __typename: 'Dataset', id: all[0].id },
      { __typename: 'Dataset', id: 'gy:ds-999999' },
    ]);
    expect(result.data._entities.map((e: any) => e?.id ?? null)).toEqual([null, all[0].id, null]);
  });

  it('answers Exchange entities with its counts and catalog version', async () => {
    const result = await statementsFor([{ __typename: 'Exchange', id: 'gy' }]);
    const providers = new Set(all.map((d) => d.provider.uscc)).size;
    expect(result.data._entities[0]).toMatchObject({ id: 'gy', datasetCount: 1500, providerCount: providers, catalogVersion: exchange.store.catalogVersion });
  });
});

describe('exchange subgraph: priceStats', () => {
  it('groups by category with exact counts, min and max, and quantiles within 1%', async () => {
    const data: any = dataOf(
      await graphql(
        exchange.url,
        `
          {
            priceStats(groupBy: CATEGORY) {
              key
              count
              pricedCount
              min
              p50
              p90
              max
              currency
              sketch
            }
          }
        `,
      ),
    );
    const categories = [...new Set(all.map((d) => d.category))].sort();
    expect(data.priceStats.map((b: any) => b.key)).toEqual(categories);
    expect(categories.length).toBeGreaterThan(1);
    for (const bucket of data.priceStats) {
      const rows = all.filter((d) => d.category === bucket.key);
      const amounts = rows
        .filter((d) => d.price.amount !== null)
        .map((d) => parseAmountMicros(d.price.amount!)!)
        .sort((a, b) => a - b);
      expect(bucket.count).toBe(rows.length);
      expect(bucket.pricedCount).toBe(amounts.length);
      expect(bucket.currency).toBe('CNY');
      if (amounts.length === 0) {
        expect(bucket.min).toBeNull();
        continue;
      }
      expect(parseAmountMicros(bucket.min)).toBe(amounts[0]);
      expect(parseAmountMicros(bucket.max)).toBe(amounts.at(-1));
      for (const [field, q] of [
        ['p50', 0.5],
        ['p90', 0.9],
      ] as const) {
        const exact = amounts[Math.floor(q * (amounts.length - 1))];
        const estimate = parseAmountMicros(bucket[field])!;
        expect(Math.abs(estimate - exact)).toBeLessThanOrEqual(exact * 0.01 + 1);
      }
      expect(JSON.parse(bucket.sketch)).toMatchObject({ v: 1 });
    }
  });

  it('groups by every StatsGroup, and the counts add up to the filtered total', async () => {
    for (const groupBy of ['EXCHANGE', 'PROVIDER_KIND', 'PRICING_MODEL', 'SECURITY_LEVEL']) {
      const data: any = dataOf(
        await graphql(
          exchange.url,
          `
            query ($g: StatsGroup!) {
              priceStats(groupBy: $g, filter: { types: [DATASET, DATA_SERVICE] }) {
                key
                count
              }
            }
          `,
          { g: groupBy },
        ),
      );
      const total = data.priceStats.reduce((sum: number, b: any) => sum + b.count, 0);
      const count: any = dataOf(
        await graphql(
          exchange.url,
          `
            {
              datasets(filter: { types: [DATASET, DATA_SERVICE] }, first: 0) {
                totalCount
              }
            }
          `,
        ),
      );
      expect(total).toBe(count.datasets.totalCount);
      if (groupBy === 'EXCHANGE') expect(data.priceStats.map((b: any) => b.key)).toEqual(['gy']);
    }
  });
});

describe('exchange subgraph: Cache-Control', () => {
  it('lets gateways keep an answer without errors for 60 s, and nothing of an answer with errors', async () => {
    const ok = await graphql(exchange.url, '{ datasets(first: 2) { totalCount } }');
    expect(ok.errors).toBeUndefined();
    expect(ok.headers.get('cache-control')).toBe('max-age=60, public');
    const bad = await graphql(exchange.url, '{ datasets(first: 500) { totalCount } }');
    expect(bad.errors?.length).toBeGreaterThan(0);
    expect(bad.headers.get('cache-control')).toBe('no-store');
  });
});

describe('exchange subgraph: price changes', () => {
  const post = (body: unknown, token?: string) =>
    fetch(`${exchange.baseUrl}/admin/prices`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });

  it('refuses a price change without the token, and with bad input, changing nothing', async () => {
    const before = exchange.store.catalogVersion;
    const target = all[5].id;
    expect((await post({ datasetId: target, model: 'PER_CALL', amount: '1.00' })).status).toBe(401);
    expect((await post({ datasetId: target, model: 'PER_CALL', amount: '1.00' }, 'wrong')).status).toBe(401);
    const cases: Array<[unknown, RegExp]> = [
      [{ datasetId: target, model: 'PER_CALL', amount: '-1' }, /amount/],
      [{ datasetId: target, model: 'CHEAP', amount: '1.00' }, /model: must be one of/],
      [{ datasetId: 'bj:ds-000001', model: 'PER_CALL', amount: '1.00' }, /datasetId/],
      [{ datasetId: target, model: 'NEGOTIABLE', amount: '5.00' }, /NEGOTIABLE/],
      [{ datasetId: target, model: 'FREE', amount: '5.00' }, /FREE/],
      [{ datasetId: 123, model: 'PER_CALL', amount: '1.00' }, /^datasetId: must be a string, an id of this exchange like "gy:ds-000001"; got 123$/],
      [{ model: 'PER_CALL', amount: '1.00' }, /^datasetId: must be a string/],
      [{ datasetId: target, model: 'PER_CALL', amount: 0.1 }, /^amount: must be a JSON string, .*; got 0\.1$/],
      [{ datasetId: target, model: 'PER_CALL', amount: ' 5 ' }, /^amount: must be a JSON string, .* with nothing around it, .*; got " 5 "$/],
      [{ datasetId: target, model: 'PER_CALL', amount: '5,00' }, /^amount: .*; got "5,00"$/],
      ['{not json', /JSON/],
      ['[]', /^datasetId: must be a string/],
    ];
    for (const [body, message] of cases) {
      const response = await post(body, TOKEN);
      expect(response.status, JSON.stringify(body)).toBe(400);
      expect((await response.json()).error).toMatch(message);
    }
    // Every problem at once, each naming its field.
    const all3 = await post({ datasetId: 'bj:ds-000001', model: 'PER_CALLX', amount: 'abc' }, TOKEN);
    expect(all3.status).toBe(400);
    const problems: string[] = (await all3.json()).problems;
    expect(problems.map((p) => p.split(':')[0])).toEqual(['datasetId', 'model', 'amount']);
    expect(problems[2]).toContain('got "abc"');
    // An id of this exchange that it does not list: 404.
    const unknown = await post({ datasetId: 'gy:ds-999999', model: 'PER_CALL', amount: '1.00' }, TOKEN);
    expect(unknown.status).toBe(404);
    expect((await unknown.json()).error).toBe('datasetId: no dataset gy:ds-999999 on this exchange');
    // Another method: 405, saying which one it takes.
    const get = await fetch(`${exchange.baseUrl}/admin/prices`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(get.status).toBe(405);
    expect(get.headers.get('allow')).toBe('POST');
    expect(exchange.store.catalogVersion).toBe(before);
  });

  it('answers changed: false for the price a listing already has, adding no history point and keeping the version', async () => {
    const target = all.find((d) => d.price.model === 'PER_CALL' && /\.\d{1,5}$/.test(d.price.amount ?? ''))!;
    const versionBefore = exchange.store.catalogVersion;
    const response = await post({ datasetId: target.id, model: 'PER_CALL', amount: target.price.amount }, TOKEN);
    expect(response.status).toBe(200);
    const body = await response.json();
    expect(body).toMatchObject({ changed: false, datasetId: target.id, model: 'PER_CALL', catalogVersion: versionBefore });
    expect(exchange.store.catalogVersion).toBe(versionBefore);
    // The same amount written with other trailing zeros is the same price.
    const padded = await (await post({ datasetId: target.id, model: 'PER_CALL', amount: `${target.price.amount}0` }, TOKEN)).json();
    expect(padded.changed).toBe(false);
    expect(padded.priceHistory).toEqual(body.priceHistory);
    // The same amount under another model is a change.
    const changed = await (await post({ datasetId: target.id, model: 'MONTHLY', amount: target.price.amount }, TOKEN)).json();
    expect(changed.changed).toBe(true);
    expect(changed.priceHistory).toHaveLength(body.priceHistory.length + 1);
    expect(exchange.store.catalogVersion).not.toBe(versionBefore);
  });

  it('changes a price, appends it to the history and bumps the catalog version', async () => {
    const target = all[7].id;
    const query = `query($r: [_Any!]!) { _entities(representations: $r) { ... on Dataset { price { model amount } priceHistory { model amount } } } }`;
    const before = await graphql(exchange.url, query, { r: [{ __typename: 'Dataset', id: target }] });
    const versionBefore = before.headers.get(CATALOG_VERSION_HEADER);
    const historyBefore = (before.data as any)._entities[0].priceHistory;

    const response = await post({ datasetId: target, model: 'PER_CALL', amount: '0.42' }, TOKEN);
    expect(response.status).toBe(200);
    expect((await response.json()).changed).toBe(true);

    const after = await graphql(exchange.url, query, { r: [{ __typename: 'Dataset', id: target }] });
    expect(after.headers.get(CATALOG_VERSION_HEADER)).not.toBe(versionBefore);
    const entity = (after.data as any)._entities[0];
    expect(entity.price).toEqual({ model: 'PER_CALL', amount: '0.42' });
    expect(entity.priceHistory).toEqual([...historyBefore, { model: 'PER_CALL', amount: '0.42' }]);
    const health = await (await fetch(`${exchange.baseUrl}/health`)).json();
    expect(health.catalogVersion).toBe(after.headers.get(CATALOG_VERSION_HEADER));
  });
});

const ALL_DATASET_FIELDS = `id exchange { id } productCode title titleZh description descriptionZh type category keywords
  provider { uscc } securityLevel personalInfo containsMinorsData dataOrigin delivery updateFrequency spatialCoverage
  price { model amount currency } priceHistory { model amount currency effectiveAt } complianceAssessed listedAt updatedAt __typename`;

describe('exchange subgraph: page columns', () => {
  it('answers every Dataset field of a page exactly as the entity lookup (which reads whole rows) does', async () => {
    for (const sort of ['UPDATED_DESC', 'PRICE_ASC', 'TITLE_ASC']) {
      const page = dataOf(
        await graphql(
          exchange.url,
          `query($sort: DatasetSort) { datasets(first: 15, sort: $sort) {
        nodes { ${ALL_DATASET_FIELDS} } edges { cursor node { id title } } } }`,
          { sort },
        ),
      ) as any;
      const entities = dataOf(
        await graphql(
          exchange.url,
          `query($representations: [_Any!]!) { _entities(representations: $representations) {
        ... on Dataset { ${ALL_DATASET_FIELDS} } } }`,
          { representations: page.datasets.nodes.map((d: any) => ({ __typename: 'Dataset', id: d.id })) },
        ),
      ) as any;
      expect(page.datasets.nodes).toHaveLength(15);
      expect(page.datasets.nodes).toEqual(entities._entities);
      expect(page.datasets.edges.map((e: any) => e.node.id)).toEqual(page.datasets.nodes.map((d: any) => d.id));
    }
  });

  it('reads the fields asked through fragments, and the same cursors whatever fields are asked', async () => {
    const narrow = dataOf(await graphql(exchange.url, '{ datasets(first: 10, sort: PRICE_DESC) { edges { cursor } nodes { id } } }')) as any;
    const wide = dataOf(
      await graphql(
        exchange.url,
        `
          query {
            datasets(first: 10, sort: PRICE_DESC) {
              edges {
                cursor
                node {
                  ...Listing
                }
              }
              nodes {
                ... on Dataset {
                  keywords
                  priceHistory {
                    amount
                  }
                }
              }
            }
          }
          fragment Listing on Dataset {
            id
            price {
              amount
            }
            provider {
              uscc
            }
            spatialCoverage
            containsMinorsData
          }
        `,
      ),
    ) as any;
    expect(wide.datasets.edges.map((e: any) => e.cursor)).toEqual(narrow.datasets.edges.map((e: any) => e.cursor));
    const entities = dataOf(
      await graphql(
        exchange.url,
        `
          query ($representations: [_Any!]!) {
            _entities(representations: $representations) {
              ... on Dataset {
                id
                price {
                  amount
                }
                provider {
                  uscc
                }
                spatialCoverage
                containsMinorsData
                keywords
                priceHistory {
                  amount
                }
              }
            }
          }
        `,
        { representations: narrow.datasets.nodes.map((d: any) => ({ __typename: 'Dataset', id: d.id })) },
      ),
    ) as any;
    expect(entities._entities).toHaveLength(10);
    for (const [index, entity] of entities._entities.entries()) {
      const { keywords, priceHistory, ...listing } = entity;
      expect(wide.datasets.edges[index].node).toEqual(listing);
      expect(wide.datasets.nodes[index]).toEqual({ keywords, priceHistory });
    }
  });
});
