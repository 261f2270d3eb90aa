import { describe, it, expect, beforeAll, afterAll, vi } from 'vitest';
import { DatasetStore, type StatsRow } from '../../subgraphs/exchange/store/DatasetStore.ts';
import type { DatasetFilterInput } from '../../subgraphs/exchange/store/filterSql.ts';
import type { ColumnStatsGroup } from '../../subgraphs/exchange/store/UnfilteredStats.ts';
import { generateDatasets } from '../../seed/generate.ts';
import { Rng } from '../../seed/rng.ts';

/**
 * priceStats of filtered catalogs (StoreSession.stats), read once per filter and kept across price changes
 * (FilteredStats), against an independent computation: the rows the filter keeps selected by SQL written
 * here, and grouped here by (group, sketch bucket) with count, min and max. The bucket of an amount is the
 * documented one (docs/contract.md "Price sketch"), computed here from the amount.
 */

const EXCHANGE = 'bj';
const ZERO = -1_000_000;
const GAMMA = (1 + 0.005) / (1 - 0.005);

let store: DatasetStore;

beforeAll(() => {
  store = new DatasetStore(EXCHANGE, ':memory:');
  store.ingest(generateDatasets({ exchange: EXCHANGE, divisionCode: '110000', count: 2500 }));
  store.filterColumns();
});
afterAll(() => store.close());

const LISTS: Array<[keyof DatasetFilterInput, string]> = [
  ['categories', 'category'],
  ['types', 'type'],
  ['providerKinds', 'provider_kind'],
  ['securityLevels', 'security_level'],
  ['personalInfo', 'personal_info'],
  ['dataOrigins', 'data_origin'],
  ['pricingModels', 'price_model'],
  ['delivery', 'delivery'],
];
const GROUP_COLUMN: Record<ColumnStatsGroup, string | null> = {
  EXCHANGE: null,
  CATEGORY: 'category',
  PROVIDER_KIND: 'provider_kind',
  PRICING_MODEL: 'price_model',
  SECURITY_LEVEL: 'security_level',
};
const GROUPS = Object.keys(GROUP_COLUMN) as ColumnStatsGroup[];

/** (group, bucket) cells of the rows `filter` keeps, by SQL written here and a JS reduce. */
function expected(filter: DatasetFilterInput, groupBy: ColumnStatsGroup): StatsRow[] {
  const where: string[] = [];
  const params: unknown[] = [];
  for (const [field, column] of LISTS) {
    const values = filter[field] as string[] | undefined;
    // An empty list is no condition (as the contract reads it).
    if (!values || values.length === 0) continue;
    where.push(`${column} IN (${values.map(() => '?').join(', ')})`);
    params.push(...values);
  }
  if (filter.minPrice) {
    where.push('price_micros >= ?');
    params.push(Number(filter.minPrice) * 1_000_000);
  }
  if (filter.maxPrice) {
    where.push('price_micros <= ?');
    params.push(Number(filter.maxPrice) * 1_000_000);
  }
  if (filter.updatedSince) {
    where.push('updated_ms >= ?');
    params.push(Date.parse(filter.updatedSince));
  }
  if (filter.containsMinorsData !== undefined && filter.containsMinorsData !== null) {
    where.push('contains_minors = ?');
    params.push(filter.containsMinorsData ? 1 : 0);
  }
  if (filter.text) {
    where.push('(title_zh LIKE ? OR description_zh LIKE ? OR keywords LIKE ?)');
    params.push(...Array(3).fill(`%${filter.text}%`));
  }
  const column = GROUP_COLUMN[groupBy];
  const rows = store.db
    .prepare(`SELECT ${column ?? `'${EXCHANGE}'`} AS g, price_micros AS micros FROM datasets ${where.length ? `WHERE ${where.join(' AND ')}` : ''}`)
    .all(...params) as Array<{ g: string; micros: number | null }>;
  const cells = new Map<string, StatsRow>();
  for (const { g, micros } of rows) {
    const bucket = micros === null ? null : micros === 0 ? ZERO : Math.ceil(Math.log(micros / 1_000_000) / Math.log(GAMMA));
    const key = `${g}/${bucket}`;
    const cell = cells.get(key) ?? { group: g, bucket, n: 0, minMicros: micros, maxMicros: micros };
    cell.n++;
    if (micros !== null) {
      cell.minMicros = Math.min(cell.minMicros!, micros);
      cell.maxMicros = Math.max(cell.maxMicros!, micros);
    }
    cells.set(key, cell);
  }
  return sorted([...cells.values()]);
}

