/**
 * The contract's order of listings, written from the documentation (docs/conformance.md, README
 * "Sorting and paging"), not from any exchange's code, so the kit judges our exchange independently.
 *
 * Each sort orders by its key, then by the global id in the same direction; NEGOTIABLE prices come
 * after every priced listing in both price orders. Strings (titles, ids) compare byte by byte in UTF-8.
 * The cursor is base64url of the JSON array [sort, key, id]; the gateway merges the pages of many
 * exchanges by those keys, so they must be the same everywhere: UPDATED_DESC the update time in epoch
 * ms, PRICE_ASC the amount in micro-yuan with NEGOTIABLE as 9007199254740991 (2^53 - 1), PRICE_DESC
 * the amount with NEGOTIABLE as -1, TITLE_ASC the English title, RELEVANCE a number, lower first.
 */
export const SORTS = ['UPDATED_DESC', 'PRICE_ASC', 'PRICE_DESC', 'TITLE_ASC', 'RELEVANCE'] as const;
export type Sort = (typeof SORTS)[number];

export const NEGOTIABLE_ASC_KEY = 9007199254740991;
export const NEGOTIABLE_DESC_KEY = -1;

export interface ListingNode {
  id: string;
  productCode: string;
  title: string;
  titleZh: string;
  description: string;
  descriptionZh: string;
  keywords: string[];
  type: string;
  category: string;
  securityLevel: string;
  personalInfo: string;
  dataOrigin: string;
  delivery: string;
  containsMinorsData: boolean;
  provider: { uscc: string } | null;
  price: { model: string; amount: string | null; currency: string };
  updatedAt: string;
}

export const NODE_FIELDS = `id productCode title titleZh description descriptionZh keywords type category securityLevel
  personalInfo dataOrigin delivery containsMinorsData provider { uscc } price { model amount currency } updatedAt`;

const DECIMAL = /^(\d{1,9})(?:\.(\d{1,6}))?$/;

/** A Decimal string as integer micro-yuan ("1200.5" is 1200500000), or null when it is not one. */
export function microsOf(amount: string): number | null {
  const match = DECIMAL.exec(amount);
  if (!match) return null;
  return Number(match[1]) * 1_000_000 + Number((match[2] ?? '').padEnd(6, '0'));
}

export function formatMicros(micros: number): string {
  const whole = Math.floor(micros / 1_000_000);
  const fraction = String(micros % 1_000_000)
    .padStart(6, '0')
    .replace(/0{1,4}$/, '');
  return `${whole}.${fraction.padEnd(2, '0')}`;
}

const encoder = new TextEncoder();
export function compareBytes(a: string, b: string): number {
  const x = encoder.encode(a);
  const y = encoder.encode(b);
  const n = Math.min(x.length, y.length);
  for (let i = 0; i < n; i++) if (x[i] !== y[i]) return x[i] - y[i];
  return x.length - y.length;
}

/** The sort key the contract derives from a listing; RELEVANCE has none (the exchange scores it). */
export function keyOfNode(sort: Sort, node: ListingNode): number | string | null {
  switch (sort) {
    case 'UPDATED_DESC':
      return Date.parse(node.updatedAt);
    case 'PRICE_ASC':
      return node.price.amount === null ? NEGOTIABLE_ASC_KEY : microsOf(node.price.amount);
    case 'PRICE_DESC':
      return node.price.amount === null ? NEGOTIABLE_DESC_KEY : microsOf(node.price.amount);
    case 'TITLE_ASC':
      return node.title;
    case 'RELEVANCE':
      return null;
  }
}

export const DESCENDING: Record<Sort, boolean> = { UPDATED_DESC: true, PRICE_ASC: false, PRICE_DESC: true, TITLE_ASC: false, RELEVANCE: false };

/** Negative when (keyA, idA) comes first in `sort`; ties of the key are broken by id in the same direction. */
export function comparePositions(sort: Sort, a: { key: number | string; id: string }, b: { key: number | string; id: string }): number {
  const byKey = typeof a.key === 'number' && typeof b.key === 'number' ? Math.sign(a.key - b.key) : compareBytes(String(a.key), String(b.key));
  const ascending = byKey || compareBytes(a.id, b.id);
  return DESCENDING[sort] ? -ascending : ascending;
}

export interface DecodedCursor {
  sort: string;
  key: number | string;
  id: string;
}

/** Reads a cursor as documented, or returns why it cannot. */
export function decodeCursor(cursor: string): DecodedCursor | string {
  if (typeof cursor !== 'string' || !/^[A-Za-z0-9_-]+$/.test(cursor)) return `cursor ${JSON.stringify(cursor)} is not base64url`;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    return `cursor ${cursor} is not base64url of JSON`;
  }
  if (
    !Array.isArray(parsed) ||
    parsed.length !== 3 ||
    typeof parsed[0] !== 'string' ||
    typeof parsed[2] !== 'string' ||
    !['number', 'string'].includes(typeof parsed[1])
  ) {
    return `cursor ${cursor} decodes to ${JSON.stringify(parsed)}, not [sort, key, id]`;
  }
  return { sort: parsed[0], key: parsed[1] as number | string, id: parsed[2] };
}

export function encodeCursor(cursor: DecodedCursor): string {
  return Buffer.from(JSON.stringify([cursor.sort, cursor.key, cursor.id]), 'utf8').toString('base64url');
}

/** What a node shows of its key, for counterexamples. */
export function describeKey(sort: Sort, node: ListingNode): string {
  switch (sort) {
    case 'UPDATED_DESC':
      return `updatedAt ${node.updatedAt}`;
    case 'PRICE_ASC':
    case 'PRICE_DESC':
      return node.price.amount === null ? `${node.price.model} (no amount)` : `amount ${node.price.amount}`;
    case 'TITLE_ASC':
      return `title ${JSON.stringify(node.title)}`;
    case 'RELEVANCE':
      return 'relevance';
  }
}
