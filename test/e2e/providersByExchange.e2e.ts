import { describe, it, expect, beforeAll, afterAll, beforeEach } from 'vitest';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import Database from 'better-sqlite3';
import { graphql, dataOf } from '../helpers/graphql.ts';
import { startStack, type Stack } from '../../devkit/stack.ts';

/**
 * Providers by exchange through the gateway over real processes. References come from outside the code
 * under test: every listing read from each exchange's SQLite file (a plain SELECT), and every provider
 * paged out of the providers subgraph directly.
 */

let stack: Stack;
const EXCHANGES = ['bj', 'gy', 'sh', 'ty'];

interface Listing {
  exchange: string;
  uscc: string;
  kind: string;
}
interface DirectoryEntry {
  uscc: string;
  kind: string;
}

let listings: Listing[] = [];
let directory: DirectoryEntry[] = [];

function readListings(exchange: string): Listing[] {
  const db = new Database(join(stack.dataDir, `${exchange}.db`), { readonly: true, fileMustExist: true });
  try {
    return (db.prepare('SELECT provider_uscc AS uscc, provider_kind AS kind FROM datasets').all() as Array<{ uscc: string; kind: string }>).map((row) => ({
      ...row,
      exchange,
    }));
  } finally {
    db.close();
  }
}

/** Every provider in the directory, paged straight from the providers subgraph. */
async function readDirectory(): Promise<DirectoryEntry[]> {
  const all: DirectoryEntry[] = [];
  let after: string | null = null;
  for (let guard = 0; guard < 1000; guard++) {
    const data: any = dataOf(
      await graphql(
        stack.providersUrl,
        `
          query ($after: String) {
            providers(first: 100, after: $after) {
              nodes {
                uscc
                kind
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
    all.push(...data.providers.nodes);
    if (!data.providers.pageInfo.hasNextPage) return all;
    after = data.providers.pageInfo.endCursor;
  }
  throw new Error('the directory did not end');
}

const sorted = (values: Iterable<string>) => [...values].sort();
const distinct = (rows: Listing[]) => new Set(rows.map((r) => r.uscc));

const PAGE = `query($filter: ProviderFilter, $first: Int, $after: String) {
  providers(filter: $filter, first: $first, after: $after) { nodes { uscc kind } pageInfo { hasNextPage endCursor } totalCount missingExchanges } }`;

/** Walks every page of a filter through the gateway; asserts each page agrees with the first on the total. */
async function walk(filter: Record<string, unknown>, first = 100): Promise<{ usccs: string[]; kinds: Map<string, string>; totalCount: number }> {
  const usccs: string[] = [];
  const kinds = new Map<string, string>();
  let after: string | null = null;
  let totalCount = -1;
  for (let guard = 0; guard < 1000; guard++) {
    const data: any = dataOf(await graphql(stack.gatewayUrl, PAGE, { filter, first, after }));
    const connection = data.providers;
    expect(connection.missingExchanges).toEqual([]);
    if (totalCount >= 0) expect(connection.totalCount).toBe(totalCount);
    totalCount = connection.totalCount;
    for (const node of connection.nodes) {
      usccs.push(node.uscc);
      kinds.set(node.uscc, node.kind);
    }
    if (!connection.pageInfo.hasNextPage) return { usccs, kinds, totalCount };
    after = connection.pageInfo.endCursor;
  }
  throw new Error('the pages did not end');
}

/** The pages hold each expected USCC exactly once, in USCC order, and the total says how many. */
function expectExactly(walked: { usccs: string[]; totalCount: number }, expected: Set<string>) {
  expect(expected.size).toBeGreaterThan(0);
  expect(walked.usccs).toEqual(sorted(expected));
  expect(walked.totalCount).toBe(expected.size);
}

beforeAll(async () => {
  stack = await startStack({ perExchange: 300, exchangeTimeoutMs: 1000 });
  listings = EXCHANGES.flatMap(readListings);
  directory = await readDirectory();
}, 180_000);
afterAll(async () => {
  await stack?.stop();
});
beforeEach(() => {
  for (const proxy of Object.values(stack.proxies)) proxy.reset();
});

describe('providers by exchange, with an exchange down', () => {
  // First in the file: no answer of gy is cached yet, so the gateway has to ask it.
  it("names the exchange that did not answer in missingExchanges and in one error with the field's path", async () => {
    stack.proxies.gy.mode = 'http500';
    try {
      const result: any = await graphql(
        stack.gatewayUrl,
        `
          {
            listed: providers(filter: { hasListings: true }, first: 1) {
              totalCount
              missingExchanges
            }
          }
        `,
      );
      expect(result.data.listed.missingExchanges).toEqual(['gy']);
      // What the other exchanges list is still counted, exactly.
      expect(result.data.listed.totalCount).toBe(distinct(listings.filter((l) => l.exchange !== 'gy')).size);
      expect(result.errors).toHaveLength(1);
      expect(result.errors[0]).toMatchObject({ path: ['listed'], extensions: { code: 'EXCHANGE_UNAVAILABLE', exchange: 'gy' } });

      const onGy = listings.find((l) => l.exchange === 'gy')!;
      const provider: any = await graphql(
        stack.gatewayUrl,
        `
          query ($uscc: ID!) {
            provider(uscc: $uscc) {
              uscc
              listingsByExchange {
                exchange {
                  id
                }
                count
              }
            }
          }
        `,
        { uscc: onGy.uscc },
      );
      expect(provider.data.provider.listingsByExchange.map((e: any) => e.exchange.id)).not.toContain('gy');
      expect(provider.errors).toHaveLength(1);
      expect(provider.errors[0]).toMatchObject({ path: ['provider', 'listingsByExchange'], extensions: { exchange: 'gy' } });
    } finally {
      stack.proxies.gy.mode = 'forward';
    }
  });
});

describe('providers(filter: { exchanges, kinds, hasListings })', () => {
  it('hasListings: true pages exactly the providers listed on any exchange, each once, in USCC order', async () => {
    expectExactly(await walk({ hasListings: true }), distinct(listings));
  });

  it("hasListings: false pages exactly the directory's providers that list nothing", async () => {
    const listed = distinct(listings);
    const unlisted = new Set(directory.map((p) => p.uscc).filter((uscc) => !listed.has(uscc)));
    expect(listed.size + unlisted.size).toBe(directory.length);
    const walked = await walk({ hasListings: false }, 100);
    expectExactly(walked, unlisted);
  });

  it('exchanges: [gy] pages exactly the providers with a listing on gy, with small pages too', async () => {
    const onGy = distinct(listings.filter((l) => l.exchange === 'gy'));
    expectExactly(await walk({ exchanges: ['gy'] }), onGy);
    expectExactly(await walk({ exchanges: ['gy'] }, 7), onGy);
  });

  it('exchanges with kinds keeps the providers of those kinds listed on either exchange', async () => {
    const kinds = ['GOVERNMENT_DEPARTMENT', 'PUBLIC_INSTITUTION'];
    const kindOf = new Map(directory.map((p) => [p.uscc, p.kind]));
    const expected = new Set(
      [...distinct(listings.filter((l) => l.exchange === 'sh' || l.exchange === 'bj'))].filter((uscc) => kinds.includes(kindOf.get(uscc)!)),
    );
    const walked = await walk({ exchanges: ['sh', 'bj'], kinds });
    expectExactly(walked, expected);
    for (const kind of walked.kinds.values()) expect(kinds).toContain(kind);
  });

  it('exchanges with hasListings: false keeps the providers listed on none of them', async () => {
    const onTy = distinct(listings.filter((l) => l.exchange === 'ty'));
    const expected = new Set(directory.map((p) => p.uscc).filter((uscc) => !onTy.has(uscc)));
    const data: any = dataOf(
      await graphql(
        stack.gatewayUrl,
        `
          {
            providers(filter: { exchanges: ["ty"], hasListings: false }, first: 0) {
              totalCount
              missingExchanges
            }
          }
        `,
      ),
    );
    expect(data.providers).toEqual({ totalCount: expected.size, missingExchanges: [] });
  });

  it('reads the filter from inline values and variables alike, with other root fields beside it', async () => {
    const onGy = distinct(listings.filter((l) => l.exchange === 'gy'));
    const result: any = dataOf(
      await graphql(
        stack.gatewayUrl,
        `
          query ($ex: ID!, $kinds: [ProviderKind!]) {
            a: providers(filter: { exchanges: [$ex], kinds: $kinds }, first: 1) {
              totalCount
            }
            b: providers(first: 1) {
              totalCount
              missingExchanges
            }
            c: providers(filter: { hasListings: true }, first: 1) {
              totalCount
            }
          }
        `,
        { ex: 'gy', kinds: null },
      ),
    );
    expect(result.a.totalCount).toBe(onGy.size);
    expect(result.b).toEqual({ totalCount: directory.length, missingExchanges: [] });
    expect(result.c.totalCount).toBe(distinct(listings).size);
  });

  it('refuses an unknown exchange with one error naming the argument, like datasets does', async () => {
    const result: any = await graphql(
      stack.gatewayUrl,
      `
        {
          providers(filter: { exchanges: ["zz"] }, first: 1) {
            totalCount
            missingExchanges
          }
        }
      `,
    );
    expect(result.status).toBe(400);
    expect(result.data ?? null).toBeNull();
    expect(result.errors).toEqual([expect.objectContaining({ extensions: expect.objectContaining({ code: 'BAD_USER_INPUT', argument: 'filter.exchanges' }) })]);
  });

  it('keeps usccIn private: the gateway refuses it, and the providers subgraph refuses the listing filters it cannot answer', async () => {
    const hidden: any = await graphql(
      stack.gatewayUrl,
      `
        {
          providers(filter: { usccIn: ["x"] }) {
            totalCount
          }
        }
      `,
    );
    expect(hidden.errors[0].message).toMatch(/usccIn/);
    const direct: any = await graphql(
      stack.providersUrl,
      `
        {
          providers(filter: { exchanges: ["gy"] }) {
            totalCount
          }
        }
      `,
    );
    expect(direct.errors[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT', argument: 'filter.exchanges' } });
  });
});

describe('Provider.listingsByExchange', () => {
  it("equals each exchange's own listings of the provider, sorted by exchange, for providers on one or several exchanges", async () => {
    const perExchange = new Map<string, Map<string, number>>();
    for (const l of listings) {
      const counts = perExchange.get(l.uscc) ?? new Map<string, number>();
      perExchange.set(l.uscc, counts);
      counts.set(l.exchange, (counts.get(l.exchange) ?? 0) + 1);
    }
    const several = [...perExchange.keys()].filter((uscc) => perExchange.get(uscc)!.size > 1).slice(0, 15);
    const one = [...perExchange.keys()].filter((uscc) => perExchange.get(uscc)!.size === 1).slice(0, 15);
    const none = directory
      .map((p) => p.uscc)
      .filter((uscc) => !perExchange.has(uscc))
      .slice(0, 5);
    expect(several.length).toBeGreaterThan(0);
    expect(one.length).toBeGreaterThan(0);
    expect(none.length).toBeGreaterThan(0);
    for (const uscc of [...several, ...one, ...none]) {
      const data: any = dataOf(
        await graphql(
          stack.gatewayUrl,
          `
            query ($uscc: ID!) {
              provider(uscc: $uscc) {
                exchangeCount
                listingsByExchange {
                  exchange {
                    id
                    name
                  }
                  count
                }
                datasets(first: 0) {
                  totalCount
                }
              }
            }
          `,
          { uscc },
        ),
      );
      const expected = [...(perExchange.get(uscc) ?? new Map()).entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([id, count]) => ({ id, count }));
      expect(data.provider.listingsByExchange.map((e: any) => ({ id: e.exchange.id, count: e.count }))).toEqual(expected);
      expect(data.provider.exchangeCount).toBe(expected.length);
      for (const entry of data.provider.listingsByExchange) expect(entry.exchange.name).toEqual(expect.any(String));
      expect(data.provider.datasets.totalCount).toBe(expected.reduce((sum, e) => sum + e.count, 0));
    }
  });

  it('is there for every provider of a page, in one request', async () => {
    const data: any = dataOf(
      await graphql(
        stack.gatewayUrl,
        `
          {
            providers(filter: { exchanges: ["gy"] }, first: 20) {
              nodes {
                uscc
                listingsByExchange {
                  exchange {
                    id
                  }
                  count
                }
              }
            }
          }
        `,
      ),
    );
    expect(data.providers.nodes.length).toBe(20);
    for (const node of data.providers.nodes) {
      const onGy = listings.filter((l) => l.exchange === 'gy' && l.uscc === node.uscc).length;
      expect(node.listingsByExchange.find((e: any) => e.exchange.id === 'gy')?.count).toBe(onGy);
    }
  });
});

describe('provider kinds per exchange by distinct providers', () => {
  it("priceStatistics(groupBy: [EXCHANGE, PROVIDER_KIND]) counts each exchange's distinct providers of each kind", async () => {
    const data: any = dataOf(
      await graphql(
        stack.gatewayUrl,
        `
          {
            priceStatistics(groupBy: [EXCHANGE, PROVIDER_KIND]) {
              buckets {
                keys
                distinctProviders
              }
              missingExchanges
            }
          }
        `,
      ),
    );
    const expected = new Map<string, Set<string>>();
    for (const l of listings) {
      const key = JSON.stringify([l.exchange, l.kind]);
      expected.set(key, (expected.get(key) ?? new Set()).add(l.uscc));
    }
    expect(expected.size).toBeGreaterThan(0);
    expect(data.priceStatistics.missingExchanges).toEqual([]);
    const got = new Map(data.priceStatistics.buckets.map((b: any) => [JSON.stringify(b.keys), b.distinctProviders]));
    expect(got).toEqual(new Map([...expected].map(([key, set]) => [key, set.size])));
    // And the kinds of providers listed anywhere, each provider once: the providers filter agrees.
    const kinds = [...new Set(directory.map((p) => p.kind))];
    for (const kind of kinds) {
      const kindOf = new Map(directory.map((p) => [p.uscc, p.kind]));
      const listed = [...distinct(listings)].filter((uscc) => kindOf.get(uscc) === kind).length;
      const total: any = dataOf(
        await graphql(
          stack.gatewayUrl,
          `
            query ($kinds: [ProviderKind!]) {
              providers(filter: { hasListings: true, kinds: $kinds }, first: 0) {
                totalCount
              }
            }
          `,
          { kinds: [kind] },
        ),
      );
      expect(total.providers.totalCount).toBe(listed);
    }
  });
});

describe('docs/providers.md', () => {
  it('has example queries that each run without an error and answer data', async () => {
    const doc = readFileSync(new URL('../../docs/providers.md', import.meta.url), 'utf8');
    const queries = [...doc.matchAll(/```graphql\n([\s\S]*?)```/g)].map((m) => m[1]);
    expect(queries.length).toBeGreaterThanOrEqual(5);
    for (const query of queries) {
      const result = await graphql(stack.gatewayUrl, query);
      expect(result.errors, query).toBeUndefined();
      expect(Object.keys(result.data ?? {}).length, query).toBeGreaterThan(0);
    }
  });
});
