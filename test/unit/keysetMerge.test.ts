import { describe, it, expect } from 'vitest';
import { mergeConnections, type ConnectionPart } from '../../gateway/src/shards/keysetMerge.ts';
import { HIDDEN, type Shape } from '../../gateway/src/shards/shardPlan.ts';
import { Rng } from '../../seed/rng.ts';
import { compareListings, compareBytes, cursorText, orderKeyOf, amountMicros, type ListingFields } from '../helpers/reference.ts';

// Exchanges simulated in memory from raw listings: each answers "the first N after the cursor" in the
// contract's order, computed by the test's own comparator; the merge must give the order of the union.

type Sort = 'UPDATED_DESC' | 'PRICE_ASC' | 'PRICE_DESC' | 'TITLE_ASC';
const SORTS: Sort[] = ['UPDATED_DESC', 'PRICE_ASC', 'PRICE_DESC', 'TITLE_ASC'];
const EXCHANGES = ['bj', 'gy', 'sh'];

/** The key an exchange writes into its cursors (README: the cursor holds the sort, the key and the id). */
function exchangeCursor(sort: Sort, item: ListingFields): string {
  const micros = item.price.amount === null ? null : amountMicros(item.price.amount);
  const key =
    sort === 'UPDATED_DESC'
      ? Date.parse(item.updatedAt)
      : sort === 'TITLE_ASC'
        ? item.title
        : sort === 'PRICE_ASC'
          ? (micros ?? Number.MAX_SAFE_INTEGER)
          : (micros ?? -1);
  return cursorText(sort, key, item.id);
}

/** Listings with many equal keys, within and across exchanges (few titles, minutes and prices), and twins. */
function catalog(seed: string): ListingFields[] {
  const rng = new Rng(seed);
  const titles = ['Credit records', 'Zoning maps', 'credit records', 'Água data', 'Weather feed'];
  const amounts = [null, '0.00', '1.50', '1.5', '20.00', '300.25'];
  const minutes = ['2024-01-01T00:00:00.000Z', '2024-01-01T00:01:00.000Z', '2024-03-05T10:00:00.000Z'];
  const items: ListingFields[] = [];
  for (const exchange of EXCHANGES) {
    for (let i = 1; i <= 40; i++) {
      const amount = rng.pick(amounts);
      items.push({
        id: `${exchange}:ds-${String(i).padStart(6, '0')}`,
        title: rng.pick(titles),
        updatedAt: rng.pick(minutes),
        price: { model: amount === null ? 'NEGOTIABLE' : amount === '0.00' ? 'FREE' : 'PER_CALL', amount },
      });
    }
  }
  // Twins: the same fields on every exchange, so every key ties across exchanges and only the id decides.
  for (const exchange of EXCHANGES) {
    items.push({ id: `${exchange}:ds-twin01`, title: 'Twin listing', updatedAt: minutes[0], price: { model: 'PER_CALL', amount: '20.00' } });
  }
  return items;
}

const NODE_SHAPE: Shape = new Map([['id', { field: 'id' }]]);
const SHAPE: Shape = new Map([
  [
    'edges',
    {
      field: 'edges',
      shape: new Map([
        ['cursor', { field: 'cursor' }],
        ['node', { field: 'node', shape: NODE_SHAPE }],
      ]),
    },
  ],
  ['list', { field: 'nodes', shape: NODE_SHAPE }],
  [
    'pageInfo',
    {
      field: 'pageInfo',
      shape: new Map([
        ['hasNextPage', { field: 'hasNextPage' }],
        ['endCursor', { field: 'endCursor' }],
      ]),
    },
  ],
  ['totalCount', { field: 'totalCount' }],
  ['missingExchanges', { field: 'missingExchanges' }],
  ['__typename', { field: '__typename' }],
]);

