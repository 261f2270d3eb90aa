import { bucketSketch } from './bucketSketch.ts';
import { parseAmountMicros } from '../../../shared/money.ts';
import { emptyPriceStatsParts, includeBounds, summariseGroups, type PriceStatsBucket, type PriceStatsParts } from '../../../shared/priceStatsSummary.ts';
import { STATS_BUCKET } from '../../../schema/mergeRules.ts';
import { HIDDEN, type Shape } from './shardPlan.ts';

/**
 * Merges priceStats buckets of several exchanges without their rows: counts add, min and max combine,
 * and quantiles come from the merged sketches (same relative accuracy as one exchange's).
 */
export function mergePriceStats(parts: Array<Array<Record<string, any> | null>>, shape: Shape): Array<Record<string, unknown>> {
  const groups = new Map<string, PriceStatsParts>();
  for (const buckets of parts) {
    for (const bucket of buckets) {
      if (!bucket) continue;
      const key = bucket[HIDDEN.stats.key] as string;
      let group = groups.get(key);
      if (!group) groups.set(key, (group = emptyPriceStatsParts()));
      group.count += bucket[HIDDEN.stats.count] as number;
      group.pricedCount += bucket[HIDDEN.stats.pricedCount] as number;
      group.sketch.merge(bucketSketch(bucket, HIDDEN.stats.sketch));
      const min = bucket[HIDDEN.stats.min] === null ? null : parseAmountMicros(bucket[HIDDEN.stats.min] as string);
      const max = bucket[HIDDEN.stats.max] === null ? null : parseAmountMicros(bucket[HIDDEN.stats.max] as string);
      includeBounds(group, min, max);
    }
  }
  return summariseGroups(groups).map((bucket) => project(bucket, shape));
}

function project(bucket: PriceStatsBucket, shape: Shape): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, { field }] of shape) out[key] = field === '__typename' ? STATS_BUCKET.type : bucket[field as keyof PriceStatsBucket];
  return out;
}