function sorted(rows: StatsRow[]): StatsRow[] {
  return [...rows].sort((a, b) => (a.group < b.group ? -1 : a.group > b.group ? 1 : (a.bucket ?? -Infinity) - (b.bucket ?? -Infinity)));
}

function distinct(column: string): string[] {
  return (store.db.prepare(`SELECT DISTINCT ${column} AS v FROM datasets ORDER BY 1`).all() as Array<{ v: string }>).map((r) => r.v);
}

/** A random filter of the conditions the filter columns test (at least one condition). */
function randomFilter(rng: Rng, updatedMs: number[]): DatasetFilterInput {
  const filter: Record<string, unknown> = {};
  for (const [field, column] of LISTS) {
    if (rng.next() < 0.25) filter[field] = distinct(column).filter(() => rng.next() < 0.4);
  }
  if (rng.next() < 0.3) filter.minPrice = String(Math.round(10 ** rng.float(0, 4)));
  if (rng.next() < 0.3) filter.maxPrice = String(Math.round(10 ** rng.float(2, 6)));
  if (rng.next() < 0.4) filter.updatedSince = new Date(rng.pick(updatedMs)).toISOString();
  if (rng.next() < 0.2) filter.containsMinorsData = rng.next() < 0.5;
  if (rng.next() < 0.2) {
    filter.text = rng.pick(['数据', '交通', '医疗']);
    filter.synonyms = false;
  }
  if (Object.keys(filter).length === 0) filter.updatedSince = new Date(rng.pick(updatedMs)).toISOString();
  return filter as DatasetFilterInput;
}

