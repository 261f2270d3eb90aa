/**
 * Cross-listing: about one product in ten on each default exchange is also listed, by the same provider
 * under the same product code, on one or two other default exchanges at another price. How exchanges
 * generated apart agree: docs/contract.md#seed-data.
 */
import { DEFAULT_EXCHANGES } from '../shared/domain.ts';
import { Rng } from './rng.ts';

/** Target share of an exchange's rows that are cross-listed. */
export const CROSS_LISTED_SHARE = 0.1;

/** The exchanges that share the pool: bj, sh, ty, gy. Exchanges registered later list only their own products. */
export const CROSS_LISTING_EXCHANGES: readonly string[] = DEFAULT_EXCHANGES.map((e) => e.id);

/** A pool product is on 2 or 3 of the 4 exchanges, equally often: 2.5 / 4 of the pool lands on each exchange. */
const MEAN_SHARE_OF_POOL_PER_EXCHANGE = 2.5 / CROSS_LISTING_EXCHANGES.length;

export function isCrossListingExchange(exchange: string): boolean {
  return CROSS_LISTING_EXCHANGES.includes(exchange);
}

/** S, the size of the shared pool for exchanges seeded with `count` rows each. */
export function crossListingPoolSize(count: number): number {
  return Math.round((count * CROSS_LISTED_SHARE) / MEAN_SHARE_OF_POOL_PER_EXCHANGE);
}

/** The exchanges that list pool product j (2 or 3 of the four, first one its home), from j alone. */
export function crossListingExchanges(j: number): readonly string[] {
  const rng = Rng.from('pool-exchanges', j);
  return rng.sample(CROSS_LISTING_EXCHANGES, rng.chance(0.5) ? 2 : 3);
}

/** The pool products an exchange lists when every default exchange has `count` rows, ascending. */
export function crossListedPoolIndices(exchange: string, count: number): number[] {
  if (!isCrossListingExchange(exchange)) return [];
  const size = crossListingPoolSize(count);
  const indices: number[] = [];
  for (let j = 0; j < size; j++) if (crossListingExchanges(j).includes(exchange)) indices.push(j);
  return indices;
}

/**
 * Product codes are unique per provider: number 8c + slot for the provider's c-th own product on the
 * exchange in that slot, 8j + 7 for pool product j. Exchanges outside the default four share slots
 * 4-6, which only matters if two of them list the same provider.
 */
export const POOL_CODE_SLOT = 7;

export function exchangeCodeSlot(exchange: string): number {
  const index = CROSS_LISTING_EXCHANGES.indexOf(exchange);
  if (index >= 0) return index;
  return 4 + Math.floor(Rng.from('exchange-slot', exchange).next() * 3);
}

export function productCode(providerUscc: string, number: number): string {
  return `P-${providerUscc.slice(-6)}-${String(number).padStart(4, '0')}`;
}
