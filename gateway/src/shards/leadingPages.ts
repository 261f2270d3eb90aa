import type { DatasetSort } from '../../../shared/domain.ts';
import { comparePositions, decodeCursor, type CursorPosition } from '../../../shared/datasetOrder.ts';
import { CONTRACT_MAX_FIRST, fanOutPageSize } from './smallPages.ts';
import { HIDDEN } from './shardPlan.ts';
import type { ConnectionPart } from './keysetMerge.ts';

/**
 * Unfiltered pages called where their rows are (docs/scale-out.md#leading-cursors). No filter rules an
 * exchange out of an unfiltered page, yet only the exchanges holding the page's rows can answer it: at 32
 * exchanges a page of 20 has rows of about 14. Each summary carries the cursors of its catalog's first
 * listings in every unfiltered order (CatalogSummary.firstCursors), so the router knows, at the summary's
 * version, an upper bound of the page's last row: the first-th of all the positions it knows after the
 * client's cursor, each a real listing. An exchange whose first position after the cursor lies beyond
 * that bound holds no row of the page and is not called; its listings are counted in totalCount from its
 * summary, and they make hasNextPage true. Every other exchange is called as before (small pages, one
 * round of refills), so the merge over the called ones is the page over all. A page of 0 rows (a count)
 * needs no exchange's rows: one is called, the others are counted from their summaries.
 */

/** The orders an unfiltered page may have (RELEVANCE needs filter.text). */
export const LEADING_SORTS = ['UPDATED_DESC', 'PRICE_ASC', 'PRICE_DESC', 'TITLE_ASC'] as const satisfies readonly DatasetSort[];
export type LeadingSort = (typeof LEADING_SORTS)[number];

/**
 * Leading cursors asked per order: enough for a first page of up to 40 rows, and at 32 exchanges for the
 * pages down to about the thousandth row; ~2.7 KB per order in the summary.
 */
export const LEADING_CURSORS = 40;

/** The alias of one order's firstCursors in the summary query. */
export function leadingAlias(sort: LeadingSort): string {
  return `first_${sort}`;
}

/** The summary query's selection of the leading cursors, every order under its alias. */
export const LEADING_SELECTION = LEADING_SORTS.map((sort) => `${leadingAlias(sort)}: firstCursors(sort: ${sort}, first: ${LEADING_CURSORS})`).join(' ');

export function isLeadingSort(sort: DatasetSort): sort is LeadingSort {
  return (LEADING_SORTS as readonly DatasetSort[]).includes(sort);
}

/** What the router knows of one exchange for a page: its listings and, when its summary has them, its leading positions. */
export interface LeadingKnowledge {
  exchange: string;
  datasetCount: number;
  /** Null: no summary, or none for this order: the exchange is called. */
  leading: readonly CursorPosition[] | null;
}

export interface LeadingPagePlan {
  /** The first-th known position after the cursor (null when fewer are known): no row of the page comes after it. */
  bound: CursorPosition | null;
  called: string[];
  /** Exchanges not called: their listings (for totalCount) and whether any comes after the client's cursor (hasNextPage). */
  skipped: Array<{ exchange: string; count: number; hasMore: boolean }>;
  /** Rows to ask each called exchange for: its known rows of the page and one more, or the small page if larger. */
  pageSize: number;
}

/**
 * Which of `targets` an unfiltered page of `first` rows in `sort` after `after` needs. An exchange is
 * skipped only on proof: its list is complete and holds nothing after the cursor, or its first known
 * position after the cursor comes after the bound (the union's first-th known position). At least one
 * exchange is always called, so the answer (and any refusal of bad input) comes from an exchange.
 */
export function planLeadingPage(targets: readonly LeadingKnowledge[], first: number, sort: DatasetSort, after: CursorPosition | null): LeadingPagePlan {
  const smallPage = (called: number) => fanOutPageSize(first, called);
  if (!Number.isInteger(first) || first < 0 || first > CONTRACT_MAX_FIRST || targets.length < 2) {
    return { bound: null, called: targets.map((t) => t.exchange), skipped: [], pageSize: smallPage(targets.length) };
  }
  const compare = (a: CursorPosition, b: CursorPosition) => comparePositions(sort, a, b);
  // Where each known list goes on after the cursor (binary search: lists are in order).
  const starts = targets.map(({ leading }) => (leading ? (after ? firstAfter(leading, after, compare) : 0) : -1));
  // Merge the lists' heads until `first` positions are taken (first × exchanges comparisons at most): the
  // last one taken is the bound, and each exchange's count taken is its known rows up to the bound.
  const taken = targets.map(() => 0);
  let bound: CursorPosition | null = null;
  for (let n = 0; n < first; n++) {
    let best = -1;
    let head: CursorPosition | null = null;
    for (let i = 0; i < targets.length; i++) {
      const next = targets[i].leading?.[starts[i] + taken[i]];
      if (next && (head === null || compare(next, head) < 0)) [best, head] = [i, next];
    }
    if (best === -1) break;
    taken[best]++;
    if (n === first - 1) bound = head;
  }
  const called: string[] = [];
  const skipped: LeadingPagePlan['skipped'] = [];
  let mostKnown = 0;
  targets.forEach((target, i) => {
    const leading = target.leading;
    const rest = leading ? leading.length - starts[i] : 0;
    // No row after the cursor and the list is complete, or a bound none of its known rows reaches (a page of
    // 0 rows, a count, reaches none).
    const skip = leading !== null && (rest === 0 ? leading.length >= target.datasetCount : first === 0 || (bound !== null && taken[i] === 0));
    if (skip) return void skipped.push({ exchange: target.exchange, count: target.datasetCount, hasMore: rest > 0 });
    called.push(target.exchange);
    mostKnown = Math.max(mostKnown, taken[i]);
  });
  if (called.length === 0) called.push(skipped.shift()!.exchange);
  // One row more than an exchange's known rows of the page: when it has such a row, its last row lies past
  // the bound and no refill asks it again.
  return { bound, called, skipped, pageSize: Math.max(smallPage(called.length), Math.min(first, mostKnown + 1)) };
}

/**
 * Whether the rows the called exchanges gave (after refills) make a page within the plan's bound: `first`
 * rows, the first-th at or before it. Then no skipped exchange can hold a row of the page. Otherwise the
 * plan's premise failed (a called exchange failed, or its rows were not those its summary listed) and the
 * skipped exchanges must be asked (ShardRouter.withSkipped). A page of 0 rows needs none.
 */
export function pageWithinBound(parts: readonly ConnectionPart[], first: number, sort: DatasetSort, bound: CursorPosition | null): boolean {
  if (first === 0) return true;
  if (bound === null) return false;
  const positions: CursorPosition[] = [];
  for (const part of parts)
    for (const edge of part.value[HIDDEN.edges] as Array<{ cursor: string }>) positions.push(decodeCursor(edge.cursor, sort) as CursorPosition);
  if (positions.length < first) return false;
  positions.sort((a, b) => comparePositions(sort, a, b));
  return comparePositions(sort, positions[first - 1], bound) <= 0;
}

/** The index of the first position after `after` in the ordered `positions` (their length when none is). */
function firstAfter(positions: readonly CursorPosition[], after: CursorPosition, compare: (a: CursorPosition, b: CursorPosition) => number): number {
  let low = 0;
  let high = positions.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (compare(positions[middle], after) <= 0) low = middle + 1;
    else high = middle;
  }
  return low;
}
