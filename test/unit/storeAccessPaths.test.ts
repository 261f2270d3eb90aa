import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chineseBigramText } from '../../subgraphs/exchange/store/chineseText.ts';
import { generateDatasets } from '../../seed/generate.ts';
import { comparePositions, SORT_SPECS, type CursorPosition } from '../../shared/datasetOrder.ts';
import { DATASET_TYPES, PRICING_MODELS, type DatasetSort } from '../../shared/domain.ts';
import {
  COMMON_TEXT_MATCHES,
  DatasetStore,
  MAX_PREFIX_WORDS,
  StoreSession,
  VERY_COMMON_TEXT_SHARE,
  type DatasetRow,
  type StatsRow,
} from '../../subgraphs/exchange/store/DatasetStore.ts';
import { FacetCounts } from '../../subgraphs/exchange/store/FacetCounts.ts';
import { FilterColumns } from '../../subgraphs/exchange/store/FilterColumns.ts';
import type { DatasetFilterInput } from '../../subgraphs/exchange/store/filterSql.ts';

/**
 * The store reads a page in one of several ways (per-value ordered ranges, a text probe per row, the
 * sort index walked against the text matches, or the matches read and sorted). Each must return exactly
 * the rows and order of the definition: every row of the filter, in the one total order (key, id).
 */
const COUNT = 8000;
let store: DatasetStore;
let all: DatasetRow[];

/** A session that records its SQL, to show which way a page was read. */
class Recording extends StoreSession {
  sql: string[] = [];
  override all<T>(sql: string, params: unknown[]): T[] {
    this.sql.push(sql);
    return super.all<T>(sql, params);
  }
  override get<T>(sql: string, params: unknown[]): T | undefined {
    this.sql.push(sql);
    return super.get<T>(sql, params);
  }
  override rawAll<T extends unknown[]>(sql: string, params: unknown[]): T[] {
    this.sql.push(sql);
    return super.rawAll<T>(sql, params);
  }
}

const SORTS: DatasetSort[] = ['UPDATED_DESC', 'PRICE_ASC', 'PRICE_DESC', 'TITLE_ASC'];
const keyOf = (row: DatasetRow, sort: DatasetSort) => row[SORT_SPECS[sort].column] as number | string;

/** The definition, in JavaScript: filter every row, sort by (key, id) in the sort's direction. */
function expected(predicate: (row: DatasetRow) => boolean, sort: DatasetSort): string[] {
  return all
    .filter(predicate)
    .sort((a, b) => comparePositions(sort, { key: keyOf(a, sort), id: a.id }, { key: keyOf(b, sort), id: b.id }))
    .map((r) => r.id);
}

/** Every page of a filter and sort, each read after the previous page's last row, as a client would. */
function walk(filter: DatasetFilterInput, sort: DatasetSort, limit: number): { ids: string[]; sql: string[] } {
  const ids: string[] = [];
  const sql: string[] = [];
  let after: CursorPosition | null = null;
  for (let guard = 0; guard < 10_000; guard++) {
    const session = new Recording(store);
    const rows = session.page({ filter, sort, limit, after });
    sql.push(...session.sql);
    const page = rows.slice(0, limit);
    ids.push(...page.map((r) => r.id));
    if (rows.length <= limit) return { ids, sql };
    const last = page[page.length - 1];
    after = { sort, key: keyOf(last, sort), id: last.id };
  }
  throw new Error('walk did not end');
}

beforeAll(() => {
  store = new DatasetStore('bj', ':memory:');
  store.ingest(generateDatasets({ exchange: 'bj', divisionCode: '110000', count: COUNT }));
  all = store.db.prepare('SELECT * FROM datasets').all() as DatasetRow[];
});
afterAll(() => store.close());