/** One exchange's answer to `first` after `afterId` (a listing anywhere in the catalog), in the router's hidden form too. */
function answer(all: ListingFields[], exchange: string, sort: Sort, first: number, afterId: string | null): ConnectionPart {
  const byId = new Map(all.map((item) => [item.id, item]));
  const after = afterId === null ? null : byId.get(afterId)!;
  const own = all.filter((item) => item.id.startsWith(`${exchange}:`)).sort((a, b) => compareListings(sort, a, b));
  const rest = after ? own.filter((item) => compareListings(sort, item, after) > 0) : own;
  const page = rest.slice(0, first);
  const edges = page.map((item) => ({ cursor: exchangeCursor(sort, item), node: { id: item.id } }));
  const hasNextPage = rest.length > page.length;
  return {
    exchange,
    value: {
      edges,
      list: page.map((item) => ({ id: item.id })),
      pageInfo: { hasNextPage, endCursor: edges.at(-1)?.cursor ?? null },
      totalCount: own.length,
      missingExchanges: [],
      __typename: 'DatasetConnection',
      [HIDDEN.edges]: edges.map((e) => ({ cursor: e.cursor })),
      [HIDDEN.info]: { hasNextPage },
    },
  };
}

/** Walks every merged page; returns the ids in merged order and the number of pages. */
function walkMerged(all: ListingFields[], sort: Sort, first: number): { ids: string[]; pages: number; totalCounts: number[] } {
  const ids: string[] = [];
  const totalCounts: number[] = [];
  let afterId: string | null = null;
  for (let pages = 1; pages < 1000; pages++) {
    const merged = mergeConnections({
      parts: EXCHANGES.map((e) => answer(all, e, sort, first, afterId)),
      first,
      sort,
      shape: SHAPE,
      missingExchanges: [],
    }) as any;
    const pageIds = merged.edges.map((e: any) => e.node.id);
    expect(merged.list.map((n: any) => n.id)).toEqual(pageIds);
    ids.push(...pageIds);
    totalCounts.push(merged.totalCount);
    if (!merged.pageInfo.hasNextPage) return { ids, pages, totalCounts };
    expect(merged.pageInfo.endCursor).toBe(merged.edges.at(-1).cursor);
    afterId = pageIds.at(-1);
  }
  throw new Error('the merged walk did not end');
}

