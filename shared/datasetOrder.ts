import type { DatasetSort } from './domain.ts';

/**
 * The one total order of data products, shared by every exchange and the gateway: each sort's key, then the
 * global id. The keys, and why a global order makes pages mergeable: docs/contract.md#sorting-and-paging.
 */
export type SortKey = number | string;

export interface SortSpec {
  /** Column (or expression alias) of the key in the exchange's store. */
  column: string;
  descending: boolean;
  keyType: 'number' | 'string';
}

export const SORT_SPECS: Record<DatasetSort, SortSpec> = {
  UPDATED_DESC: { column: 'updated_ms', descending: true, keyType: 'number' },
  PRICE_ASC: { column: 'price_asc', descending: false, keyType: 'number' },
  PRICE_DESC: { column: 'price_desc', descending: true, keyType: 'number' },
  TITLE_ASC: { column: 'title', descending: false, keyType: 'string' },
  RELEVANCE: { column: 'rank', descending: false, keyType: 'number' },
};

export const NEGOTIABLE_PRICE_ASC_KEY = Number.MAX_SAFE_INTEGER;
export const NEGOTIABLE_PRICE_DESC_KEY = -1;

export interface CursorPosition {
  sort: DatasetSort;
  key: SortKey;
  id: string;
}

export function encodeCursor(position: CursorPosition): string {
  return Buffer.from(JSON.stringify([position.sort, position.key, position.id]), 'utf8').toString('base64url');
}

const NOT_JSON = Symbol('not JSON');
/**
 * The gateway reads every cursor of an answer three times (answer check, connection check, merge): the
 * decoded JSON of the last texts seen is kept. Bounded in entries and in text length (a client's `after`
 * may be long); emptied whole when full. Values are arrays of primitives that callers only read.
 */
const decodedTexts = new Map<string, { base64url: boolean; json: unknown }>();
const DECODED_TEXTS_MAX = 4096;
const DECODED_TEXT_MAX_LENGTH = 512;

/** A cursor text decoded: whether it is strict base64url, and the JSON inside it (NOT_JSON when none). */
function decodeText(cursor: string): { base64url: boolean; json: unknown } {
  let decoded = decodedTexts.get(cursor);
  if (decoded) return decoded;
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    json = NOT_JSON;
  }
  decoded = { base64url: /^[A-Za-z0-9_-]+$/.test(cursor), json };
  if (cursor.length <= DECODED_TEXT_MAX_LENGTH) {
    if (decodedTexts.size >= DECODED_TEXTS_MAX) decodedTexts.clear();
    decodedTexts.set(cursor, decoded);
  }
  return decoded;
}

/** The id inside a cursor's JSON (of any sort), or null when there is none. */
export function cursorIdOf(cursor: unknown): string | null {
  if (typeof cursor !== 'string') return null;
  const { json } = decodeText(cursor);
  return Array.isArray(json) && typeof json[2] === 'string' ? json[2] : null;
}

/** Decodes a cursor for `sort`; returns a reason string when it is not one of ours or belongs to another sort. */
export function decodeCursor(cursor: string, sort: DatasetSort): CursorPosition | string {
  const { base64url, json: parsed } = decodeText(cursor);
  if (!base64url || parsed === NOT_JSON) return 'not a cursor returned by this API';
  if (!Array.isArray(parsed) || parsed.length !== 3) return 'not a cursor returned by this API';
  const [cursorSort, key, id] = parsed as [unknown, unknown, unknown];
  if (cursorSort !== sort) return `cursor belongs to sort ${String(cursorSort)}, not ${sort}`;
  const spec = SORT_SPECS[sort];
  const keyOk = spec.keyType === 'number' ? typeof key === 'number' && Number.isFinite(key) : typeof key === 'string';
  if (!keyOk || typeof id !== 'string' || id.length === 0 || id.length > 200) return 'not a cursor returned by this API';
  return { sort, key: key as SortKey, id };
}

function compareBinary(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

function compareAscending(a: SortKey, b: SortKey): number {
  if (typeof a === 'number' && typeof b === 'number') return a < b ? -1 : a > b ? 1 : 0;
  return compareBinary(String(a), String(b));
}

/** Negative when `a` comes before `b` in the global order of `sort`. */
export function comparePositions(sort: DatasetSort, a: { key: SortKey; id: string }, b: { key: SortKey; id: string }): number {
  const byKey = compareAscending(a.key, b.key) || compareBinary(a.id, b.id);
  return SORT_SPECS[sort].descending ? -byKey : byKey;
}