describe('pages filtered by lists, read one ordered index range per value', () => {
  const cases: Array<{ name: string; filter: DatasetFilterInput; test: (r: DatasetRow) => boolean }> = [
    {
      name: 'providerKinds + pricingModels',
      filter: { providerKinds: ['PRIVATE_ENTERPRISE', 'STATE_OWNED_ENTERPRISE'], pricingModels: ['PER_CALL', 'ANNUAL', 'MONTHLY'] },
      test: (r) =>
        ['PRIVATE_ENTERPRISE', 'STATE_OWNED_ENTERPRISE'].includes(r.provider_kind as string) && ['PER_CALL', 'ANNUAL', 'MONTHLY'].includes(r.price_model),
    },
    {
      name: 'pricingModels with NEGOTIABLE and FREE (the two ends of a price order)',
      filter: { pricingModels: ['NEGOTIABLE', 'FREE', 'ONE_TIME'] },
      test: (r) => ['NEGOTIABLE', 'FREE', 'ONE_TIME'].includes(r.price_model),
    },
    {
      name: 'categories + delivery + a price bound',
      filter: { categories: ['PUBLIC_HEALTH', 'TELECOM', 'TRANSPORT'], delivery: ['API', 'FILE'], minPrice: '10.00' },
      test: (r) =>
        ['PUBLIC_HEALTH', 'TELECOM', 'TRANSPORT'].includes(r.category as string) &&
        ['API', 'FILE'].includes(r.delivery as string) &&
        r.price_micros !== null &&
        r.price_micros >= 10_000_000,
    },
    {
      name: 'one provider kind, repeated values, and securityLevels',
      filter: { providerKinds: ['GOVERNMENT_DEPARTMENT', 'GOVERNMENT_DEPARTMENT'], securityLevels: ['GENERAL'] },
      test: (r) => r.provider_kind === 'GOVERNMENT_DEPARTMENT' && r.security_level === 'GENERAL',
    },
  ];
  for (const c of cases) {
    for (const sort of SORTS) {
      it(`returns the rows and order of the definition across pages: ${c.name}, ${sort}`, () => {
        const want = expected(c.test, sort);
        expect(want.length).toBeGreaterThan(50);
        const { ids } = walk(c.filter, sort, 37);
        expect(ids).toEqual(want);
        expect(store.session().count(c.filter)).toBe(want.length);
      });
    }
  }

  it('reads each value of the leading list as an ordered range of its index, with no other scan', () => {
    const filter = { providerKinds: ['PRIVATE_ENTERPRISE', 'STATE_OWNED_ENTERPRISE'], pricingModels: ['PER_CALL', 'ANNUAL', 'MONTHLY'] };
    const session = new Recording(store);
    const after: CursorPosition = { sort: 'PRICE_ASC', key: 5_000_000, id: 'bj:ds-000100' };
    session.page({ filter, sort: 'PRICE_ASC', limit: 20, after });
    expect(session.sql).toHaveLength(1);
    const plan = (
      store.db
        .prepare(`EXPLAIN QUERY PLAN ${session.sql[0]}`)
        .all(...['PER_CALL', 'ANNUAL', 'MONTHLY'].flatMap((m) => [m, JSON.stringify(filter.providerKinds), 5_000_000, 'bj:ds-000100', 21]), 21) as Array<{
        detail: string;
      }>
    ).map((r) => r.detail);
    const searches = plan.filter((d) => d.startsWith('SEARCH d') || d.startsWith('SCAN d'));
    expect(searches).toEqual(Array(3).fill('SEARCH d USING INDEX ix_model_price_asc_facets (price_model=? AND (price_asc,id)>(?,?))'));
  });

  it('leaves a filter with a provider to its own index (the general path)', () => {
    const uscc = all[0].provider_uscc;
    const filter = { providerUscc: uscc, categories: ['PUBLIC_HEALTH', 'TELECOM', all[0].category as string] };
    const { ids, sql } = walk(filter, 'PRICE_ASC', 5);
    expect(sql.some((s) => s.includes('UNION ALL'))).toBe(false);
    expect(ids).toEqual(expected((r) => r.provider_uscc === uscc && filter.categories.includes(r.category as string), 'PRICE_ASC'));
  });
});

