import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { DatasetStore, type StatsRow } from '../../subgraphs/exchange/store/DatasetStore.ts';
import type { DatasetFilterInput } from '../../subgraphs/exchange/store/filterSql.ts';
import type { ColumnStatsGroup } from '../../subgraphs/exchange/store/UnfilteredStats.ts';
import { foldStatsRows } from '../../subgraphs/exchange/store/FoldedGroups.ts';
import { generateDatasets } from '../../seed/generate.ts';

/**
 * priceStats buckets kept per group (FoldedGroups) through price changes: after every change the buckets an
 * exchange serves (StoreSession.statsBuckets, the kept path) equal the buckets folded from a GROUP BY over
 * the table written here (no kept cells), sketch text included; and only the groups a change touched are
 * folded again.
 */

const EXCHANGE = 'bj';
const COLUMN: Record<ColumnStatsGroup, string> = {
  EXCHANGE: `'${EXCHANGE}'`,
  CATEGORY: 'category',
  PROVIDER_KIND: 'provider_kind',
  PRICING_MODEL: 'price_model',
  SECURITY_LEVEL: 'security_level',
};
const SINCE = '2025-06-01T00:00:00Z';

let store: DatasetStore;
let ids: string[];
let prices: number[];

beforeAll(() => {
  store = new DatasetStore(EXCHANGE, ':memory:');
  store.ingest(generateDatasets({ exchange: EXCHANGE, divisionCode: '110000', count: 2000 }));
  const rows = store.db.prepare('SELECT id, price_micros FROM datasets ORDER BY rowid').all() as Array<{ id: string; price_micros: number | null }>;
  ids = rows.map((r) => r.id);
  prices = [...new Set(rows.map((r) => r.price_micros).filter((m): m is number => m !== null && m > 0))];
});
afterAll(() => store.close());

/** The buckets as plain values (the sketch's wire form read once), for comparison. */
const plain = (buckets: Array<Record<string, unknown>>) => buckets.map((b) => ({ ...b, sketch: String(b.sketch) }));

/** The buckets folded from SQL over the table, the rows `filter` keeps (null or updatedSince only). */
function fromTable(groupBy: ColumnStatsGroup, filter: DatasetFilterInput | null) {
  const where = filter?.updatedSince ? `WHERE updated_ms >= ${Date.parse(filter.updatedSince)}` : '';
  const rows = store.db
    .prepare(
      `SELECT ${COLUMN[groupBy]} AS "group", price_bucket AS bucket, count(*) AS n, min(price_micros) AS minMicros,
       max(price_micros) AS maxMicros FROM datasets ${where} GROUP BY 1, 2`,
    )
    .all() as StatsRow[];
  return plain(foldStatsRows(rows) as never);
}

const FILTERS: Array<DatasetFilterInput | null> = [null, { updatedSince: SINCE }];
const GROUPS = Object.keys(COLUMN) as ColumnStatsGroup[];

describe('priceStats buckets kept per group', () => {
  it('equal the buckets folded from the table after each of many price changes, for every grouping, unfiltered and filtered', () => {
    let seed = 11;
    const next = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    const check = () => {
      for (const filter of FILTERS) {
        for (const groupBy of GROUPS) {
          const expected = fromTable(groupBy, filter);
          expect(expected.length).toBeGreaterThan(0);
          expect(plain(store.session().statsBuckets(filter, groupBy) as never)).toEqual(expected);
        }
      }
    };
    check();
    for (let i = 0; i < 120; i++) {
      const id = ids[next(30)];
      const kind = next(5);
      if (kind === 0) store.updatePrice(id, 'FREE', '0.00');
      else if (kind === 1) store.updatePrice(id, 'NEGOTIABLE', null);
      else {
        const micros = prices[next(prices.length)] + (kind === 2 ? 0 : next(3));
        store.updatePrice(id, (['PER_CALL', 'ANNUAL', 'ONE_TIME'] as const)[next(3)], (micros / 1e6).toFixed(6));
      }
      if (i % 10 === 9) check();
    }
    check();
  });

  it('folds again only the groups a price change touched', () => {
    const byCategory = () => store.session().statsBuckets(null, 'CATEGORY');
    const byModel = () => store.session().statsBuckets(null, 'PRICING_MODEL');
    const first = byCategory();
    byModel();
    const categories = store.unfilteredStats.folded.get('CATEGORY')!;
    const models = store.unfilteredStats.folded.get('PRICING_MODEL')!;
    expect(first.length).toBeGreaterThan(5);
    // Unchanged: the same buckets, nothing folded.
    let folds = [categories.folds, models.folds];
    expect(byCategory()).toBe(first);
    expect([categories.folds, models.folds]).toEqual(folds);

    const row = store.db.prepare("SELECT id, category, price_model FROM datasets WHERE price_model = 'PER_CALL' LIMIT 1").get() as {
      id: string;
      category: string;
    };
    store.updatePrice(row.id, 'ANNUAL', '4321.00');
    const after = byCategory();
    byModel();
    // One category (the listing's), two pricing models (the one it left, the one it joined).
    expect(categories.folds - folds[0]).toBe(1);
    expect(models.folds - folds[1]).toBe(2);
    // The other categories' buckets are the very objects served before.
    const changed = after.filter((b) => !first.includes(b)).map((b) => b.key);
    expect(changed).toEqual([row.category]);
    expect(plain(after as never)).toEqual(fromTable('CATEGORY', null));

    // Filtered (updatedSince): the change is now, so the filter keeps the listing: one category again.
    const since = { updatedSince: SINCE };
    store.session().statsBuckets(since, 'CATEGORY');
    store.updatePrice(row.id, 'ANNUAL', '4322.00');
    const scans = store.filteredStats.scans;
    folds = [categories.folds, models.folds];
    const filtered = store.session().statsBuckets(since, 'CATEGORY');
    expect(store.filteredStats.scans).toBe(scans);
    expect(plain(filtered as never)).toEqual(fromTable('CATEGORY', since));
    // And the unfiltered grouping folds that one category again, nothing else.
    expect(plain(byCategory() as never)).toEqual(fromTable('CATEGORY', null));
    expect([categories.folds - folds[0], models.folds - folds[1]]).toEqual([1, 0]);
  });
});
