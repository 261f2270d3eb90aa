import { describe, it, expect, beforeAll, afterAll, beforeEach } from 'vitest';
import { graphql, dataOf } from '../helpers/graphql.ts';
import { startStack, type Stack } from '../../devkit/stack.ts';
import { compareListings, compareByRelevance, compareBytes, orderKeyOf, relevanceRankOf, amountMicros } from '../helpers/reference.ts';
import { AMOUNT_RULE } from '../../shared/money.ts';
import type { DatasetSort } from '../../shared/domain.ts';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { typeDefs as exchangeTypeDefs } from '../../subgraphs/exchange/schema.ts';
import { ShardRouter, type ShardTarget } from '../../gateway/src/shards/ShardRouter.ts';
import { ExchangeClient } from '../../gateway/src/exchangeClient/ExchangeClient.ts';

let stack: Stack;
const EXCHANGES = ['bj', 'gy', 'sh', 'ty'];

const PAGE = `query Page($filter: DatasetFilter, $sort: DatasetSort, $first: Int, $after: String) {
  datasets(filter: $filter, sort: $sort, first: $first, after: $after) {
    edges { cursor node { id title updatedAt price { model amount } } }
    pageInfo { hasNextPage endCursor } totalCount missingExchanges } }`;
const ADMIN_TOKEN = 'gateway-test-exchange-admin';

interface Edge {
  cursor: string;
  node: { id: string; title: string; updatedAt: string; price: { model: string; amount: string | null } };
}

async function walk(
  url: string,
  filter: Record<string, unknown> | null,
  sort: DatasetSort,
  first: number,
): Promise<{ edges: Edge[]; totalCount: number; pages: number }> {
  const edges: Edge[] = [];
  let after: string | null = null;
  let totalCount: number;
  let pages = 0;
  for (;;) {
    const data: any = dataOf(await graphql(url, PAGE, { filter, sort, first, after }));
    pages++;
    edges.push(...data.datasets.edges);
    totalCount = data.datasets.totalCount;
    expect(data.datasets.missingExchanges).toEqual([]);
    if (!data.datasets.pageInfo.hasNextPage) break;
    after = data.datasets.pageInfo.endCursor;
  }
  return { edges, totalCount, pages };
}

/** Every listing of one exchange, asked directly in pages of 100: `selection` of each node. */
async function listingsOf(exchange: string, selection: string): Promise<any[]> {
  const nodes: any[] = [];
  let after: string | null = null;
  do {
    const page: any = dataOf(
      await graphql(
        stack.exchangeUrls[exchange],
        `query ($after: String) { datasets(first: 100, after: $after) { nodes { ${selection} } pageInfo { hasNextPage endCursor } } }`,
        { after },
      ),
    );
    nodes.push(...page.datasets.nodes);
    after = page.datasets.pageInfo.hasNextPage ? page.datasets.pageInfo.endCursor : null;
  } while (after);
  return nodes;
}

/**
 * The union of every exchange's own answer, asked directly, in the contract's order computed by the test
 * from the raw fields (test/helpers/reference.ts); RELEVANCE by the score each exchange put in its cursors.
 */
async function unionOfExchanges(filter: Record<string, unknown> | null, sort: DatasetSort): Promise<Edge[]> {
  const parts = await Promise.all(EXCHANGES.map((id) => walk(stack.exchangeUrls[id], filter, sort, 100)));
  const all = parts.flatMap((p) => p.edges);
  return sort === 'RELEVANCE'
    ? all.sort((a, b) => compareByRelevance({ cursor: a.cursor, id: a.node.id }, { cursor: b.cursor, id: b.node.id }))
    : all.sort((a, b) => compareListings(sort, a.node, b.node));
}

/** Neighbours in `edges` with equal keys from two exchanges: where only the id tie-break decides. */
function crossExchangeTies(edges: Edge[], sort: Exclude<DatasetSort, 'RELEVANCE'>): Array<[string, string]> {
  return edges.slice(1).flatMap((edge, i) => {
    const before = edges[i].node;
    return orderKeyOf(sort, before) === orderKeyOf(sort, edge.node) && before.id.split(':')[0] !== edge.node.id.split(':')[0]
      ? [[before.id, edge.node.id] as [string, string]]
      : [];
  });
}

/** Sets a listing's price through its exchange's admin endpoint (README "Changing a price"). */
async function setPrice(datasetId: string, model: string, amount: string | null): Promise<void> {
  const exchange = datasetId.split(':')[0];
  const response = await fetch(stack.exchangeUrls[exchange].replace(/\/graphql$/, '/admin/prices'), {
    method: 'POST',
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ datasetId, model, amount }),
  });
  expect(response.status, await response.clone().text()).toBe(200);
  await response.body?.cancel();
}

beforeAll(async () => {
  stack = await startStack({ perExchange: 400, exchangeTimeoutMs: 1000, exchangeEnv: { EXCHANGE_ADMIN_TOKEN: ADMIN_TOKEN } });
}, 180_000);
afterAll(async () => {
  await stack?.stop();
});
beforeEach(() => {
  for (const proxy of Object.values(stack.proxies)) proxy.reset();
});