describe('sorted pages of a text search, by how common the text is', () => {
  const reference = (table: string, query: string): Set<number> =>
    new Set((store.db.prepare(`SELECT rowid FROM ${table} WHERE ${table} MATCH ?`).all(query) as Array<{ rowid: number }>).map((r) => r.rowid));

  const cases = [
    { text: '数据', table: 'datasets_fts_zh', match: '"数据"', access: 'EXISTS (SELECT 1 FROM datasets_fts_zh' },
    { text: 'data', table: 'datasets_fts_en', match: '"data"*', access: 'EXISTS (SELECT 1 FROM datasets_fts_en' },
    { text: '疫苗', table: 'datasets_fts_zh', match: '"疫苗"', access: ' d.rowid IN (SELECT rowid FROM datasets_fts_zh' },
  ];
  for (const c of cases) {
    for (const sort of SORTS) {
      it(`returns every match of "${c.text}" in the order of the definition across pages, ${sort}`, () => {
        const matches = reference(c.table, c.match);
        const want = expected((r) => matches.has(r.rowid), sort);
        // Literal text (synonyms off): the definition is the one index query; 疫苗 heads a synonym group.
        const { ids, sql } = walk({ text: c.text, synonyms: false }, sort, 50);
        expect(ids).toEqual(want);
        expect(sql.filter((s) => s.startsWith('SELECT d.*')).every((s) => s.includes(c.access))).toBe(true);
        expect(store.session().count({ text: c.text, synonyms: false })).toBe(matches.size);
      });
    }
  }

  it('picks each way by the number of matches', () => {
    const size = (table: string, match: string) => reference(table, match).size;
    expect(size('datasets_fts_zh', '"数据"')).toBeGreaterThan(Math.max(COMMON_TEXT_MATCHES, VERY_COMMON_TEXT_SHARE * COUNT));
    expect(size('datasets_fts_en', '"data"*')).toBeGreaterThan(COMMON_TEXT_MATCHES);
    expect(size('datasets_fts_zh', '"疫苗"')).toBeLessThanOrEqual(COMMON_TEXT_MATCHES);
  });

  it('combines a very common text with other filters and a cursor exactly', () => {
    const matches = reference('datasets_fts_zh', '"数据"');
    const filter = { text: '数据', categories: ['PUBLIC_HEALTH'], pricingModels: ['FREE', 'NEGOTIABLE'] };
    const want = expected((r) => matches.has(r.rowid) && r.category === 'PUBLIC_HEALTH' && ['FREE', 'NEGOTIABLE'].includes(r.price_model), 'PRICE_DESC');
    expect(walk(filter, 'PRICE_DESC', 7).ids).toEqual(want);
  });
});

describe('a word prefix read as the whole words it stands for', () => {
  const reference = (query: string): Set<number> =>
    new Set((store.db.prepare('SELECT rowid FROM datasets_fts_en WHERE datasets_fts_en MATCH ?').all(query) as Array<{ rowid: number }>).map((r) => r.rowid));
  const vocabulary = (prefix: string): string[] =>
    (store.db.prepare('SELECT term FROM datasets_fts_en_vocab').all() as Array<{ term: string }>).map((r) => r.term).filter((t) => t.startsWith(prefix));

  // "data": a few words, very common; "DATA vacc": upper case, two phrases; "co": more words than
  // MAX_PREFIX_WORDS (stays a prefix); "s": one letter, a whole word only; "qqqq": no word at all.
  const cases = [
    { text: 'data', match: '"data"*' },
    { text: 'DATA vacc', match: '"data"* AND "vacc"*' },
    { text: 'open-data', match: '"open data"*' },
    { text: 'co', match: '"co"*' },
    { text: 's', match: '"s"' },
    { text: 'qqqq', match: '"qqqq"*' },
  ];
  for (const c of cases) {
    for (const sort of ['UPDATED_DESC', 'PRICE_ASC', 'TITLE_ASC'] as DatasetSort[]) {
      it(`returns every match of "${c.text}" (a prefix) in the order of the definition across pages, ${sort}`, () => {
        const matches = reference(c.match);
        const want = expected((r) => matches.has(r.rowid), sort);
        expect(walk({ text: c.text }, sort, 40).ids).toEqual(want);
        expect(store.session().count({ text: c.text })).toBe(matches.size);
      });
    }
  }

  it('rewrites a prefix of a few words into those words, and leaves one of many words a prefix', () => {
    expect(vocabulary('data').length).toBeGreaterThan(1);
    expect(vocabulary('data').length).toBeLessThanOrEqual(MAX_PREFIX_WORDS);
    expect(vocabulary('co').length).toBeGreaterThan(MAX_PREFIX_WORDS);
    const read = (text: string) => {
      const session = new Recording(store);
      session.page({ filter: { text }, sort: 'UPDATED_DESC', limit: 20 });
      return session.sql.filter((sql) => sql.startsWith('SELECT d.*'));
    };
    const params: unknown[][] = [];
    const spy = new (class extends Recording {
      override all<T>(sql: string, p: unknown[]): T[] {
        if (sql.startsWith('SELECT d.*')) params.push(p);
        return super.all<T>(sql, p);
      }
    })(store);
    spy.page({ filter: { text: 'data' }, sort: 'UPDATED_DESC', limit: 20 });
    expect(params[0][0]).toBe(
      `(${vocabulary('data')
        .map((w) => `"${w}"`)
        .join(' OR ')})`,
    );
    expect(read('data')[0]).toContain('EXISTS (SELECT 1 FROM datasets_fts_en');
    expect(read('co')[0]).toContain('+d.rowid IN (SELECT rowid FROM datasets_fts_en');
  });

  it('keeps the prefix for relevance, whose scores treat a prefix as one phrase', () => {
    const params: unknown[][] = [];
    const spy = new (class extends Recording {
      override all<T>(sql: string, p: unknown[]): T[] {
        params.push(p);
        return super.all<T>(sql, p);
      }
      override rawAll<T extends unknown[]>(sql: string, p: unknown[]): T[] {
        params.push(p);
        return super.rawAll<T>(sql, p);
      }
    })(store);
    store.rankings.clear();
    spy.page({ filter: { text: 'data' }, sort: 'RELEVANCE', limit: 20 });
    expect(params.some((p) => p[0] === '"data"*')).toBe(true);
    expect(params.some((p) => typeof p[0] === 'string' && /"dataset"|"datai"/.test(p[0]))).toBe(false);
  });
});

