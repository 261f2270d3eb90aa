import { QuantileSketch } from '../../../shared/sketch.ts';
import { bucketSketch } from './bucketSketch.ts';
import { parseAmountMicros } from '../../../shared/money.ts';
import { compareKeys, groupByProblem, keysId, summariseStatistics, type PriceStatisticsBucket } from '../../../shared/priceStatistics.ts';
import { STATISTICS } from '../../../schema/mergeRules.ts';
import { HIDDEN, type Shape } from './shardPlan.ts';

interface MergedBucket {
  keys: string[];
  count: number;
  pricedCount: number;
  minMicros: number | null;
  maxMicros: number | null;
  sketch: QuantileSketch;
  providers: Set<string>;
}

/**
 * Merges priceStatistics answers of several exchanges bucket by bucket (equal keys): counts add, min and
 * max combine, sketches merge (quantiles keep one exchange's relative accuracy), and provider sets unite,
 * so a provider listed on two exchanges counts once in distinctProviders. Buckets come out sorted by keys.
 * `missingExchanges` are the targets that did not answer (answers are checked before: statisticsProblem).
 */
export function mergePriceStatistics(options: { parts: Array<Record<string, any> | null>; shape: Shape; missingExchanges: string[] }): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, { field, shape }] of options.shape) {
    if (field === '__typename') out[key] = STATISTICS.type;
    else if (field === STATISTICS.missing) out[key] = options.missingExchanges;
    else if (field === STATISTICS.buckets) {
      out[key] = mergeBuckets(options.parts.map((part) => (part?.[key] ?? []) as Array<Record<string, any> | null>)).map((bucket) => project(bucket, shape!));
    }
  }
  return out;
}

function mergeBuckets(lists: Array<Array<Record<string, any> | null>>): PriceStatisticsBucket[] {
  const merged = new Map<string, MergedBucket>();
  const hidden = HIDDEN.statistics;
  for (const buckets of lists) {
    for (const bucket of buckets) {
      if (!bucket) continue;
      const keys = bucket[hidden.keys] as string[];
      const id = keysId(keys);
      let group = merged.get(id);
      if (!group)
        merged.set(id, (group = { keys, count: 0, pricedCount: 0, minMicros: null, maxMicros: null, sketch: new QuantileSketch(), providers: new Set() }));
      group.count += bucket[hidden.count] as number;
      group.pricedCount += bucket[hidden.pricedCount] as number;
      group.sketch.merge(bucketSketch(bucket, hidden.sketch));
      const min = bucket[hidden.min] === null ? null : parseAmountMicros(bucket[hidden.min] as string);
      const max = bucket[hidden.max] === null ? null : parseAmountMicros(bucket[hidden.max] as string);
      if (min !== null && (group.minMicros === null || min < group.minMicros)) group.minMicros = min;
      if (max !== null && (group.maxMicros === null || max > group.maxMicros)) group.maxMicros = max;
      for (const uscc of (bucket[hidden.providers] ?? []) as string[]) group.providers.add(uscc);
    }
  }
  return [...merged.values()].sort((a, b) => compareKeys(a.keys, b.keys)).map((group) => summariseStatistics(group.keys, group));
}

function project(bucket: PriceStatisticsBucket, shape: Shape): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, { field }] of shape) out[key] = field === '__typename' ? STATISTICS.bucketType : bucket[field as keyof PriceStatisticsBucket];
  return out;
}

/** The client's mistake in priceStatistics' arguments, as the exchanges would refuse it (named and with its rule), or null. */
export function statisticsArgumentsProblem(args: Record<string, unknown>): string | null {
  const problem = groupByProblem(args[STATISTICS.groupByArgument]);
  return problem ? `${STATISTICS.groupByArgument}: ${problem}` : null;
}
