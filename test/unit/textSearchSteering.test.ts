import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateDatasets } from '../../seed/generate.ts';
import { comparePositions, SORT_SPECS, type CursorPosition } from '../../shared/datasetOrder.ts';
import type { DatasetSort, TextField } from '../../shared/domain.ts';
import { SYNONYM_GROUPS } from '../../shared/synonyms.ts';
import { COMMON_TEXT_MATCHES, DatasetStore, StoreSession, type DatasetRow } from '../../subgraphs/exchange/store/DatasetStore.ts';
import type { DatasetFilterInput } from '../../subgraphs/exchange/store/filterSql.ts';

/**
 * filter.textFields and filter.synonyms at the store, against the documented meaning computed here in
 * JavaScript from the raw rows: every term must match in one of the chosen fields; in a term, each Han run
 * is a substring of the Chinese field and its other words are consecutive words of the English field, the
 * last one a prefix; a term that is one word or Han run of a synonym group (synonyms on) also matches when
 * a Chinese member is a substring of a Chinese field or an English member is a whole word of an English field.
 */
const COUNT = 8000;
let store: DatasetStore;
let all: DatasetRow[];

beforeAll(() => {
  store = new DatasetStore('bj', ':memory:');
  store.ingest(generateDatasets({ exchange: 'bj', divisionCode: '110000', count: COUNT }));
  all = store.db.prepare('SELECT * FROM datasets').all() as DatasetRow[];
});
afterAll(() => store.close());

const ZH_COLUMN: Record<TextField, string> = { TITLE: 'title_zh', DESCRIPTION: 'description_zh', KEYWORDS: 'keywords' };
const EN_COLUMN: Record<TextField, string> = { TITLE: 'title', DESCRIPTION: 'description', KEYWORDS: 'keywords' };
const EVERY_FIELD: TextField[] = ['TITLE', 'DESCRIPTION', 'KEYWORDS'];
const tokens = (s: string) => s.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];

function definition(row: DatasetRow, text: string, options: { fields?: TextField[]; synonyms?: boolean } = {}): boolean {
  const fields = options.fields?.length ? options.fields : EVERY_FIELD;
  const zh = fields.map((f) => String(row[ZH_COLUMN[f]]));
  const en = fields.map((f) => tokens(String(row[EN_COLUMN[f]])));
  const phraseIn = (words: string[], prefix: boolean) =>
    en.some((t) => t.some((_, at) => words.every((w, k) => (k === words.length - 1 && prefix ? t[at + k]?.startsWith(w) : t[at + k] === w))));
  return text
    .trim()
    .split(/\s+/u)
    .filter(Boolean)
    .every((term) => {
      const runs = term.match(/\p{Script=Han}+/gu) ?? [];
      const words = tokens(term.replace(/\p{Script=Han}+/gu, ' '));
      const asWritten = runs.every((run) => zh.some((z) => z.includes(run))) && (words.length === 0 || phraseIn(words, words[words.length - 1].length >= 2));
      if (asWritten) return true;
      if (options.synonyms === false) return false;
      const member = runs.length === 1 && words.length === 0 ? runs[0] : runs.length === 0 && words.length === 1 ? words[0] : null;
      const group = SYNONYM_GROUPS.find((g) => g.zh.includes(member ?? '') || g.en.includes(member ?? ''));
      if (!group) return false;
      return group.zh.some((m) => zh.some((z) => z.includes(m))) || group.en.some((m) => phraseIn([m], false));
    });
}

const keyOf = (row: DatasetRow, sort: DatasetSort) => row[SORT_SPECS[sort].column] as number | string;

function expected(predicate: (row: DatasetRow) => boolean, sort: Exclude<DatasetSort, 'RELEVANCE'>): string[] {
  return all
    .filter(predicate)
    .sort((a, b) => comparePositions(sort, { key: keyOf(a, sort), id: a.id }, { key: keyOf(b, sort), id: b.id }))
    .map((r) => r.id);
}

/** A session that records its SQL, to show which way a page was read. */
class Recording extends StoreSession {
  sql: string[] = [];
  override all<T>(sql: string, params: unknown[]): T[] {
    this.sql.push(sql);
    return super.all<T>(sql, params);
  }
  override rawAll<T extends unknown[]>(sql: string, params: unknown[]): T[] {
    this.sql.push(sql);
    return super.rawAll<T>(sql, params);
  }
}