describe('relevance pages of common text, from the relevance order kept per load', () => {
  /** The definition in SQL: every match the predicate keeps, by (bm25, id). */
  const definition = (table: string, match: string, where: string): string[] =>
    (
      store.db
        .prepare(
          `SELECT d.id FROM datasets d JOIN (SELECT rowid AS r, bm25(${table}, 10.0, 1.0, 5.0) AS s FROM ${table} WHERE ${table} MATCH ?) f
      ON f.r = d.rowid ${where ? `WHERE ${where}` : ''} ORDER BY f.s, d.id`,
        )
        .all(match) as Array<{ id: string }>
    ).map((r) => r.id);
  const cases = [
    { filter: { text: '数据' }, table: 'datasets_fts_zh', match: '"数据"', where: '' },
    {
      filter: { text: '数据', categories: ['PUBLIC_HEALTH', 'FINANCE'] },
      table: 'datasets_fts_zh',
      match: '"数据"',
      where: "d.category IN ('PUBLIC_HEALTH', 'FINANCE')",
    },
    {
      filter: { text: '数据', containsMinorsData: false, minPrice: '1' },
      table: 'datasets_fts_zh',
      match: '"数据"',
      where: 'd.contains_minors = 0 AND d.price_micros >= 1000000',
    },
    { filter: { text: 'data' }, table: 'datasets_fts_en', match: '"data"*', where: '' },
  ];
  for (const c of cases) {
    it(`walks every page in the order of the definition: ${JSON.stringify(c.filter)}`, () => {
      store.rankings.clear();
      const want = definition(c.table, c.match, c.where);
      expect(want.length).toBeGreaterThan(0);
      const { ids, sql } = walk(c.filter, 'RELEVANCE', 97);
      expect(ids).toEqual(want);
      // Read from the kept order: the scores once, then each page's rows by rowid.
      expect(sql.filter((q) => q.includes('-- ranking'))).toHaveLength(1);
      expect(sql.filter((q) => q.includes('bm25(') && !q.includes('-- ranking'))).toEqual([]);
    });
  }

  it('reads a cursor of the SQL path, and falls back to it for a cursor it does not know', () => {
    store.rankings.clear();
    const want = definition('datasets_fts_zh', '"数据"', '');
    const first = new Recording(store).page({ filter: { text: '数据' }, sort: 'RELEVANCE', limit: 5 });
    const last = first[4];
    const after = { sort: 'RELEVANCE' as const, key: Number(last.rank), id: last.id };
    expect(new Recording(store).page({ filter: { text: '数据' }, sort: 'RELEVANCE', limit: 5, after }).map((r) => r.id)).toEqual(want.slice(5, 11));
    const unknown = { sort: 'RELEVANCE' as const, key: Number(last.rank) + 1e-9, id: last.id };
    const session = new Recording(store);
    const rows = session.page({ filter: { text: '数据' }, sort: 'RELEVANCE', limit: 5, after: unknown });
    expect(session.sql.some((q) => q.includes('bm25('))).toBe(true);
    expect(rows.length).toBeGreaterThan(0);
  });
});

