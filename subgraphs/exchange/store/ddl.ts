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
`;

/** Every filter and every sort has an index; the common filter (category, provider) also has one per sort. */
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
CREATE INDEX IF NOT EXISTS ix_provider_kind ON datasets (provider_kind, updated_ms);
-- Covering for counts and statistics filtered by who supplies and how it is priced (a researcher's usual cut).
CREATE INDEX IF NOT EXISTS ix_kind_model ON datasets (provider_kind, price_model, category, price_bucket, price_micros);
CREATE INDEX IF NOT EXISTS ix_type ON datasets (type, updated_ms);
CREATE INDEX IF NOT EXISTS ix_security ON datasets (security_level, updated_ms);
CREATE INDEX IF NOT EXISTS ix_personal ON datasets (personal_info, updated_ms);
CREATE INDEX IF NOT EXISTS ix_origin ON datasets (data_origin, updated_ms);
CREATE INDEX IF NOT EXISTS ix_model ON datasets (price_model, price_micros);
CREATE INDEX IF NOT EXISTS ix_delivery ON datasets (delivery, updated_ms);
CREATE INDEX IF NOT EXISTS ix_product_code ON datasets (product_code);
CREATE INDEX IF NOT EXISTS ix_price ON datasets (price_micros);
CREATE INDEX IF NOT EXISTS ix_minors ON datasets (contains_minors) WHERE contains_minors = 1;
`;