/** Every page, each after the previous page's last row, as a client would; relevance keys from the rows' rank. */
function walk(filter: DatasetFilterInput, sort: DatasetSort, limit: number): { rows: DatasetRow[]; sql: string[] } {
  const rows: DatasetRow[] = [];
  const sql: string[] = [];
  let after: CursorPosition | null = null;
  for (let guard = 0; guard < 10_000; guard++) {
    const session = new Recording(store);
    const got = session.page({ filter, sort, limit, after });
    sql.push(...session.sql);
    const page = got.slice(0, limit);
    rows.push(...page);
    if (got.length <= limit) return { rows, sql };
    const last = page[page.length - 1];
    after = { sort, key: sort === 'RELEVANCE' ? Number(last.rank) : keyOf(last, sort), id: last.id };
  }
  throw new Error('walk did not end');
}

const like = (column: string, word: string) =>
  new Set((store.db.prepare(`SELECT id FROM datasets WHERE ${column} LIKE ?`).all(`%${word}%`) as Array<{ id: string }>).map((r) => r.id));

describe('filter.textFields', () => {
  it('leaves out a listing whose term is only in its description when text is limited to titles', () => {
    // A Chinese word found in descriptions but, for some listings, in neither title nor keywords (SQL LIKE on the raw table).
    const word = '监护人';
    const inDescription = like('description_zh', word);
    const elsewhere = new Set([...like('title_zh', word), ...like('keywords', word)]);
    const onlyInDescription = [...inDescription].filter((id) => !elsewhere.has(id));
    expect(onlyInDescription.length).toBeGreaterThan(0);
    const ids = (filter: DatasetFilterInput) => new Set(walk(filter, 'UPDATED_DESC', 100).rows.map((r) => r.id));
    const everywhere = ids({ text: word });
    const titles = ids({ text: word, textFields: ['TITLE'] });
    const descriptions = ids({ text: word, textFields: ['DESCRIPTION'] });
    for (const id of onlyInDescription) {
      expect(everywhere.has(id)).toBe(true);
      expect(descriptions.has(id)).toBe(true);
      expect(titles.has(id)).toBe(false);
    }
    expect(titles).toEqual(like('title_zh', word));
    expect(descriptions).toEqual(inDescription);
  });

  it('covers the English and the Chinese title both', () => {
    // Every description says "Provided by" and no title does; every title is written in both languages.
    expect(store.session().count({ text: 'provided', textFields: ['DESCRIPTION'] })).toBe(COUNT);
    expect(store.session().count({ text: 'provided', textFields: ['TITLE'] })).toBe(all.filter((r) => definition(r, 'provided', { fields: ['TITLE'] })).length);
    const vaccination = all.filter((r) => String(r.title).includes('Vaccination'));
    expect(vaccination.length).toBeGreaterThan(0);
    const english = new Set(walk({ text: 'vaccination', textFields: ['TITLE'], synonyms: false }, 'UPDATED_DESC', 100).rows.map((r) => r.id));
    const chinese = new Set(walk({ text: '接种', textFields: ['TITLE'], synonyms: false }, 'UPDATED_DESC', 100).rows.map((r) => r.id));
    expect(english).toEqual(new Set(vaccination.map((r) => r.id)));
    expect(chinese).toEqual(like('title_zh', '接种'));
  });

  it('treats every field, or none, as no limit, and refuses a field it does not know, naming it', () => {
    const session = store.session();
    const base = session.count({ text: '疫苗' });
    expect(session.count({ text: '疫苗', textFields: [] })).toBe(base);
    expect(session.count({ text: '疫苗', textFields: ['KEYWORDS', 'TITLE', 'DESCRIPTION', 'TITLE'] })).toBe(base);
    expect(() => session.count({ text: '疫苗', textFields: ['TITEL'] })).toThrow('filter.textFields: must be TITLE, DESCRIPTION, KEYWORDS, got "TITEL"');
    // Without text there is nothing to limit.
    expect(session.count({ textFields: ['TITLE'] })).toBe(COUNT);
  });
});