describe('pages and counts of lists without an index for their sort', () => {
  const cases: Array<{ name: string; filter: DatasetFilterInput; test: (r: DatasetRow) => boolean }> = [
    { name: 'types [MODEL]', filter: { types: ['MODEL'] }, test: (r) => r.type === 'MODEL' },
    {
      name: 'securityLevels [IMPORTANT] + dataOrigins [PERSONAL]',
      filter: { securityLevels: ['IMPORTANT'], dataOrigins: ['PERSONAL'] },
      test: (r) => r.security_level === 'IMPORTANT' && r.data_origin === 'PERSONAL',
    },
    {
      name: 'delivery [API] + personalInfo [NONE]',
      filter: { delivery: ['API'], personalInfo: ['NONE'] },
      test: (r) => r.delivery === 'API' && r.personal_info === 'NONE',
    },
    {
      name: 'dataOrigins [PERSONAL, ENTERPRISE] + delivery [SANDBOX] + a price bound',
      filter: { dataOrigins: ['PERSONAL', 'ENTERPRISE'], delivery: ['SANDBOX'], maxPrice: '5000.00' },
      test: (r) =>
        ['PERSONAL', 'ENTERPRISE'].includes(r.data_origin as string) && r.delivery === 'SANDBOX' && r.price_micros !== null && r.price_micros <= 5_000_000_000,
    },
  ];
  for (const c of cases) {
    for (const sort of SORTS) {
      it(`returns the rows and order of the definition across pages, and the count: ${c.name}, ${sort}`, () => {
        const want = expected(c.test, sort);
        expect(want.length).toBeGreaterThan(5);
        expect(walk(c.filter, sort, 23).ids).toEqual(want);
        expect(store.session().count(c.filter)).toBe(want.length);
      });
    }
  }

  it('answers a page whose lists keep no row with no statement, and counts lists alone without SQL', () => {
    // Lists whose every value has rows, but no row has them all: found in the data, so the case is never skipped.
    const combinations = DATASET_TYPES.flatMap((type) => PRICING_MODELS.flatMap((model) => ['GENERAL', 'IMPORTANT'].map((level) => ({ type, model, level }))));
    const empty = combinations.find(
      ({ type, model, level }) =>
        all.some((r) => r.type === type) &&
        all.some((r) => r.price_model === model) &&
        all.some((r) => r.security_level === level) &&
        !all.some((r) => r.type === type && r.price_model === model && r.security_level === level),
    );
    expect(empty, 'a combination of type, pricing model and security level that keeps no row').not.toBeUndefined();
    const session = new Recording(store);
    expect(session.count({ delivery: ['API'], personalInfo: ['NONE'], categories: ['TELECOM'] })).toBe(
      all.filter((r) => r.delivery === 'API' && r.personal_info === 'NONE' && r.category === 'TELECOM').length,
    );
    expect(session.sql).toEqual([]);
    expect(
      session.page({ filter: { types: [empty!.type], pricingModels: [empty!.model], securityLevels: [empty!.level] }, sort: 'TITLE_ASC', limit: 5 }),
    ).toEqual([]);
    expect(session.sql).toEqual([]);
  });

  it('walks a price order pricing model by pricing model, skipping the models the lists keep no row of', () => {
    const filter = { securityLevels: ['IMPORTANT'], dataOrigins: ['PERSONAL'] };
    const models = new Set(all.filter((r) => r.security_level === 'IMPORTANT' && r.data_origin === 'PERSONAL').map((r) => r.price_model));
    const session = new Recording(store);
    session.page({ filter, sort: 'PRICE_DESC', limit: 20 });
    const [sql] = session.sql;
    if (sql.includes('UNION ALL')) {
      expect(sql.split('INDEXED BY ix_model_price_desc_facets').length - 1).toBe(models.size);
    } else {
      expect(sql).toMatch(/INDEXED BY ix_(origin|security)_updated/);
    }
  });
});

