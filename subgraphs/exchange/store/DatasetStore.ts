import Database from 'better-sqlite3';
import { LRUCache } from 'lru-cache';
import type { DatasetRecord, DatasetSort, StatsGroup, PricingModel } from '../../../shared/domain.ts';
import { SORT_SPECS, NEGOTIABLE_PRICE_ASC_KEY, NEGOTIABLE_PRICE_DESC_KEY, type CursorPosition } from '../../../shared/datasetOrder.ts';
import { parseAmountMicros, formatMicros, MICROS_PER_UNIT } from '../../../shared/money.ts';
import { bucketIndexOf } from '../../../shared/sketch.ts';
import { TABLES_SQL, INDEXES_SQL, VALUE_ORDER_INDEXES, type ValueOrderIndex } from './ddl.ts';
import { chineseIndexText } from './chineseText.ts';
import { filterSql, withoutList, type DatasetFilterInput, type FilterSql, type ListFilter } from './filterSql.ts';
import { ftsPhrase, englishQuery, englishPhraseText, matchKey, matchParts, FTS_RANK, type EnglishPhrase, type FtsMatch } from './textQuery.ts';
import { FacetCounts, isFacetColumn } from './FacetCounts.ts';
import { FilterColumns, type ColumnarFilter } from './FilterColumns.ts';
import { dimensionOf } from './GroupedStatistics.ts';
import type { PriceStatisticsBucket } from '../../../shared/priceStatistics.ts';
import type { PriceStatsBucket } from '../../../shared/priceStatsSummary.ts';
import { foldStatsRows } from './FoldedGroups.ts';
import { PriceChangeLog } from './PriceChangeLog.ts';
import { FilteredStats, type RowTest } from './FilteredStats.ts';
import { UnfilteredStats, ZERO_BUCKET, GROUP_COLUMNS, type StatsRow, type ColumnStatsGroup } from './UnfilteredStats.ts';

export { ZERO_BUCKET, type StatsRow };

const FTS_TABLES = ['datasets_fts_zh', 'datasets_fts_en'] as const;
/** FTS5's in-memory buffer of new terms during a bulk load: more than a 250,000-row load needs (~300 MB). */
const BULK_FTS_HASH_BYTES = 1024 * 1024 * 1024;
const DEFAULT_FTS_HASH_BYTES = 1024 * 1024;
/** The Chinese index's format: 2 adds each distinct character as a token of its own (chineseIndexText). */
const ZH_INDEX_FORMAT = '2';

export type DatasetRow = Record<string, unknown> & {
  rowid: number;
  id: string;
  title: string;
  updated_ms: number;
  price_asc: number;
  price_desc: number;
  price_model: PricingModel;
  price_micros: number | null;
  provider_uscc: string;
  rank?: number;
};

export class IngestError extends Error {}

export interface PageQuery {
  filter?: DatasetFilterInput | null;
  sort: DatasetSort;
  /** Rows to return; the store reads one more to know whether a next page exists. */
  limit: number;
  after?: CursorPosition | null;
  /**
   * Columns to read (names from the datasets table, see datasetColumns.ts), or every column when absent.
   * Only `page` reads a subset.
   */
  columns?: readonly string[] | null;
}

/**
 * One exchange's catalog in SQLite. Reads go through a StoreSession, which counts the statements it
 * runs, so a test can prove that a GraphQL request costs a fixed number of SQL statements.
 */
export class DatasetStore {
  readonly db: Database.Database;
  /** Prepared statements by SQL text; bounded, since the text varies with the shape of the filter. */
  private readonly statements = new LRUCache<string, Database.Statement>({ max: 500 });
  private version: { created: string; counter: number };
  private countsCache: { datasets: number; providers: number } | null = null;
  /**
   * Results of the aggregate reads (totalCount, statistics), by catalog version and statement: a broad
   * filter's count scans tens of thousands of rows, and dashboards ask the same one again and again.
   * A data change moves the version, so an entry is never stale.
   */
  readonly aggregates = new LRUCache<string, { value: unknown }>({ max: 2000 });
  /**
   * priceStatistics answers, by catalog version and filter, kept apart from `aggregates` and bounded by
   * size: one holds every bucket's provider USCCs (600 KB for exchange x category x pricing model at
   * 250,000 listings), so 2,000 of them would not fit in memory. At most 64 MiB.
   */
  readonly statisticsCache = new LRUCache<string, PriceStatisticsBucket[]>({
    maxSize: 64 * 1024 * 1024,
    sizeCalculation: (buckets) =>
      Math.max(
        1,
        buckets.reduce((bytes, b) => bytes + 200 + b.sketch.length * 2 + b.providers.length * 60, 0),
      ),
  });
  /**
   * Relevance orders of common text, by its matches, until the next load (a price change moves no text nor
   * score): every match's rowid in the order (bm25, id), its score, and its place by rowid. At most 64 MiB.
   */
  readonly rankings = new LRUCache<string, Ranking>({
    maxSize: 64 * 1024 * 1024,
    sizeCalculation: (r) => r.rowids.byteLength + r.scores.byteLength + r.places.byteLength,
  });
  /**
   * What the text indexes alone answer (a match's count, the words a prefix stands for), by statement,
   * until the next load: a price change moves no text. Per catalog version instead, a term in every one of
   * 250,000 listings was counted again after every price change (11 ms, FTS5 walks its whole list).
   */
  readonly textFacts = new LRUCache<string, { value: unknown }>({ max: 2000 });
  /** The rowids of text matches, by index and match, until the next load (a price change moves no text): at most 32 MiB. */
  readonly textRowids = new LRUCache<string, Int32Array>({ maxSize: 32 * 1024 * 1024, sizeCalculation: (rowids) => Math.max(1, rowids.byteLength) });
  /**
   * Marks of text matches with alternatives (a synonym group written in both languages), by match: 1 at
   * each matching rowid, until the next load. The SQL function text_kept reads them while a page walks an
   * index (see textCondition). At most 32 MiB (a mark a listing: 250 KB at 250,000).
   */
  readonly textMarks = new LRUCache<string, Uint8Array>({ maxSize: 32 * 1024 * 1024, sizeCalculation: (marks) => Math.max(1, marks.byteLength) });
  /** Statistics of the whole catalog, kept exact through price changes (see UnfilteredStats). */
  readonly unfilteredStats: UnfilteredStats;
  /** Statistics of filtered catalogs, likewise (see FilteredStats). */
  readonly filteredStats: FilteredStats;
  private facetCounts: FacetCounts | null = null;
  /**
   * Loads into this store since it was opened: a load can change any column, a price change (the other
   * thing that moves the catalog version) only the price columns and updated_ms. What is derived from the
   * other columns may be kept while this stays the same (the catalog summary, catalogSummary.ts).
   */
  loads = 0;
  /** Every price change, in order, kept PRICE_CHANGE_RETENTION_DAYS (docs/live-prices.md). */
  readonly changeLog: PriceChangeLog;

  constructor(
    readonly exchangeId: string,
    path: string,
    options: { changeRetentionDays?: number } = {},
  ) {
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('cache_size = -65536');
    this.db.pragma('mmap_size = 268435456');
    this.db.exec(TABLES_SQL);
    // A catalog seeded by an older version gets the indexes this one reads (a no-op when they exist). An
    // empty one gets them after its first load (ingest), which is much faster than row by row.
    if (!this.isEmpty()) this.db.exec(INDEXES_SQL);
    this.db.function('zh_bigrams', { deterministic: true }, (text: unknown) => chineseIndexText(String(text ?? '')));
    // A page reads the marks right after StoreSession.marksOf put them in the cache; missing marks are a bug, never "no match".
    this.db.function('text_kept', { deterministic: false }, (key: unknown, rowid: unknown) => {
      const marks = this.textMarks.peek(String(key));
      if (!marks) throw new Error('text_kept: the marks of a text match are not in memory');
      return marks[Number(rowid)] ?? 0;
    });
    // A Chinese index written before single characters had tokens of their own is written again, once.
    if (!this.isEmpty() && this.meta('zh_index') !== ZH_INDEX_FORMAT) this.rebuildChineseIndex();
    const created = this.meta('created') ?? Date.now().toString(36);
    this.setMeta('created', created);
    this.version = { created, counter: Number(this.meta('version') ?? '0') };
    this.unfilteredStats = new UnfilteredStats(this.db, exchangeId);
    this.filteredStats = new FilteredStats(this.db, exchangeId);
    this.changeLog = new PriceChangeLog(this.db, options.changeRetentionDays);
  }

