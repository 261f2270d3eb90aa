/**
 * Reference implementations for tests, written from the contract's words (README "Sorting and paging",
 * "Price statistics") and never with the code under test: the order of listings from their raw fields,
 * decimal amounts, the cursor's documented form and the price sketch's wire form.
 */
import type { DatasetSort } from '../../shared/domain.ts';

/** "12.5" → 12 500 000 micro-yuan; throws on anything that is not a plain decimal (a test's data is wrong then). */
export function amountMicros(text: string): number {
  const match = /^(\d+)(?:\.(\d{1,6}))?$/.exec(text);
  if (!match) throw new Error(`not a decimal amount: ${JSON.stringify(text)}`);
  return Number(match[1]) * 1_000_000 + Number((match[2] ?? '').padEnd(6, '0'));
}

/** 12 500 000 → "12.50": at least two decimals, as the contract shows amounts. */
export function microsText(micros: number): string {
  const units = Math.floor(micros / 1_000_000);
  const decimals = String(micros % 1_000_000).padStart(6, '0');
  let end = 6;
  while (end > 2 && decimals[end - 1] === '0') end--;
  return `${units}.${decimals.slice(0, end)}`;
}

/** What the order reads of a listing: its fields as the API shows them. */
export interface ListingFields {
  id: string;
  title: string;
  updatedAt: string;
  price: { model: string; amount: string | null };
}

/** SQLite's BINARY collation: UTF-8 bytes, compared one by one. */
export function compareBytes(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/**
 * The contract's order from raw fields: each sort by its key, then by the id in the same direction.
 * UPDATED_DESC newest first; PRICE_ASC and PRICE_DESC by amount with NEGOTIABLE (no amount) after every
 * priced listing in both; TITLE_ASC by the English title, byte by byte. (RELEVANCE is the exchange's
 * score, not a field: see `relevanceRankOf`.)
 */
export function compareListings(sort: Exclude<DatasetSort, 'RELEVANCE'>, a: ListingFields, b: ListingFields): number {
  const idOrder = compareBytes(a.id, b.id);
  switch (sort) {
    case 'UPDATED_DESC':
      return Date.parse(b.updatedAt) - Date.parse(a.updatedAt) || -idOrder;
    case 'TITLE_ASC':
      return compareBytes(a.title, b.title) || idOrder;
    case 'PRICE_ASC':
    case 'PRICE_DESC': {
      const negotiable = Number(a.price.amount === null) - Number(b.price.amount === null);
      if (negotiable !== 0) return negotiable;
      const descending = sort === 'PRICE_DESC';
      const amounts = a.price.amount === null ? 0 : Math.sign(amountMicros(a.price.amount) - amountMicros(b.price.amount!));
      return descending ? -amounts || -idOrder : amounts || idOrder;
    }
  }
}

/** The key a listing is ordered by (the tie test: two listings tie when their keys are equal). */
export function orderKeyOf(sort: Exclude<DatasetSort, 'RELEVANCE'>, item: ListingFields): string {
  switch (sort) {
    case 'UPDATED_DESC':
      return String(Date.parse(item.updatedAt));
    case 'TITLE_ASC':
      return item.title;
    default:
      return item.price.amount === null ? 'NEGOTIABLE' : String(amountMicros(item.price.amount));
  }
}

/** A cursor as the contract documents it: base64url of the JSON [sort, key, id]. */
export function cursorText(sort: DatasetSort, key: number | string, id: string): string {
  return Buffer.from(JSON.stringify([sort, key, id]), 'utf8').toString('base64url');
}

/** The [sort, key, id] inside a cursor, read as the contract documents it. */
export function cursorParts(cursor: string): [string, number | string, string] {
  const parts = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
  if (!Array.isArray(parts) || parts.length !== 3) throw new Error(`not a cursor: ${cursor}`);
  return parts as [string, number | string, string];
}

/** The RELEVANCE score in a cursor (bm25: lower is better). */
export function relevanceRankOf(cursor: string): number {
  const [sort, key] = cursorParts(cursor);
  if (sort !== 'RELEVANCE' || typeof key !== 'number') throw new Error(`not a RELEVANCE cursor: ${cursor}`);
  return key;
}

/** RELEVANCE order: by score ascending (lower is better), then id ascending. */
export function compareByRelevance(a: { cursor: string; id: string }, b: { cursor: string; id: string }): number {
  return relevanceRankOf(a.cursor) - relevanceRankOf(b.cursor) || compareBytes(a.id, b.id);
}

/**
 * The price sketch's wire form, built from amounts as README "Price statistics" defines it:
 * alpha 0.005, bin i = ceil(ln x / ln γ) with γ = (1 + α) / (1 − α), zeros counted apart.
 */
export function sketchJson(amountsMicros: number[]): string {
  const alpha = 0.005;
  const gamma = (1 + alpha) / (1 - alpha);
  let zero = 0;
  const bins = new Map<number, number>();
  for (const micros of amountsMicros) {
    if (micros === 0) {
      zero++;
      continue;
    }
    const index = Math.ceil(Math.log(micros / 1_000_000) / Math.log(gamma));
    bins.set(index, (bins.get(index) ?? 0) + 1);
  }
  return JSON.stringify({ v: 1, alpha, zero, bins: [...bins.entries()].sort((x, y) => x[0] - y[0]) });
}

/** The q-quantile of sorted values at rank floor(q·(n−1)), the rank the README's "within 1%" is against. */
export function exactQuantile(sorted: number[], q: number): number {
  return sorted[Math.floor(q * (sorted.length - 1))];
}