describe('gateway: merged catalog', () => {
  const cases: Array<[DatasetSort, Record<string, unknown> | null]> = [
    ['UPDATED_DESC', null],
    ['PRICE_ASC', null],
    ['PRICE_DESC', { categories: ['IDENTITY_VERIFICATION', 'TELECOM', 'BUSINESS_REGISTRATION', 'JUDICIAL_RECORDS'] }],
    ['TITLE_ASC', { pricingModels: ['PER_CALL', 'ANNUAL', 'NEGOTIABLE'], updatedSince: '2019-01-01T00:00:00Z' }],
    ['UPDATED_DESC', { providerKinds: ['GOVERNMENT_DEPARTMENT'], personalInfo: ['NONE'] }],
  ];
  for (const [sort, filter] of cases) {
    it(`equals, item for item, the union of the exchanges' answers in ${sort} order ${filter ? 'with filters' : ''}`, async () => {
      const expected = await unionOfExchanges(filter, sort);
      const merged = await walk(stack.gatewayUrl, filter, sort, 37);
      expect(expected.length).toBeGreaterThan(37);
      expect(merged.edges.map((e) => e.node.id)).toEqual(expected.map((e) => e.node.id));
      expect(new Set(merged.edges.map((e) => e.node.id)).size).toBe(merged.edges.length);
      expect(merged.totalCount).toBe(expected.length);
      expect(merged.pages).toBe(Math.ceil(expected.length / 37));
    });
  }

  it('breaks ties across exchanges by id: cross-listed twins share a title, and equal prices set on three exchanges', async () => {
    // The seed lists the same product, same title, on several exchanges: TITLE_ASC ties across exchanges.
    const byTitle = await unionOfExchanges(null, 'TITLE_ASC');
    const titleTies = crossExchangeTies(byTitle, 'TITLE_ASC');
    expect(titleTies.length).toBeGreaterThan(5);
    expect((await walk(stack.gatewayUrl, null, 'TITLE_ASC', 41)).edges.map((e) => e.node.id)).toEqual(byTitle.map((e) => e.node.id));

    // Equal prices on three exchanges, set for this test: one listing each on bj, gy and sh.
    const picks = await Promise.all(
      ['sh', 'bj', 'gy'].map(
        async (id) =>
          (
            dataOf(
              await graphql(
                stack.exchangeUrls[id],
                `
                  {
                    datasets(first: 1, sort: TITLE_ASC) {
                      nodes {
                        id
                      }
                    }
                  }
                `,
              ),
            ) as any
          ).datasets.nodes[0].id as string,
      ),
    );
    for (const id of picks) await setPrice(id, 'PER_CALL', '77.77');
    const tied = { minPrice: '77.77', maxPrice: '77.77' };
    // The gateway learns each exchange's new catalog version within VERSION_POLL_MS (2 s): until then it may answer from its cache.
    for (let waited = 0; (await walk(stack.gatewayUrl, tied, 'PRICE_ASC', 10)).edges.length < picks.length; waited += 200) {
      expect(waited).toBeLessThan(10_000);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    for (const sort of ['PRICE_ASC', 'PRICE_DESC'] as const) {
      const expected = await unionOfExchanges(null, sort);
      const ties = crossExchangeTies(expected, sort);
      expect(ties.length).toBeGreaterThanOrEqual(2);
      const merged = await walk(stack.gatewayUrl, null, sort, 37);
      expect(merged.edges.map((e) => e.node.id)).toEqual(expected.map((e) => e.node.id));
      // The three set prices sit together, by id, ascending in PRICE_ASC and descending in PRICE_DESC.
      const together = merged.edges
        .filter((e) => e.node.price.amount === '77.77')
        .map((e) => e.node.id)
        .filter((id) => picks.includes(id));
      const byId = [...picks].sort(compareBytes);
      expect(together).toEqual(sort === 'PRICE_ASC' ? byId : byId.reverse());
    }
  });

  it('merges a text search over every exchange in RELEVANCE order with no gap or duplicate', async () => {
    const expected = await unionOfExchanges({ text: 'data' }, 'RELEVANCE');
    const merged = await walk(stack.gatewayUrl, { text: 'data' }, 'RELEVANCE', 25);
    expect(expected.length).toBeGreaterThan(25);
    expect(merged.edges.map((e) => e.node.id)).toEqual(expected.map((e) => e.node.id));
    // An order, not a set: every score is at least the one before, equal scores by id.
    const scores = merged.edges.map((e) => relevanceRankOf(e.cursor));
    expect(scores.slice(1).every((score, i) => score >= scores[i])).toBe(true);
    expect(new Set(scores).size).toBeGreaterThan(1);
  });

  it('keeps cursors opaque and global: a gateway cursor continues the order on an exchange too', async () => {
    const page: any = dataOf(await graphql(stack.gatewayUrl, PAGE, { sort: 'PRICE_ASC', first: 10 }));
    const lastNode = page.datasets.edges.at(-1).node;
    const direct: any = dataOf(await graphql(stack.exchangeUrls.sh, PAGE, { sort: 'PRICE_ASC', first: 5, after: page.datasets.pageInfo.endCursor }));
    const shInOrder = (await walk(stack.exchangeUrls.sh, null, 'PRICE_ASC', 100)).edges.map((e) => e.node).sort((a, b) => compareListings('PRICE_ASC', a, b));
    const expected = shInOrder.filter((node) => compareListings('PRICE_ASC', node, lastNode) > 0).slice(0, 5);
    expect(expected).toHaveLength(5);
    expect(direct.datasets.edges.map((e: any) => e.node.id)).toEqual(expected.map((node) => node.id));
  });

  it('adds the cursor to the shard query when the client asks only for nodes, and strips it', async () => {
    const nodesOnly: any = dataOf(
      await graphql(
        stack.gatewayUrl,
        `
          {
            datasets(sort: TITLE_ASC, first: 30) {
              nodes {
                title
              }
            }
          }
        `,
      ),
    );
    const expected = (await unionOfExchanges(null, 'TITLE_ASC')).slice(0, 30).map((e) => e.node.title);
    expect(nodesOnly.datasets.nodes.map((n: any) => n.title)).toEqual(expected);
    expect(Object.keys(nodesOnly.datasets)).toEqual(['nodes']);
    expect(Object.keys(nodesOnly.datasets.nodes[0])).toEqual(['title']);
  });

  it('merges priceStats from sketches: exact counts, min and max, quantiles within 1%', async () => {
    const data: any = dataOf(
      await graphql(
        stack.gatewayUrl,
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
            }
          }
        `,
      ),
    );
    const rows = await unionOfExchanges(null, 'UPDATED_DESC');
    const full = (await Promise.all(EXCHANGES.map((id) => listingsOf(id, 'category price { amount }')))).flat();
    expect(full.length).toBe(rows.length);
    expect(data.priceStats.reduce((sum: number, b: any) => sum + b.count, 0)).toBe(full.length);
    for (const bucket of data.priceStats) {
      const amounts = full
        .filter((d) => d.category === bucket.key && d.price.amount !== null)
        .map((d) => amountMicros(d.price.amount)!)
        .sort((a, b) => a - b);
      expect(bucket.count).toBe(full.filter((d) => d.category === bucket.key).length);
      expect(bucket.pricedCount).toBe(amounts.length);
      if (!amounts.length) continue;
      expect(amountMicros(bucket.min)).toBe(amounts[0]);
      expect(amountMicros(bucket.max)).toBe(amounts.at(-1));
      for (const [field, q] of [
        ['p50', 0.5],
        ['p90', 0.9],
      ] as const) {
        const exact = amounts[Math.floor(q * (amounts.length - 1))];
        expect(Math.abs(amountMicros(bucket[field])! - exact)).toBeLessThanOrEqual(exact * 0.01 + 1);
      }
    }
  });

  it('groups priceStats by EXCHANGE with one bucket per exchange', async () => {
    const data: any = dataOf(
      await graphql(
        stack.gatewayUrl,
        `
          {
            priceStats(groupBy: EXCHANGE) {
              key
              count
            }
          }
        `,
      ),
    );
    expect(data.priceStats.map((b: any) => b.key)).toEqual(EXCHANGES);
    expect(data.priceStats.every((b: any) => b.count === 400)).toBe(true);
  });
});

describe('gateway: routing', () => {
  it('calls only the exchanges named in filter.exchanges', async () => {
    const data: any = dataOf(
      await graphql(
        stack.gatewayUrl,
        `
          {
            datasets(filter: { exchanges: ["sh", "gy"] }, first: 50) {
              totalCount
              nodes {
                id
              }
            }
          }
        `,
      ),
    );
    expect(data.datasets.totalCount).toBe(800);
    expect(new Set(data.datasets.nodes.map((n: any) => n.id.split(':')[0]))).toEqual(new Set(['sh', 'gy']));
    expect(Object.fromEntries(EXCHANGES.map((id) => [id, stack.proxies[id].calls]))).toEqual({ bj: 0, gy: 1, sh: 1, ty: 0 });
  });

  it('passes a variable used only inside a nested Provider.datasets to that nested fan-out, not to the outer one', async () => {
    const query = `query($outer: Int!, $inner: Int!, $sort: DatasetSort) { datasets(first: $outer) { nodes { id provider { uscc datasets(first: $inner, sort: $sort) { totalCount nodes { id provider { uscc } } } } } } }`;
    const data: any = dataOf(await graphql(stack.gatewayUrl, query, { outer: 5, inner: 2, sort: 'TITLE_ASC' }));
    expect(data.datasets.nodes).toHaveLength(5);
    for (const node of data.datasets.nodes) {
      const inner = node.provider.datasets;
      expect(inner.totalCount).toBeGreaterThan(0);
      expect(inner.nodes.length).toBe(Math.min(2, inner.totalCount));
      for (const listing of inner.nodes) expect(listing.provider.uscc).toBe(node.provider.uscc);
    }
  });

  it('limits priceStats and Provider.datasets to the exchanges in filter.exchanges (count the calls)', async () => {
    const stats: any = dataOf(
      await graphql(
        stack.gatewayUrl,
        `
          {
            priceStats(filter: { exchanges: ["bj", "ty"] }, groupBy: EXCHANGE) {
              key
              count
            }
          }
        `,
      ),
    );
    expect(stats.priceStats).toEqual([
      { key: 'bj', count: 400 },
      { key: 'ty', count: 400 },
    ]);
    expect(Object.fromEntries(EXCHANGES.map((id) => [id, stack.proxies[id].calls]))).toEqual({ bj: 1, gy: 0, sh: 0, ty: 1 });
    for (const proxy of Object.values(stack.proxies)) proxy.reset();

    // dataset(id) goes to bj alone; its provider's datasets, filtered to sh, to sh alone.
    const own: any = dataOf(
      await graphql(
        stack.exchangeUrls.bj,
        `
          {
            datasets(first: 1) {
              nodes {
                id
              }
            }
          }
        `,
      ),
    );
    const query = `query($id: ID!) { dataset(id: $id) { id provider { datasets(filter: { exchanges: ["sh"] }, first: 7) { totalCount missingExchanges nodes { id } } } } }`;
    const nested: any = dataOf(await graphql(stack.gatewayUrl, query, { id: own.datasets.nodes[0].id }));
    const inner = nested.dataset.provider.datasets;
    expect(inner.missingExchanges).toEqual([]);
    expect(inner.nodes.every((n: any) => n.id.startsWith('sh:'))).toBe(true);
    expect(Object.fromEntries(EXCHANGES.map((id) => [id, stack.proxies[id].calls]))).toEqual({ bj: 1, gy: 0, sh: 1, ty: 0 });
  });

  it('splits Dataset _entities by id prefix, sends each exchange only its own, and puts them back in the original order', async () => {
    // No subgraph but the exchanges references Dataset, so Apollo never plans such a fetch: the router is
    // driven in process, against the real exchange processes (through the counting proxies).
    const ids: Record<string, string[]> = {};
    for (const id of EXCHANGES)
      ids[id] = (
        dataOf(
          await graphql(
            stack.exchangeUrls[id],
            `
              {
                datasets(first: 2) {
                  nodes {
                    id
                  }
                }
              }
            `,
          ),
        ) as any
      ).datasets.nodes.map((n: any) => n.id);
    for (const proxy of Object.values(stack.proxies)) proxy.reset();
    const clients = EXCHANGES.map((id) => new ExchangeClient({ exchange: id, url: stack.proxies[id].url, timeoutMs: 2000 }));
    const targets: ShardTarget[] = clients.map((client) => ({ id: client.exchange, isAvailable: () => true, send: (body) => client.send(body) }));
    const router = new ShardRouter({
      contractSchema: buildSubgraphSchema([{ typeDefs: exchangeTypeDefs }]),
      targets: { get: (id) => targets.find((t) => t.id === id), all: () => targets },
      logger: { warn: () => {}, error: () => {} },
    });
    try {
      const wanted = [ids.ty[0], ids.bj[0], ids.sh[1], 'bj:ds-999999', ids.ty[1], ids.gy[0], ids.bj[1], ids.sh[0]];
      const representations = wanted.map((id) => ({ __typename: 'Dataset', id }));
      const response: any = await router.process({
        request: {
          query: `query($representations: [_Any!]!) { _entities(representations: $representations) { ... on Dataset { id title } } }`,
          variables: { representations },
        },
        context: {},
      } as never);
      expect(response.errors).toBeUndefined();
      expect(response.data._entities.map((e: any) => e?.id ?? null)).toEqual(wanted.map((id) => (id === 'bj:ds-999999' ? null : id)));
      expect(response.data._entities.every((e: any) => e === null || typeof e.title === 'string')).toBe(true);
      for (const exchange of EXCHANGES) {
        expect(stack.proxies[exchange].calls).toBe(1);
        const sent = stack.proxies[exchange].bodies[0].variables!.representations.map((r: any) => r.id);
        expect(sent).toEqual(wanted.filter((id) => id.startsWith(`${exchange}:`)));
      }
    } finally {
      await Promise.all(clients.map((c) => c.close()));
    }
  });

  it('sends dataset(id) to its one exchange and _entities only to the owners', async () => {
    const page: any = dataOf(
      await graphql(
        stack.exchangeUrls.ty,
        `
          {
            datasets(first: 1) {
              nodes {
                id
                title
              }
            }
          }
        `,
      ),
    );
    const target = page.datasets.nodes[0];
    const data: any = dataOf(
      await graphql(
        stack.gatewayUrl,
        `
          query ($id: ID!) {
            dataset(id: $id) {
              id
              title
              exchange {
                id
                name
                city
                datasetCount
                catalogVersion
              }
            }
          }
        `,
        { id: target.id },
      ),
    );
    expect(data.dataset).toMatchObject({ id: target.id, title: target.title, exchange: { id: 'ty', city: 'Taiyuan', datasetCount: 400 } });
    expect(stack.proxies.ty.calls).toBeGreaterThanOrEqual(1);
    expect(stack.proxies.bj.calls + stack.proxies.sh.calls + stack.proxies.gy.calls).toBe(0);
  });

  it('joins Dataset → Provider (providers subgraph) → datasets fanned out over every exchange', async () => {
    const crossListed: any = dataOf(
      await graphql(
        stack.gatewayUrl,
        `
          {
            datasets(filter: { exchanges: ["bj"] }, first: 100) {
              nodes {
                productCode
                provider {
                  uscc
                }
              }
            }
          }
        `,
      ),
    );
    const query = `query($code: String) { datasets(filter: { productCode: $code }, first: 10) {
      nodes { id provider { uscc name kind datasets(first: 100) { totalCount missingExchanges nodes { id productCode } } } } } }`;
    let checked = 0;
    for (const node of crossListed.datasets.nodes) {
      const result: any = dataOf(await graphql(stack.gatewayUrl, query, { code: node.productCode }));
      const owners = new Set(result.datasets.nodes.map((n: any) => n.id.split(':')[0]));
      if (owners.size < 2) continue;
      const provider = result.datasets.nodes[0].provider;
      expect(provider.name.length).toBeGreaterThan(0);
      const direct = await Promise.all(
        EXCHANGES.map((id) =>
          graphql(
            stack.exchangeUrls[id],
            `
              query ($r: [_Any!]!) {
                _entities(representations: $r) {
                  ... on Provider {
                    datasets(first: 100) {
                      totalCount
                      nodes {
                        id
                      }
                    }
                  }
                }
              }
            `,
            { r: [{ __typename: 'Provider', uscc: provider.uscc }] },
          ),
        ),
      );
      const expectedTotal = direct.reduce((sum, r: any) => sum + r.data._entities[0].datasets.totalCount, 0);
      expect(provider.datasets.totalCount).toBe(expectedTotal);
      expect(new Set(provider.datasets.nodes.map((n: any) => n.id.split(':')[0])).size).toBeGreaterThanOrEqual(2);
      expect(provider.datasets.nodes.map((n: any) => n.id)).toEqual(expect.arrayContaining(result.datasets.nodes.map((n: any) => n.id)));
      if (++checked >= 3) break;
    }
    expect(checked).toBeGreaterThan(0);
  });

  it('serves aliases, fragments, variables and several root fields in one request', async () => {
    const data: any = dataOf(
      await graphql(
        stack.gatewayUrl,
        `
          fragment Bits on Dataset {
            id
            exchange {
              id
            }
          }
          query Many($n: Int!, $cat: [Category!]) {
            cheap: datasets(sort: PRICE_ASC, first: $n, filter: { categories: $cat }) {
              total: totalCount
              list: edges {
                c: cursor
                node {
                  ...Bits
                }
              }
            }
            dear: datasets(sort: PRICE_DESC, first: 2) {
              nodes {
                ... on Dataset {
                  id
                }
              }
              info: pageInfo {
                more: hasNextPage
              }
            }
            stats: priceStats(groupBy: PRICING_MODEL) {
              key
              n: count
            }
            exchanges {
              id
              name
              status
            }
            __typename
          }
        `,
        { n: 3, cat: ['TELECOM', 'IDENTITY_VERIFICATION'] },
      ),
    );
    expect(data.cheap.list).toHaveLength(3);
    expect(typeof data.cheap.list[0].c).toBe('string');
    expect(data.cheap.list[0].node.exchange.id).toBe(data.cheap.list[0].node.id.split(':')[0]);
    expect(data.dear.nodes).toHaveLength(2);
    expect(data.dear.info.more).toBe(true);
    expect(data.stats.reduce((s: number, b: any) => s + b.n, 0)).toBe(1600);
    expect(data.exchanges.map((e: any) => e.id)).toEqual(EXCHANGES);
    expect(data.__typename).toBe('Query');
  });

  it('keeps router-only fields (the sketch) out of the public API', async () => {
    const result = await graphql(
      stack.gatewayUrl,
      `
        {
          priceStats(groupBy: CATEGORY) {
            key
            sketch
          }
        }
      `,
    );
    expect(result.errors?.[0].extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(result.errors?.[0].message).toMatch(/sketch/);
  });

  it('applies the contract defaults when first and sort are sent as null, and honours @skip on edges', async () => {
    const data: any = dataOf(
      await graphql(
        stack.gatewayUrl,
        `
          query ($f: Int, $s: DatasetSort, $skip: Boolean!) {
            datasets(first: $f, sort: $s) {
              edges @skip(if: $skip) {
                cursor
              }
              nodes {
                id
              }
              totalCount
            }
          }
        `,
        { f: null, s: null, skip: true },
      ),
    );
    expect(data.datasets.nodes).toHaveLength(20);
    expect(data.datasets.edges).toBeUndefined();
    expect(data.datasets.totalCount).toBe(1600);
  });

  it("refuses client names that take the router's hidden prefix", async () => {
    const result = await graphql(
      stack.gatewayUrl,
      `
        {
          datasets(first: 1) {
            nodes {
              _sr0_id: title
            }
          }
        }
      `,
    );
    expect(result.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    expect(result.errors?.[0].message).toMatch(/_sr0_id: names starting with _sr0_ are reserved/);
  });

  it('passes bad input through as BAD_USER_INPUT naming the argument', async () => {
    const result = await graphql(stack.gatewayUrl, PAGE, { first: 500 });
    expect(result.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    expect(result.errors?.[0].message).toMatch(/^first: must be between 0 and 100/);
    expect(result.errors).toHaveLength(1);
  });

  it('refuses a bad Decimal or DateTime written in the query once, naming its path, without asking any exchange', async () => {
    for (const proxy of Object.values(stack.proxies)) proxy.reset();
    const literal = await graphql(
      stack.gatewayUrl,
      `
        {
          datasets(filter: { minPrice: "abc", updatedSince: "yesterday" }) {
            totalCount
          }
        }
      `,
    );
    expect(literal.status).toBe(400);
    expect(literal.errors?.map((e) => e.message)).toEqual([
      `filter.minPrice: Decimal must be ${AMOUNT_RULE}, got "abc"`,
      'filter.updatedSince: DateTime must be an ISO 8601 date or date-time such as "2024-05-01T08:00:00Z", got "yesterday"',
    ]);
    expect(Object.values(stack.proxies).reduce((n, p) => n + p.calls, 0)).toBe(0);
    // The same values as variables: checked by the exchanges, reported once.
    const variables = await graphql(
      stack.gatewayUrl,
      `
        query ($f: DatasetFilter) {
          datasets(filter: $f) {
            totalCount
          }
        }
      `,
      { f: { minPrice: 'abc' } },
    );
    expect(variables.errors).toHaveLength(1);
    expect(variables.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    expect(variables.errors?.[0].message).toContain('Decimal must be');
    // An id without its exchange prefix cannot name a dataset.
    const noPrefix = await graphql(
      stack.gatewayUrl,
      `
        {
          dataset(id: "nocolon") {
            id
          }
        }
      `,
    );
    expect(noPrefix.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    expect(noPrefix.errors?.[0].message).toBe('id: must be a global id "<exchange>:<local id>", e.g. "sh:ds-000123", got "nocolon"');
    // A well-formed id of no registered exchange is the client's mistake, not an outage.
    for (const proxy of Object.values(stack.proxies)) proxy.reset();
    for (const id of ['zz:1', 'SH:ds-000001']) {
      const unknown = await graphql(
        stack.gatewayUrl,
        `
          query ($id: ID!) {
            dataset(id: $id) {
              id
            }
          }
        `,
        { id },
      );
      expect(unknown.data).toEqual({ dataset: null });
      expect(unknown.errors).toHaveLength(1);
      expect(unknown.errors?.[0]).toMatchObject({
        message: `id: no exchange "${id.split(':')[0]}" is registered; ids start with a registered exchange's code, e.g. "sh:ds-000123"`,
        path: ['dataset'],
        extensions: { code: 'BAD_USER_INPUT' },
      });
    }
    expect(Object.values(stack.proxies).reduce((n, p) => n + p.calls, 0)).toBe(0);
    // Good literals pass.
    dataOf(
      await graphql(
        stack.gatewayUrl,
        `
          {
            datasets(filter: { minPrice: "10.50", updatedSince: "2020-01-01" }) {
              totalCount
            }
          }
        `,
      ),
    );
  });
});

