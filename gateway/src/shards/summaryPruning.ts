import { SUMMARY_COUNTED_FILTERS } from '../../../schema/mergeRules.ts';
import { parseAmountMicros } from '../../../shared/money.ts';
import { TokenBloom } from '../../../shared/tokenBloom.ts';
import { TOKEN_KEY, textProvablyAbsent } from '../../../shared/textTokens.ts';
import { comparePositions, decodeCursor, type CursorPosition } from '../../../shared/datasetOrder.ts';
import { LEADING_SORTS, leadingAlias, type LeadingSort } from './leadingPages.ts';

/** One exchange's catalogSummary as the router decides on it (schema/exchange.graphql, docs/scale-out.md). */
export interface CatalogSummary {
  catalogVersion: string;
  datasetCount: number;
  /** DatasetFilter field → value → listings. */
  counts: Map<string, Map<string, number>>;
  /** Price ranges (every currency), in micros. */
  prices: Array<{ minMicros: number; maxMicros: number }>;
  updatedToMs: number | null;
  /** Null when the exchange sent no usable filter: then text, USCC and product code prove nothing. */
  tokens: TokenBloom | null;
  /** The version of `tokens` (CatalogSummary.tokensVersion); null from an exchange of an older contract. */
  tokensVersion: string | null;
  /**
   * The positions of the catalog's first listings in each unfiltered order (CatalogSummary.firstCursors),
   * strictly in that order; absent for a sort the exchange did not serve (an older contract) or served badly.
   */
  leading: Partial<Record<LeadingSort, CursorPosition[]>>;
}

/** A token filter the router holds for an exchange: its version, the filter and the filter as the exchange sent it. */
export interface HeldTokens {
  version: string;
  bloom: TokenBloom;
  json: unknown;
}

/**
 * A summary as an exchange answered it, or null when it is not one (the exchange is then always called).
 * A summary without tokens (null: the exchange found `held` current) takes `held`'s filter only when it
 * names `held`'s version; otherwise it has no filter (text, USCC and product code then prove nothing).
 */
export function parseSummary(value: unknown, held?: HeldTokens): CatalogSummary | null {
  const v = value as {
    catalogVersion?: unknown;
    datasetCount?: unknown;
    counts?: Array<{ field?: unknown; value?: unknown; count?: unknown } | null>;
    prices?: Array<{ min?: unknown; max?: unknown } | null>;
    updatedTo?: unknown;
    tokensVersion?: unknown;
    tokens?: unknown;
  } | null;
  if (!v || typeof v.catalogVersion !== 'string' || !Number.isSafeInteger(v.datasetCount) || !Array.isArray(v.counts) || !Array.isArray(v.prices)) return null;
  const counts = new Map<string, Map<string, number>>();
  for (const row of v.counts) {
    if (typeof row?.field !== 'string' || typeof row.value !== 'string' || !Number.isSafeInteger(row.count)) return null;
    let byValue = counts.get(row.field);
    if (!byValue) counts.set(row.field, (byValue = new Map()));
    byValue.set(row.value, (byValue.get(row.value) ?? 0) + (row.count as number));
  }
  const prices: CatalogSummary['prices'] = [];
  for (const range of v.prices) {
    const minMicros = parseAmountMicros(String(range?.min));
    const maxMicros = parseAmountMicros(String(range?.max));
    if (minMicros === null || maxMicros === null) return null;
    prices.push({ minMicros, maxMicros });
  }
  const updatedToMs = typeof v.updatedTo === 'string' ? Date.parse(v.updatedTo) : null;
  if (updatedToMs !== null && Number.isNaN(updatedToMs)) return null;
  const tokensVersion = typeof v.tokensVersion === 'string' ? v.tokensVersion : null;
  const tokens = v.tokens === null ? (held && tokensVersion === held.version ? held.bloom : null) : TokenBloom.fromJson(v.tokens);
  const leading: CatalogSummary['leading'] = {};
  for (const sort of LEADING_SORTS) {
    const positions = leadingPositions((v as Record<string, unknown>)[leadingAlias(sort)], sort);
    if (positions) leading[sort] = positions;
  }
  return { catalogVersion: v.catalogVersion, datasetCount: v.datasetCount as number, counts, prices, updatedToMs, tokens, tokensVersion, leading };
}

/** Leading cursors decoded, or null unless every one is a cursor of `sort` and each comes strictly after the one before. */
function leadingPositions(value: unknown, sort: LeadingSort): CursorPosition[] | null {
  if (!Array.isArray(value)) return null;
  const positions: CursorPosition[] = [];
  for (const cursor of value) {
    const position = typeof cursor === 'string' ? decodeCursor(cursor, sort) : 'not a string';
    if (typeof position === 'string') return null;
    if (positions.length > 0 && comparePositions(sort, positions.at(-1)!, position) >= 0) return null;
    positions.push(position);
  }
  return positions;
}

type Filter = Record<string, unknown> | null | undefined;

/**
 * True only when no listing the summary describes can match `filter`: each part of a filter must match,
 * so one part that cannot is proof. Anything the router cannot read (a bad value, an unknown field) proves
 * nothing; the exchange then judges it (and refuses it when it is bad input).
 */
export function provablyEmpty(summary: CatalogSummary, filter: Filter): boolean {
  if (summary.datasetCount === 0) return true;
  if (!filter) return false;
  for (const field of SUMMARY_COUNTED_FILTERS) {
    const wanted = filter[field];
    const counts = summary.counts.get(field);
    if (wanted === null || wanted === undefined || !counts) continue;
    const values = typeof wanted === 'boolean' ? [String(wanted)] : Array.isArray(wanted) ? wanted.map(String) : null;
    if (values && values.length > 0 && values.every((value) => !counts.get(value))) return true;
  }
  const minMicros = typeof filter.minPrice === 'string' ? parseAmountMicros(filter.minPrice) : null;
  const maxMicros = typeof filter.maxPrice === 'string' ? parseAmountMicros(filter.maxPrice) : null;
  // NEGOTIABLE listings have no amount: a price bound never matches them.
  if (minMicros !== null && summary.prices.every((range) => range.maxMicros < minMicros)) return true;
  if (maxMicros !== null && summary.prices.every((range) => range.minMicros > maxMicros)) return true;
  if (typeof filter.updatedSince === 'string') {
    const sinceMs = Date.parse(filter.updatedSince);
    if (!Number.isNaN(sinceMs) && (summary.updatedToMs === null || summary.updatedToMs < sinceMs)) return true;
  }
  const tokens = summary.tokens;
  if (!tokens) return false;
  if (typeof filter.providerUscc === 'string' && !tokens.mayHave(TOKEN_KEY.uscc + filter.providerUscc)) return true;
  if (typeof filter.productCode === 'string' && !tokens.mayHave(TOKEN_KEY.productCode + filter.productCode)) return true;
  if (typeof filter.text === 'string' && textProvablyAbsent(filter.text, filter.synonyms !== false, (key) => tokens.mayHave(key))) return true;
  return false;
}
