import { decodeChangeCursor, type LogPosition } from '../../../shared/priceChangeCursor.ts';
import { parseAmountMicros } from '../../../shared/money.ts';

/** One price change as the live feed pulled it from an exchange's log (docs/live-prices.md). */
export interface ChangeEvent {
  exchange: string;
  position: LogPosition;
  changedAt: string;
  datasetId: string;
  category: string;
  productCode: string;
  providerUscc: string | null;
  previous: PriceValue | null;
  current: PriceValue;
}

export interface PriceValue {
  model: string;
  amount: string | null;
  currency: string;
}

/** Subscription.priceChanged's filter (PriceChangeFilter in the contract). */
export interface LiveFilter {
  exchanges?: string[] | null;
  categories?: string[] | null;
  productCode?: string | null;
  providerUscc?: string | null;
  minRelativeChange?: number | null;
}

/** What the feed asks each exchange: the log after a cursor, with what the filters read. */
export const PULL_QUERY = `query LivePull($after: String, $first: Int) {
  priceChanges(after: $after, first: $first) {
    edges { cursor node { changedAt previous { model amount currency } current { model amount currency }
      dataset { id category productCode provider { uscc } } } }
    pageInfo { hasNextPage endCursor }
  }
}`;

interface PulledEdge {
  cursor: string;
  node: {
    changedAt: string;
    previous: PriceValue | null;
    current: PriceValue;
    dataset: { id: string; category: string; productCode: string; provider: { uscc: string } | null };
  };
}

/** An exchange's edge as an event, or a sentence saying what is wrong with it (the pull is then dropped). */
export function toChangeEvent(exchange: string, edge: PulledEdge): ChangeEvent | string {
  const positions = typeof edge?.cursor === 'string' ? decodeChangeCursor(edge.cursor) : 'no cursor';
  if (typeof positions === 'string' || !positions[exchange]) return 'an edge without a cursor of its own';
  const node = edge.node;
  if (!node?.dataset?.id?.startsWith(`${exchange}:`)) return 'a change of a dataset it does not own';
  return {
    exchange,
    position: positions[exchange]!,
    changedAt: node.changedAt,
    datasetId: node.dataset.id,
    category: node.dataset.category,
    productCode: node.dataset.productCode,
    providerUscc: node.dataset.provider?.uscc ?? null,
    previous: node.previous,
    current: node.current,
  };
}

/** Each change's amounts in micros, parsed once for every subscription that filters on the relative change. */
const amounts = new WeakMap<ChangeEvent, { before: number | null; after: number | null }>();

function amountsOf(event: ChangeEvent): { before: number | null; after: number | null } {
  let parsed = amounts.get(event);
  if (!parsed) {
    parsed = {
      before: event.previous?.amount == null ? null : parseAmountMicros(event.previous.amount),
      after: event.current.amount == null ? null : parseAmountMicros(event.current.amount),
    };
    amounts.set(event, parsed);
  }
  return parsed;
}

/**
 * A subscription's filter as a predicate, made once when it opens: lists become sets, and a change's
 * amounts are parsed once for all subscribers, so the fan-out costs a few lookups per subscriber.
 * Same rules as matchesFilter.
 */
export function compileFilter(filter: LiveFilter | null | undefined): (event: ChangeEvent) => boolean {
  if (!filter) return () => true;
  const exchanges = filter.exchanges?.length ? new Set(filter.exchanges) : null;
  const categories = filter.categories?.length ? new Set(filter.categories) : null;
  const { productCode, providerUscc, minRelativeChange } = filter;
  return (event) => {
    if (exchanges && !exchanges.has(event.exchange)) return false;
    if (categories && !categories.has(event.category)) return false;
    if (productCode != null && productCode !== event.productCode) return false;
    if (providerUscc != null && providerUscc !== event.providerUscc) return false;
    if (minRelativeChange != null) {
      const { before, after } = amountsOf(event);
      if (before !== null && after !== null && before !== 0 && Math.abs(after - before) < minRelativeChange * before) return false;
    }
    return true;
  };
}

/**
 * Whether a change passes the filter: every field given must match. minRelativeChange compares
 * |current − previous| / previous over the amounts; a change without that ratio (to or from NEGOTIABLE,
 * or from 0.00) always passes, as on the exchanges (PriceChangeLog).
 */
export function matchesFilter(event: ChangeEvent, filter: LiveFilter | null | undefined): boolean {
  return compileFilter(filter)(event);
}