describe('filter.synonyms', () => {
  it('finds listings written with another member of the group only when synonyms are on (the default)', () => {
    const session = store.session();
    // Written 预防接种 and nowhere 疫苗 (SQL LIKE on the raw table, every text column).
    const vaccine = new Set([...like('title_zh', '疫苗'), ...like('description_zh', '疫苗'), ...like('keywords', '疫苗')]);
    const written = [...like('title_zh', '预防接种'), ...like('description_zh', '预防接种')].filter((id) => !vaccine.has(id));
    expect(written.length).toBeGreaterThan(0);
    const on = new Set(walk({ text: '疫苗' }, 'PRICE_ASC', 100).rows.map((r) => r.id));
    const off = new Set(walk({ text: '疫苗', synonyms: false }, 'PRICE_ASC', 100).rows.map((r) => r.id));
    for (const id of written) {
      expect(on.has(id)).toBe(true);
      expect(off.has(id)).toBe(false);
    }
    expect(off).toEqual(vaccine);
    expect(session.count({ text: '疫苗', synonyms: true })).toBe(on.size);
    expect(session.count({ text: '疫苗', synonyms: null })).toBe(on.size);
  });

  it('finds children\'s data for "minors" and 未成年, which no listing title uses', () => {
    const minors = all.filter((r) => r.contains_minors === 1);
    expect(minors.length).toBeGreaterThan(0);
    for (const text of ['minors', '未成年', 'kids']) {
      const found = new Set(walk({ text }, 'UPDATED_DESC', 100).rows.map((r) => r.id));
      const literal = store.session().count({ text, synonyms: false });
      expect(found.size, text).toBeGreaterThan(literal);
      for (const row of minors) expect(found.has(row.id), `${text} ${row.title}`).toBe(true);
    }
    // The seed writes 未成年人 in some audio descriptions: 儿童 reaches them only through the group.
    const writtenMinors = [...like('description_zh', '未成年人')].filter((id) => !like('title_zh', '儿童').has(id) && !like('description_zh', '儿童').has(id));
    expect(writtenMinors.length).toBeGreaterThan(0);
    const children = new Set(walk({ text: '儿童' }, 'UPDATED_DESC', 100).rows.map((r) => r.id));
    const childrenLiteral = new Set(walk({ text: '儿童', synonyms: false }, 'UPDATED_DESC', 100).rows.map((r) => r.id));
    for (const id of writtenMinors) expect([children.has(id), childrenLiteral.has(id)]).toEqual([true, false]);
  });

  it('never finds fewer listings with synonyms than without, for every member of every group', () => {
    const session = store.session();
    const members = SYNONYM_GROUPS.flatMap((g) => [...g.zh, ...g.en]);
    expect(members.length).toBeGreaterThan(50);
    let grew = 0;
    for (const text of members) {
      const on = session.count({ text });
      const off = session.count({ text, synonyms: false });
      expect(on, text).toBeGreaterThanOrEqual(off);
      if (on > off) grew++;
    }
    expect(grew).toBeGreaterThan(members.length / 2);
  });
});

