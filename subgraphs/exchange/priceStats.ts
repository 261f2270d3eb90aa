import { emptyPriceStatsParts, includeBounds, summariseGroups, type PriceStatsBucket, type PriceStatsParts } from '../../shared/priceStatsSummary.ts';
import { ZERO_BUCKET, type StatsRow } from './store/DatasetStore.ts';

/** Folds (group, bucket) rows from the store into one bucket per group, sorted by key. */
export function foldStatsRows(rows: StatsRow[]): PriceStatsBucket[] {
  const groups = new Map<string, PriceStatsParts>();
  for (const row of rows) {
    let group = groups.get(row.group);
    if (!group) groups.set(row.group, (group = emptyPriceStatsParts()));
    group.count += row.n;
    if (row.bucket === null) continue;
    group.pricedCount += row.n;
    if (row.bucket === ZERO_BUCKET) group.sketch.addZeros(row.n);
    else group.sketch.addToBucket(row.bucket, row.n);
    includeBounds(group, row.minMicros, row.maxMicros);
  }
  return summariseGroups(groups);
}
