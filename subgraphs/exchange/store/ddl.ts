import type { DatasetSort } from '../../../shared/domain.ts';

/**
 * The exchange's SQLite schema. Indexes are created after a bulk load (createIndexes), which is several
 * times faster than maintaining them row by row while seeding.
 */
export const TABLES_SQL = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS datasets (
  rowid INTEGER PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  product_code TEXT NOT NULL,
  title TEXT NOT NULL,
  title_zh TEXT NOT NULL,
  description TEXT NOT NULL,
  description_zh TEXT NOT NULL,
  keywords TEXT NOT NULL,
  type TEXT NOT NULL,
  category TEXT NOT NULL,
  provider_uscc TEXT NOT NULL,
  provider_kind TEXT NOT NULL,
  security_level TEXT NOT NULL CHECK (security_level <> 'CORE'),
  personal_info TEXT NOT NULL,
  contains_minors INTEGER NOT NULL,
  data_origin TEXT NOT NULL,
  delivery TEXT NOT NULL,
  update_frequency TEXT NOT NULL,
  spatial_coverage TEXT NOT NULL,
  price_model TEXT NOT NULL,
  price_micros INTEGER,
  price_asc INTEGER NOT NULL,
  price_desc INTEGER NOT NULL,
  price_bucket INTEGER,
  price_history TEXT NOT NULL,
  compliance_assessed INTEGER NOT NULL,
  listed_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  updated_ms INTEGER NOT NULL
);
-- Chinese text, indexed as character bigrams (see chineseText.ts): any substring of 2+ characters.
-- Contentless: the text lives in datasets; this holds only the index.
CREATE VIRTUAL TABLE IF NOT EXISTS datasets_fts_zh USING fts5(
  title_zh, description_zh, keywords, content='', tokenize='unicode61 remove_diacritics 0'
);
-- English text: words (case- and accent-folded), matched as word prefixes. A word index is several
-- times smaller and faster to build than trigrams over the long English descriptions.
CREATE VIRTUAL TABLE IF NOT EXISTS datasets_fts_en USING fts5(
  title, description, keywords,
  content='datasets', content_rowid='rowid', tokenize='unicode61 remove_diacritics 2', prefix='3'
);
-- The words of the English index, to rewrite a word prefix into the few whole words it stands for
-- (a range of terms here costs about a millisecond; see StoreSession.wholeWords).
CREATE VIRTUAL TABLE IF NOT EXISTS datasets_fts_en_vocab USING fts5vocab(datasets_fts_en, 'row');
`;

/**
 * Every filter and every sort has an index. A list filter on a column that leads an index (column, sort key,
 * id) is read one ordered range per value (StoreSession.page), so a page never sorts the filter's rows nor
 * walks past rows of other values: that is what VALUE_ORDER_INDEXES lists.
 */
const FACETS = 'type, security_level, data_origin, personal_info, delivery, provider_kind, category';

export const INDEXES_SQL = `
CREATE INDEX IF NOT EXISTS ix_updated ON datasets (updated_ms, id);
CREATE INDEX IF NOT EXISTS ix_price_asc ON datasets (price_asc, id);
CREATE INDEX IF NOT EXISTS ix_price_desc ON datasets (price_desc, id);
CREATE INDEX IF NOT EXISTS ix_title ON datasets (title, id);
CREATE INDEX IF NOT EXISTS ix_category_updated ON datasets (category, updated_ms, id);
CREATE INDEX IF NOT EXISTS ix_category_price_asc ON datasets (category, price_asc, id);
CREATE INDEX IF NOT EXISTS ix_category_price_desc ON datasets (category, price_desc, id);
CREATE INDEX IF NOT EXISTS ix_category_title ON datasets (category, title, id);
CREATE INDEX IF NOT EXISTS ix_category_stats ON datasets (category, price_bucket, price_micros);
CREATE INDEX IF NOT EXISTS ix_provider_updated ON datasets (provider_uscc, updated_ms, id);
-- The price order is where the pricing model matters most (FREE first, NEGOTIABLE last), and where the
-- kind of provider does too (government bodies list most of the free data). The pricing model's price
-- indexes also hold every other enum column: a page of any lists in a price order walks them pricing model
-- by pricing model and tests each list in the index, without reading a row it does not keep (a row costs
-- ~3 µs, an index entry ~0.3 µs, and prices go with the other columns, so a walk can be long). They replace
-- the narrow (price_model, price_asc, id) ones of earlier versions.
DROP INDEX IF EXISTS ix_model_price_asc;
DROP INDEX IF EXISTS ix_model_price_desc;
CREATE INDEX IF NOT EXISTS ix_model_price_asc_facets ON datasets (price_model, price_asc, id, ${FACETS});
CREATE INDEX IF NOT EXISTS ix_model_price_desc_facets ON datasets (price_model, price_desc, id, ${FACETS});
-- The type of product goes with its price most of all (models are dear, reports cheap).
CREATE INDEX IF NOT EXISTS ix_type_price_asc ON datasets (type, price_asc, id);
CREATE INDEX IF NOT EXISTS ix_type_price_desc ON datasets (type, price_desc, id);
CREATE INDEX IF NOT EXISTS ix_kind_price_asc ON datasets (provider_kind, price_asc, id);
CREATE INDEX IF NOT EXISTS ix_kind_price_desc ON datasets (provider_kind, price_desc, id);
CREATE INDEX IF NOT EXISTS ix_kind_updated ON datasets (provider_kind, updated_ms, id);
-- Covering for counts and statistics filtered by who supplies and how it is priced (a researcher's usual cut).
CREATE INDEX IF NOT EXISTS ix_kind_model ON datasets (provider_kind, price_model, category, price_bucket, price_micros);
CREATE INDEX IF NOT EXISTS ix_type_updated ON datasets (type, updated_ms, id);
CREATE INDEX IF NOT EXISTS ix_security_updated ON datasets (security_level, updated_ms, id);
CREATE INDEX IF NOT EXISTS ix_personal_updated ON datasets (personal_info, updated_ms, id);
CREATE INDEX IF NOT EXISTS ix_origin_updated ON datasets (data_origin, updated_ms, id);
CREATE INDEX IF NOT EXISTS ix_delivery_updated ON datasets (delivery, updated_ms, id);
CREATE INDEX IF NOT EXISTS ix_product_code ON datasets (product_code);
CREATE INDEX IF NOT EXISTS ix_price ON datasets (price_micros);
CREATE INDEX IF NOT EXISTS ix_minors ON datasets (contains_minors) WHERE contains_minors = 1;
`;

export interface ValueOrderIndex {
  column: string;
  sort: Exclude<DatasetSort, 'RELEVANCE'>;
  index: string;
}

/**
 * The (column, sort key, id) indexes, in order of preference: when a filter has lists on several of these
 * columns, the page reads the first one's values one by one and tests the other lists on each row. The
 * pricing model comes first for price orders because it decides where in the order a row falls (FREE at
 * one end, NEGOTIABLE at the other), so the other lists then cut each range evenly.
 */
export const VALUE_ORDER_INDEXES: readonly ValueOrderIndex[] = [
  { column: 'price_model', sort: 'PRICE_ASC', index: 'ix_model_price_asc_facets' },
  { column: 'price_model', sort: 'PRICE_DESC', index: 'ix_model_price_desc_facets' },
  { column: 'category', sort: 'UPDATED_DESC', index: 'ix_category_updated' },
  { column: 'category', sort: 'PRICE_ASC', index: 'ix_category_price_asc' },
  { column: 'category', sort: 'PRICE_DESC', index: 'ix_category_price_desc' },
  { column: 'category', sort: 'TITLE_ASC', index: 'ix_category_title' },
  { column: 'provider_kind', sort: 'PRICE_ASC', index: 'ix_kind_price_asc' },
  { column: 'provider_kind', sort: 'PRICE_DESC', index: 'ix_kind_price_desc' },
  { column: 'provider_kind', sort: 'UPDATED_DESC', index: 'ix_kind_updated' },
  { column: 'type', sort: 'PRICE_ASC', index: 'ix_type_price_asc' },
  { column: 'type', sort: 'PRICE_DESC', index: 'ix_type_price_desc' },
  { column: 'type', sort: 'UPDATED_DESC', index: 'ix_type_updated' },
  { column: 'security_level', sort: 'UPDATED_DESC', index: 'ix_security_updated' },
  { column: 'personal_info', sort: 'UPDATED_DESC', index: 'ix_personal_updated' },
  { column: 'data_origin', sort: 'UPDATED_DESC', index: 'ix_origin_updated' },
  { column: 'delivery', sort: 'UPDATED_DESC', index: 'ix_delivery_updated' },
];