describe('text with textFields and synonyms, exactly as defined, across pages, counts and statistics', () => {
  const cases: Array<{ filter: DatasetFilterInput; fields?: TextField[]; synonyms?: boolean; more?: (r: DatasetRow) => boolean }> = [
    { filter: { text: '疫苗' } },
    { filter: { text: 'immunization' } },
    { filter: { text: 'weather', textFields: ['TITLE'] }, fields: ['TITLE'] },
    { filter: { text: '未成年 北京' } },
    { filter: { text: 'children 疫苗' } },
    { filter: { text: 'Vaccine', textFields: ['KEYWORDS', 'DESCRIPTION'] }, fields: ['KEYWORDS', 'DESCRIPTION'] },
    { filter: { text: '交通 data', synonyms: false }, synonyms: false },
    // Common: 企业 and its group match thousands of rows (the store then probes or walks the sort's index).
    { filter: { text: '企业' } },
    { filter: { text: 'company' } },
    { filter: { text: 'enterprise', textFields: ['TITLE'] }, fields: ['TITLE'] },
    {
      filter: { text: '企业', categories: ['BUSINESS_REGISTRATION', 'CORPORATE_TAX'], pricingModels: ['FREE', 'PER_CALL', 'ANNUAL'] },
      more: (r) => ['BUSINESS_REGISTRATION', 'CORPORATE_TAX'].includes(r.category as string) && ['FREE', 'PER_CALL', 'ANNUAL'].includes(r.price_model),
    },
    {
      filter: { text: 'credit', minPrice: '1', containsMinorsData: false },
      more: (r) => r.price_micros !== null && r.price_micros >= 1_000_000 && r.contains_minors === 0,
    },
    { filter: { text: 'electricity', securityLevels: ['IMPORTANT'] }, more: (r) => r.security_level === 'IMPORTANT' },
  ];
  const sorts: Array<Exclude<DatasetSort, 'RELEVANCE'>> = ['UPDATED_DESC', 'PRICE_ASC', 'PRICE_DESC', 'TITLE_ASC'];

  for (const c of cases) {
    const matches = (r: DatasetRow) => definition(r, c.filter.text!, { fields: c.fields, synonyms: c.synonyms }) && (c.more?.(r) ?? true);
    it(`pages through every match in order and counts them: ${JSON.stringify(c.filter)}`, () => {
      const want = expected(matches, 'UPDATED_DESC');
      expect(want.length).toBeGreaterThan(0);
      for (const sort of sorts) {
        const { rows } = walk(c.filter, sort, 97);
        expect(
          rows.map((r) => r.id),
          sort,
        ).toEqual(expected(matches, sort));
      }
      expect(store.session().count(c.filter)).toBe(want.length);
    });

    it(`orders by relevance without gaps or repeats, and gives statistics of the same listings: ${JSON.stringify(c.filter)}`, () => {
      store.rankings.clear();
      const { rows } = walk(c.filter, 'RELEVANCE', 89);
      expect(new Set(rows.map((r) => r.id))).toEqual(new Set(expected(matches, 'UPDATED_DESC')));
      expect(rows).toHaveLength(new Set(rows.map((r) => r.id)).size);
      for (let i = 1; i < rows.length; i++) {
        const [a, b] = [rows[i - 1], rows[i]];
        expect(Number(a.rank) < Number(b.rank) || (a.rank === b.rank && a.id < b.id), `${a.id} before ${b.id}`).toBe(true);
      }
      // Statistics: per category, the count and the price range of the matching listings.
      const stats = store.session().stats(c.filter, 'CATEGORY');
      const byCategory = new Map<string, { n: number; min: number | null; max: number | null }>();
      for (const row of stats) {
        const bucket = byCategory.get(row.group) ?? { n: 0, min: null, max: null };
        bucket.n += row.n;
        if (row.minMicros !== null) bucket.min = bucket.min === null ? row.minMicros : Math.min(bucket.min, row.minMicros);
        if (row.maxMicros !== null) bucket.max = bucket.max === null ? row.maxMicros : Math.max(bucket.max, row.maxMicros);
        byCategory.set(row.group, bucket);
      }
      const reference = new Map<string, { n: number; min: number | null; max: number | null }>();
      for (const row of all.filter(matches)) {
        const bucket = reference.get(row.category as string) ?? { n: 0, min: null, max: null };
        bucket.n++;
        if (row.price_micros !== null) {
          bucket.min = bucket.min === null ? row.price_micros : Math.min(bucket.min, row.price_micros);
          bucket.max = bucket.max === null ? row.price_micros : Math.max(bucket.max, row.price_micros);
        }
        reference.set(row.category as string, bucket);
      }
      expect(byCategory).toEqual(reference);
    });
  }

  it('reads a group in both languages in one statement per page, either index keeping a row', () => {
    const { sql } = walk({ text: '疫苗' }, 'UPDATED_DESC', 50);
    const pages = sql.filter((s) => s.startsWith('SELECT d.*'));
    expect(pages.length).toBeGreaterThan(0);
    expect(
      pages.every((s) => s.includes('d.rowid IN (SELECT rowid FROM datasets_fts_zh WHERE datasets_fts_zh MATCH ? UNION SELECT rowid FROM datasets_fts_en')),
    ).toBe(true);
  });

  it("matches a provider's listings with synonyms, through the SQL of a filter the filter columns do not know", () => {
    const uscc = all.find((r) => definition(r, 'minors'))!.provider_uscc;
    const want = expected((r) => r.provider_uscc === uscc && definition(r, 'minors'), 'PRICE_DESC');
    expect(want.length).toBeGreaterThan(0);
    expect(walk({ text: 'minors', providerUscc: uscc }, 'PRICE_DESC', 3).rows.map((r) => r.id)).toEqual(want);
    expect(store.session().count({ text: 'minors', providerUscc: uscc })).toBe(want.length);
    const stats = store.session().stats({ text: 'minors', providerUscc: uscc }, 'EXCHANGE');
    expect(stats.reduce((sum, row) => sum + row.n, 0)).toBe(want.length);
  });
});