describe('text with other filters: counts, statistics and pages from the filter columns', () => {
  const matchesOf = (table: string, query: string): Set<number> =>
    new Set((store.db.prepare(`SELECT rowid FROM ${table} WHERE ${table} MATCH ?`).all(query) as Array<{ rowid: number }>).map((r) => r.rowid));
  /** StatsRow cells of the rows a predicate keeps, computed from the rows themselves. */
  const statsOf = (keep: (row: DatasetRow) => boolean, column: string): StatsRow[] => {
    const cells = new Map<string, StatsRow>();
    for (const row of all.filter(keep)) {
      const group = column === '' ? 'bj' : String(row[column]);
      const bucket = row.price_bucket as number | null;
      const price = row.price_micros;
      const cell = cells.get(`${group}/${bucket}`) ?? { group, bucket, n: 0, minMicros: null, maxMicros: null };
      cell.n += 1;
      if (price !== null) {
        cell.minMicros = cell.minMicros === null ? price : Math.min(cell.minMicros, price);
        cell.maxMicros = cell.maxMicros === null ? price : Math.max(cell.maxMicros, price);
      }
      cells.set(`${group}/${bucket}`, cell);
    }
    return [...cells.values()].sort((a, b) => `${a.group}/${a.bucket}`.localeCompare(`${b.group}/${b.bucket}`));
  };
  const sortedStats = (rows: StatsRow[]) => [...rows].sort((a, b) => `${a.group}/${a.bucket}`.localeCompare(`${b.group}/${b.bucket}`));

  // Read once (the store's rows do not change in this block).
  const once = <T>(read: () => T) => {
    let value: T | undefined;
    return () => (value ??= read());
  };
  const zh = once(() => matchesOf('datasets_fts_zh', '"数据"'));
  const en = once(() => matchesOf('datasets_fts_en', '"data"*'));
  const bigCategories = once(() => {
    const counts = new Map<string, number>();
    for (const row of all) counts.set(row.category as string, (counts.get(row.category as string) ?? 0) + 1);
    return [...counts]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 7)
      .map(([c]) => c);
  });
  const since = Date.parse('2022-01-01T00:00:00Z');
  // Each case is read one way (the SQL it must contain), chosen from the rows the whole filter keeps.
  const cases = () => [
    {
      label: 'very common text + the biggest categories: ordered ranges of the category',
      filter: { text: '数据', categories: bigCategories() },
      keep: (r: DatasetRow) => zh().has(r.rowid) && bigCategories().includes(r.category as string),
      way: 'INDEXED BY ix_category_',
      sorts: ['UPDATED_DESC', 'PRICE_DESC', 'TITLE_ASC'] as DatasetSort[],
    },
    {
      label: "very common text + containsMinorsData false: the sort's own index",
      filter: { text: '数据', containsMinorsData: false },
      keep: (r: DatasetRow) => zh().has(r.rowid) && r.contains_minors === 0,
      way: 'INDEXED BY ix_',
      sorts: SORTS,
    },
    {
      label: 'very common text + a rare list: the kept rows read by rowid',
      filter: { text: '数据', securityLevels: ['IMPORTANT'] },
      keep: (r: DatasetRow) => zh().has(r.rowid) && r.security_level === 'IMPORTANT',
      way: 'd.rowid IN (SELECT value FROM json_each(?))',
      sorts: SORTS,
    },
    {
      label: 'common prefix + price floor + updatedSince',
      filter: { text: 'data', minPrice: '100', updatedSince: '2022-01-01T00:00:00Z' },
      keep: (r: DatasetRow) => en().has(r.rowid) && r.price_micros !== null && r.price_micros >= 100_000_000 && (r.updated_ms as number) >= since,
      way: '',
      sorts: SORTS,
    },
    {
      label: 'two texts (both indexes) + a list',
      filter: { text: '数据 data', types: ['DATASET', 'API', 'MODEL'] },
      keep: (r: DatasetRow) => zh().has(r.rowid) && en().has(r.rowid) && ['DATASET', 'API', 'MODEL'].includes(r.type as string),
      way: '',
      sorts: SORTS,
    },
    {
      label: 'a filter that keeps nothing',
      filter: { text: '数据', categories: ['PUBLIC_HEALTH'], minPrice: '99999999' },
      keep: () => false,
      way: '',
      sorts: ['PRICE_ASC'] as DatasetSort[],
    },
  ];

  it('covers each way with these cases', () => {
    const [ranges, sortIndex, rare] = cases();
    expect(all.filter(ranges.keep).length).toBeGreaterThan(3000);
    expect(all.filter(sortIndex.keep).length).toBeGreaterThan(3000);
    expect(all.filter(rare.keep).length).toBeGreaterThan(0);
    expect(all.filter(rare.keep).length).toBeLessThanOrEqual(3000);
  });

  for (const [index, label] of ['ranges', 'sort index', 'rowids', 'price and date', 'two texts', 'nothing'].entries()) {
    it(`returns the rows, order, count and statistics of the definition: ${label}`, () => {
      const c = cases()[index];
      for (const sort of c.sorts) {
        const want = expected(c.keep, sort);
        const { ids, sql } = walk(c.filter, sort, 37);
        expect(ids).toEqual(want);
        if (c.way && want.length > 0) expect(sql.filter((q) => q.startsWith('SELECT')).some((q) => q.includes(c.way))).toBe(true);
      }
      expect(store.session().count(c.filter)).toBe(all.filter(c.keep).length);
      expect(sortedStats(store.session().stats(c.filter, 'CATEGORY'))).toEqual(statsOf(c.keep, 'category'));
      expect(sortedStats(store.session().stats(c.filter, 'PRICING_MODEL'))).toEqual(statsOf(c.keep, 'price_model'));
      expect(sortedStats(store.session().stats(c.filter, 'EXCHANGE'))).toEqual(statsOf(c.keep, ''));
    });
  }
});

