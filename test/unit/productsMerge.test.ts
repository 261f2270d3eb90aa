import { describe, it, expect } from 'vitest';
import { parse, type FieldNode, type OperationDefinitionNode } from 'graphql';
import { ProductsResolver, GROUPS_VARIABLES, type GroupsCall, type ProductsResolverOptions } from '../../gateway/src/shards/ProductsResolver.ts';
import { mergeGroups, boundaryOf, groupPageProblem, HIDDEN_LISTING } from '../../gateway/src/shards/productsMerge.ts';
import { CrossListings } from '../../gateway/src/shards/CrossListings.ts';
import { HIDDEN, shapeOf } from '../../gateway/src/shards/shardPlan.ts';
import { crossListedVariable } from '../../gateway/src/shards/productsPlan.ts';
import { spreadOf } from '../../shared/productOrder.ts';

/**
 * The products merge with fake exchanges: each answers `productGroups` from a list in memory, as the
 * contract says (groups in code order after afterCode, at most `first`, hasMore). No HTTP: the merge's
 * rounds, boundaries and cursors are what is tested here; test/products.e2e.ts runs real exchanges.
 */
interface FakeListing {
  id: string;
  code: string;
  model: string;
  amount: string | null;
}

const byText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** A small deterministic generator (no Math.random: failures must reproduce). */
function fakeCatalog(seed: number, exchanges: string[], codes: number): FakeListing[] {
  let state = seed;
  const next = () => (state = (state * 1103515245 + 12345) % 2147483648) / 2147483648;
  const listings: FakeListing[] = [];
  for (let c = 0; c < codes; c++) {
    const code = `P-${String(c).padStart(4, '0')}`;
    const model = next() < 0.8 ? 'ANNUAL' : 'PER_CALL';
    for (const exchange of exchanges) {
      if (next() < 0.55) continue;
      const n = next() < 0.1 ? 2 : 1; // sometimes two listings of one code on one exchange
      for (let i = 0; i < n; i++) {
        const amount = next() < 0.05 ? null : next() < 0.05 ? '0.00' : (100 + Math.floor(next() * 900)).toFixed(2);
        listings.push({ id: `${exchange}:ds-${code}-${i}`, code, model: amount === null ? 'NEGOTIABLE' : model, amount });
      }
    }
  }
  return listings;
}

function fakeCall(catalog: FakeListing[], options: { down?: Set<string>; calls?: Map<string, number> } = {}): GroupsCall {
  const byExchange = new Map<string, FakeListing[]>();
  for (const l of catalog) byExchange.set(l.id.split(':')[0], [...(byExchange.get(l.id.split(':')[0]) ?? []), l]);
  return async (_query, variablesByExchange, check) => {
    const result = {
      pages: new Map<string, Record<string, any>>(),
      failed: [] as string[],
      errors: [] as any[],
      userErrors: [],
      versions: new Map<string, string | null>(),
    };
    for (const [exchange, variables] of variablesByExchange) {
      options.calls?.set(exchange, (options.calls.get(exchange) ?? 0) + 1);
      if (options.down?.has(exchange)) {
        result.failed.push(exchange);
        result.errors.push({ message: `exchange ${exchange} is offline`, extensions: { code: 'EXCHANGE_UNAVAILABLE', exchange } });
        continue;
      }
      const filter = variables[GROUPS_VARIABLES.filter] as { crossListed?: boolean } | null;
      const crossListedCodes = new Set((variables[crossListedVariable()] as string[] | undefined) ?? []);
      const own = (byExchange.get(exchange) ?? []).filter(
        (l) => filter?.crossListed === undefined || filter.crossListed === null || crossListedCodes.has(l.code) === filter.crossListed,
      );
      const after = variables[GROUPS_VARIABLES.after] as string | null;
      const only = variables[GROUPS_VARIABLES.codes] as string[] | null;
      const first = variables[GROUPS_VARIABLES.first] as number;
      const ownByCode = new Map<string, FakeListing[]>();
      for (const l of own) ownByCode.set(l.code, [...(ownByCode.get(l.code) ?? []), l]);
      const codes = [...ownByCode.keys()].sort(byText).filter((c) => (after === null || c > after) && (!only || only.includes(c)));
      const value = {
        hasMore: codes.length > first,
        groups: codes.slice(0, first).map((code) => ({
          productCode: code,
          listings: ownByCode.get(code)!.map((l) => ({
            id: l.id,
            [HIDDEN.id]: l.id,
            [HIDDEN_LISTING.title]: `title ${l.code}`,
            [HIDDEN_LISTING.titleZh]: `标题 ${l.code}`,
            [HIDDEN_LISTING.price]: { model: l.model, amount: l.amount, currency: 'CNY' },
          })),
        })),
      };
      const problem = check(exchange, value);
      if (problem) throw new Error(`fake exchange ${exchange} answered badly: ${problem}`);
      result.pages.set(exchange, value);
      result.versions.set(exchange, 'v1');
    }
    return result;
  };
}