  /** Names this database: a change log cursor of another epoch (a database made anew) reads from the start. */
  get epoch(): string {
    return this.version.created;
  }

  /** Writes the Chinese text index again from the rows (a format change; ~10 s at 250,000 rows). */
  private rebuildChineseIndex(): void {
    const table = 'datasets_fts_zh';
    this.db.transaction(() => {
      this.db.prepare(`INSERT INTO ${table}(${table}, rank) VALUES ('hashsize', ${BULK_FTS_HASH_BYTES})`).run();
      this.db.prepare(`INSERT INTO ${table}(${table}) VALUES ('delete-all')`).run();
      this.db
        .prepare(
          `INSERT INTO ${table} (rowid, title_zh, description_zh, keywords)
        SELECT rowid, zh_bigrams(title_zh), zh_bigrams(description_zh), zh_bigrams(keywords) FROM datasets`,
        )
        .run();
      this.db.prepare(`INSERT INTO ${table}(${table}, rank) VALUES ('hashsize', ${DEFAULT_FTS_HASH_BYTES})`).run();
      this.db.prepare(`INSERT INTO ${table}(${table}) VALUES ('optimize')`).run();
      this.setMeta('zh_index', ZH_INDEX_FORMAT);
    })();
  }

  /** Listings per combination of enum values, read on first use and kept exact (see FacetCounts). */
  facets(): FacetCounts {
    this.facetCounts ??= FacetCounts.read(this.db);
    return this.facetCounts;
  }

  private columns: FilterColumns | null = null;
  /** The filter columns in memory, read on first use and kept exact (see FilterColumns). */
  filterColumns(): FilterColumns {
    this.columns ??= FilterColumns.read(this.db);
    return this.columns;
  }

  private meta(key: string): string | undefined {
    return (this.db.prepare('SELECT value FROM meta WHERE key = ?').get(key) as { value: string } | undefined)?.value;
  }

  private setMeta(key: string, value: string): void {
    this.db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value').run(key, value);
  }

  get catalogVersion(): string {
    return `${this.version.created}.${this.version.counter}`;
  }

  private bumpVersion(): void {
    this.version.counter += 1;
    this.setMeta('version', String(this.version.counter));
  }