describe('gateway: a bad id costs only its own field', () => {
  it('nulls only the root field with the malformed id; the other root fields keep their data', async () => {
    const own: any = dataOf(
      await graphql(
        stack.exchangeUrls.sh,
        `
          {
            datasets(first: 1) {
              nodes {
                id
                title
              }
            }
          }
        `,
      ),
    );
    const good = own.datasets.nodes[0];
    const result: any = await graphql(
      stack.gatewayUrl,
      `
        query ($good: ID!) {
          dataset(id: "bad") {
            id
          }
          wrong: dataset(id: "zz:ds-1") {
            id
          }
          right: dataset(id: $good) {
            id
            title
          }
          datasets(first: 3, sort: TITLE_ASC) {
            totalCount
            nodes {
              id
            }
          }
          priceStats(groupBy: EXCHANGE) {
            key
            count
          }
          exchanges {
            id
          }
        }
      `,
      { good: good.id },
    );
    expect(result.data.dataset).toBeNull();
    expect(result.data.wrong).toBeNull();
    expect(result.data.right).toEqual({ id: good.id, title: good.title });
    expect(result.data.datasets.totalCount).toBe(1600);
    expect(result.data.datasets.nodes).toHaveLength(3);
    expect(result.data.priceStats.map((b: any) => b.key)).toEqual(EXCHANGES);
    expect(result.data.exchanges.map((e: any) => e.id)).toEqual(EXCHANGES);
    expect(result.errors.map((e: any) => [e.path, e.extensions.code])).toEqual([
      [['dataset'], 'BAD_USER_INPUT'],
      [['wrong'], 'BAD_USER_INPUT'],
    ]);
    expect(result.errors[0].message).toBe('id: must be a global id "<exchange>:<local id>", e.g. "sh:ds-000123", got "bad"');
  });
});

