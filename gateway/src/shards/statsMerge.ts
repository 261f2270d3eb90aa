import { QuantileSketch } from '../../../shared/sketch.ts';
import { parseAmountMicros } from '../../../shared/money.ts';
import { summarise, type PriceStatsBucket } from '../../../subgraphs/exchange/priceStats.ts';
import { STATS_BUCKET } from '../../../schema/mergeRules.ts';
import { HIDDEN, type Shape } from './shardPlan.ts';

/**
 * Merges priceStats buckets of several exchanges without their rows: counts add, min and max combine,
 * and quantiles come from the merged sketches (same relative accuracy as one exchange's).
 */
export function mergePriceStats(parts: Array<Array<Record<string, any> | null>>, shape: Shape): Array<Record<string, unknown>> {
  const groups = new Map<string, { count: number; pricedCount: number; minMicros: number | null; maxMicros: number | null; sketch: QuantileSketch }>();
  for (const buckets of parts) {
    for (const bucket of buckets) {
      if (!bucket) continue;
      const key = bucket[HIDDEN.stats.key] as string;
      let group = groups.get(key);
      if (!group) groups.set(key, (group = { count: 0, pricedCount: 0, minMicros: null, maxMicros: null, sketch: new QuantileSketch() }));
      group.count += bucket[HIDDEN.stats.count] as number;
      group.pricedCount += bucket[HIDDEN.stats.pricedCount] as number;
      group.sketch.merge(QuantileSketch.fromJSON(bucket[HIDDEN.stats.sketch] as string));
      const min = bucket[HIDDEN.stats.min] === null ? null : parseAmountMicros(bucket[HIDDEN.stats.min] as string);
      const max = bucket[HIDDEN.stats.max] === null ? null : parseAmountMicros(bucket[HIDDEN.stats.max] as string);
      if (min !== null && (group.minMicros === null || min < group.minMicros)) group.minMicros = min;
      if (max !== null && (group.maxMicros === null || max > group.maxMicros)) group.maxMicros = max;
    }
  }
  return [...groups.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([key, group]) => project(summarise(key, group), shape));
}

function project(bucket: PriceStatsBucket, shape: Shape): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, { field }] of shape) out[key] = field === '__typename' ? STATS_BUCKET.type : bucket[field as keyof PriceStatsBucket];
  return out;
}
