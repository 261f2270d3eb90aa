import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateDatasets } from '../seed/generate.ts';
import { comparePositions, SORT_SPECS, type CursorPosition } from '../shared/datasetOrder.ts';
import type { DatasetSort } from '../shared/domain.ts';
import {
  COMMON_TEXT_MATCHES, DatasetStore, StoreSession, VERY_COMMON_TEXT_SHARE, type DatasetRow,
} from '../subgraphs/exchange/store/DatasetStore.ts';
import type { DatasetFilterInput } from '../subgraphs/exchange/store/filterSql.ts';

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
}

const SORTS: DatasetSort[] = ['UPDATED_DESC', 'PRICE_ASC', 'PRICE_DESC', 'TITLE_ASC'];
const keyOf = (row: DatasetRow, sort: DatasetSort) => row[SORT_SPECS[sort].column] as number | string;

/** The definition, in JavaScript: filter every row, sort by (key, id) in the sort's direction. */
function expected(predicate: (row: DatasetRow) => boolean, sort: DatasetSort): string[] {
  return all.filter(predicate)
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
      test: (r) => ['PRIVATE_ENTERPRISE', 'STATE_OWNED_ENTERPRISE'].includes(r.provider_kind as string) && ['PER_CALL', 'ANNUAL', 'MONTHLY'].includes(r.price_model),
    },
    {
      name: 'pricingModels with NEGOTIABLE and FREE (the two ends of a price order)',
      filter: { pricingModels: ['NEGOTIABLE', 'FREE', 'ONE_TIME'] },
      test: (r) => ['NEGOTIABLE', 'FREE', 'ONE_TIME'].includes(r.price_model),
    },
    {
      name: 'categories + delivery + a price bound',
      filter: { categories: ['PUBLIC_HEALTH', 'TELECOM', 'TRANSPORT'], delivery: ['API', 'FILE'], minPrice: '10.00' },
      test: (r) => ['PUBLIC_HEALTH', 'TELECOM', 'TRANSPORT'].includes(r.category as string) && ['API', 'FILE'].includes(r.delivery as string)
        && r.price_micros !== null && r.price_micros >= 10_000_000,
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
    const plan = (store.db.prepare(`EXPLAIN QUERY PLAN ${session.sql[0]}`)
      .all(...['PER_CALL', 'ANNUAL', 'MONTHLY'].flatMap((m) => [m, JSON.stringify(filter.providerKinds), 5_000_000, 'bj:ds-000100', 21]), 21) as Array<{ detail: string }>)
      .map((r) => r.detail);
    const searches = plan.filter((d) => d.startsWith('SEARCH d') || d.startsWith('SCAN d'));
    expect(searches).toEqual(Array(3).fill('SEARCH d USING INDEX ix_model_price_asc (price_model=? AND (price_asc,id)>(?,?))'));
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
    { text: 'data', table: 'datasets_fts_en', match: '"data"*', access: '+d.rowid IN (SELECT rowid FROM datasets_fts_en' },
    { text: '疫苗', table: 'datasets_fts_zh', match: '"疫苗"', access: ' d.rowid IN (SELECT rowid FROM datasets_fts_zh' },
  ];
  for (const c of cases) {
    for (const sort of SORTS) {
      it(`returns every match of "${c.text}" in the order of the definition across pages, ${sort}`, () => {
        const matches = reference(c.table, c.match);
        const want = expected((r) => matches.has(r.rowid), sort);
        const { ids, sql } = walk({ text: c.text }, sort, 50);
        expect(ids).toEqual(want);
        expect(sql.filter((s) => s.startsWith('SELECT d.*')).every((s) => s.includes(c.access))).toBe(true);
        expect(store.session().count({ text: c.text })).toBe(matches.size);
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

describe('text index after loads', () => {
  it('keeps one segment per text index, restores FTS5 defaults, and finds rows of a second load', () => {
    const second = new DatasetStore('bj', ':memory:');
    try {
      second.ingest(generateDatasets({ exchange: 'bj', divisionCode: '110000', count: 300 }));
      const more = [...generateDatasets({ exchange: 'bj', divisionCode: '110000', count: 600 })].slice(300);
      second.ingest(more.map((r) => ({ ...r, localId: `${r.localId}-b` })));
      for (const table of ['datasets_fts_zh', 'datasets_fts_en']) {
        const config = Object.fromEntries((second.db.prepare(`SELECT k, v FROM ${table}_config`).all() as Array<{ k: string; v: number }>).map((r) => [r.k, r.v]));
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