describe('aggregates kept through price changes', () => {
  const GROUPS = ['CATEGORY', 'PROVIDER_KIND', 'PRICING_MODEL', 'SECURITY_LEVEL', 'EXCHANGE'] as const;
  const COLUMNS = { CATEGORY: 'category', PROVIDER_KIND: 'provider_kind', PRICING_MODEL: 'price_model', SECURITY_LEVEL: 'security_level', EXCHANGE: "'bj'" };
  const scan = (db: DatasetStore['db'], groupBy: (typeof GROUPS)[number]) =>
    (
      db
        .prepare(
          `SELECT ${COLUMNS[groupBy]} AS "group", price_bucket AS bucket, count(*) AS n, min(price_micros) AS minMicros,
      max(price_micros) AS maxMicros FROM datasets GROUP BY 1, 2`,
        )
        .all() as StatsRow[]
    ).sort((a, b) => `${a.group}/${a.bucket}`.localeCompare(`${b.group}/${b.bucket}`));
  const sorted = (rows: StatsRow[]) => [...rows].sort((a, b) => `${a.group}/${a.bucket}`.localeCompare(`${b.group}/${b.bucket}`));

  it('keeps the unfiltered statistics and the facet counts exact through hundreds of price changes', () => {
    const changing = new DatasetStore('bj', ':memory:');
    try {
      changing.ingest(generateDatasets({ exchange: 'bj', divisionCode: '110000', count: 1500 }));
      for (const g of GROUPS) changing.session().stats(null, g);
      changing.session().count({ types: ['MODEL'], delivery: ['API'] });
      changing.filterColumns();
      const rows = changing.db.prepare('SELECT id, price_micros FROM datasets ORDER BY rowid').all() as Array<{ id: string; price_micros: number | null }>;
      // A deterministic walk of changes: to a cell's min or max (removing a bound), to FREE and NEGOTIABLE and
      // back, to prices in the same bucket, and to the price a listing already has.
      let seed = 7;
      const next = (n: number) => {
        seed = (seed * 1103515245 + 12345) % 2147483648;
        return seed % n;
      };
      const prices = [...new Set(rows.map((r) => r.price_micros).filter((m): m is number => m !== null && m > 0))];
      for (let i = 0; i < 400; i++) {
        const row = rows[next(40)]; // few listings, changed many times: bounds of the same cells move again and again
        const kind = next(5);
        if (kind === 0) changing.updatePrice(row.id, 'FREE', '0.00');
        else if (kind === 1) changing.updatePrice(row.id, 'NEGOTIABLE', null);
        else {
          const micros = prices[next(prices.length)] + (kind === 2 ? 0 : next(3));
          changing.updatePrice(
            row.id,
            (['PER_CALL', 'ANNUAL', 'ONE_TIME'] as const)[next(3)],
            (micros / 1e6).toFixed(6).replace(/0+$/, '').replace(/\.$/, '.00'),
          );
        }
        if (i % 50 === 49) {
          for (const g of GROUPS) expect(sorted(changing.session().stats(null, g))).toEqual(scan(changing.db, g));
          expect(changing.facets()).toEqual(FacetCounts.read(changing.db));
          // Filtered statistics and counts come from the filter columns, which follow every change too.
          const fresh = FilterColumns.read(changing.db);
          for (const filter of [
            {
              lists: [{ column: 'price_model', values: ['FREE', 'NEGOTIABLE'] }],
              minMicros: null,
              maxMicros: null,
              updatedSinceMs: null,
              containsMinors: null,
            },
            { lists: [], minMicros: 1, maxMicros: 5_000_000_000, updatedSinceMs: Date.parse('2026-01-01'), containsMinors: 0 as const },
          ]) {
            expect(changing.filterColumns().kept(filter, null)).toEqual(fresh.kept(filter, null));
          }
          const filtered = changing.db
            .prepare(
              `SELECT category AS "group", price_bucket AS bucket, count(*) AS n, min(price_micros) AS minMicros,
            max(price_micros) AS maxMicros FROM datasets WHERE price_model IN ('FREE', 'PER_CALL') AND contains_minors = 0 GROUP BY 1, 2`,
            )
            .all() as StatsRow[];
          expect(sorted(changing.session().stats({ pricingModels: ['FREE', 'PER_CALL'], containsMinorsData: false }, 'CATEGORY'))).toEqual(sorted(filtered));
        }
      }
      for (const g of GROUPS) expect(sorted(changing.session().stats(null, g))).toEqual(scan(changing.db, g));
    } finally {
      changing.close();
    }
  });

  it('answers the unfiltered statistics after a price change without a statement', () => {
    store.session().stats(null, 'CATEGORY');
    const row = all[5];
    store.updatePrice(row.id, 'ONE_TIME', '123.45');
    const session = new Recording(store);
    const rows = session.stats(null, 'CATEGORY');
    expect(session.sql).toEqual([]);
    expect(sorted(rows)).toEqual(scan(store.db, 'CATEGORY'));
    all = store.db.prepare('SELECT * FROM datasets').all() as DatasetRow[];
  });
});

