import type { DatasetSort } from '../../../shared/domain.ts';
import { comparePositions, decodeCursor, type CursorPosition } from '../../../shared/datasetOrder.ts';
import { PAGE_INFO } from '../../../schema/mergeRules.ts';
import { HIDDEN } from './shardPlan.ts';
import type { ConnectionPart } from './keysetMerge.ts';

/**
 * Small fan-out pages (docs/scale-out.md#small-pages). A client's page of `first` rows over N exchanges
 * holds about first/N rows of each, yet asking each for `first` rows costs every exchange (and the
 * gateway, reading the answers) the whole page: at 32 exchanges, 640 rows read for 20 kept. So each
 * exchange is asked for a few rows more than its expected share, and an exchange whose rows all made it
 * into the page while it has more is asked again after its own last cursor (a refill), before the merge.
 * The answer is the same as with full pages (the proof is in the doc).
 */

/** The contract's largest `first` (docs/contract.md): a client's value outside 1..this goes to the exchanges as is, for them to refuse. */
export const CONTRACT_MAX_FIRST = 100;

/**
 * Rows to ask each of `exchanges` for, of a client page of `first`: the expected share, two standard
 * deviations (of a binomial share, √share) and one more. With the rows spread evenly (binomial), the chance
 * that an exchange holds more of the page is 0.3% at 32 exchanges and first 20 (4 rows each: a refill in
 * about one request in eleven) and 0.4% at 4 (11 rows each: one in sixty). The benchmark's catalogs
 * (docs/scale-out.md) needed none: 32.0 calls per request over 300 requests at 32 exchanges.
 */
export function fanOutPageSize(first: number, exchanges: number): number {
  if (exchanges <= 1 || !Number.isInteger(first) || first <= 1 || first > CONTRACT_MAX_FIRST) return first;
  const share = first / exchanges;
  return Math.min(first, Math.ceil(share + 2 * Math.sqrt(share) + 1));
}

/** One exchange to ask again: the rows after its own last cursor (or after the client's, null on a first page). */
export interface Refill {
  exchange: string;
  after: string | null;
  first: number;
}

interface Last {
  exchange: string;
  position: CursorPosition;
  cursor: string;
}

/**
 * The exchanges whose unsent rows may still belong in the first `first` rows of the union, and how many
 * rows to ask each for. An exchange with more rows must be asked again when its last row comes before the
 * union's first-th row (or the union holds fewer): its next row might too. Each is asked for `first` less
 * the rows certainly in the page (those up to the earliest last row of an exchange with more), which is
 * enough that it is never needed again; and an exchange not needed now is never needed later, since
 * more rows in the union only move its first-th row earlier. So one round of refills makes the page exact.
 * `parts` must have passed connectionProblem (cursors of `sort`, in order).
 */
export function refillsNeeded(parts: ConnectionPart[], first: number, sort: DatasetSort): Refill[] {
  const union: CursorPosition[] = [];
  const lasts: Last[] = [];
  for (const part of parts) {
    const edges = part.value[HIDDEN.edges] as Array<{ cursor: string }>;
    let position: CursorPosition | null = null;
    for (const edge of edges) {
      position = decodeCursor(edge.cursor, sort) as CursorPosition;
      union.push(position);
    }
    if (position && part.value[HIDDEN.info]?.[PAGE_INFO.hasNextPage] === true) lasts.push({ exchange: part.exchange, position, cursor: edges.at(-1)!.cursor });
  }
  if (lasts.length === 0 || first <= 0) return [];
  union.sort((a, b) => comparePositions(sort, a, b));
  const cut = union.length >= first ? union[first - 1] : null;
  const needed = lasts.filter((last) => cut === null || comparePositions(sort, last.position, cut) < 0);
  if (needed.length === 0) return [];
  const bound = lasts.reduce((earliest, last) => (comparePositions(sort, last.position, earliest.position) < 0 ? last : earliest)).position;
  const certain = union.filter((position) => comparePositions(sort, position, bound) <= 0).length;
  return needed.map((last) => ({ exchange: last.exchange, after: last.cursor, first: first - certain }));
}

/** A refill's problem beyond connectionProblem's: its first row must come after the cursor it was asked after. */
export function refillProblem(value: Record<string, unknown>, after: string | null, sort: DatasetSort): string | null {
  const firstCursor = (value[HIDDEN.edges] as Array<{ cursor: string }>)[0]?.cursor;
  if (firstCursor === undefined || after === null) return null;
  const position = decodeCursor(firstCursor, sort) as CursorPosition;
  return comparePositions(sort, decodeCursor(after, sort) as CursorPosition, position) < 0 ? null : 'returned rows before the cursor it was asked after';
}

/**
 * A part with a refill's rows after its own: new arrays under the hidden edges and every list key the
 * client asked (edges, nodes), and the refill's pageInfo. Answers may be cached objects: none is changed.
 */
export function withRefill(part: ConnectionPart, refill: Record<string, unknown>, listKeys: readonly string[]): ConnectionPart {
  const value: Record<string, unknown> = { ...part.value, [HIDDEN.info]: refill[HIDDEN.info] };
  for (const key of [HIDDEN.edges, ...listKeys]) {
    const own = part.value[key] as unknown;
    const more = refill[key];
    if (Array.isArray(own) && Array.isArray(more)) value[key] = [...(own as unknown[]), ...(more as unknown[])];
  }
  return { exchange: part.exchange, value };
}
