import { CURRENCY } from '../../shared/domain.ts';
import { formatMicros, MICROS_PER_UNIT } from '../../shared/money.ts';
import { QuantileSketch } from '../../shared/sketch.ts';
import { ZERO_BUCKET, type StatsRow } from './store/DatasetStore.ts';

export interface PriceStatsBucket {
  key: string;
  count: number;
  pricedCount: number;
  min: string | null;
  p50: string | null;
  p90: string | null;
  max: string | null;
  currency: string;
  sketch: string;
}

/** Summary of one group: exact count, min and max; quantiles from the sketch, clamped to [min, max]. */
export function summarise(key: string, parts: { count: number; pricedCount: number; minMicros: number | null; maxMicros: number | null; sketch: QuantileSketch }): PriceStatsBucket {
  const quantile = (q: number): string | null => {
    const value = parts.sketch.quantile(q);
    if (value === null || parts.minMicros === null || parts.maxMicros === null) return null;
    const micros = Math.min(parts.maxMicros, Math.max(parts.minMicros, Math.round(value * MICROS_PER_UNIT)));
    return formatMicros(micros);
  };
  return {
    key,
    count: parts.count,
    pricedCount: parts.pricedCount,
    min: parts.minMicros === null ? null : formatMicros(parts.minMicros),
    p50: quantile(0.5),
    p90: quantile(0.9),
    max: parts.maxMicros === null ? null : formatMicros(parts.maxMicros),
    currency: CURRENCY,
    sketch: parts.sketch.toJSON(),
  };
}

/** Folds (group, bucket) rows from the store into one bucket per group, sorted by key. */
export function foldStatsRows(rows: StatsRow[]): PriceStatsBucket[] {
  const groups = new Map<string, { count: number; pricedCount: number; minMicros: number | null; maxMicros: number | null; sketch: QuantileSketch }>();
  for (const row of rows) {
    let group = groups.get(row.group);
    if (!group) {
      group = { count: 0, pricedCount: 0, minMicros: null, maxMicros: null, sketch: new QuantileSketch() };
      groups.set(row.group, group);
    }
    group.count += row.n;
    if (row.bucket === null) continue;
    group.pricedCount += row.n;
    if (row.bucket === ZERO_BUCKET) group.sketch.addZeros(row.n);
    else group.sketch.addToBucket(row.bucket, row.n);
    if (row.minMicros !== null && (group.minMicros === null || row.minMicros < group.minMicros)) group.minMicros = row.minMicros;
    if (row.maxMicros !== null && (group.maxMicros === null || row.maxMicros > group.maxMicros)) group.maxMicros = row.maxMicros;
  }
  return [...groups.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([key, parts]) => summarise(key, parts));
}