describe('gateway: HTTP surface', () => {
  it('sends no stack trace under the default environment, from the gateway or a subgraph; NODE_ENV=development adds them', async () => {
    // The stack's processes run without NODE_ENV, as `npm start` and `npm run exchange` do.
    const noTrace = (result: { errors?: unknown[] }) => {
      expect(JSON.stringify(result)).not.toContain('stacktrace');
      expect(JSON.stringify(result)).not.toMatch(/\.ts:\d+/);
    };
    const gateway = await graphql(stack.gatewayUrl, PAGE, { first: 500 });
    expect(gateway.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    noTrace(gateway);
    const exchange = await graphql(stack.exchangeUrls.bj, PAGE, { first: 500 });
    expect(exchange.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    noTrace(exchange);
    const providers = await graphql(stack.providersUrl, '{ provider(uscc: "123") { name } }');
    expect(providers.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    noTrace(providers);
    const development = await stack.startGateway('gateway-development', { NODE_ENV: 'development', HEALTH_INTERVAL_MS: '500' });
    try {
      // On a loaded machine an exchange may miss its check at start and begin OFFLINE; the first probe brings it back.
      const healthUrl = development.url.replace(/\/graphql$/, '/health');
      const deadline = performance.now() + 15_000;
      while ((await (await fetch(healthUrl)).json()).status !== 'ok' && performance.now() < deadline) await new Promise((r) => setTimeout(r, 200));
      const result = await graphql(development.url, PAGE, { first: 500 });
      expect(result.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
      expect(JSON.stringify(result.errors)).toContain('stacktrace');
    } finally {
      await development.stop();
    }
  });

  it('refuses, before any exchange call, a query that would return too many objects (MAX_QUERY_COST)', async () => {
    const nested = `query($outer: Int, $inner: Int) { datasets(first: $outer) { nodes { id provider { datasets(first: $inner) { nodes { id } } } } } }`;
    for (const proxy of Object.values(stack.proxies)) proxy.reset();
    // 100 datasets, each with 100 of its provider's: about 20,000 objects.
    const refused = await graphql(stack.gatewayUrl, nested, { outer: 100, inner: 100 });
    expect(refused.status).toBe(400);
    expect(refused.errors?.[0].extensions?.code).toBe('QUERY_TOO_COSTLY');
    expect(refused.errors?.[0].message).toMatch(/^query cost 20300 is over the limit of 10000 \(MAX_QUERY_COST\)/);
    expect(refused.data ?? null).toBeNull();
    expect(Object.values(stack.proxies).reduce((n, p) => n + p.calls, 0)).toBe(0);
    // Aliases count each time: the same field asked 25 times over (within MAX_QUERY_ALIASES) is 25 fan-outs.
    const aliases = Array.from({ length: 25 }, (_, i) => `a${i}: datasets(first: 100) { nodes { id provider { datasets(first: 5) { nodes { id } } } } }`).join(
      ' ',
    );
    expect((await graphql(stack.gatewayUrl, `{ ${aliases} }`)).errors?.[0].extensions?.code).toBe('QUERY_TOO_COSTLY');
    // Smaller inner pages are within the limit and answered.
    const allowed: any = dataOf(await graphql(stack.gatewayUrl, nested, { outer: 20, inner: 5 }));
    expect(allowed.datasets.nodes).toHaveLength(20);
  });

  it('checks the cost of every page size, whatever the other variables, even after a request with a bad variable', async () => {
    const query = `query($n: Int, $since: DateTime) { datasets(first: $n, filter: { updatedSince: $since }) { nodes { id provider { datasets(first: $n) { nodes { id } } } } } }`;
    // n = 100: 100 + 100 x (1 + 100 + 100) = 20,200 objects, over 10,000; n = 10: 10 + 10 x 21 = 220.
    const badSince = await graphql(stack.gatewayUrl, query, { n: 100, since: 'not a date' });
    expect(badSince.errors?.length).toBeGreaterThan(0);
    const tooCostly = await graphql(stack.gatewayUrl, query, { n: 100, since: '2000-01-01T00:00:00Z' });
    expect(tooCostly.errors?.[0].extensions?.code).toBe('QUERY_TOO_COSTLY');
    const small = await graphql(stack.gatewayUrl, query, { n: 10, since: '2000-01-02T00:00:00Z' });
    expect(small.errors).toBeUndefined();
    expect((small.data as any).datasets.nodes).toHaveLength(10);
    const tooCostlyAgain = await graphql(stack.gatewayUrl, query, { n: 100, since: '2000-01-03T00:00:00Z' });
    expect(tooCostlyAgain.errors?.[0].extensions?.code).toBe('QUERY_TOO_COSTLY');
  });

  it('refuses a query nested deeper than MAX_QUERY_DEPTH, naming the limit', async () => {
    let selection = '{ id }';
    for (let i = 0; i < 6; i++) selection = `{ id provider { datasets(first: 1) { nodes ${selection} } } }`;
    const result = await graphql(stack.gatewayUrl, `{ dataset(id: "bj:ds-000001") ${selection} }`);
    expect(result.status).toBe(400);
    expect(result.errors?.[0].message).toMatch(/^query depth \d+ is over the limit of 15 \(MAX_QUERY_DEPTH\)/);
    // GraphiQL's introspection query is deep, but introspection is not counted.
    const introspection = await graphql(
      stack.gatewayUrl,
      `
        {
          __schema {
            types {
              name
              fields {
                name
                type {
                  name
                  ofType {
                    name
                    ofType {
                      name
                      ofType {
                        name
                        ofType {
                          name
                        }
                      }
                    }
                  }
                }
              }
            }
          }
        }
      `,
    );
    expect(introspection.errors).toBeUndefined();
  });

  it('answers every request with a request id, and takes the one the caller sent', async () => {
    const response = await fetch(stack.gatewayUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-request-id': 'trace-123' },
      body: JSON.stringify({ query: '{ __typename }' }),
    });
    expect(response.headers.get('x-request-id')).toBe('trace-123');
    const fresh = await fetch(stack.gatewayUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ __typename }' }),
    });
    // One the gateway made: this process's random prefix (12 hex digits) and a counter, new for each request.
    const made = fresh.headers.get('x-request-id');
    expect(made).toMatch(/^[0-9a-f]{12}-[0-9a-z]+$/);
    const again = await fetch(stack.gatewayUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ __typename }' }),
    });
    const second = again.headers.get('x-request-id');
    expect(second).toMatch(/^[0-9a-f]{12}-[0-9a-z]+$/);
    expect(second).not.toBe(made);
    expect(second!.split('-')[0]).toBe(made!.split('-')[0]);
  });

  it('reports every exchange in /health as JSON', async () => {
    const health = await (await fetch(`${stack.gatewayBase}/health`)).json();
    expect(health.exchanges.map((e: any) => e.id)).toEqual(EXCHANGES);
    expect(health.cache.status).toBe('memory');
  });

  it('serves GraphiQL from its own assets, nothing from the internet', async () => {
    const page = await (await fetch(stack.gatewayUrl, { headers: { accept: 'text/html' } })).text();
    const sources = [...page.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]);
    expect(sources.length).toBeGreaterThan(2);
    for (const source of sources) {
      expect(source.startsWith('/')).toBe(true);
      const asset = await fetch(new URL(source, stack.gatewayBase));
      expect(asset.status).toBe(200);
    }
    expect(page).not.toMatch(/https?:\/\/(?!localhost)/);
  });
});