const QUERY = `{ products { edges { cursor node { productCode exchangeCount listings { id } spread { min max ratio } } } pageInfo { hasNextPage endCursor } totalCount missingExchanges } }`;
const field = (parse(QUERY).definitions[0] as OperationDefinitionNode).selectionSet.selections[0] as FieldNode;
const shape = shapeOf(field.selectionSet)!;

/** Brute force: every code's listings over all exchanges, as the merge must find them. */
function expectedProducts(catalog: FakeListing[], minExchanges: number, exchanges?: string[]) {
  const byCode = new Map<string, FakeListing[]>();
  for (const l of catalog) if (!exchanges || exchanges.includes(l.id.split(':')[0])) byCode.set(l.code, [...(byCode.get(l.code) ?? []), l]);
  return [...byCode]
    .map(([code, ls]) => ({ code, exchanges: new Set(ls.map((l) => l.id.split(':')[0])).size, ids: ls.map((l) => l.id).sort(byText) }))
    .filter((p) => p.exchanges >= minExchanges)
    .sort((a, b) => byText(a.code, b.code));
}

async function walk(
  resolver: ProductsResolver,
  args: { minExchanges?: number; sort?: string; first: number },
  targets: string[],
  crossListed: () => Promise<any>,
) {
  const seen: Array<{ code: string; exchanges: number; ids: string[]; ratio: number | null }> = [];
  let after: string | null = null;
  let pages = 0;
  let shortPages = 0;
  for (;;) {
    const { value, errors } = await resolver.resolve({
      responseKey: 'products',
      node: field,
      shape,
      args: { filter: { minExchanges: args.minExchanges ?? null }, sort: (args.sort ?? 'PRODUCT_CODE') as never, first: args.first, after },
      targets,
      variableDefinitions: [],
      variables: {},
      crossListedCodes: crossListed,
    });
    expect(errors).toEqual([]);
    const connection = value as any;
    pages++;
    seen.push(
      ...connection.edges.map((e: any) => ({
        code: e.node.productCode,
        exchanges: e.node.exchangeCount,
        ids: e.node.listings.map((l: any) => l.id),
        ratio: e.node.spread?.ratio ?? null,
      })),
    );
    if (!connection.pageInfo.hasNextPage) return { seen, pages, shortPages };
    if (connection.edges.length < args.first) shortPages++;
    after = connection.pageInfo.endCursor;
    expect(after).toBeTruthy();
    expect(pages).toBeLessThan(1000);
  }
}

const EXCHANGES = ['bj', 'gy', 'sh', 'ty'];

function resolverFor(catalog: FakeListing[], options: ProductsResolverOptions = {}, calls?: Map<string, number>) {
  const call = fakeCall(catalog, { calls });
  const crossListings = new CrossListings({ pageSize: 50 });
  return { resolver: new ProductsResolver(call, options), crossListed: () => crossListings.codes(EXCHANGES, call) };
}

