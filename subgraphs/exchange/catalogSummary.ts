import { createHash } from 'node:crypto';
import { formatMicros } from '../../shared/money.ts';
import { TokenBloom, type TokenFilterJson } from '../../shared/tokenBloom.ts';
import { TOKEN_KEY, englishIndexKeys } from '../../shared/textTokens.ts';
import { SUMMARY_COUNTED_FILTERS } from '../../schema/mergeRules.ts';
import type { DatasetSort } from '../../shared/domain.ts';
import { SORT_SPECS } from '../../shared/datasetOrder.ts';
import { badUserInput } from '../../shared/errors.ts';
import type { DatasetStore, StoreSession } from './store/DatasetStore.ts';
import { MAX_PAGE_SIZE, cursorOf } from './connection.ts';
import { requireTextForRelevance } from './store/filterSql.ts';

/** The value of Query.catalogSummary (schema/exchange.graphql): what the gateway prunes by (docs/scale-out.md). */
export interface CatalogSummaryValue {
  catalogVersion: string;
  datasetCount: number;
  counts: Array<{ field: string; value: string; count: number }>;
  prices: Array<{ currency: string; min: string; max: string }>;
  updatedFrom: string | null;
  updatedTo: string | null;
  /** Names the token filter's content (tokensVersionOf): equal exactly when the filters are. */
  tokensVersion: string;
  tokens: TokenFilterJson;
}

/**
 * The resolver of CatalogSummary.tokens: the filter, or null when the caller already holds this one
 * (`unlessVersion` is its tokensVersion), so ~420 KB of base64 at 250,000 listings is not sent again after
 * every price change (docs/scale-out.md).
 */
export function tokensUnless(summary: CatalogSummaryValue, unlessVersion: string | null | undefined): TokenFilterJson | null {
  return unlessVersion === summary.tokensVersion ? null : summary.tokens;
}

/**
 * A token filter's version: a hash of its content (size, hashes, bits), so two summaries name the same
 * version exactly when their filters are the same, whichever process or load built them; a restarted
 * exchange with the same catalog names the same version, and no change of the data can keep a version
 * whose filter it changed.
 */
export function tokensVersionOf(tokens: TokenFilterJson): string {
  return createHash('sha256').update(`${tokens.bits}:${tokens.hashes}:${tokens.base64}`).digest('base64url').slice(0, 22);
}

/** The column of each DatasetFilter list field the summary counts by. */
const COLUMNS: Record<(typeof SUMMARY_COUNTED_FILTERS)[number], string> = {
  categories: 'category',
  types: 'type',
  providerKinds: 'provider_kind',
  securityLevels: 'security_level',
  personalInfo: 'personal_info',
  dataOrigins: 'data_origin',
  pricingModels: 'price_model',
  delivery: 'delivery',
  containsMinorsData: 'contains_minors',
};

/**
 * One summary per catalog version, which moves with every change of the data. A load can change anything,
 * so the summary is read anew; a price change moves only the pricing model, the price and updated_ms of one
 * listing, so the rest (the other columns' counts, the token filter: full scans, seconds at 250,000
 * listings) is kept from the summary before it. The price and updatedAt ranges are read again (one step
 * down an index each), and the listings per pricing model come from FacetCounts, which a price change
 * keeps exact: counted by SQL (GROUP BY price_model, a walk of a whole index) they cost 30-90 ms at
 * 250,000 listings after every price change, on the path of the first filtered query the gateway prunes.
 */
const byStore = new WeakMap<DatasetStore, { loads: number; summary: CatalogSummaryValue }>();

/** The counted filter whose column a price change can move (DatasetStore.updatePrice). */
const PRICE_FIELD = 'pricingModels';

export function catalogSummary(store: DatasetStore): CatalogSummaryValue {
  const kept = byStore.get(store);
  if (kept && kept.summary.catalogVersion === store.catalogVersion) return kept.summary;
  const summary =
    kept && kept.loads === store.loads
      ? {
          ...kept.summary,
          ...priceParts(store),
          catalogVersion: store.catalogVersion,
          counts: [...kept.summary.counts.filter((c) => c.field !== PRICE_FIELD), ...pricingModelCounts(store)],
        }
      : readSummary(store);
  byStore.set(store, { loads: store.loads, summary });
  return summary;
}