describe('gateway: small fan-out pages (docs/scale-out.md#small-pages)', () => {
  // ty's first 25 listings get a new price, so their updatedAt is now: newer than every seeded listing,
  // the first 25 rows by UPDATED_DESC are all ty's, and ty must be asked again for the rest of a page.
  const holder = 'ty';
  const others = EXCHANGES.filter((id) => id !== holder);
  const ids = Array.from({ length: 25 }, (_, i) => `${holder}:ds-${String(i + 1).padStart(6, '0')}`);
  // A filter every listing matches: an unfiltered page goes only to the exchanges its rows are on
  // (docs/scale-out.md#leading-cursors), and these tests are about the small pages every exchange is asked.
  const query = (alias: string) =>
    `{ datasets(first: 20, filter: { updatedSince: "2000-01-01T00:00:00Z" }) { totalCount missingExchanges nodes { id } pageInfo { hasNextPage endCursor } ${alias}: __typename } }`;

  it('asks the one exchange holding the whole first page again, after its own last cursor, for the rows still missing; the others once', async () => {
    for (const id of ids) await setPrice(id, 'PER_CALL', '3.21');
    const expected = await unionOfExchanges(null, 'UPDATED_DESC');
    expect(
      expected
        .slice(0, 25)
        .map((e) => e.node.id)
        .sort(),
    ).toEqual([...ids].sort());
    for (const proxy of Object.values(stack.proxies)) proxy.reset();
    const data: any = dataOf(await graphql(stack.gatewayUrl, query('refilled')));
    expect(data.datasets.nodes.map((n: { id: string }) => n.id)).toEqual(expected.slice(0, 20).map((e) => e.node.id));
    expect(data.datasets.pageInfo).toEqual({ hasNextPage: true, endCursor: expected[19].cursor });
    expect(data.datasets.totalCount).toBe(1600);
    // 20 rows over 4 exchanges: 11 each (share 5, two deviations of √5, one more); ty's 11 are all in the page, so 9 more after its 11th.
    const asked = stack.proxies[holder].bodies.map((b) => [b.variables?._sr0_first_datasets, b.variables?._sr0_after_datasets ?? null]);
    expect(asked).toEqual([
      [11, null],
      [9, expected[10].cursor],
    ]);
    for (const id of others) expect(stack.proxies[id].calls).toBe(1);
  });

  it('drops an exchange whose refill fails, as if its first call had: missing, uncounted, one error at the field', async () => {
    const expected = (await unionOfExchanges(null, 'UPDATED_DESC')).filter((e) => !e.node.id.startsWith(`${holder}:`));
    const proxy = stack.proxies[holder];
    // ty's version moved with its new prices: a filtered query makes the gateway fetch its summary now, so
    // the answer let through below is the query's, not the summary's.
    dataOf(await graphql(stack.gatewayUrl, query('summariesHeld')));
    proxy.reset();
    // The first answer goes through; every later call gets a real HTTP 500.
    proxy.transform = (body) => {
      proxy.mode = 'http500';
      return body;
    };
    const result: any = await graphql(stack.gatewayUrl, query('refillFails'));
    expect(proxy.calls).toBe(2);
    expect(result.data.datasets.nodes.map((n: { id: string }) => n.id)).toEqual(expected.slice(0, 20).map((e) => e.node.id));
    expect(result.data.datasets.missingExchanges).toEqual([holder]);
    expect(result.data.datasets.totalCount).toBe(1200);
    expect(result.data.datasets.pageInfo).toEqual({ hasNextPage: true, endCursor: expected[19].cursor });
    expect(result.errors).toHaveLength(1);
    expect(result.errors[0]).toMatchObject({ path: ['datasets'], extensions: { code: 'EXCHANGE_UNAVAILABLE', exchange: holder } });
  });
});

