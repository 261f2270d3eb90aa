import { CURRENCY, STATS_GROUPS } from './domain.ts';
import { formatMicros, MICROS_PER_UNIT } from './money.ts';
import type { QuantileSketch } from './sketch.ts';

/**
 * What the exchange and the gateway both need of `priceStatistics` (schema/exchange.graphql): the bucket,
 * the rule for groupBy, the summary of one bucket from its mergeable parts, and the order of buckets.
 */

/** At most this many dimensions: 3 already gives up to 4 x 18 x 7 buckets (exchange x category x pricing model). */
export const MAX_GROUP_DIMENSIONS = 3;

export interface PriceStatisticsBucket {
  keys: string[];
  count: number;
  pricedCount: number;
  min: string | null;
  max: string | null;
  p25: string | null;
  p50: string | null;
  p75: string | null;
  p90: string | null;
  currency: string;
  distinctProviders: number;
  sketch: string;
  providers: string[];
}

/** The mergeable parts of one bucket: exact counts, min and max (micro-yuan), the sketch and the providers. */
export interface StatisticsParts {
  count: number;
  pricedCount: number;
  minMicros: number | null;
  maxMicros: number | null;
  sketch: QuantileSketch;
  providers: ReadonlySet<string>;
}

/** The argument priceStatistics groups by. */
export const GROUP_BY_ARGUMENT = 'groupBy';

/** The rule a groupBy value breaks (to follow "groupBy: "), or null when it is good. */
export function groupByProblem(groupBy: unknown): string | null {
  if (!Array.isArray(groupBy)) return 'must be a list of StatsGroup values';
  if (groupBy.length < 1 || groupBy.length > MAX_GROUP_DIMENSIONS) {
    return `must hold 1 to ${MAX_GROUP_DIMENSIONS} dimensions, got ${groupBy.length}`;
  }
  const seen = new Set<unknown>();
  for (const group of groupBy) {
    if (!(STATS_GROUPS as readonly unknown[]).includes(group)) return `${JSON.stringify(group)} is not a StatsGroup`;
    if (seen.has(group)) return `each dimension may appear once, got ${String(group)} twice`;
    seen.add(group);
  }
  return null;
}

/** Summary of one bucket: exact counts, min, max and providers; quantiles from the sketch, clamped to [min, max]. */
export function summariseStatistics(keys: string[], parts: StatisticsParts): PriceStatisticsBucket {
  const quantile = (q: number): string | null => {
    const value = parts.sketch.quantile(q);
    if (value === null || parts.minMicros === null || parts.maxMicros === null) return null;
    return formatMicros(Math.min(parts.maxMicros, Math.max(parts.minMicros, Math.round(value * MICROS_PER_UNIT))));
  };
  const providers = [...parts.providers].sort();
  return {
    keys,
    count: parts.count,
    pricedCount: parts.pricedCount,
    min: parts.minMicros === null ? null : formatMicros(parts.minMicros),
    max: parts.maxMicros === null ? null : formatMicros(parts.maxMicros),
    p25: quantile(0.25),
    p50: quantile(0.5),
    p75: quantile(0.75),
    p90: quantile(0.9),
    currency: CURRENCY,
    distinctProviders: providers.length,
    sketch: parts.sketch.toJSON(),
    providers,
  };
}

/** The order of buckets: by keys, dimension by dimension (code point order of each key). */
export function compareKeys(a: readonly string[], b: readonly string[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    if (a[i] !== b[i]) return a[i] < b[i] ? -1 : 1;
  }
  return a.length - b.length;
}

/** One string per list of keys, for maps (keys never hold NUL). */
export function keysId(keys: readonly string[]): string {
  return keys.join('\u0000');
}
