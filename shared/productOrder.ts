import { parseAmountMicros } from './money.ts';

/**
 * Products (listings grouped by productCode across exchanges): their spread, their order and their
 * cursors. Used by the gateway (which merges every exchange's groups) and by an exchange answering
 * `products` alone, so both order and page products the same way. See docs/products.md.
 */
export type ProductSort = 'PRODUCT_CODE' | 'SPREAD_DESC' | 'EXCHANGES_DESC';
export const PRODUCT_SORTS: readonly ProductSort[] = ['PRODUCT_CODE', 'SPREAD_DESC', 'EXCHANGES_DESC'];

export interface ListingPrice {
  model: string;
  amount: string | null;
  currency: string;
}

export interface PriceSpread {
  model: string;
  currency: string;
  min: string;
  max: string;
  ratio: number | null;
}

/**
 * The spread of a product's listing prices: null when there is no listing, when the pricing models or
 * currencies differ (per call and per year do not compare), or when one is NEGOTIABLE (no amount).
 * `ratio` is max / min, null when min is 0 (FREE, or a zero amount).
 */
export function spreadOf(prices: readonly ListingPrice[]): PriceSpread | null {
  if (prices.length === 0) return null;
  const { model, currency } = prices[0];
  let min: { micros: number; text: string } | null = null;
  let max: { micros: number; text: string } | null = null;
  for (const price of prices) {
    if (price.model !== model || price.currency !== currency || price.amount === null) return null;
    const micros = parseAmountMicros(price.amount);
    if (micros === null) return null;
    if (!min || micros < min.micros) min = { micros, text: price.amount };
    if (!max || micros > max.micros) max = { micros, text: price.amount };
  }
  return { model, currency, min: min!.text, max: max!.text, ratio: min!.micros === 0 ? null : max!.micros / min!.micros };
}

/** Where a product stands in a sort: its key (null sorts last) and its code (ties). */
export interface ProductPosition {
  key: number | null;
  code: string;
}

export function positionOf(sort: ProductSort, product: { productCode: string; exchangeCount: number; spread: PriceSpread | null }): ProductPosition {
  if (sort === 'SPREAD_DESC') return { key: product.spread?.ratio ?? null, code: product.productCode };
  if (sort === 'EXCHANGES_DESC') return { key: product.exchangeCount, code: product.productCode };
  return { key: null, code: product.productCode };
}

function compareCodes(a: string, b: string): number {
  // Byte order, as SQLite's default collation orders product_code on every exchange.
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Key descending, products without a key last, then productCode ascending. */
export function compareProducts(a: ProductPosition, b: ProductPosition): number {
  if (a.key !== b.key) {
    if (a.key === null) return 1;
    if (b.key === null) return -1;
    return b.key - a.key;
  }
  return compareCodes(a.code, b.code);
}

export { compareCodes };

export function encodeProductCursor(sort: ProductSort, position: ProductPosition): string {
  return Buffer.from(JSON.stringify({ s: sort, k: position.key, c: position.code })).toString('base64url');
}

/** The position a cursor stands for, or a message saying why it is not a cursor of this sort. */
export function decodeProductCursor(cursor: string, sort: ProductSort): ProductPosition | string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    return 'is not a products cursor';
  }
  const value = parsed as { s?: unknown; k?: unknown; c?: unknown } | null;
  if (!value || typeof value !== 'object' || typeof value.c !== 'string') return 'is not a products cursor';
  if (value.s !== sort) return `is a cursor of sort ${String(value.s)}, not ${sort}`;
  if (value.k !== null && (typeof value.k !== 'number' || !Number.isFinite(value.k))) return 'is not a products cursor';
  return { key: value.k as number | null, code: value.c };
}

/** Products page size bounds, as for datasets. */
export const MAX_PRODUCTS_PAGE = 100;
export const MAX_MIN_EXCHANGES = 64;
