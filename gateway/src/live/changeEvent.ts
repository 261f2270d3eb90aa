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

/**
 * Whether a change passes the filter: every field given must match. minRelativeChange compares
 * |current − previous| / previous over the amounts; a change without that ratio (to or from NEGOTIABLE,
 * or from 0.00) always passes, as on the exchanges (PriceChangeLog).
 */
export function matchesFilter(event: ChangeEvent, filter: LiveFilter | null | undefined): boolean {
  if (!filter) return true;
  if (filter.exchanges?.length && !filter.exchanges.includes(event.exchange)) return false;
  if (filter.categories?.length && !filter.categories.includes(event.category)) return false;
  if (filter.productCode != null && filter.productCode !== event.productCode) return false;
  if (filter.providerUscc != null && filter.providerUscc !== event.providerUscc) return false;
  if (filter.minRelativeChange != null) {
    const before = event.previous?.amount == null ? null : parseAmountMicros(event.previous.amount);
    const after = event.current.amount == null ? null : parseAmountMicros(event.current.amount);
    if (before !== null && after !== null && before !== 0 && Math.abs(after - before) < filter.minRelativeChange * before) return false;
  }
  return true;
}
