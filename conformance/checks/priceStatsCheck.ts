import { microsOf } from '../contractOrder.ts';
import type { CheckContext } from '../CheckContext.ts';
import { mergeSketches, parseSketch, quantileCandidates, sameSketch, sketchCount, type PriceSketch } from '../priceSketch.ts';
import { contractEnum } from './filterChecks.ts';

interface Bucket {
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

const STATS_QUERY = `query($f: DatasetFilter, $g: StatsGroup!) { priceStats(filter: $f, groupBy: $g) { key count pricedCount min p50 p90 max currency sketch } }`;

/** The filter that selects one bucket of a group. */
const GROUP_FILTER: Record<string, string> = {
  EXCHANGE: 'exchanges',
  CATEGORY: 'categories',
  PROVIDER_KIND: 'providerKinds',
  PRICING_MODEL: 'pricingModels',
  SECURITY_LEVEL: 'securityLevels',
};

/**
 * priceStats: per group, bucket counts equal the listings of that group and add up to the catalog's
 * totalCount, min <= p50 <= p90 <= max, each sketch holds pricedCount amounts and reports its quantiles
 * (within 1%), the buckets' sketches merge into the whole catalog's, and min and max are exact.
 */
export async function checkPriceStats(ctx: CheckContext): Promise<void> {
  const { total } = await ctx.sample();
  let whole: { bucket: Bucket; sketch: PriceSketch } | null = null;
  for (const group of contractEnum('StatsGroup')) {
    const buckets = ((await ctx.client.data<{ priceStats: Array<Bucket | null> }>(STATS_QUERY, { f: null, g: group })).priceStats ?? []).filter(
      (b): b is Bucket => b !== null,
    );
    const sum = buckets.reduce((s, b) => s + b.count, 0);
    if (sum !== total)
      ctx.fail(
        `priceStats(groupBy: ${group}): counts add up to ${sum} (${buckets.map((b) => `${b.key} ${b.count}`).join(', ')}), datasets totalCount is ${total}`,
      );
    const sketches: PriceSketch[] = [];
    for (const bucket of buckets) {
      const where = `priceStats(groupBy: ${group}) bucket ${bucket.key}`;
      sketches.push(bucketProblems(ctx, where, bucket));
      const field = GROUP_FILTER[group];
      if (field) {
        const count = (await ctx.page({ sort: 'UPDATED_DESC', filter: { [field]: [bucket.key] }, first: 0 })).totalCount;
        if (count !== bucket.count) ctx.fail(`${where}: count ${bucket.count}, datasets(filter: {${field}: ["${bucket.key}"]}) totalCount ${count}`);
      }
    }
    if (group === 'EXCHANGE') {
      if (buckets.length !== 1 || buckets[0].key !== ctx.exchangeId)
        ctx.fail(`priceStats(groupBy: EXCHANGE): expected one bucket "${ctx.exchangeId}", got ${JSON.stringify(buckets.map((b) => b.key))}`);
      whole = { bucket: buckets[0], sketch: sketches[0] };
    } else if (whole && buckets.length > 0) {
      const merged = mergeSketches(sketches);
      const difference = sameSketch(merged, whole.sketch);
      if (difference) ctx.fail(`priceStats(groupBy: ${group}): the buckets' sketches merged differ from the EXCHANGE bucket's sketch (${difference})`);
      const mins = buckets
        .map((b) => b.min)
        .filter((m): m is string => m !== null)
        .map((m) => microsOf(m)!);
      if (mins.length && whole.bucket.min !== null && Math.min(...mins) !== microsOf(whole.bucket.min))
        ctx.fail(`priceStats(groupBy: ${group}): the least bucket min is not the catalog's min ${whole.bucket.min}`);
    }
  }
  if (whole && whole.bucket.pricedCount > 0) {
    for (const [sort, field] of [
      ['PRICE_ASC', 'min'],
      ['PRICE_DESC', 'max'],
    ] as const) {
      const first = (await ctx.page({ sort, first: 1, filter: { minPrice: '0' } })).edges[0]?.node;
      const reported = whole.bucket[field];
      if (first && (first.price.amount === null || reported === null || microsOf(first.price.amount) !== microsOf(reported))) {
        ctx.fail(`priceStats(groupBy: EXCHANGE): ${field} ${reported}, but the first listing in ${sort} (${first.id}) costs ${first.price.amount}`);
      }
    }
  }
}

function bucketProblems(ctx: CheckContext, where: string, bucket: Bucket): PriceSketch {
  if (bucket.pricedCount > bucket.count || bucket.pricedCount < 0) ctx.fail(`${where}: pricedCount ${bucket.pricedCount} with count ${bucket.count}`);
  const values = (['min', 'p50', 'p90', 'max'] as const).map((f) => [f, bucket[f]] as const);
  if (bucket.pricedCount === 0) {
    const set = values.find(([, v]) => v !== null);
    if (set) ctx.fail(`${where}: no priced listing, yet ${set[0]} is ${set[1]}`);
  } else {
    const micros = values.map(([f, v]) => {
      const m = v === null ? null : microsOf(v);
      if (m === null) ctx.fail(`${where}: ${f} ${JSON.stringify(v)} is not a Decimal, with ${bucket.pricedCount} priced listings`);
      return m;
    });
    for (let i = 1; i < micros.length; i++) {
      if (micros[i]! < micros[i - 1]!)
        ctx.fail(`${where}: ${values[i - 1][0]} ${values[i - 1][1]} > ${values[i][0]} ${values[i][1]}; expected min <= p50 <= p90 <= max`);
    }
  }
  const sketch = parseSketch(bucket.sketch);
  if (typeof sketch === 'string') ctx.fail(`${where}: ${sketch}`);
  if (sketchCount(sketch) !== bucket.pricedCount) ctx.fail(`${where}: the sketch holds ${sketchCount(sketch)} amounts, pricedCount is ${bucket.pricedCount}`);
  for (const [q, field] of [
    [0.5, 'p50'],
    [0.9, 'p90'],
  ] as const) {
    const reported = bucket[field] === null ? null : microsOf(bucket[field]!)! / 1e6;
    if (reported === null) continue;
    const candidates = quantileCandidates(sketch, q);
    const close = candidates.some((c) => Math.abs(c - reported) <= 0.01 * Math.max(c, reported) + 1e-6);
    if (!close) ctx.fail(`${where}: ${field} ${bucket[field]}, its sketch gives ${candidates.map((c) => c.toFixed(6)).join(' or ')} (more than 1% apart)`);
  }
  return sketch;
}