describe('products merge over fake exchanges', () => {
  const catalog = fakeCatalog(7, EXCHANGES, 400);

  it('walks every product once, in code order, for every page size and minExchanges', async () => {
    for (const minExchanges of [1, 2, 3]) {
      const expected = expectedProducts(catalog, minExchanges);
      expect(expected.length).toBeGreaterThan(10);
      for (const first of [2, 7, 50]) {
        const { resolver, crossListed } = resolverFor(catalog, { groupsPerRound: () => 4 });
        const { seen } = await walk(resolver, { minExchanges, first }, EXCHANGES, crossListed);
        expect(seen.map((p) => p.code)).toEqual(expected.map((p) => p.code));
        expect(seen.map((p) => p.exchanges)).toEqual(expected.map((p) => p.exchanges));
        expect(seen.map((p) => p.ids)).toEqual(expected.map((p) => p.ids));
      }
    }
  });

  it('ends a page cut short by the round limit at the boundary, and the next page goes on from there without a gap', async () => {
    const expected = expectedProducts(catalog, 3);
    const { resolver, crossListed } = resolverFor(catalog, { groupsPerRound: () => 1, maxRounds: 2 });
    const { seen, shortPages } = await walk(resolver, { minExchanges: 3, first: 5 }, EXCHANGES, crossListed);
    expect(shortPages).toBeGreaterThan(0);
    expect(seen.map((p) => p.code)).toEqual(expected.map((p) => p.code));
  });

  it('orders by spread ratio (largest first, none last) and by exchange count, exact across pages', async () => {
    const expected = expectedProducts(catalog, 2).map((p) => {
      const ls = catalog.filter((l) => l.code === p.code);
      return { ...p, ratio: spreadOf(ls.map((l) => ({ model: l.model, amount: l.amount, currency: 'CNY' })))?.ratio ?? null };
    });
    const bySpread = [...expected].sort((a, b) =>
      a.ratio === b.ratio ? byText(a.code, b.code) : a.ratio === null ? 1 : b.ratio === null ? -1 : b.ratio - a.ratio,
    );
    expect(bySpread.some((p) => p.ratio === null)).toBe(true);
    const { resolver, crossListed } = resolverFor(catalog);
    const spread = await walk(resolver, { minExchanges: 2, sort: 'SPREAD_DESC', first: 7 }, EXCHANGES, crossListed);
    expect(spread.seen.map((p) => p.code)).toEqual(bySpread.map((p) => p.code));
    expect(spread.seen.map((p) => p.ratio)).toEqual(bySpread.map((p) => p.ratio));
    const byCount = [...expected].sort((a, b) => b.exchanges - a.exchanges || byText(a.code, b.code));
    const counts = await walk(resolver, { minExchanges: 2, sort: 'EXCHANGES_DESC', first: 9 }, EXCHANGES, crossListed);
    expect(counts.seen.map((p) => p.code)).toEqual(byCount.map((p) => p.code));
  });

  it('asks for cross-listed codes only when minExchanges is 2 or more, and then skips codes listed once', async () => {
    const calls = new Map<string, number>();
    const { resolver, crossListed } = resolverFor(catalog, {}, calls);
    let asked = 0;
    const counting = async () => {
      asked++;
      return crossListed();
    };
    await walk(resolver, { minExchanges: 1, first: 20 }, EXCHANGES, counting);
    expect(asked).toBe(0);
    await walk(resolver, { minExchanges: 2, first: 20 }, EXCHANGES, counting);
    expect(asked).toBeGreaterThan(0);
  });

  it('lists a failed exchange in missingExchanges with one error on the field path and merges the rest', async () => {
    const call = fakeCall(catalog, { down: new Set(['gy']) });
    const crossListings = new CrossListings();
    const { value, errors } = await new ProductsResolver(call).resolve({
      responseKey: 'cross',
      node: field,
      shape,
      args: { filter: { minExchanges: 2 }, first: 100 },
      targets: EXCHANGES,
      variableDefinitions: [],
      variables: {},
      crossListedCodes: () => crossListings.codes(EXCHANGES, call),
    });
    const connection = value as any;
    expect(connection.missingExchanges).toEqual(['gy']);
    expect(errors.length).toBeGreaterThan(0);
    for (const error of errors) expect(error).toMatchObject({ path: ['cross'], extensions: { code: 'EXCHANGE_UNAVAILABLE', exchange: 'gy' } });
    const expected = expectedProducts(catalog, 2, ['bj', 'sh', 'ty']);
    expect(connection.edges.map((e: any) => e.node.productCode)).toEqual(expected.slice(0, 100).map((p) => p.code));
  });

  it('refuses a scan larger than the gateway may hold, saying how to narrow it', async () => {
    const call = fakeCall(catalog);
    const { value, errors } = await new ProductsResolver(call, { maxScanGroups: 100, scanPageSize: 40 }).resolve({
      responseKey: 'products',
      node: field,
      shape,
      args: { sort: 'SPREAD_DESC', first: 5 },
      targets: EXCHANGES,
      variableDefinitions: [],
      variables: {},
      crossListedCodes: () => new CrossListings().codes(EXCHANGES, call),
    });
    expect(value).toBeNull();
    expect(errors).toEqual([
      {
        message:
          'products: this sort or totalCount needs every matching product, more than 100 here; narrow filter.datasets or set filter.minExchanges to 2 or more',
        path: ['products'],
        extensions: { code: 'BAD_USER_INPUT', argument: 'filter' },
      },
    ]);
  });

  it('refuses a cursor that is not a products cursor, naming the argument', async () => {
    const { resolver, crossListed } = resolverFor(catalog);
    const { value, errors } = await resolver.resolve({
      responseKey: 'products',
      node: field,
      shape,
      args: { first: 5, after: 'not-a-cursor' },
      targets: EXCHANGES,
      variableDefinitions: [],
      variables: {},
      crossListedCodes: crossListed,
    });
    expect(value).toBeNull();
    expect(errors).toEqual([{ message: 'after: is not a products cursor', path: ['products'], extensions: { code: 'BAD_USER_INPUT', argument: 'after' } }]);
  });
});