describe('keyset merge', () => {
  const all = catalog('keyset-merge');

  for (const sort of SORTS) {
    it(`gives the union of the exchanges in ${sort} order, page after page, ties across exchanges broken by id`, () => {
      const expected = [...all].sort((a, b) => compareListings(sort, a, b)).map((item) => item.id);
      // The data must hold keys equal across exchanges, or the tie-break would go untested.
      const byId = new Map(all.map((item) => [item.id, item]));
      const crossTies = expected.slice(1).filter((id, i) => {
        const before = byId.get(expected[i])!;
        return orderKeyOf(sort, before) === orderKeyOf(sort, byId.get(id)!) && before.id.slice(0, 2) !== id.slice(0, 2);
      });
      expect(crossTies.length).toBeGreaterThan(3);

      const walked = walkMerged(all, sort, 7);
      expect(walked.ids).toEqual(expected);
      expect(walked.pages).toBe(Math.ceil(expected.length / 7));
      expect(new Set(walked.totalCounts)).toEqual(new Set([all.length]));
    });
  }

  it('compares titles byte by byte: upper case before lower case, accented letters after z', () => {
    const walked = walkMerged(all, 'TITLE_ASC', 50).ids.map((id) => all.find((item) => item.id === id)!.title);
    const distinct = walked.filter((title, i) => title !== walked[i - 1]);
    expect(distinct).toEqual(['Credit records', 'Twin listing', 'Weather feed', 'Zoning maps', 'credit records', 'Água data']);
  });

  it('puts NEGOTIABLE after every priced listing in both price orders, and reads "1.5" and "1.50" as one price', () => {
    for (const sort of ['PRICE_ASC', 'PRICE_DESC'] as const) {
      const models = walkMerged(all, sort, 11).ids.map((id) => all.find((item) => item.id === id)!);
      const firstNegotiable = models.findIndex((item) => item.price.amount === null);
      expect(firstNegotiable).toBeGreaterThan(0);
      expect(models.slice(firstNegotiable).every((item) => item.price.amount === null)).toBe(true);
      // Equal amounts written two ways are one key: they interleave by id alone.
      const oneFifty = models.filter((item) => item.price.amount === '1.50' || item.price.amount === '1.5').map((item) => item.id);
      expect(oneFifty.length).toBeGreaterThan(2);
      const byId = [...oneFifty].sort(compareBytes);
      expect(oneFifty).toEqual(sort === 'PRICE_ASC' ? byId : byId.reverse());
    }
  });

  it('keeps only `first` edges and says there is more when the merge dropped some, though no exchange had more', () => {
    const parts = EXCHANGES.map((e) => answer(all, e, 'TITLE_ASC', 100, null));
    expect(parts.every((p) => p.value[HIDDEN.info].hasNextPage === false)).toBe(true);
    const merged = mergeConnections({ parts, first: 5, sort: 'TITLE_ASC', shape: SHAPE, missingExchanges: [] }) as any;
    expect(merged.edges).toHaveLength(5);
    expect(merged.pageInfo).toEqual({ hasNextPage: true, endCursor: merged.edges[4].cursor });
  });

  it('says there is more when one exchange had more, though the merge dropped nothing', () => {
    const parts = EXCHANGES.map((e) => answer(all, e, 'UPDATED_DESC', 2, null));
    const merged = mergeConnections({ parts, first: 6, sort: 'UPDATED_DESC', shape: SHAPE, missingExchanges: [] }) as any;
    expect(merged.edges).toHaveLength(6);
    expect(merged.pageInfo.hasNextPage).toBe(true);
  });

  it('answers an empty page with endCursor null, the summed totalCount and the missing exchanges it was given', () => {
    const last = [...all].sort((a, b) => compareListings('PRICE_DESC', a, b)).at(-1)!;
    const parts = EXCHANGES.map((e) => answer(all, e, 'PRICE_DESC', 10, last.id));
    const merged = mergeConnections({ parts, first: 10, sort: 'PRICE_DESC', shape: SHAPE, missingExchanges: ['ty'] }) as any;
    expect(merged).toEqual({
      edges: [],
      list: [],
      pageInfo: { hasNextPage: false, endCursor: null },
      totalCount: all.length,
      missingExchanges: ['ty'],
      __typename: 'DatasetConnection',
    });
  });

  it('leaves out a field every exchange left out (@skip), and keeps the others', () => {
    const parts = EXCHANGES.map((e) => answer(all, e, 'TITLE_ASC', 3, null));
    for (const part of parts) delete part.value.edges;
    const merged = mergeConnections({ parts, first: 3, sort: 'TITLE_ASC', shape: SHAPE, missingExchanges: [] }) as any;
    expect('edges' in merged).toBe(false);
    expect(merged.list).toHaveLength(3);
  });

  it('gives one exchange its own page as it is (a single-exchange fan-out: nothing to sort), walking every page', () => {
    for (const sort of SORTS) {
      const expected = all
        .filter((item) => item.id.startsWith('sh:'))
        .sort((a, b) => compareListings(sort, a, b))
        .map((item) => item.id);
      expect(expected.length).toBeGreaterThan(7);
      const ids: string[] = [];
      let afterId: string | null = null;
      for (let page = 0; page < 100; page++) {
        const part = answer(all, 'sh', sort, 7, afterId);
        const merged = mergeConnections({ parts: [part], first: 7, sort, shape: SHAPE, missingExchanges: ['gy'] }) as any;
        expect(merged.list).toEqual(part.value.list);
        expect(merged.totalCount).toBe(expected.length);
        expect(merged.missingExchanges).toEqual(['gy']);
        expect(merged.pageInfo).toEqual({ hasNextPage: part.value[HIDDEN.info].hasNextPage, endCursor: part.value.edges.at(-1)?.cursor ?? null });
        ids.push(...merged.list.map((n: { id: string }) => n.id));
        if (!merged.pageInfo.hasNextPage) break;
        afterId = ids.at(-1)!;
      }
      expect(ids).toEqual(expected);
    }
  });

  it('refuses a cursor of another sort, naming the exchange', () => {
    const parts = EXCHANGES.map((e) => answer(all, e, 'TITLE_ASC', 3, null));
    expect(() => mergeConnections({ parts, first: 3, sort: 'PRICE_ASC', shape: SHAPE, missingExchanges: [] })).toThrow(
      /^exchange bj: cursor belongs to sort TITLE_ASC, not PRICE_ASC$/,
    );
  });
});