describe('gateway: partial results', () => {
  async function faulty(mode: 'hang' | 'http500' | 'garbage' | 'reset') {
    stack.proxies.gy.mode = mode;
    const started = performance.now();
    const result = await graphql(
      stack.gatewayUrl,
      `
        {
          datasets(first: 100) {
            totalCount
            missingExchanges
            nodes {
              id
            }
          }
          stats: priceStats(groupBy: EXCHANGE) {
            key
            count
          }
        }
      `,
    );
    return { result: result as any, ms: performance.now() - started };
  }

  function expectPartial(result: any, code: string) {
    expect(result.data.datasets.missingExchanges).toEqual(['gy']);
    expect(result.data.datasets.totalCount).toBe(1200);
    expect(result.data.datasets.nodes.some((n: any) => n.id.startsWith('gy:'))).toBe(false);
    expect(result.data.stats.map((b: any) => b.key)).toEqual(['bj', 'sh', 'ty']);
    expect(result.errors).toHaveLength(1);
    expect(result.errors[0].extensions).toMatchObject({ code, exchange: 'gy' });
  }

  it('cuts an exchange that hangs at the timeout and answers with the others', async () => {
    const { result, ms } = await faulty('hang');
    expectPartial(result, 'EXCHANGE_TIMEOUT');
    expect(ms).toBeGreaterThanOrEqual(900);
    expect(ms).toBeLessThan(4000);
  });

  it('answers with the others when an exchange answers 500', async () => {
    expectPartial((await faulty('http500')).result, 'EXCHANGE_UNAVAILABLE');
  });

  it('answers with the others when an exchange answers garbage', async () => {
    const { result } = await faulty('garbage');
    expectPartial(result, 'EXCHANGE_BAD_RESPONSE');
    expect(result.errors[0].message).toBe('exchange gy answered something that is not JSON');
  });

  /**
   * A provider gy lists, and the other exchanges list at least three times, read from each exchange
   * directly: its listings come from the others while gy fails, and its own datasets must name gy missing
   * (gy is never pruned for it: its summary's token filter holds every USCC it lists).
   */
  async function providerAlsoOnGy(): Promise<string> {
    const usccsOf = async (id: string) => (await listingsOf(id, 'provider { uscc }')).map((n: { provider: { uscc: string } }) => n.provider.uscc) as string[];
    const onGy = new Set(await usccsOf('gy'));
    const elsewhere = (await Promise.all(EXCHANGES.filter((id) => id !== 'gy').map(usccsOf))).flat().filter((uscc) => onGy.has(uscc));
    const counts = new Map<string, number>();
    for (const uscc of elsewhere) counts.set(uscc, (counts.get(uscc) ?? 0) + 1);
    const shared = [...counts].find(([, n]) => n >= 3)?.[0];
    expect(shared, 'a provider listed on gy and three times elsewhere').toBeDefined();
    return shared!;
  }
  // Two listings of that provider, each with the provider's own datasets: two fetches to the exchanges.
  const nested = (uscc: string, first: number) =>
    `{ datasets(first: ${first}, sort: PRICE_DESC, filter: { providerUscc: "${uscc}" }) { nodes { provider { datasets(first: 1) { totalCount missingExchanges } } } } }`;
  // The same, with a hop through the providers subgraph: three fetches, two of them to the exchanges.
  const nestedHop = (uscc: string, first: number) =>
    `{ datasets(first: ${first}, sort: TITLE_ASC, filter: { providerUscc: "${uscc}" }) { nodes { provider { name datasets(first: 1, sort: PRICE_ASC) { totalCount missingExchanges } } } } }`;

  it('reports an exchange that fails once per request, however many fetches need it, and calls it once', async () => {
    const uscc = await providerAlsoOnGy();
    stack.proxies.gy.mode = 'http500';
    for (const query of [nested(uscc, 2), nestedHop(uscc, 2)]) {
      stack.proxies.gy.calls = 0;
      const result: any = await graphql(stack.gatewayUrl, query);
      expect(result.errors).toHaveLength(1);
      expect(result.errors[0].extensions).toMatchObject({ code: 'EXCHANGE_UNAVAILABLE', exchange: 'gy' });
      expect(result.data.datasets.nodes).toHaveLength(2);
      // Provider.datasets names gy as missing, though the nested fetch did not call it again.
      for (const node of result.data.datasets.nodes) expect(node.provider.datasets.missingExchanges).toEqual(['gy']);
      expect(stack.proxies.gy.calls).toBe(1);
    }
    stack.proxies.gy.calls = 0;
    const twice: any = await graphql(
      stack.gatewayUrl,
      `
        {
          exchanges {
            id
            n1: datasetCount
          }
          exchange(id: "gy") {
            id
            n2: datasetCount
          }
        }
      `,
    );
    expect(twice.errors).toHaveLength(1);
    expect(twice.errors[0].extensions).toMatchObject({ code: 'EXCHANGE_UNAVAILABLE', exchange: 'gy' });
    expect(Object.fromEntries(twice.data.exchanges.map((e: any) => [e.id, e.n1]))).toEqual({ bj: 400, gy: null, sh: 400, ty: 400 });
    expect(twice.data.exchange).toEqual({ id: 'gy', n2: null });
    // Apollo runs these two entity fetches in parallel: both call gy before either has failed (one error still).
    expect(stack.proxies.gy.calls).toBeLessThanOrEqual(2);
  });

  it('waits for a hanging exchange once per request, not once per fetch', async () => {
    const uscc = await providerAlsoOnGy();
    stack.proxies.gy.mode = 'hang';
    for (const query of [nested(uscc, 3), nestedHop(uscc, 3)]) {
      stack.proxies.gy.calls = 0;
      const started = performance.now();
      const result: any = await graphql(stack.gatewayUrl, query);
      const ms = performance.now() - started;
      expect(result.errors).toHaveLength(1);
      expect(result.errors[0].extensions).toMatchObject({ code: 'EXCHANGE_TIMEOUT', exchange: 'gy' });
      expect(result.data.datasets.nodes).toHaveLength(3);
      for (const node of result.data.datasets.nodes) expect(node.provider.datasets.missingExchanges).toEqual(['gy']);
      expect(stack.proxies.gy.calls).toBe(1);
      // EXCHANGE_TIMEOUT_MS is 1000 in this stack: one timeout, not two.
      expect(ms).toBeGreaterThanOrEqual(900);
      expect(ms).toBeLessThan(1800);
    }
  });

  it('answers with the others when an exchange drops the connection', async () => {
    expectPartial((await faulty('reset')).result, 'EXCHANGE_UNAVAILABLE');
  });

  it("drops all data of an exchange that returns another exchange's ids", async () => {
    stack.proxies.gy.upstreamUrl = stack.exchangeUrls.ty;
    try {
      const result: any = await graphql(
        stack.gatewayUrl,
        `
          {
            datasets(first: 100) {
              totalCount
              missingExchanges
              nodes {
                id
              }
            }
          }
        `,
      );
      expect(result.data.datasets.missingExchanges).toEqual(['gy']);
      expect(result.data.datasets.totalCount).toBe(1200);
      expect(result.errors[0].extensions).toMatchObject({ code: 'EXCHANGE_BAD_RESPONSE', exchange: 'gy' });
      expect(result.errors[0].message).toBe('exchange gy gave a bad response: datasets: returned ids of another exchange (ty)');
      const ids = result.data.datasets.nodes.map((n: any) => n.id);
      expect(new Set(ids).size).toBe(ids.length);
    } finally {
      stack.proxies.gy.upstreamUrl = stack.exchangeUrls.gy;
    }
  });

  for (const [index, [lie, transform, reason]] of (
    [
      [
        'a count that is not a number',
        (body: string) => body.replace(/"totalCount":(\d+)/g, '"totalCount":"$1"'),
        'datasets: returned a totalCount that is not a count',
      ],
      [
        'a cursor of another sort',
        (body: string) =>
          body.replace(
            /"cursor":"([^"]+)"/g,
            (_m: string, c: string) =>
              `"cursor":"${Buffer.from(JSON.stringify(['TITLE_ASC', 'x', JSON.parse(Buffer.from(c, 'base64url').toString())[2]])).toString('base64url')}"`,
          ),
        'datasets: returned a cursor of another sort',
      ],
      [
        'an error that blames the client alone',
        () => JSON.stringify({ errors: [{ message: 'visit http://evil.example', extensions: { code: 'BAD_USER_INPUT' } }], data: null }),
        'refused input the other exchanges accepted',
      ],
      ['an error of its own', () => JSON.stringify({ errors: [{ message: 'db at 10.0.0.7:5432 is down' }], data: null }), 'answered errors'],
    ] as Array<[string, (body: string) => string, string]>
  ).entries()) {
    it(`drops an exchange that answers ${lie}, keeps the others, and does not cache the lie`, async () => {
      stack.proxies.gy.transform = transform;
      // A query of this case's own, so no earlier answer is in the caches (the alias reaches the exchanges'
      // query text; `first` alone may not, as each is asked for a small page of its own). Its filter matches
      // every listing, so gy is called whether or not its rows are on the page (docs/scale-out.md#leading-cursors).
      const query = `{ datasets(first: ${30 + index}, sort: PRICE_ASC, filter: { updatedSince: "2000-01-01T00:00:00Z" }) { totalCount missingExchanges nodes { id } case${index}: __typename } }`;
      const result: any = await graphql(stack.gatewayUrl, query, {}, { authorization: 'Bearer x' });
      expect(result.data.datasets.missingExchanges).toEqual(['gy']);
      expect(result.data.datasets.totalCount).toBe(1200);
      expect(result.errors).toHaveLength(1);
      expect(result.errors[0].extensions).toMatchObject({ code: 'EXCHANGE_BAD_RESPONSE', exchange: 'gy' });
      expect(result.errors[0].message).toBe(`exchange gy gave a bad response: ${reason}`);
      expect(JSON.stringify(result)).not.toMatch(/evil|10\.0\.0\.7|http:/);
      stack.proxies.gy.transform = null;
      const honest: any = dataOf(await graphql(stack.gatewayUrl, query, {}, { authorization: 'Bearer x' }));
      expect(honest.datasets.totalCount).toBe(1600);
    });
  }

  it('keeps the rest of an entity batch when one exchange fails', async () => {
    stack.proxies.gy.mode = 'http500';
    const result: any = await graphql(
      stack.gatewayUrl,
      `
        {
          exchanges {
            id
            datasetCount
          }
        }
      `,
    );
    const counts = Object.fromEntries(result.data.exchanges.map((e: any) => [e.id, e.datasetCount]));
    expect(counts).toEqual({ bj: 400, gy: null, sh: 400, ty: 400 });
    expect(result.errors.some((e: any) => e.extensions.code === 'EXCHANGE_UNAVAILABLE' && e.extensions.exchange === 'gy')).toBe(true);
  });

  it('answers with the others when an exchange refuses connections, and logs the real cause (ECONNREFUSED)', async () => {
    const proxy = stack.proxies.gy;
    const port = proxy.port;
    await proxy.close();
    try {
      const result: any = await graphql(
        stack.gatewayUrl,
        `
          {
            datasets(first: 41) {
              totalCount
              missingExchanges
              nodes {
                id
              }
            }
          }
        `,
        {},
        { 'x-request-id': 'refused-1' },
      );
      expect(result.data.datasets.missingExchanges).toEqual(['gy']);
      expect(result.errors).toHaveLength(1);
      expect(result.errors[0]).toMatchObject({
        message: 'exchange gy is unavailable (ECONNREFUSED)',
        extensions: { code: 'EXCHANGE_UNAVAILABLE', exchange: 'gy' },
      });
      expect(JSON.stringify(result.errors)).not.toContain('127.0.0.1');
      // The log line, with the request id and the socket error (its address included: the log is not public).
      const deadline = performance.now() + 5000;
      let line: any;
      while (!line && performance.now() < deadline) {
        line = stack.services.gateway
          .tail()
          .map((l) => {
            try {
              return JSON.parse(l);
            } catch {
              return null;
            }
          })
          .find((l) => l?.requestId === 'refused-1' && l?.exchange === 'gy');
        if (!line) await new Promise((r) => setTimeout(r, 50));
      }
      expect(line).toMatchObject({ level: 40, code: 'EXCHANGE_UNAVAILABLE', msg: 'exchange gy is unavailable (ECONNREFUSED)' });
      expect(line.cause).toMatch(/ECONNREFUSED 127\.0\.0\.1:\d+/);
    } finally {
      await proxy.start(port);
    }
  });

  it('answers with the others when an exchange process is killed', async () => {
    await stack.services.gy.stop();
    const result: any = await graphql(
      stack.gatewayUrl,
      `
        {
          datasets(first: 100) {
            totalCount
            missingExchanges
            nodes {
              id
            }
          }
          stats: priceStats(groupBy: EXCHANGE) {
            key
            count
          }
        }
      `,
    );
    expectPartial(result, 'EXCHANGE_UNAVAILABLE');
  });
});