describe('text index after loads', () => {
  it('keeps one segment per text index, restores FTS5 defaults, and finds rows of a second load', () => {
    const second = new DatasetStore('bj', ':memory:');
    try {
      second.ingest(generateDatasets({ exchange: 'bj', divisionCode: '110000', count: 300 }));
      const more = [...generateDatasets({ exchange: 'bj', divisionCode: '110000', count: 600 })].slice(300);
      second.ingest(more.map((r) => ({ ...r, localId: `${r.localId}-b` })));
      for (const table of ['datasets_fts_zh', 'datasets_fts_en']) {
        const config = Object.fromEntries(
          (second.db.prepare(`SELECT k, v FROM ${table}_config`).all() as Array<{ k: string; v: number }>).map((r) => [r.k, r.v]),
        );
        expect(config.hashsize).toBe(1024 * 1024);
        expect(config.automerge).toBe(4);
        // The structure record (id 10) of an index of one segment, as `optimize` leaves it, is short.
        const structure = second.db.prepare(`SELECT length(block) AS n FROM ${table}_data WHERE id = 10`).get() as { n: number };
        expect(structure.n).toBeLessThan(40);
      }
      const session = second.session();
      expect(session.count({ text: '数据' })).toBe(600);
      expect(session.page({ filter: { text: '数据' }, sort: 'UPDATED_DESC', limit: 600 })).toHaveLength(600);
    } finally {
      second.close();
    }
  });
});

describe('single Chinese characters', () => {
  const like = (character: string) =>
    new Set(
      (
        store.db
          .prepare('SELECT id FROM datasets WHERE title_zh LIKE ? OR description_zh LIKE ? OR keywords LIKE ?')
          .all(`%${character}%`, `%${character}%`, `%${character}%`) as Array<{ id: string }>
      ).map((r) => r.id),
    );

  it('finds exactly the rows whose Chinese text holds the character, from its own token', () => {
    for (const character of ['疫', '数', '税', '车']) {
      const want = like(character);
      const session = new Recording(store);
      const rows = session.page({ filter: { text: character }, sort: 'UPDATED_DESC', limit: 10_000 });
      expect(new Set(rows.map((r) => r.id))).toEqual(want);
      expect(store.session().count({ text: character })).toBe(want.size);
      expect(session.sql.some((q) => q.includes(' LIKE '))).toBe(false);
    }
  });

  it('writes the Chinese index again, once, for a database written before characters had tokens', () => {
    const dir = mkdtempSync(join(tmpdir(), 'zh-index-'));
    const path = join(dir, 'bj.db');
    try {
      const old = new DatasetStore('bj', path);
      old.ingest(generateDatasets({ exchange: 'bj', divisionCode: '110000', count: 400 }));
      // As an earlier version left it: bigrams only, and no format mark.
      old.db.prepare("INSERT INTO datasets_fts_zh(datasets_fts_zh) VALUES ('delete-all')").run();
      old.db.function('old_bigrams', (text: unknown) => chineseBigramText(String(text ?? '')));
      old.db
        .prepare(
          `INSERT INTO datasets_fts_zh (rowid, title_zh, description_zh, keywords)
        SELECT rowid, old_bigrams(title_zh), old_bigrams(description_zh), old_bigrams(keywords) FROM datasets`,
        )
        .run();
      old.db.prepare("DELETE FROM meta WHERE key = 'zh_index'").run();
      expect(old.session().count({ text: '疫' })).toBe(0);
      const version = old.catalogVersion;
      old.close();
      const reopened = new DatasetStore('bj', path);
      try {
        const want = (
          reopened.db.prepare("SELECT count(*) AS n FROM datasets WHERE title_zh LIKE '%疫%' OR description_zh LIKE '%疫%' OR keywords LIKE '%疫%'").get() as {
            n: number;
          }
        ).n;
        expect(want).toBeGreaterThan(0);
        expect(reopened.session().count({ text: '疫' })).toBe(want);
        expect(reopened.session().count({ text: '疫苗', synonyms: false })).toBe(
          (
            reopened.db
              .prepare("SELECT count(*) AS n FROM datasets WHERE title_zh LIKE '%疫苗%' OR description_zh LIKE '%疫苗%' OR keywords LIKE '%疫苗%'")
              .get() as { n: number }
          ).n,
        );
        expect(reopened.catalogVersion).toBe(version);
      } finally {
        reopened.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
