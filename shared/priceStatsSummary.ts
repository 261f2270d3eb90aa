import { CURRENCY } from './domain.ts';
import { formatMicros, MICROS_PER_UNIT } from './money.ts';
import { QuantileSketch } from './sketch.ts';

/**
 * One priceStats bucket as the contract serves it. An exchange folds its rows into these, and the gateway
 * merges the exchanges' buckets into the same shape: both summarise with the function below, so a merged
 * bucket reads exactly like one exchange's.
 */
export interface PriceStatsBucket {
  key: string;
  count: number;
  pricedCount: number;
  min: string | null;
  p50: string | null;
  p90: string | null;
  max: string | null;
  currency: string;
  /** The group's QuantileSketch in its wire form (hidden from the public API, used by the merge). */
  sketch: string;
}

/** What is known of one group while it is being folded or merged: exact counts and bounds, and a sketch. */
export interface PriceStatsParts {
  count: number;
  pricedCount: number;
  minMicros: number | null;
  maxMicros: number | null;
  sketch: QuantileSketch;
}

export function emptyPriceStatsParts(): PriceStatsParts {
  return { count: 0, pricedCount: 0, minMicros: null, maxMicros: null, sketch: new QuantileSketch() };
}

/** Widens the group's bounds to include [minMicros, maxMicros] (null: nothing priced). */
export function includeBounds(parts: PriceStatsParts, minMicros: number | null, maxMicros: number | null): void {
  if (minMicros !== null && (parts.minMicros === null || minMicros < parts.minMicros)) parts.minMicros = minMicros;
  if (maxMicros !== null && (parts.maxMicros === null || maxMicros > parts.maxMicros)) parts.maxMicros = maxMicros;
}

/** Summary of one group: exact count, min and max; quantiles from the sketch, clamped to [min, max]. */
export function summarise(key: string, parts: PriceStatsParts): PriceStatsBucket {
  const quantile = (q: number): string | null => {
    const value = parts.sketch.quantile(q);
    if (value === null || parts.minMicros === null || parts.maxMicros === null) return null;
    const micros = Math.min(parts.maxMicros, Math.max(parts.minMicros, Math.round(value * MICROS_PER_UNIT)));
    return formatMicros(micros);
  };
  let written: string | undefined;
  return {
    key,
    count: parts.count,
    pricedCount: parts.pricedCount,
    min: parts.minMicros === null ? null : formatMicros(parts.minMicros),
    p50: quantile(0.5),
    p90: quantile(0.9),
    max: parts.maxMicros === null ? null : formatMicros(parts.maxMicros),
    currency: CURRENCY,
    // Written when first read, then kept (the parts are final once summarised): an exchange serves it, and
    // may serve a kept bucket again (FoldedGroups); the gateway's merged buckets seldom carry it (a public
    // answer never does), and writing ~700 bins a bucket was a tenth of the gateway's merge.
    get sketch() {
      return (written ??= parts.sketch.toJSON());
    },
  };
}

/** Groups in key order (code-point order, the same on every exchange and in the gateway). */
export function summariseGroups(groups: Map<string, PriceStatsParts>): PriceStatsBucket[] {
  return [...groups.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([key, parts]) => summarise(key, parts));
}