describe('common text in both languages (30,000 listings): every way of reading a page', () => {
  let saved: { store: DatasetStore; all: DatasetRow[] };
  beforeAll(() => {
    saved = { store, all };
    store = new DatasetStore('sh', ':memory:');
    store.ingest(generateDatasets({ exchange: 'sh', divisionCode: '310000', count: 30_000 }));
    all = store.db.prepare('SELECT * FROM datasets').all() as DatasetRow[];
  });
  afterAll(() => {
    store.close();
    ({ store, all } = saved);
  });

  const cases: Array<{
    label: string;
    filter: DatasetFilterInput;
    more?: (r: DatasetRow) => boolean;
    sort: Exclude<DatasetSort, 'RELEVANCE'>;
    access: string;
  }> = [
    {
      label: "a group over 5% of the catalog: the sort's index walked, each row tested by its marks in memory",
      filter: { text: '企业' },
      sort: 'PRICE_ASC',
      access: 'text_kept(?, d.rowid) = 1',
    },
    { label: 'a group of common English words, typed as a prefix', filter: { text: 'company' }, sort: 'UPDATED_DESC', access: 'text_kept(?, d.rowid) = 1' },
    {
      label: 'the same with lists: ordered ranges of the category',
      filter: { text: '企业', categories: ['BUSINESS_REGISTRATION', 'FOREIGN_INVESTMENT'] },
      more: (r) => ['BUSINESS_REGISTRATION', 'FOREIGN_INVESTMENT'].includes(r.category as string),
      sort: 'UPDATED_DESC',
      access: 'INDEXED BY ix_category_updated',
    },
    {
      label: 'the same with a rare list: the kept rows by rowid',
      filter: { text: 'company', securityLevels: ['IMPORTANT'], types: ['MODEL'] },
      more: (r) => r.security_level === 'IMPORTANT' && r.type === 'MODEL',
      sort: 'TITLE_ASC',
      access: 'd.rowid IN (SELECT value FROM json_each(?))',
    },
  ];
  for (const c of cases) {
    it(`returns exactly the definition's rows and order: ${c.label}`, () => {
      const matches = (r: DatasetRow) => definition(r, c.filter.text!) && (c.more?.(r) ?? true);
      const want = expected(matches, c.sort);
      expect(want.length).toBeGreaterThan(COMMON_TEXT_MATCHES / 100);
      const { rows, sql } = walk(c.filter, c.sort, 61);
      expect(rows.map((r) => r.id)).toEqual(want);
      expect(sql.some((s) => s.includes(c.access))).toBe(true);
      expect(store.session().count(c.filter)).toBe(want.length);
    });
  }

  it('pages by relevance from the kept order of a common group, the same as its SQL definition', () => {
    store.rankings.clear();
    const filter = { text: '企业', pricingModels: ['FREE', 'ANNUAL'] };
    const matchCount = all.filter((r) => definition(r, '企业')).length;
    expect(matchCount).toBeGreaterThan(COMMON_TEXT_MATCHES);
    // The definition: a row scores the bm25 of each index its group matches in, added; then the id.
    const zh = '("企业" OR "市场 场主 主体")';
    const en = '("enterprise" OR "enterprises" OR "company" OR "companies" OR "firm" OR "firms")';
    const want = (
      store.db
        .prepare(
          `SELECT d.id FROM datasets d JOIN (SELECT r, sum(s) AS s FROM (
        SELECT rowid AS r, bm25(datasets_fts_zh, 10.0, 1.0, 5.0) AS s FROM datasets_fts_zh WHERE datasets_fts_zh MATCH ?
        UNION ALL SELECT rowid AS r, bm25(datasets_fts_en, 10.0, 1.0, 5.0) AS s FROM datasets_fts_en WHERE datasets_fts_en MATCH ?) GROUP BY r) f
      ON f.r = d.rowid WHERE d.price_model IN ('FREE', 'ANNUAL') ORDER BY f.s, d.id`,
        )
        .all(zh, en) as Array<{ id: string }>
    ).map((r) => r.id);
    expect(want.length).toBeGreaterThan(0);
    const { rows, sql } = walk(filter, 'RELEVANCE', 97);
    expect(rows.map((r) => r.id)).toEqual(want);
    // Read from the order kept per load: the scores once, then each page's rows by rowid.
    expect(sql.filter((q) => q.includes('-- ranking'))).toHaveLength(1);
    expect(sql.filter((q) => q.includes('bm25(') && !q.includes('-- ranking'))).toEqual([]);
  });
});