describe('priceStats of a filtered catalog, kept across price changes', () => {
  const rng = new Rng('filtered-stats');
  let cases: Array<{ filter: DatasetFilterInput; groupBy: ColumnStatsGroup }> = [];

  it('answers as SQL over the rows the filter keeps, for many random filters and every grouping', () => {
    const updatedMs = (store.db.prepare('SELECT updated_ms AS ms FROM datasets').all() as Array<{ ms: number }>).map((r) => r.ms);
    cases = Array.from({ length: 60 }, (_, i) => ({ filter: randomFilter(rng, updatedMs), groupBy: GROUPS[i % GROUPS.length] }));
    expect(cases.length).toBe(60);
    let nonEmpty = 0;
    for (const { filter, groupBy } of cases) {
      const want = expected(filter, groupBy);
      if (want.length > 0) nonEmpty++;
      expect(sorted(store.session().stats(filter, groupBy))).toEqual(want);
    }
    // The filters are not all empty ones.
    expect(nonEmpty).toBeGreaterThan(40);
  });

  it('stays exact through price changes without scanning the filter columns again', () => {
    expect(cases.length).toBe(60);
    const ids = (store.db.prepare('SELECT id FROM datasets ORDER BY rowid').all() as Array<{ id: string }>).map((r) => r.id);
    const scans = vi.spyOn(store.filterColumns(), 'stats');
    try {
      for (let change = 0; change < 25; change++) {
        const id = rng.pick(ids);
        const row = store.db.prepare('SELECT price_micros AS micros FROM datasets WHERE id = ?').get(id) as { micros: number | null };
        // A new price near the old one (often a cell's own min or max moving), far from it, FREE or NEGOTIABLE.
        const roll = rng.next();
        if (roll < 0.1) store.updatePrice(id, 'NEGOTIABLE', null);
        else if (roll < 0.2) store.updatePrice(id, 'FREE', '0.00');
        else {
          const micros = roll < 0.6 && row.micros ? row.micros + (rng.next() < 0.5 ? 10_000 : -10_000) : Math.round(10 ** rng.float(0, 6)) * 1_000_000;
          store.updatePrice(id, rng.pick(['PER_CALL', 'ANNUAL', 'MONTHLY']), (Math.max(micros, 10_000) / 1_000_000).toFixed(2));
        }
        for (const { filter, groupBy } of cases) expect(sorted(store.session().stats(filter, groupBy))).toEqual(expected(filter, groupBy));
      }
      expect(scans).not.toHaveBeenCalled();
    } finally {
      scans.mockRestore();
    }
  });

  it("reads a cell's max again when its listing moves to another cell", () => {
    const filter: DatasetFilterInput = { pricingModels: ['ANNUAL'] };
    expect(sorted(store.session().stats(filter, 'EXCHANGE'))).toEqual(expected(filter, 'EXCHANGE'));
    const rows = store.db.prepare("SELECT id, price_micros AS micros FROM datasets WHERE price_model = 'ANNUAL' ORDER BY price_micros DESC").all() as Array<{
      id: string;
      micros: number;
    }>;
    const bucketOf = (micros: number) => Math.ceil(Math.log(micros / 1_000_000) / Math.log(GAMMA));
    // The highest-priced listing of a bucket holding three or more with different prices.
    const top = rows.find((r, i) => rows.slice(i + 1).filter((o) => bucketOf(o.micros) === bucketOf(r.micros) && o.micros < r.micros).length >= 2);
    expect(top).toBeDefined();
    const next = rows.find((o) => bucketOf(o.micros) === bucketOf(top!.micros) && o.micros < top!.micros)!;
    store.updatePrice(top!.id, 'ANNUAL', '1.00');
    const cell = store
      .session()
      .stats(filter, 'EXCHANGE')
      .find((c) => c.bucket === bucketOf(top!.micros));
    expect(cell?.maxMicros).toBe(next.micros);
    expect(sorted(store.session().stats(filter, 'EXCHANGE'))).toEqual(expected(filter, 'EXCHANGE'));
  });

  it('follows a listing that the filter keeps only after its change (updatedSince)', () => {
    const since = '2030-01-01T00:00:00.000Z';
    const session = store.session();
    expect(session.stats({ updatedSince: since }, 'CATEGORY')).toEqual([]);
    const id = (store.db.prepare("SELECT id FROM datasets WHERE price_model = 'ANNUAL' LIMIT 1").get() as { id: string }).id;
    store.updatePrice(id, 'ANNUAL', '4321.00', new Date(Date.UTC(2031, 0, 1)));
    const category = (store.db.prepare('SELECT category FROM datasets WHERE id = ?').get(id) as { category: string }).category;
    const bucket = Math.ceil(Math.log(4321) / Math.log(GAMMA));
    expect(store.session().stats({ updatedSince: since }, 'CATEGORY')).toEqual([
      { group: category, bucket, n: 1, minMicros: 4_321_000_000, maxMicros: 4_321_000_000 },
    ]);
  });

  it('reads every filter again after a load', () => {
    const filter: DatasetFilterInput = { pricingModels: ['ANNUAL', 'PER_CALL'] };
    expect(sorted(store.session().stats(filter, 'CATEGORY'))).toEqual(expected(filter, 'CATEGORY'));
    // The same generator's next 300 listings (it is deterministic: the first 2,500 are the ones loaded).
    store.ingest([...generateDatasets({ exchange: EXCHANGE, divisionCode: '110000', count: 2800 })].slice(2500));
    const scans = vi.spyOn(store.filterColumns(), 'stats');
    try {
      expect(sorted(store.session().stats(filter, 'CATEGORY'))).toEqual(expected(filter, 'CATEGORY'));
      expect(scans).toHaveBeenCalledTimes(1);
    } finally {
      scans.mockRestore();
    }
  });
});
