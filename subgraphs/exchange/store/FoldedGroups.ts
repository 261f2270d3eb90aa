import { emptyPriceStatsParts, includeBounds, summariseGroups, type PriceStatsBucket, type PriceStatsParts } from '../../../shared/priceStatsSummary.ts';
import { ZERO_BUCKET, type StatsRow } from './statsRow.ts';

/** Folds (group, bucket) rows from the store into one bucket per group, sorted by key. */
export function foldStatsRows(rows: Iterable<StatsRow>): PriceStatsBucket[] {
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

/**
 * The folded buckets of a set of kept (group, bucket) cells (UnfilteredStats, FilteredStats), one per
 * group, kept until a cell of the group changes: a price change touches at most two groups (the one the
 * listing left and the one it joined), so after a version move the others are served as they were, their
 * sketch's wire form written once (at 250,000 listings a grouping by category is 19 groups of ~700 bins:
 * folding and writing them all again was most of an exchange's priceStats). Each group is folded from its
 * own cells by foldStatsRows, so a bucket is exactly what folding every cell gives. The buckets returned
 * are shared between requests: read only.
 */
export class FoldedGroups {
  private readonly folded = new Map<string, PriceStatsBucket>();
  /** Every bucket, in key order, while no group has changed since. */
  private all: PriceStatsBucket[] | null = null;
  /** Groups folded anew (a test counts them: an unchanged group costs none). */
  folds = 0;

  /** A cell of `group` changed (count, bounds, added or removed). */
  changed(group: string): void {
    this.folded.delete(group);
    this.all = null;
  }

  /** The buckets of `cells` (all the cells these groups hold now), each group folded again only when it changed. */
  buckets(cells: Iterable<StatsRow>): PriceStatsBucket[] {
    if (this.all) return this.all;
    const missing: StatsRow[] = [];
    for (const cell of cells) if (!this.folded.has(cell.group)) missing.push(cell);
    for (const bucket of foldStatsRows(missing)) {
      this.folded.set(bucket.key, bucket);
      this.folds++;
    }
    this.all = [...this.folded.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    return this.all;
  }

  clear(): void {
    this.folded.clear();
    this.all = null;
  }
}