describe('product groups', () => {
  const listing = (id: string, model: string, amount: string | null) => ({ [HIDDEN.id]: id, [HIDDEN_LISTING.price]: { model, amount, currency: 'CNY' } });

  it('merges groups by code with listings by exchange and the spread of their prices', () => {
    const merged = mergeGroups([
      { exchange: 'sh', productCode: 'B', listings: [listing('sh:2', 'ANNUAL', '300.00')] },
      { exchange: 'bj', productCode: 'B', listings: [listing('bj:9', 'ANNUAL', '100.00')] },
      { exchange: 'bj', productCode: 'A', listings: [listing('bj:1', 'ANNUAL', '5.00')] },
    ]);
    expect(merged.map((p) => p.productCode)).toEqual(['A', 'B']);
    expect(merged[1].exchanges).toEqual(['bj', 'sh']);
    expect(merged[1].listings.map((l) => l[HIDDEN.id])).toEqual(['bj:9', 'sh:2']);
    expect(merged[1].spread).toEqual({ model: 'ANNUAL', currency: 'CNY', min: '100.00', max: '300.00', ratio: 3 });
  });

  it('has no spread across pricing models or with a negotiable price, and no ratio from zero', () => {
    expect(
      spreadOf([
        { model: 'ANNUAL', amount: '1.00', currency: 'CNY' },
        { model: 'MONTHLY', amount: '1.00', currency: 'CNY' },
      ]),
    ).toBeNull();
    expect(
      spreadOf([
        { model: 'ANNUAL', amount: '1.00', currency: 'CNY' },
        { model: 'NEGOTIABLE', amount: null, currency: 'CNY' },
      ]),
    ).toBeNull();
    expect(
      spreadOf([
        { model: 'FREE', amount: '0.00', currency: 'CNY' },
        { model: 'FREE', amount: '0.00', currency: 'CNY' },
      ])?.ratio,
    ).toBeNull();
  });

  it('puts the boundary at the smallest last code of the exchanges that have more', () => {
    expect(
      boundaryOf([
        { lastCode: 'M', hasMore: true },
        { lastCode: 'C', hasMore: true },
        { lastCode: 'A', hasMore: false },
      ]),
    ).toBe('C');
    expect(boundaryOf([{ lastCode: 'M', hasMore: false }])).toBeNull();
  });

  it('refuses a page out of order, after the cursor, too long, or with listings of another exchange', () => {
    const page = (codes: string[], id = 'sh:1') => ({ hasMore: false, groups: codes.map((c) => ({ productCode: c, listings: [{ [HIDDEN.id]: id }] })) });
    const request = { afterCode: 'B', codes: null, first: 2 };
    expect(groupPageProblem(page(['C', 'D']), 'sh', request)).toBeNull();
    expect(groupPageProblem(page(['D', 'C']), 'sh', request)).toBe('returned groups out of order');
    expect(groupPageProblem(page(['A']), 'sh', request)).toBe('returned groups out of order');
    expect(groupPageProblem(page(['C', 'D', 'E']), 'sh', request)).toBe('returned 3 groups for first: 2');
    expect(groupPageProblem(page(['C'], 'gy:1'), 'sh', request)).toBe('returned listings without its own prefix');
  });
});
