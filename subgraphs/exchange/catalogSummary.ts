import { formatMicros } from '../../shared/money.ts';
import { TokenBloom, type TokenFilterJson } from '../../shared/tokenBloom.ts';
import { TOKEN_KEY, englishIndexKeys } from '../../shared/textTokens.ts';
import { SUMMARY_COUNTED_FILTERS } from '../../schema/mergeRules.ts';
import type { DatasetStore } from './store/DatasetStore.ts';

/** The value of Query.catalogSummary (schema/exchange.graphql): what the gateway prunes by (docs/scale-out.md). */
export interface CatalogSummaryValue {
  catalogVersion: string;
  datasetCount: number;
  counts: Array<{ field: string; value: string; count: number }>;
  prices: Array<{ currency: string; min: string; max: string }>;
  updatedFrom: string | null;
  updatedTo: string | null;
  tokens: TokenFilterJson;
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

/** One summary per catalog version: a version moves with every change of the data (a load, a price). */
const byStore = new WeakMap<DatasetStore, CatalogSummaryValue>();

export function catalogSummary(store: DatasetStore): CatalogSummaryValue {
  const kept = byStore.get(store);
  if (kept && kept.catalogVersion === store.catalogVersion) return kept;
  const summary = readSummary(store);
  byStore.set(store, summary);
  return summary;
}

function readSummary(store: DatasetStore): CatalogSummaryValue {
  const { db } = store;
  const catalogVersion = store.catalogVersion;
  const counts: CatalogSummaryValue['counts'] = [];
  for (const [field, column] of Object.entries(COLUMNS)) {
    const rows = db.prepare(`SELECT ${column} AS value, count(*) AS n FROM datasets GROUP BY ${column}`).all() as Array<{ value: string | number; n: number }>;
    for (const row of rows) {
      const value = column === 'contains_minors' ? String(row.value === 1) : String(row.value);
      counts.push({ field, value, count: row.n });
    }
  }
  const range = db
    .prepare('SELECT min(price_micros) AS lo, max(price_micros) AS hi, min(updated_ms) AS since, max(updated_ms) AS until, count(*) AS n FROM datasets')
    .get() as { lo: number | null; hi: number | null; since: number | null; until: number | null; n: number };
  // Every amount is in CNY (docs/contract.md); the list leaves room for more currencies.
  const prices = range.lo === null || range.hi === null ? [] : [{ currency: 'CNY', min: formatMicros(range.lo), max: formatMicros(range.hi) }];
  return {
    catalogVersion,
    datasetCount: range.n,
    counts,
    prices,
    updatedFrom: range.since === null ? null : new Date(range.since).toISOString(),
    updatedTo: range.until === null ? null : new Date(range.until).toISOString(),
    tokens: TokenBloom.of(tokenKeys(store)).toJson(),
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
