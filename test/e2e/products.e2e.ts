import { describe, it, expect, beforeAll, afterAll, beforeEach } from 'vitest';
import { graphql, dataOf } from '../helpers/graphql.ts';
import { startStack, type Stack } from '../../devkit/stack.ts';

/**
 * products and DatasetFilter.crossListed through the gateway, over the four seeded exchanges as real
 * processes. Every expectation is computed here from all listings read directly from each exchange.
 */
let stack: Stack;
const EXCHANGES = ['bj', 'gy', 'sh', 'ty'];

interface Listing {
  id: string;
  productCode: string;
  title: string;
  price: { model: string; amount: string | null; currency: string };
}
interface Spread {
  model: string;
  currency: string;
  min: string;
  max: string;
  ratio: number | null;
}
interface Product {
  productCode: string;
  title: string;
  exchangeCount: number;
  listings: Listing[];
  spread: Spread | null;
}

const byText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Every listing of one exchange, paged directly from it. */
async function listingsOf(exchange: string): Promise<Listing[]> {
  const out: Listing[] = [];
  let after: string | null = null;
  for (;;) {
    const data: any = dataOf(
      await graphql(
        stack.exchangeUrls[exchange],
        `
          query ($after: String) {
            datasets(first: 100, after: $after, sort: TITLE_ASC) {
              nodes {
                id
                productCode
                title
                price {
                  model
                  amount
                  currency
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
    out.push(...data.datasets.nodes);
    if (!data.datasets.pageInfo.hasNextPage) return out;
    after = data.datasets.pageInfo.endCursor;
  }
}

/** Decimal string to an integer count of millionths, without the code under test. */
function micros(amount: string): bigint {
  const [whole, fraction = ''] = amount.split('.');
  return BigInt(whole) * 1_000_000n + BigInt((fraction + '000000').slice(0, 6));
}

function expectedSpread(listings: Listing[]): Spread | null {
  const models = new Set(listings.map((l) => l.price.model));
  const currencies = new Set(listings.map((l) => l.price.currency));
  if (models.size !== 1 || currencies.size !== 1 || listings.some((l) => l.price.amount === null)) return null;
  const sorted = [...listings].sort((a, b) =>
    micros(a.price.amount!) < micros(b.price.amount!) ? -1 : micros(a.price.amount!) > micros(b.price.amount!) ? 1 : 0,
  );
  const min = sorted[0].price.amount!;
  const max = sorted.at(-1)!.price.amount!;
  return { model: [...models][0], currency: [...currencies][0], min, max, ratio: micros(min) === 0n ? null : Number(micros(max)) / Number(micros(min)) };
}

let all: Listing[] = [];

/** Products grouped here from `listings`: code → listings sorted by exchange, then id. */
function group(listings: Listing[], minExchanges: number): Product[] {
  const byCode = new Map<string, Listing[]>();
  for (const l of listings) byCode.set(l.productCode, [...(byCode.get(l.productCode) ?? []), l]);
  const products: Product[] = [];
  for (const [code, ls] of byCode) {
    const sorted = [...ls].sort((a, b) => byText(a.id.split(':')[0], b.id.split(':')[0]) || byText(a.id, b.id));
    const exchangeCount = new Set(sorted.map((l) => l.id.split(':')[0])).size;
    if (exchangeCount >= minExchanges)
      products.push({ productCode: code, title: sorted[0].title, exchangeCount, listings: sorted, spread: expectedSpread(sorted) });
  }
  return products.sort((a, b) => byText(a.productCode, b.productCode));
}

const PRODUCTS = `query P($filter: ProductFilter, $sort: ProductSort, $first: Int, $after: String) {
  products(filter: $filter, sort: $sort, first: $first, after: $after) {
    edges { cursor node { productCode title exchangeCount listings { id productCode title price { model amount currency } } spread { model currency min max ratio } } }
    pageInfo { hasNextPage endCursor } totalCount missingExchanges } }`;

async function walkProducts(variables: Record<string, unknown>, first: number) {
  const products: Product[] = [];
  const totals = new Set<number>();
  let after: string | null = null;
  let pages = 0;
  for (;;) {
    const result = await graphql(stack.gatewayUrl, PRODUCTS, { ...variables, first, after });
    const data: any = dataOf(result);
    pages++;
    expect(data.products.missingExchanges).toEqual([]);
    products.push(...data.products.edges.map((e: any) => e.node));
    totals.add(data.products.totalCount);
    if (!data.products.pageInfo.hasNextPage) break;
    expect(data.products.pageInfo.endCursor).toBeTruthy();
    after = data.products.pageInfo.endCursor;
    expect(pages).toBeLessThan(500);
  }
  return { products, totals: [...totals], pages };
}

beforeAll(async () => {
  stack = await startStack({ perExchange: 2000, exchangeTimeoutMs: 2000 });
  all = (await Promise.all(EXCHANGES.map(listingsOf))).flat();
}, 240_000);
afterAll(async () => {
  await stack?.stop();
});
beforeEach(() => {
  for (const proxy of Object.values(stack.proxies)) proxy.reset();
});

describe('products', () => {
  it('groups cross-listed listings exactly as all listings read from each exchange do, at every page size', async () => {
    const expected = group(all, 2);
    expect(expected.length).toBeGreaterThan(100);
    for (const first of [7, 20, 100]) {
      const { products, totals } = await walkProducts({ filter: { minExchanges: 2 }, sort: 'PRODUCT_CODE' }, first);
      expect(totals).toEqual([expected.length]);
      expect(products.map((p) => p.productCode)).toEqual(expected.map((p) => p.productCode));
      expect(products).toEqual(expected);
    }
  }, 120_000);

  it('lists every product once in productCode order with minExchanges 1, its count agreeing', async () => {
    const expected = group(all, 1);
    const { products, totals } = await walkProducts({ sort: 'PRODUCT_CODE' }, 100);
    expect(totals).toEqual([expected.length]);
    expect(products.map((p) => p.productCode)).toEqual(expected.map((p) => p.productCode));
    expect(products.map((p) => p.exchangeCount)).toEqual(expected.map((p) => p.exchangeCount));
  }, 120_000);

  it('pages one product-code page with a few calls per exchange, not by paging every listing', async () => {
    const data: any = dataOf(
      await graphql(
        stack.gatewayUrl,
        `
          {
            products(filter: { minExchanges: 2, datasets: { categories: [FINANCE, TELECOM, ENERGY] } }, first: 20) {
              nodes {
                productCode
              }
            }
          }
        `,
      ),
    );
    expect(data.products.nodes.length).toBeGreaterThan(0);
    for (const exchange of EXCHANGES) expect(stack.proxies[exchange].calls).toBeLessThanOrEqual(10);
  });

  it('orders products by spread ratio, largest first, those without a ratio last', async () => {
    const expected = group(all, 2);
    const { products, totals } = await walkProducts({ filter: { minExchanges: 2 }, sort: 'SPREAD_DESC' }, 30);
    expect(totals).toEqual([expected.length]);
    expect(products.length).toBe(expected.length);
    const bySpread = (a: Product, b: Product) => {
      const ra = a.spread?.ratio ?? null;
      const rb = b.spread?.ratio ?? null;
      if (ra !== rb) {
        if (ra === null) return 1;
        if (rb === null) return -1;
        return rb - ra;
      }
      return byText(a.productCode, b.productCode);
    };
    expect(products.map((p) => p.productCode)).toEqual([...expected].sort(bySpread).map((p) => p.productCode));
    expect(products.some((p) => p.spread?.ratio && p.spread.ratio > 1)).toBe(true);
    const expectedByCode = new Map(expected.map((p) => [p.productCode, p]));
    for (const product of products) expect(product).toEqual(expectedByCode.get(product.productCode));
  }, 120_000);

  it('orders products by the number of exchanges, most first', async () => {
    const expected = group(all, 2).sort((a, b) => b.exchangeCount - a.exchangeCount || byText(a.productCode, b.productCode));
    expect(expected.some((p) => p.exchangeCount === 3)).toBe(true);
    const { products } = await walkProducts({ filter: { minExchanges: 2 }, sort: 'EXCHANGES_DESC' }, 50);
    expect(products.map((p) => p.productCode)).toEqual(expected.map((p) => p.productCode));
  }, 120_000);

  it('refuses a cursor of another sort and a minExchanges out of range, naming the argument', async () => {
    const first: any = dataOf(await graphql(stack.gatewayUrl, '{ products(first: 1) { pageInfo { endCursor } } }'));
    const wrongSort = await graphql(stack.gatewayUrl, `{ products(sort: SPREAD_DESC, after: "${first.products.pageInfo.endCursor}") { totalCount } }`);
    expect(wrongSort.errors?.[0].message).toMatch(/^after: is a cursor of sort PRODUCT_CODE, not SPREAD_DESC/);
    expect(wrongSort.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    const zero = await graphql(stack.gatewayUrl, '{ products(filter: { minExchanges: 0 }) { totalCount } }');
    expect(zero.errors?.[0].message).toBe('filter.minExchanges: must be between 1 and 64, got 0');
  });

  it('shows a down exchange in missingExchanges, with one error on the products path, and merges the others', async () => {
    stack.proxies.gy.mode = 'http500';
    // A filter not asked before, so no cached answer stands in for gy.
    const filter = { minExchanges: 2, datasets: { types: ['DATASET', 'DATA_SERVICE', 'DATA_REPORT', 'MODEL'] } };
    const result = await graphql(stack.gatewayUrl, PRODUCTS, { filter, first: 100 });
    const data: any = result.data;
    expect(data.products.missingExchanges).toEqual(['gy']);
    const exchangeErrors = (result.errors ?? []).filter((e) => e.extensions?.exchange === 'gy');
    expect(exchangeErrors).toHaveLength(1);
    expect(exchangeErrors[0].extensions?.code).toMatch(/^EXCHANGE_/);
    expect(exchangeErrors[0].path).toEqual(['products']);
    const expected = group(
      all.filter((l) => !l.id.startsWith('gy:')),
      2,
    );
    expect(data.products.edges.length).toBeGreaterThan(0);
    expect(data.products.edges.map((e: any) => e.node.productCode)).toEqual(expected.slice(0, 100).map((p) => p.productCode));
  });
});

describe('DatasetFilter.crossListed', () => {
  const COUNT = `query C($filter: DatasetFilter) { datasets(filter: $filter, first: 0) { totalCount missingExchanges } }`;

  it('splits the catalog into listings on another exchange too and listings on one only', async () => {
    const exchangesOf = new Map<string, Set<string>>();
    for (const l of all) exchangesOf.set(l.productCode, (exchangesOf.get(l.productCode) ?? new Set()).add(l.id.split(':')[0]));
    const crossListed = all.filter((l) => exchangesOf.get(l.productCode)!.size >= 2);
    expect(crossListed.length).toBeGreaterThan(0);
    const count = async (filter: Record<string, unknown> | null) =>
      (dataOf(await graphql(stack.gatewayUrl, COUNT, { filter })) as any).datasets.totalCount as number;
    const [total, yes, no] = await Promise.all([count(null), count({ crossListed: true }), count({ crossListed: false })]);
    expect(total).toBe(all.length);
    expect(yes).toBe(crossListed.length);
    expect(yes + no).toBe(total);
    const ids: string[] = [];
    let after: string | null = null;
    for (;;) {
      const data: any = dataOf(
        await graphql(
          stack.gatewayUrl,
          `
            query ($after: String) {
              datasets(filter: { crossListed: true, exchanges: ["sh"] }, first: 100, after: $after) {
                nodes {
                  id
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
      ids.push(...data.datasets.nodes.map((n: any) => n.id));
      if (!data.datasets.pageInfo.hasNextPage) break;
      after = data.datasets.pageInfo.endCursor;
    }
    expect(ids.sort()).toEqual(
      crossListed
        .filter((l) => l.id.startsWith('sh:'))
        .map((l) => l.id)
        .sort(),
    );
  }, 60_000);

  it('counts crossListed price statistics (priceStats and priceStatistics) over the cross-listed listings only', async () => {
    const data: any = dataOf(await graphql(stack.gatewayUrl, '{ priceStats(filter: { crossListed: true }, groupBy: EXCHANGE) { key count } }'));
    const exchangesOf = new Map<string, Set<string>>();
    for (const l of all) exchangesOf.set(l.productCode, (exchangesOf.get(l.productCode) ?? new Set()).add(l.id.split(':')[0]));
    const expected = EXCHANGES.map((e) => ({ key: e, count: all.filter((l) => l.id.startsWith(`${e}:`) && exchangesOf.get(l.productCode)!.size >= 2).length }));
    expect([...data.priceStats].sort((a: any, b: any) => byText(a.key, b.key))).toEqual(expected);
    const grouped: any = dataOf(
      await graphql(stack.gatewayUrl, '{ priceStatistics(filter: { crossListed: true }, groupBy: [EXCHANGE]) { buckets { keys count } missingExchanges } }'),
    );
    expect(grouped.priceStatistics.missingExchanges).toEqual([]);
    expect(grouped.priceStatistics.buckets.map((b: any) => ({ key: b.keys[0], count: b.count })).sort((a: any, b: any) => byText(a.key, b.key))).toEqual(
      expected,
    );
  });
});
