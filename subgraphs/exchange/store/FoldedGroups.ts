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
  /** The cells of each group, built at the first fold and kept by added/removed: a fold reads only its group's. */
  private byGroup: Map<string, Set<StatsRow>> | null = null;
  /** Groups changed since they were folded. */
  private readonly dirty = new Set<string>();
  /** Every bucket, in key order, while no group has changed since. */
  private all: PriceStatsBucket[] | null = null;
  /** Groups folded anew (a test counts them: an unchanged group costs none). */
  folds = 0;

  /** A cell of `group` changed (count, bounds, added or removed). */
  changed(group: string): void {
    this.folded.delete(group);
    this.dirty.add(group);
    this.all = null;
  }

  /** A cell was added to the cells (its group is marked changed by the caller). */
  added(cell: StatsRow): void {
    if (!this.byGroup) return;
    let cells = this.byGroup.get(cell.group);
    if (!cells) this.byGroup.set(cell.group, (cells = new Set()));
    cells.add(cell);
  }

  /** A cell was removed from the cells (its group is marked changed by the caller). */
  removed(cell: StatsRow): void {
    const cells = this.byGroup?.get(cell.group);
    if (!cells) return;
    cells.delete(cell);
    if (cells.size === 0) this.byGroup!.delete(cell.group);
  }

  /**
   * The buckets of `cells` (all the cells these groups hold now, the same objects added and removed report),
   * each group folded again only when it changed.
   */
  buckets(cells: Iterable<StatsRow>): PriceStatsBucket[] {
    if (this.all) return this.all;
    if (!this.byGroup) {
      this.byGroup = new Map();
      for (const cell of cells) this.added(cell);
      this.folded.clear();
      this.dirty.clear();
      for (const group of this.byGroup.keys()) this.dirty.add(group);
    }
    const missing: StatsRow[] = [];
    for (const group of this.dirty) for (const cell of this.byGroup.get(group) ?? []) missing.push(cell);
    this.dirty.clear();
    for (const bucket of foldStatsRows(missing)) {
      this.folded.set(bucket.key, bucket);
      this.folds++;
    }
    this.all = [...this.folded.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    return this.all;
  }

  clear(): void {
    this.folded.clear();
    this.byGroup = null;
    this.dirty.clear();
    this.all = null;
  }
}