function readSummary(store: DatasetStore): CatalogSummaryValue {
  const catalogVersion = store.catalogVersion;
  const counts = Object.keys(COLUMNS).flatMap((field) => columnCounts(store, field as keyof typeof COLUMNS));
  const { n } = store.db.prepare('SELECT count(*) AS n FROM datasets').get() as { n: number };
  const tokens = TokenBloom.of(tokenKeys(store)).toJson();
  return { catalogVersion, datasetCount: n, counts, ...priceParts(store), tokensVersion: tokensVersionOf(tokens), tokens };
}

/** Listings per value of one counted filter's column. */
function columnCounts(store: DatasetStore, field: keyof typeof COLUMNS): CatalogSummaryValue['counts'] {
  const column = COLUMNS[field];
  const rows = store.db.prepare(`SELECT ${column} AS value, count(*) AS n FROM datasets GROUP BY ${column}`).all() as Array<{
    value: string | number;
    n: number;
  }>;
  return rows.map((row) => ({ field, value: column === 'contains_minors' ? String(row.value === 1) : String(row.value), count: row.n }));
}

/** Listings per pricing model from FacetCounts (kept exact through price changes), in the order GROUP BY reads them. */
function pricingModelCounts(store: DatasetStore): CatalogSummaryValue['counts'] {
  const counts = [...store.facets().countBy([], 'price_model')].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return counts.map(([value, count]) => ({ field: PRICE_FIELD, value, count }));
}

/** The price range and the updatedAt range: four single min/max reads, each one step down an index. */
function priceParts(store: DatasetStore): Pick<CatalogSummaryValue, 'prices' | 'updatedFrom' | 'updatedTo'> {
  const one = (sql: string) => (store.db.prepare(sql).get() as { v: number | null }).v;
  const lo = one('SELECT min(price_micros) AS v FROM datasets');
  const hi = one('SELECT max(price_micros) AS v FROM datasets');
  const since = one('SELECT min(updated_ms) AS v FROM datasets');
  const until = one('SELECT max(updated_ms) AS v FROM datasets');
  // Every amount is in CNY (docs/contract.md); the list leaves room for more currencies.
  return {
    prices: lo === null || hi === null ? [] : [{ currency: 'CNY', min: formatMicros(lo), max: formatMicros(hi) }],
    updatedFrom: since === null ? null : new Date(since).toISOString(),
    updatedTo: until === null ? null : new Date(until).toISOString(),
  };
}

/** The terms of both text indexes as the indexes hold them (fts5vocab), the providers and the product codes. */
function* tokenKeys(store: DatasetStore): Generator<string> {
  const { db } = store;
  db.exec(`CREATE VIRTUAL TABLE IF NOT EXISTS temp.summary_vocab_zh USING fts5vocab(main, datasets_fts_zh, 'row')`);
  for (const { term } of db.prepare('SELECT term FROM datasets_fts_en_vocab').iterate() as Iterable<{ term: string }>) yield* englishIndexKeys(term);
  for (const { term } of db.prepare('SELECT term FROM temp.summary_vocab_zh').iterate() as Iterable<{ term: string }>) yield TOKEN_KEY.chinese + term;
  for (const { v } of db.prepare('SELECT DISTINCT provider_uscc AS v FROM datasets').iterate() as Iterable<{ v: string }>) yield TOKEN_KEY.uscc + v;
  for (const { v } of db.prepare('SELECT DISTINCT product_code AS v FROM datasets').iterate() as Iterable<{ v: string }>) yield TOKEN_KEY.productCode + v;
}

/**
 * CatalogSummary.firstCursors: the cursors of the first `first` listings in `sort` order with no filter, as
 * `datasets` gives them (one keyset read down the sort's index). With them the gateway knows which
 * exchanges hold the rows of an unfiltered page and calls only those (docs/scale-out.md#leading-cursors).
 */
export function firstCursors(session: StoreSession, args: { sort: DatasetSort; first: number }): string[] {
  if (!Number.isInteger(args.first) || args.first < 1 || args.first > MAX_PAGE_SIZE) {
    throw badUserInput('catalogSummary.firstCursors.first', `must be between 1 and ${MAX_PAGE_SIZE}, got ${args.first}`);
  }
  // With no filter there is no text: RELEVANCE is refused as `datasets` refuses it.
  requireTextForRelevance(args.sort, null, 'catalogSummary.firstCursors.sort');
  const rows = session.page({ filter: null, sort: args.sort, limit: args.first, columns: ['id', SORT_SPECS[args.sort].column] });
  return rows.slice(0, args.first).map((row) => cursorOf(row, args.sort));
}