  prepared(sql: string): Database.Statement {
    let statement = this.statements.get(sql);
    if (!statement) {
      statement = this.db.prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  }

  isEmpty(): boolean {
    return this.db.prepare('SELECT 1 FROM datasets LIMIT 1').get() === undefined;
  }

  /**
   * Loads records in one transaction. CORE data is refused (Data Security Law art. 21): one CORE record
   * fails the whole batch and nothing is stored. Indexes and the text index are built after the rows,
   * which is what makes 250,000 rows load in seconds.
   */
  ingest(records: Iterable<DatasetRecord>): number {
    const insert = this.db.prepare(`INSERT INTO datasets (id, product_code, title, title_zh, description, description_zh,
      keywords, type, category, provider_uscc, provider_kind, security_level, personal_info, contains_minors, data_origin,
      delivery, update_frequency, spatial_coverage, price_model, price_micros, price_asc, price_desc, price_bucket,
      price_history, compliance_assessed, listed_at, updated_at, updated_ms)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
    const firstNewRowid = ((this.db.prepare('SELECT max(rowid) AS m FROM datasets').get() as { m: number | null }).m ?? 0) + 1;
    let count = 0;
    // Bulk-load settings: sorts for index builds in memory, and each text index built in memory and
    // written once, as one segment (a hash table as large as the load, instead of FTS5's 1 MiB one that
    // writes a segment per MiB and merges them again and again). One segment is also what makes a text
    // query fast: a probe of one row (`rowid = ?`, see COMMON_TEXT_MATCHES) seeks one b-tree instead of
    // one per segment (24 µs instead of 660 µs at 250,000 rows).
    this.db.pragma('temp_store = MEMORY');
    const cacheSize = this.db.pragma('cache_size', { simple: true });
    this.db.pragma('cache_size = -1000000');
    this.db.transaction(() => {
      for (const table of FTS_TABLES) {
        this.db.prepare(`INSERT INTO ${table}(${table}, rank) VALUES ('automerge', 0)`).run();
        this.db.prepare(`INSERT INTO ${table}(${table}, rank) VALUES ('hashsize', ${BULK_FTS_HASH_BYTES})`).run();
      }
      for (const record of records) {
        if ((record.securityLevel as string) === 'CORE') {
          throw new IngestError(`dataset ${record.localId}: securityLevel CORE is never listed (Data Security Law art. 21)`);
        }
        const current = record.priceHistory[record.priceHistory.length - 1];
        if (!current) throw new IngestError(`dataset ${record.localId}: priceHistory must have at least one point`);
        const micros = priceMicrosOf(record.localId, current.model, current.amount);
        insert.run(
          `${this.exchangeId}:${record.localId}`,
          record.productCode,
          record.title,
          record.titleZh,
          record.description,
          record.descriptionZh,
          JSON.stringify(record.keywords),
          record.type,
          record.category,
          record.providerUscc,
          record.providerKind,
          record.securityLevel,
          record.personalInfo,
          record.containsMinorsData ? 1 : 0,
          record.dataOrigin,
          record.delivery,
          record.updateFrequency,
          JSON.stringify(record.spatialCoverage),
          current.model,
          micros,
          ...priceKeys(micros),
          JSON.stringify(record.priceHistory),
          record.complianceAssessed ? 1 : 0,
          record.listedAt,
          record.updatedAt,
          Date.parse(record.updatedAt),
        );
        count++;
      }
      this.db
        .prepare(
          `INSERT INTO datasets_fts_zh (rowid, title_zh, description_zh, keywords)
        SELECT rowid, zh_bigrams(title_zh), zh_bigrams(description_zh), zh_bigrams(keywords) FROM datasets WHERE rowid >= ?`,
        )
        .run(firstNewRowid);
      this.db
        .prepare(
          `INSERT INTO datasets_fts_en (rowid, title, description, keywords)
        SELECT rowid, title, description, keywords FROM datasets WHERE rowid >= ?`,
        )
        .run(firstNewRowid);
      for (const table of FTS_TABLES) {
        // Back to FTS5's defaults for later writes; `optimize` merges what earlier loads left into one
        // segment (it has nothing to do after a first load).
        this.db.prepare(`INSERT INTO ${table}(${table}, rank) VALUES ('hashsize', ${DEFAULT_FTS_HASH_BYTES})`).run();
        this.db.prepare(`INSERT INTO ${table}(${table}, rank) VALUES ('automerge', 4)`).run();
        if (firstNewRowid > 1) this.db.prepare(`INSERT INTO ${table}(${table}) VALUES ('optimize')`).run();
      }
      this.db.exec(INDEXES_SQL);
      this.setMeta('zh_index', ZH_INDEX_FORMAT);
      this.bumpVersion();
    })();
    this.loads += 1;
    this.db.pragma(`cache_size = ${Number(cacheSize)}`);
    this.db.exec('ANALYZE');
    this.statements.clear();
    this.facetCounts = null;
    this.columns = null;
    this.textRowids.clear();
    this.textFacts.clear();
    this.textMarks.clear();
    this.rankings.clear();
    this.countsCache = null;
    this.unfilteredStats.clear();
    this.filteredStats.clear();
    return count;
  }

  /** Changes a listing's price, appends it to the history and the change log and bumps the catalog version, atomically. */
  updatePrice(id: string, model: PricingModel, amount: string | null, now = new Date()): DatasetRow | undefined {
    const change = this.db.transaction(() => {
      const row = this.db.prepare('SELECT * FROM datasets WHERE id = ?').get(id) as DatasetRow | undefined;
      if (!row) return undefined;
      const micros = priceMicrosOf(id, model, amount);
      const history = JSON.parse(row.price_history as string) as unknown[];
      const stored = micros === null ? null : formatMicros(micros);
      history.push({ model, amount: stored, effectiveAt: now.toISOString() });
      this.db
        .prepare(
          `UPDATE datasets SET price_model = ?, price_micros = ?, price_asc = ?, price_desc = ?, price_bucket = ?,
        price_history = ?, updated_at = ?, updated_ms = ? WHERE id = ?`,
        )
        .run(model, micros, ...priceKeys(micros), JSON.stringify(history), now.toISOString(), now.getTime(), id);
      this.changeLog.append({
        datasetId: id,
        previous: { model: row.price_model, micros: row.price_micros ?? null },
        current: { model, micros },
        now,
      });
      this.bumpVersion();
      return { before: row, after: this.db.prepare('SELECT * FROM datasets WHERE id = ?').get(id) as DatasetRow };
    })();
    if (!change) return undefined;
    // Committed: the aggregates kept across versions follow the one listing that moved.
    this.facetCounts?.move(change.before, change.after);
    // Which kept statistics held the listing is asked of the filter columns before they take the change.
    const keptBefore = this.filteredStats.keeping(change.before.rowid);
    this.columns?.changed(change.after);
    this.unfilteredStats.priceChanged(change.before, change.after);
    this.filteredStats.priceChanged(change.before, change.after, keptBefore);
    return change.after;
  }

  session(): StoreSession {
    return new StoreSession(this);
  }

  /**
   * Dataset and provider counts, cached until the next load: a price change moves the catalog version
   * but changes neither (a page's choice of text access reads the size, see VERY_COMMON_TEXT_SHARE).
   */
  counts(session: StoreSession): { datasets: number; providers: number } {
    if (!this.countsCache) {
      const row = session.get<{ d: number; p: number }>('SELECT count(*) AS d, count(DISTINCT provider_uscc) AS p FROM datasets', []);
      this.countsCache = { datasets: row!.d, providers: row!.p };
    }
    return this.countsCache;
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}

/** Parses and checks one price; the message names the rule for the admin endpoint and ingest alike. */
export function priceMicrosOf(what: string, model: PricingModel, amount: string | null): number | null {
  if (model === 'NEGOTIABLE') {
    if (amount !== null) throw new IngestError(`${what}: amount must be null when model is NEGOTIABLE`);
    return null;
  }
  if (amount === null) throw new IngestError(`${what}: amount is required when model is ${model}`);
  const micros = parseAmountMicros(amount);
  if (micros === null) throw new IngestError(`${what}: amount must be a non-negative decimal string like "1200.00", got ${JSON.stringify(amount)}`);
  if (model === 'FREE' && micros !== 0) throw new IngestError(`${what}: amount must be "0.00" when model is FREE`);
  if (model !== 'FREE' && micros === 0) throw new IngestError(`${what}: amount must be above zero when model is ${model}; use FREE`);
  return micros;
}

function priceKeys(micros: number | null): [number, number, number | null] {
  if (micros === null) return [NEGOTIABLE_PRICE_ASC_KEY, NEGOTIABLE_PRICE_DESC_KEY, null];
  return [micros, micros, micros === 0 ? ZERO_BUCKET : bucketIndexOf(micros / MICROS_PER_UNIT)];
}

/**
 * The FROM clause and conditions for a filter, with a rank column when sorting by relevance.
 * Parameters are kept apart by position: `fromParams` bind before the WHERE clause, `whereParams` inside it.
 */
interface SourceSql {
  from: string;
  rank: string;
  conditions: string[];
  fromParams: unknown[];
  whereParams: unknown[];
}

/**
 * Above this many text matches, a sorted page is read by walking the sort index and testing each row
 * against the matches (`+rowid IN`), which stops after one page; below it, by reading the matches and
 * sorting them. About sqrt(21 x 250,000): the crossing point measured at 250,000 rows.
 */
export const COMMON_TEXT_MATCHES = 2500;

/**
 * Above this share of the catalog, a text query without a word prefix is tested row by row as the sort
 * index is walked (`EXISTS (... MATCH ? AND rowid = d.rowid)`, a seek in the one-segment text index,
 * ~25 µs), which reads about 21 / share rows, instead of first reading every match into a temporary
 * index (~0.2 µs per match: 40 ms for a term in all 250,000 rows). A word prefix ("data"*) cannot be
 * tested that way: each test would merge the lists of every word it starts (~3 ms).
 */
export const VERY_COMMON_TEXT_SHARE = 0.05;

/** How a text match is joined to the rows: see COMMON_TEXT_MATCHES and VERY_COMMON_TEXT_SHARE. */
type TextAccess = 'matches-first' | 'in-order' | 'probe';

/**
 * A word prefix standing for at most this many indexed words is rewritten as those words (see
 * StoreSession.withWholeWords): a test of one row then seeks each word's list, which stays cheap for a few.
 */
export const MAX_PREFIX_WORDS = 8;

/** What testing a row's text by a probe of the text index costs in row reads (~25 µs and ~3 µs): see commonTextPath. */
const PROBE_PER_ROW_READ = 8;

/** At most this many kept rows are read by rowid and sorted (~3 µs each): see commonTextPath. */
export const KEPT_ROWS_FIRST = 3000;

/** The index of each sort's own order (key, id). */
const SORT_INDEXES: Record<Exclude<DatasetSort, 'RELEVANCE'>, string> = {
  UPDATED_DESC: 'ix_updated',
  PRICE_ASC: 'ix_price_asc',
  PRICE_DESC: 'ix_price_desc',
  TITLE_ASC: 'ix_title',
};

/** A relevance order of every match of a text (DatasetStore.rankings). */
interface Ranking {
  rowids: Int32Array;
  scores: Float64Array;
  /** By rowid: its index in `rowids` plus one; 0 for a row that does not match. */
  places: Int32Array;
}

type PagePath =
  | { kind: 'ranges'; list: ListFilter; index: ValueOrderIndex }
  | { kind: 'lead'; index: string }
  | { kind: 'rowids'; rowids: number[] }
  | { kind: 'matches-first' }
  | { kind: 'empty' }
  | null;

/** What reading a row costs in tests of an index entry (~3 µs and ~0.2 µs at 250,000 rows): see listPath. */
const ROW_READ_PER_INDEX_ENTRY = 15;

/** At most this many values of one list are read as separate ordered ranges (one subquery each). */
export const MAX_VALUE_RANGES = 32;

function sourceSql(where: FilterSql, sort: DatasetSort, access: TextAccess = 'matches-first'): SourceSql {
  if (where.matches.length > 0 && sort === 'RELEVANCE') {
    // Relevance needs the scores: join each text index (lower bm25 is better; scores of two indexes add).
    // A match with alternatives (a synonym group in both languages) scores what each index it matches
    // scores, added, as the scores of two matches add.
    const scored = (m: FtsMatch) => `SELECT rowid AS fts_rowid, ${FTS_RANK[m.table]} AS score FROM ${m.table} WHERE ${m.table} MATCH ?`;
    const joins = where.matches.map((m, i) =>
      m.alternatives
        ? `JOIN (SELECT fts_rowid, sum(score) AS score FROM (${matchParts(m).map(scored).join(' UNION ALL ')}) GROUP BY fts_rowid) f${i} ON f${i}.fts_rowid = d.rowid`
        : `JOIN (${scored(m)}) f${i} ON f${i}.fts_rowid = d.rowid`,
    );
    return {
      from: `datasets d ${joins.join(' ')}`,
      rank: `(${where.matches.map((_, i) => `f${i}.score`).join(' + ')})`,
      conditions: where.conditions,
      fromParams: matchParams(where.matches),
      whereParams: where.params,
    };
  }
  return {
    from: 'datasets d',
    rank: '0.0',
    conditions: [...where.matches.map((m) => textCondition(m, access)), ...where.conditions],
    fromParams: [],
    whereParams: [...matchParams(where.matches, access), ...where.params],
  };
}

/** Whether a match is tested on each row by its marks in memory (text_kept), see textCondition. */
function testedByMarks(match: FtsMatch, access: TextAccess): boolean {
  return match.alternatives !== undefined && access !== 'matches-first';
}

/** The parameters of matches, in the order their SQL (sourceSql, textCondition) binds them. */
function matchParams(matches: readonly FtsMatch[], access: TextAccess = 'matches-first'): string[] {
  return matches.flatMap((m) => (testedByMarks(m, access) ? [matchKey(m)] : matchParts(m).map((part) => part.query)));
}

/**
 * A row's test for one match; a match with alternatives keeps a row that passes any. Walking an index
 * (`in-order`, `probe`), a match with alternatives is tested by its marks in memory (StoreSession.marksOf,
 * the SQL function text_kept: ~0.3 µs a row) instead of a probe of each index (~25 µs each; an OR of
 * several words costs several) or a union of both indexes' matches read again for every page (~30 ms for
 * 12,000 matches at 250,000 rows).
 */
function textCondition(match: FtsMatch, access: TextAccess): string {
  if (testedByMarks(match, access)) return 'text_kept(?, d.rowid) = 1';
  if (access === 'probe') {
    const probes = matchParts(match).map((m) => `EXISTS (SELECT 1 FROM ${m.table} WHERE ${m.table} MATCH ? AND rowid = d.rowid)`);
    return probes.length === 1 ? probes[0] : `(${probes.join(' OR ')})`;
  }
  const rowids = matchParts(match)
    .map((m) => `SELECT rowid FROM ${m.table} WHERE ${m.table} MATCH ?`)
    .join(' UNION ');
  return `${access === 'in-order' ? '+' : ''}d.rowid IN (${rowids})`;
}

function whereSql(conditions: string[]): string {
  return conditions.length ? `WHERE ${conditions.join(' AND ')}` : '';
}

function keyColumn(sort: DatasetSort, rank: string): string {
  return sort === 'RELEVANCE' ? rank : `d.${SORT_SPECS[sort].column}`;
}

function orderSql(sort: DatasetSort, rank: string): string {
  const direction = SORT_SPECS[sort].descending ? 'DESC' : 'ASC';
  return `${keyColumn(sort, rank)} ${direction}, d.id ${direction}`;
}

function keysetCondition(sort: DatasetSort, rank: string, after: CursorPosition | null | undefined): { sql: string; params: unknown[] } | null {
  if (!after) return null;
  const op = SORT_SPECS[sort].descending ? '<' : '>';
  return { sql: `(${keyColumn(sort, rank)}, d.id) ${op} (?, ?)`, params: [after.key, after.id] };
}

/**
 * The list filter a page may read value by value, and its index: the first of VALUE_ORDER_INDEXES for the
 * sort whose column the filter lists. With text, only when its matches are common (tested on each row of
 * the ranges; few are read first and sorted). Not with an equality on a provider or product code (its own
 * index finds the few rows, sorting them is cheap).
 */
function valueRangesFor(where: FilterSql, sort: DatasetSort, access: TextAccess): { list: ListFilter; index: ValueOrderIndex } | null {
  if (sort === 'RELEVANCE' || where.hasEquality) return null;
  // Few text matches are read first and sorted (matches-first); common ones are tested on each row of the ranges.
  if (where.matches.length > 0 && access === 'matches-first') return null;
  for (const index of VALUE_ORDER_INDEXES) {
    if (index.sort !== sort) continue;
    const list = where.lists.find((l) => l.column === index.column);
    if (list && list.values.length <= MAX_VALUE_RANGES) return { list, index };
  }
  return null;
}

/** A request's view of the store: every statement it runs is counted. */
export class StoreSession {
  statementCount = 0;

  constructor(readonly store: DatasetStore) {}

  all<T>(sql: string, params: unknown[]): T[] {
    this.statementCount++;
    return this.store.prepared(sql).all(...params) as T[];
  }

  get<T>(sql: string, params: unknown[]): T | undefined {
    this.statementCount++;
    return this.store.prepared(sql).get(...params) as T | undefined;
  }

  /** Rows as arrays: for a statement of its own (the raw mode stays with the shared prepared statement). */
  rawAll<T extends unknown[]>(sql: string, params: unknown[]): T[] {
    this.statementCount++;
    return this.store
      .prepared(sql)
      .raw()
      .all(...params) as T[];
  }

  /** Rows of one keyset page (limit + 1 rows at most, so the caller sees whether more follow). */
  page(query: PageQuery): DatasetRow[] {
    const parsed = filterSql(query.filter, this.store.exchangeId);
    if (parsed.matchesNothing) return [];
    // Relevance scores a prefix as one phrase (bm25 of its union): whole words would score otherwise.
    const where = query.sort === 'RELEVANCE' ? parsed : this.withWholeWords(parsed);
    if (query.sort === 'RELEVANCE') {
      const ranked = this.pageByRanking(where, query);
      if (ranked) return ranked;
    }
    let access = this.textAccess(where, query.sort);
    const path = access === 'matches-first' ? this.listPath(where, query, access) : this.commonTextPath(where, query, access);
    if (path?.kind !== 'matches-first') for (const match of where.matches) if (testedByMarks(match, access)) this.marksOf(match);
    if (path?.kind === 'empty') return [];
    if (path?.kind === 'ranges') return this.pageByValueRanges(where, path, query, access);
    if (path?.kind === 'rowids') return this.pageByRowids(path.rowids, query);
    if (path?.kind === 'matches-first') access = 'matches-first';
    const source = sourceSql(where, query.sort, access);
    if (path?.kind === 'lead') source.from = `${source.from} INDEXED BY ${path.index}`;
    const keyset = keysetCondition(query.sort, source.rank, query.after);
    const conditions = keyset ? [...source.conditions, keyset.sql] : source.conditions;
    const columns = query.columns ? query.columns.map((c) => `d.${c}`).join(', ') : 'd.*';
    const sql = `SELECT ${columns}, ${source.rank} AS rank FROM ${source.from} ${whereSql(conditions)}
      ORDER BY ${orderSql(query.sort, source.rank)} LIMIT ?`;
    return this.all<DatasetRow>(sql, [...source.fromParams, ...source.whereParams, ...(keyset?.params ?? []), query.limit + 1]);
  }

  /**
   * How a page filtered by lists (and no text, provider or product code) is read, from the number of rows
   * each way would visit, counted with FacetCounts (exact per list, an estimate for the walks):
   * - `ranges`: ordered ranges of a (column, sort key, id) index per value (pageByValueRanges). A listed
   *   column with such an index for the sort comes first (valueRangesFor). Otherwise, for a price order,
   *   the ranges of the pricing models the lists keep any row of: a walk of about (limit + 1) / share rows
   *   per model, which never passes the thousands of FREE rows heading the price order when the lists keep
   *   none of them (types [MODEL]: 50-90 ms walking the price index, 2 ms by models).
   * - `lead`: the rows of the list with the fewest (through its own index), tested and sorted, when that is
   *   fewer rows than the walk (securityLevels [IMPORTANT] + dataOrigins [PERSONAL], 674 rows of 250,000:
   *   300 ms walking the price index, 5,000 rows read from the origin's index).
   * - `empty`: the lists keep no row at all.
   * - null: the general path (SQLite's plan).
   */
  private listPath(where: FilterSql, query: PageQuery, access: TextAccess): PagePath {
    const ranges = valueRangesFor(where, query.sort, access);
    if (ranges) return { kind: 'ranges', ...ranges };
    if (query.sort === 'RELEVANCE' || where.matches.length > 0 || where.hasEquality || where.lists.length === 0) return null;
    if (!where.lists.every((l) => isFacetColumn(l.column))) return null;
    const facets = this.store.facets();
    const kept = facets.count(where.lists);
    if (kept === 0) return { kind: 'empty' };
    const leads = where.lists.map((list) => ({
      list,
      rows: facets.count([list]),
      index: VALUE_ORDER_INDEXES.find((i) => i.column === list.column && i.sort === 'UPDATED_DESC')?.index,
    }));
    const lead = leads.filter((l) => l.index).sort((a, b) => a.rows - b.rows)[0];
    const wanted = query.limit + 1;
    const byModel = VALUE_ORDER_INDEXES.find((i) => i.column === 'price_model' && i.sort === query.sort);
    if (byModel) {
      // The walk's worst case: every index entry of the pricing models the lists keep rows of (prices go
      // with the other columns, so its expected length says little), each tested in the index.
      const rows = facets.countBy([], 'price_model');
      const models = [...facets.countBy(where.lists, 'price_model').keys()];
      const walk = models.reduce((sum, model) => sum + (rows.get(model) ?? 0), 0);
      if (!lead || walk <= ROW_READ_PER_INDEX_ENTRY * lead.rows) {
        return { kind: 'ranges', list: { column: 'price_model', values: models, condition: -1, param: -1 }, index: byModel };
      }
    } else if (lead && lead.rows >= (wanted * this.store.counts(this).datasets) / kept) {
      return null;
    }
    return lead ? { kind: 'lead', index: lead.index! } : null;
  }

  /**
   * A page filtered by a list of values of a column that leads a (column, sort key, id) index: one ordered
   * range of that index per value, each cut to the page's size (after the cursor, with the filter's other
   * conditions tested on its rows), then merged in the same order. Each range stops after limit + 1 rows
   * it keeps, so the page never sorts the filter's thousands of rows, and rows of other values (a price
   * order's FREE or NEGOTIABLE ones, say) are never walked past. The order within a range and across
   * ranges is the one total order (key, id), so the rows and their order are those of the general path,
   * NEGOTIABLE keys included (they are the stored price_asc and price_desc, as the cursor's key is).
   */
  private pageByValueRanges(where: FilterSql, ranges: { list: ListFilter; index: ValueOrderIndex }, query: PageQuery, access: TextAccess): DatasetRow[] {
    const { list, index } = ranges;
    // A list the filter does not hold (condition -1, see listPath) leaves every condition in place. Text
    // is tested on each row of the ranges (see commonTextPath).
    const rest = withoutList(where, list);
    const source = sourceSql({ ...where, conditions: rest.conditions, params: rest.params }, query.sort, access);
    const keyset = keysetCondition(query.sort, '0.0', query.after);
    const conditions = [`d.${list.column} = ?`, ...source.conditions, ...(keyset ? [keyset.sql] : [])];
    const order = orderSql(query.sort, '0.0');
    const branch = `SELECT * FROM (SELECT d.*, 0.0 AS rank FROM datasets d INDEXED BY ${index.index}
      WHERE ${conditions.join(' AND ')} ORDER BY ${order} LIMIT ?)`;
    const sql = `SELECT * FROM (${list.values.map(() => branch).join(' UNION ALL ')}) d ORDER BY ${order} LIMIT ?`;
    const params = list.values.flatMap((value) => [value, ...source.whereParams, ...(keyset?.params ?? []), query.limit + 1]);
    return this.all<DatasetRow>(sql, [...params, query.limit + 1]);
  }

  /**
   * A relevance page of common text (more than COMMON_TEXT_MATCHES matches) whose other conditions the
   * filter columns test: from the text's relevance order, computed once per load (bm25 of every match, the
   * cost of every such page otherwise: ~170 ms for a term in all of 250,000 listings) and kept, since neither
   * text nor scores move with prices. The page is the next rows of that order after the cursor's row that
   * the filter keeps. Null when it does not apply (rare text, a condition the columns do not know, a cursor
   * whose row does not match): the SQL path then reads the page.
   */
  private pageByRanking(where: FilterSql, query: PageQuery): DatasetRow[] | null {
    if (!where.columnar || where.matches.length === 0 || !where.lists.every((l) => isFacetColumn(l.column))) return null;
    if (Math.min(...where.matches.map((m) => this.textMatches(m))) <= COMMON_TEXT_MATCHES) return null;
    const ranking = this.ranking(where);
    let start = 0;
    if (query.after) {
      const row = this.get<{ rowid: number }>('SELECT rowid FROM datasets WHERE id = ?', [query.after.id]);
      const place = row ? ranking.places[row.rowid] : 0;
      if (!place || ranking.scores[place - 1] !== query.after.key) return null;
      start = place;
    }
    const test = this.store.filterColumns().matcher(where.columnar);
    if (!test) return [];
    const picked: number[] = [];
    for (let i = start; i < ranking.rowids.length && picked.length < query.limit + 1; i++) if (test(ranking.rowids[i])) picked.push(i);
    if (picked.length === 0) return [];
    const columns = query.columns ? query.columns.map((c) => `d.${c}`).join(', ') : 'd.*';
    const rows = this.all<DatasetRow>(`SELECT ${columns}, d.rowid AS rowid FROM datasets d WHERE d.rowid IN (SELECT value FROM json_each(?))`, [
      JSON.stringify(picked.map((i) => ranking.rowids[i])),
    ]);
    const byRowid = new Map(rows.map((r) => [r.rowid, r]));
    return picked.map((i) => ({ ...byRowid.get(ranking.rowids[i])!, rank: ranking.scores[i] }));
  }

  /** The relevance order of the filter's text (see pageByRanking), read once per load. */
  private ranking(where: FilterSql): Ranking {
    const key = JSON.stringify(where.matches.map(matchKey));
    let ranking = this.store.rankings.get(key);
    if (!ranking) {
      const text: FilterSql = { ...where, conditions: [], params: [], lists: [], hasEquality: false };
      const source = sourceSql(text, 'RELEVANCE');
      const rows = this.rawAll<[number, number]>(
        `SELECT d.rowid, ${source.rank} AS rank FROM ${source.from} ORDER BY ${orderSql('RELEVANCE', source.rank)} -- ranking`,
        source.fromParams,
      );
      const places = new Int32Array(this.store.filterColumns().capacity);
      ranking = { rowids: new Int32Array(rows.length), scores: new Float64Array(rows.length), places };
      rows.forEach(([rowid, score], i) => {
        ranking!.rowids[i] = rowid;
        ranking!.scores[i] = score;
        places[rowid] = i + 1;
      });
      this.store.rankings.set(key, ranking);
    }
    return ranking;
  }

  /** A page of the given rows (ascending rowids): read by rowid, sorted, cut after the cursor. */
  private pageByRowids(rowids: readonly number[], query: PageQuery): DatasetRow[] {
    const keyset = keysetCondition(query.sort, '0.0', query.after);
    const conditions = ['d.rowid IN (SELECT value FROM json_each(?))', ...(keyset ? [keyset.sql] : [])];
    const columns = query.columns ? query.columns.map((c) => `d.${c}`).join(', ') : 'd.*';
    const sql = `SELECT ${columns}, 0.0 AS rank FROM datasets d WHERE ${conditions.join(' AND ')}
      ORDER BY ${orderSql(query.sort, '0.0')} LIMIT ?`;
    return this.all<DatasetRow>(sql, [JSON.stringify(rowids), ...(keyset?.params ?? []), query.limit + 1]);
  }

  /**
   * The filter with each English word prefix of few words ("data"*: data, datai, dataset) rewritten as
   * those whole words (`("data" OR "datai" OR "dataset")`): the same rows, and a very common one can then
   * be tested row by row (see VERY_COMMON_TEXT_SHARE), which a prefix cannot. The words come from the
   * index's vocabulary (a range of terms, ~1 ms, cached until the next load). Only a last word of ASCII
   * letters and digits is rewritten: its indexed form is its lower case, as the tokenizer folds it.
   */
  private withWholeWords(where: FilterSql): FilterSql {
    if (!where.matches.some((m) => matchParts(m).some((part) => part.english))) return where;
    const phraseText = (phrase: EnglishPhrase) => {
      if (!phrase.prefix) return englishPhraseText(phrase);
      const { words } = phrase;
      const last = words[words.length - 1].toLowerCase();
      const whole = /^[a-z0-9]+$/.test(last) ? this.wordsStartingWith(last) : null;
      if (!whole || whole.length === 0) return englishPhraseText(phrase);
      const alternatives = whole.map((word) => ftsPhrase([...words.slice(0, -1), word].join(' ')));
      return alternatives.length === 1 ? alternatives[0] : `(${alternatives.join(' OR ')})`;
    };
    const rewrite = (m: FtsMatch): FtsMatch =>
      m.english ? { table: m.table, query: englishQuery(m.english, phraseText) } : { table: m.table, query: m.query };
    const matches = where.matches.map((m) => (m.alternatives ? { ...rewrite(m), alternatives: m.alternatives.map(rewrite) } : rewrite(m)));
    return { ...where, matches };
  }

  /** The indexed English words starting with `prefix` (ASCII), or null when there are more than MAX_PREFIX_WORDS. */
  private wordsStartingWith(prefix: string): string[] | null {
    // Every term starting with the prefix, and only those, lies in [prefix, prefix with its last character + 1).
    const end = prefix.slice(0, -1) + String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1);
    const sql = 'SELECT term FROM datasets_fts_en_vocab WHERE term >= ? AND term < ? LIMIT ?';
    const params = [prefix, end, MAX_PREFIX_WORDS + 1];
    const words = this.textFact(sql, params, () => this.all<{ term: string }>(sql, params).map((r) => r.term));
    return words.length > MAX_PREFIX_WORDS ? null : words;
  }

  /**
   * How a sorted page with common text (more than COMMON_TEXT_MATCHES matches) is read, from the rows the
   * whole filter keeps: an exact count from the filter columns (the count totalCount reads too, cached per
   * catalog version), when the filter's other conditions are ones FilterColumns knows. Otherwise null: the
   * general path with the text access chosen by textAccess.
   * - `empty`: no row is kept.
   * - `rowids`: few rows are kept (KEPT_ROWS_FIRST): read those rows by rowid and sort them.
   * - the cheapest walk: testing the text on each row (a probe, ~25 µs, PROBE_PER_ROW_READ row reads) as
   *   the ordered ranges of a listed column (`ranges`) or the sort's own index (`lead`) are walked,
   *   about (rows walked) x (page + 1) / (rows kept) rows; or reading every text match and sorting the kept
   *   ones (`matches-first`, a row read per match).
   */
  private commonTextPath(where: FilterSql, query: PageQuery, access: TextAccess): PagePath {
    if (!where.columnar || query.sort === 'RELEVANCE' || !where.lists.every((l) => isFacetColumn(l.column))) return null;
    // Text alone: every match is kept, and textAccess has chosen by their number.
    if (where.conditions.length === 0 && where.matches.length === 1) return null;
    const kept = this.countOf(where);
    if (kept === 0) return { kind: 'empty' };
    const columns = this.store.filterColumns();
    if (kept <= KEPT_ROWS_FIRST) return { kind: 'rowids', rowids: columns.kept(where.columnar, this.textRowids(where)) };
    const wanted = query.limit + 1;
    const matches = Math.min(...where.matches.map((m) => this.textMatches(m)));
    const walkOf = (rows: number) => Math.min(rows, (rows * wanted) / kept) * PROBE_PER_ROW_READ;
    const ranges = valueRangesFor(where, query.sort, access);
    const rangesWalk = ranges ? walkOf(this.store.facets().count([ranges.list])) : Number.POSITIVE_INFINITY;
    const sortWalk = walkOf(this.store.counts(this).datasets);
    if (rangesWalk <= sortWalk && rangesWalk <= matches) return { kind: 'ranges', ...ranges! };
    if (sortWalk <= matches) return { kind: 'lead', index: SORT_INDEXES[query.sort] };
    return { kind: 'matches-first' };
  }

  /** How a sorted page joins its text matches: by how many rows match (cached per catalog version). */
  private textAccess(where: FilterSql, sort: DatasetSort): TextAccess {
    if (sort === 'RELEVANCE' || where.matches.length === 0) return 'matches-first';
    const fewest = Math.min(...where.matches.map((m) => this.textMatches(m)));
    if (fewest <= COMMON_TEXT_MATCHES) return 'matches-first';
    const prefix = where.matches.some((m) => matchParts(m).some((part) => part.query.includes('*')));
    return !prefix && fewest > VERY_COMMON_TEXT_SHARE * this.store.counts(this).datasets ? 'probe' : 'in-order';
  }

  /** An aggregate read through the store's version-keyed cache (see DatasetStore.aggregates). */
  private aggregate<T>(sql: string, params: unknown[], read: () => T): T {
    const key = `${this.store.catalogVersion}\u0000${sql}\u0000${JSON.stringify(params)}`;
    const cached = this.store.aggregates.get(key);
    if (cached) return cached.value as T;
    const value = read();
    this.store.aggregates.set(key, { value });
    return value;
  }

  /**
   * The rowids every text match of the filter keeps, ascending (null: no text, every row). Read from the
   * text indexes alone (~0.1 µs a match), never from the table.
   */
  private textRowids(where: FilterSql): ArrayLike<number> | null {
    if (where.matches.length === 0) return null;
    const lists = where.matches.map((m) => this.matchRowids(m)).sort((a, b) => a.length - b.length);
    // Both indexes: the fewer matches, kept where the other index matches too.
    let kept = lists[0];
    for (const other of lists.slice(1)) {
      const marks = new Uint8Array(this.store.filterColumns().capacity);
      for (const rowid of other) marks[rowid] = 1;
      kept = kept.filter((rowid) => marks[rowid] === 1);
    }
    return kept;
  }

  /**
   * The rowids of one match, ascending, read from its text index alone and kept until the next load; a
   * match with alternatives is the union of its parts' rowids (each kept too), and its marks are kept too.
   */
  private matchRowids(match: FtsMatch): Int32Array {
    const key = matchKey(match);
    let rowids = this.store.textRowids.get(key);
    if (!rowids) {
      if (match.alternatives) {
        const marks = new Uint8Array(this.store.filterColumns().capacity);
        for (const part of matchParts(match)) for (const rowid of this.matchRowids({ table: part.table, query: part.query })) marks[rowid] = 1;
        let n = 0;
        for (let rowid = 0; rowid < marks.length; rowid++) n += marks[rowid];
        rowids = new Int32Array(n);
        for (let rowid = 0, i = 0; rowid < marks.length; rowid++) if (marks[rowid] === 1) rowids[i++] = rowid;
        this.store.textMarks.set(key, marks);
      } else {
        // One JSON array rather than a row per match: returning rows costs ~1-2 µs each (30 ms for 17,000 matches),
        // building and parsing the array a fraction of that. FTS5 yields matches in rowid order.
        const json = this.get<{ rowids: string }>(`SELECT json_group_array(rowid) AS rowids FROM ${match.table} WHERE ${match.table} MATCH ? -- rowids`, [
          match.query,
        ])!.rowids;
        rowids = Int32Array.from(JSON.parse(json) as number[]);
      }
      this.store.textRowids.set(key, rowids);
    }
    return rowids;
  }

  /** The marks of a match with alternatives, in the store's cache for text_kept (see textCondition). */
  private marksOf(match: FtsMatch): Uint8Array {
    const key = matchKey(match);
    let marks = this.store.textMarks.get(key);
    if (!marks) {
      marks = new Uint8Array(this.store.filterColumns().capacity);
      for (const rowid of this.matchRowids(match)) marks[rowid] = 1;
      this.store.textMarks.set(key, marks);
    }
    return marks;
  }

  /**
   * Rows matching one match (cached until the next load: a price change moves no text): counted in the text index alone; with
   * alternatives, the size of the union of their rowids.
   */
  private textMatches(match: FtsMatch): number {
    if (match.alternatives) return this.matchRowids(match).length;
    const { table, query } = match;
    const sql = `SELECT count(*) AS n FROM ${table} WHERE ${table} MATCH ?`;
    return this.textFact(sql, [query], () => this.get<{ n: number }>(sql, [query])!.n);
  }

  /** A read of the text indexes alone, through the store's cache until the next load (see DatasetStore.textFacts). */
  private textFact<T>(sql: string, params: unknown[], read: () => T): T {
    const key = `${sql}\u0000${JSON.stringify(params)}`;
    const cached = this.store.textFacts.get(key);
    if (cached) return cached.value as T;
    const value = read();
    this.store.textFacts.set(key, { value });
    return value;
  }

  count(filter: DatasetFilterInput | null | undefined): number {
    const parsed = filterSql(filter, this.store.exchangeId);
    return parsed.matchesNothing ? 0 : this.countOf(this.withWholeWords(parsed));
  }

  /** The count of a parsed filter whose word prefixes are already whole words (withWholeWords). */
  private countOf(where: FilterSql): number {
    // Lists alone: FacetCounts knows the count (two lists on two columns would scan the table).
    if (
      where.matches.length === 0 &&
      where.conditions.length === where.lists.length &&
      where.lists.length > 0 &&
      where.lists.every((l) => isFacetColumn(l.column))
    )
      return this.store.facets().count(where.lists);
    // Text alone: the text index knows the count without visiting a single row.
    if (where.conditions.length === 0 && where.matches.length === 1) return this.textMatches(where.matches[0]);
    const columnar = where.columnar;
    if (columnar) {
      const key = `count\u0000${JSON.stringify([where.conditions, where.params, where.matches.map(matchKey)])}`;
      return this.aggregate(key, [], () => this.store.filterColumns().count(columnar, this.textRowids(where)));
    }
    const source = sourceSql(where, 'UPDATED_DESC');
    const sql = `SELECT count(*) AS n FROM ${source.from} ${whereSql(source.conditions)}`;
    const params = [...source.fromParams, ...source.whereParams];
    return this.aggregate(sql, params, () => this.get<{ n: number }>(sql, params)!.n);
  }

  /** One page per provider, for many providers in ONE statement (a window function numbers each provider's rows). */
  pagesByProvider(usccs: readonly string[], query: PageQuery): Map<string, DatasetRow[]> {
    const result = new Map<string, DatasetRow[]>(usccs.map((u) => [u, []]));
    const where = filterSql(query.filter, this.store.exchangeId, 'datasets.filter');
    if (where.matchesNothing || usccs.length === 0) return result;
    const source = sourceSql(where, query.sort);
    const keyset = keysetCondition(query.sort, source.rank, query.after);
    const conditions = ['d.provider_uscc IN (SELECT value FROM json_each(?))', ...source.conditions];
    if (keyset) conditions.push(keyset.sql);
    const sql = `SELECT * FROM (SELECT d.*, ${source.rank} AS rank,
        row_number() OVER (PARTITION BY d.provider_uscc ORDER BY ${orderSql(query.sort, source.rank)}) AS rn
      FROM ${source.from} WHERE ${conditions.join(' AND ')}) WHERE rn <= ? ORDER BY provider_uscc, rn`;
    const params = [...source.fromParams, JSON.stringify(usccs), ...source.whereParams];
    for (const row of this.all<DatasetRow>(sql, [...params, ...(keyset?.params ?? []), query.limit + 1])) {
      result.get(row.provider_uscc)?.push(row);
    }
    return result;
  }

  countsByProvider(usccs: readonly string[], filter: DatasetFilterInput | null | undefined): Map<string, number> {
    const result = new Map<string, number>(usccs.map((u) => [u, 0]));
    const where = filterSql(filter, this.store.exchangeId, 'datasets.filter');
    if (where.matchesNothing || usccs.length === 0) return result;
    const source = sourceSql(where, 'UPDATED_DESC');
    const sql = `SELECT d.provider_uscc AS uscc, count(*) AS n FROM ${source.from}
      WHERE ${['d.provider_uscc IN (SELECT value FROM json_each(?))', ...source.conditions].join(' AND ')} GROUP BY d.provider_uscc`;
    for (const row of this.all<{ uscc: string; n: number }>(sql, [...source.fromParams, JSON.stringify(usccs), ...source.whereParams])) {
      result.set(row.uscc, row.n);
    }
    return result;
  }

  /** Distinct product codes of the matching rows, ascending, after `afterCode` or among `codes`; limit + 1 at most. */
  productCodes(query: { filter: DatasetFilterInput | null | undefined; afterCode?: string | null; codes?: readonly string[] | null; limit: number }): string[] {
    const where = filterSql(query.filter, this.store.exchangeId);
    if (where.matchesNothing) return [];
    const source = sourceSql(this.withWholeWords(where), 'UPDATED_DESC');
    const conditions = [...source.conditions];
    const params: unknown[] = [...source.fromParams, ...source.whereParams];
    if (query.afterCode !== null && query.afterCode !== undefined) {
      conditions.push('d.product_code > ?');
      params.push(query.afterCode);
    }
    if (query.codes) {
      conditions.push('d.product_code IN (SELECT value FROM json_each(?))');
      params.push(JSON.stringify(query.codes));
    }
    const sql = `SELECT DISTINCT d.product_code AS code FROM ${source.from} ${whereSql(conditions)} ORDER BY d.product_code LIMIT ?`;
    return this.all<{ code: string }>(sql, [...params, query.limit + 1]).map((row) => row.code);
  }

  /** The matching rows of the given product codes, by code, then id; only `columns` when given (product_code always). */
  rowsOfProducts(filter: DatasetFilterInput | null | undefined, codes: readonly string[], columns: readonly string[] | null = null): DatasetRow[] {
    const where = filterSql(filter, this.store.exchangeId);
    if (where.matchesNothing || codes.length === 0) return [];
    const source = sourceSql(this.withWholeWords(where), 'UPDATED_DESC');
    const conditions = ['d.product_code IN (SELECT value FROM json_each(?))', ...source.conditions];
    const selected = columns ? [...new Set(['product_code', 'id', ...columns])].map((c) => `d.${c}`).join(', ') : 'd.*';
    const sql = `SELECT ${selected} FROM ${source.from} WHERE ${conditions.join(' AND ')} ORDER BY d.product_code, d.id`;
    return this.all<DatasetRow>(sql, [...source.fromParams, JSON.stringify(codes), ...source.whereParams]);
  }

  byIds(ids: readonly string[]): DatasetRow[] {
    if (ids.length === 0) return [];
    return this.all<DatasetRow>('SELECT d.* FROM datasets d WHERE d.id IN (SELECT value FROM json_each(?))', [JSON.stringify(ids)]);
  }

  /** Per group and price bucket: the count, min and max. The caller folds buckets into a sketch. */
  stats(filter: DatasetFilterInput | null | undefined, groupBy: ColumnStatsGroup): StatsRow[] {
    return this.statsBy(filter, groupBy, {
      empty: () => [],
      unfiltered: (read) => this.store.unfilteredStats.rows(groupBy, read),
      kept: (key, keeps, read) => this.store.filteredStats.rows(key, groupBy, keeps, read),
      read: (rows) => rows,
    });
  }

  /**
   * priceStats by `groupBy` (foldStatsRows of stats()): the kept statistics (unfiltered, or a filter the
   * filter columns test) serve their buckets kept per group (FoldedGroups), folded again only for the
   * groups a change touched. Shared between requests: read only.
   */
  statsBuckets(filter: DatasetFilterInput | null | undefined, groupBy: ColumnStatsGroup): PriceStatsBucket[] {
    return this.statsBy(filter, groupBy, {
      empty: () => [],
      unfiltered: (read) => this.store.unfilteredStats.buckets(groupBy, read),
      kept: (key, keeps, read) => this.store.filteredStats.buckets(key, groupBy, keeps, read),
      read: (rows) => foldStatsRows(rows),
    });
  }

  /** Where the statistics of a filter come from: nothing, the unfiltered ones, the kept ones of a filter, or SQL (cached per version). */
  private statsBy<T>(
    filter: DatasetFilterInput | null | undefined,
    groupBy: ColumnStatsGroup,
    ways: {
      empty: () => T;
      unfiltered: (read: () => StatsRow[]) => T;
      kept: (key: string, keeps: () => RowTest, read: () => StatsRow[]) => T;
      read: (rows: StatsRow[]) => T;
    },
  ): T {
    const where = filterSql(filter, this.store.exchangeId);
    if (where.matchesNothing) return ways.empty();
    const source = sourceSql(where, 'UPDATED_DESC');
    const groupColumn = groupBy === 'EXCHANGE' ? '?' : `d.${GROUP_COLUMNS[groupBy]}`;
    const groupParams = groupBy === 'EXCHANGE' ? [this.store.exchangeId] : [];
    const sql = `SELECT ${groupColumn} AS "group", d.price_bucket AS bucket, count(*) AS n,
        min(d.price_micros) AS minMicros, max(d.price_micros) AS maxMicros
      FROM ${source.from} ${whereSql(source.conditions)}
      GROUP BY 1, 2`;
    const params = [...groupParams, ...source.fromParams, ...source.whereParams];
    const read = () => this.all<StatsRow>(sql, params);
    if (source.conditions.length === 0 && source.fromParams.length === 0) return ways.unfiltered(read);
    const columnar = where.columnar;
    if (columnar) {
      // Kept across price changes (FilteredStats): read once per filter by a scan of the filter columns.
      const matches = this.withWholeWords(where);
      const key = JSON.stringify([where.conditions, where.params, matches.matches.map(matchKey)]);
      const groupColumn = groupBy === 'EXCHANGE' ? null : GROUP_COLUMNS[groupBy];
      const columns = this.store.filterColumns();
      const keeps = (): RowTest => {
        const test = columns.matcher(columnar);
        const text = this.textRowids(matches);
        return (rowid) => test !== null && test(rowid) && (text === null || holds(text, rowid));
      };
      return ways.kept(key, keeps, () => columns.stats(columnar, this.textRowids(matches), groupColumn, this.store.exchangeId));
    }
    return ways.read(this.aggregate(sql, params, read));
  }

  /**
   * Listings per provider (USCC order) among those that match the filter, a few thousand rows at most:
   * unfiltered, a GROUP BY over the provider index (covering, 40 ms at 250,000 listings); otherwise over
   * the filter columns. Cached per catalog version as the other aggregates.
   */
  providerListingCounts(filter: DatasetFilterInput | null | undefined): Array<{ uscc: string; count: number }> {
    const parsed = filterSql(filter, this.store.exchangeId);
    if (parsed.matchesNothing) return [];
    // Word prefixes as whole words, as count() reads them, so the counts add up to datasets.totalCount.
    const where = this.withWholeWords(parsed);
    const columnar = where.columnar;
    // A filter of list, range or text conditions: counted over the filter columns in memory (a list filter
    // read by SQL walks its index, then sorts every kept row by provider: 0.6 s at 250,000 listings).
    if (columnar && where.conditions.length > 0) {
      const key = `providerCounts\u0000${JSON.stringify([where.conditions, where.params, where.matches.map(matchKey)])}`;
      return this.aggregate(key, [], () => this.store.filterColumns().providerCounts(columnar, this.textRowids(where)));
    }
    const source = sourceSql(where, 'UPDATED_DESC');
    const sql = `SELECT d.provider_uscc AS uscc, count(*) AS count FROM ${source.from} ${whereSql(source.conditions)}
      GROUP BY d.provider_uscc ORDER BY d.provider_uscc -- provider listing counts`;
    const params = [...source.fromParams, ...source.whereParams];
    return this.aggregate(sql, params, () => this.all<{ uscc: string; count: number }>(sql, params));
  }

  /**
   * priceStatistics: buckets by every dimension of `groupBy` at once, counted over the filter columns in
   * memory (FilterColumns.statistics), never by SQL GROUP BY over the rows. A filter the columns cannot
   * test (an equality on a provider or product code, which keeps few rows) first reads its rowids by SQL.
   * Cached per catalog version, as the other aggregates.
   */
  statistics(filter: DatasetFilterInput | null | undefined, groupBy: readonly StatsGroup[]): PriceStatisticsBucket[] {
    const where = this.withWholeWords(filterSql(filter, this.store.exchangeId));
    if (where.matchesNothing) return [];
    const dimensions = groupBy.map((g) => dimensionOf(g, this.store.exchangeId));
    const key = `${this.store.catalogVersion}\u0000${groupBy.join(',')}\u0000${JSON.stringify([where.conditions, where.params, where.matches.map((m) => m.query)])}`;
    const cached = this.store.statisticsCache.get(key);
    if (cached) return cached;
    const columns = this.store.filterColumns();
    let buckets: PriceStatisticsBucket[];
    if (where.columnar) buckets = columns.statistics(where.columnar, this.textRowids(where), dimensions).buckets();
    else {
      const source = sourceSql(where, 'UPDATED_DESC');
      const rowids = this.rawAll<[number]>(`SELECT d.rowid FROM ${source.from} ${whereSql(source.conditions)} ORDER BY d.rowid -- statistics`, [
        ...source.fromParams,
        ...source.whereParams,
      ]).map((row) => row[0]);
      buckets = columns.statistics(EVERY_ROW, rowids, dimensions).buckets();
    }
    this.store.statisticsCache.set(key, buckets);
    return buckets;
  }
}

/** Whether ascending `rowids` hold `rowid` (a binary search). */
function holds(rowids: ArrayLike<number>, rowid: number): boolean {
  let lo = 0;
  let hi = rowids.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (rowids[mid] === rowid) return true;
    if (rowids[mid] < rowid) lo = mid + 1;
    else hi = mid - 1;
  }
  return false;
}

/** A columnar filter that keeps every row (its rows were chosen by SQL). */
const EVERY_ROW: ColumnarFilter = { lists: [], minMicros: null, maxMicros: null, updatedSinceMs: null, containsMinors: null };
