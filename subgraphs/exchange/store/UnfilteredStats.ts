import type Database from 'better-sqlite3';
import type { StatsGroup } from '../../../shared/domain.ts';
import type { PriceStatsBucket } from '../../../shared/priceStatsSummary.ts';
import { FoldedGroups } from './FoldedGroups.ts';
import { ZERO_BUCKET, type StatsRow } from './statsRow.ts';

export { ZERO_BUCKET, type StatsRow } from './statsRow.ts';

/**
 * The column each grouping of priceStats reads; EXCHANGE is one group, the exchange's id. Groupings added
 * with priceStatistics (TYPE, DELIVERY, ...) are served by FilterColumns.statistics instead.
 */
export const GROUP_COLUMNS: Record<Exclude<ColumnStatsGroup, 'EXCHANGE'>, string> = {
  CATEGORY: 'category',
  PROVIDER_KIND: 'provider_kind',
  PRICING_MODEL: 'price_model',
  SECURITY_LEVEL: 'security_level',
};

/** The groupings priceStats has had since before priceStatistics. */
export type ColumnStatsGroup = Extract<StatsGroup, 'EXCHANGE' | 'CATEGORY' | 'PROVIDER_KIND' | 'PRICING_MODEL' | 'SECURITY_LEVEL'>;

type Row = Record<string, unknown>;

/**
 * The statistics of the whole catalog (no filter) per grouping, read once by one scan (50-90 ms at
 * 250,000 rows) and then kept exact through price changes, so a dashboard's first unfiltered priceStats
 * after a change costs nothing. A price change moves one listing from one (group, bucket) cell to another:
 * the count moves by one and a new value widens min and max, all exact. Removing a cell's min or max is
 * the one case arithmetic cannot answer: that cell's min and max are read again from its rows, found
 * through the price index between the cell's old bounds (all of its rows lie there, and rows of other
 * buckets never do: a bucket is a range of prices). A load starts over (DatasetStore.ingest).
 */
export class UnfilteredStats {
  private readonly byGroup = new Map<ColumnStatsGroup, Map<string, StatsRow>>();
  /** The folded buckets of each grouping, kept per group until one of its cells changes. */
  readonly folded = new Map<ColumnStatsGroup, FoldedGroups>();

  constructor(
    private readonly db: Database.Database,
    private readonly exchangeId: string,
  ) {}

  /** The rows of a grouping: kept ones, or `read()`'s (the full scan), which are then kept. */
  rows(groupBy: ColumnStatsGroup, read: () => StatsRow[]): StatsRow[] {
    return [...this.cells(groupBy, read).values()].map((r) => ({ ...r }));
  }

  /** The priceStats buckets of a grouping (as foldStatsRows(rows(...)) gives them), each group folded again only after it changed. */
  buckets(groupBy: ColumnStatsGroup, read: () => StatsRow[]): PriceStatsBucket[] {
    const cells = this.cells(groupBy, read);
    let folded = this.folded.get(groupBy);
    if (!folded) this.folded.set(groupBy, (folded = new FoldedGroups()));
    return folded.buckets(cells.values());
  }

  private cells(groupBy: ColumnStatsGroup, read: () => StatsRow[]): Map<string, StatsRow> {
    let cells = this.byGroup.get(groupBy);
    if (!cells) {
      cells = new Map(read().map((r) => [cellKey(r.group, r.bucket), { ...r }]));
      this.byGroup.set(groupBy, cells);
      this.folded.get(groupBy)?.clear();
    }
    return cells;
  }

  /** One listing's price changed from `before` to `after` (rows of the datasets table), already committed. */
  priceChanged(before: Row, after: Row): void {
    for (const [groupBy, cells] of this.byGroup) {
      const folded = this.folded.get(groupBy);
      if (folded) for (const row of [before, after]) folded.changed(groupBy === 'EXCHANGE' ? this.exchangeId : String(row[GROUP_COLUMNS[groupBy]]));
      // Cannot happen while every change comes through here; if it did, the grouping is read again.
      if (!this.move(groupBy, cells, before, after)) this.byGroup.delete(groupBy);
    }
  }

  private move(groupBy: ColumnStatsGroup, cells: Map<string, StatsRow>, before: Row, after: Row): boolean {
    {
      const groupOf = (row: Row) => (groupBy === 'EXCHANGE' ? this.exchangeId : String(row[GROUP_COLUMNS[groupBy]]));
      const removed = cellKey(groupOf(before), before.price_bucket as number | null);
      const old = cells.get(removed);
      if (!old) return false;
      old.n -= 1;
      const oldMicros = before.price_micros as number | null;
      const boundRemoved = old.bucket !== null && old.bucket !== ZERO_BUCKET && (oldMicros === old.minMicros || oldMicros === old.maxMicros);
      if (old.n === 0) {
        cells.delete(removed);
        this.folded.get(groupBy)?.removed(old);
      }

      const added = cellKey(groupOf(after), after.price_bucket as number | null);
      const micros = after.price_micros as number | null;
      let cell = cells.get(added);
      if (!cell) {
        cell = { group: groupOf(after), bucket: after.price_bucket as number | null, n: 0, minMicros: micros, maxMicros: micros };
        this.folded.get(groupBy)?.added(cell);
      }
      cell.n += 1;
      if (micros !== null) {
        cell.minMicros = Math.min(cell.minMicros ?? micros, micros);
        cell.maxMicros = Math.max(cell.maxMicros ?? micros, micros);
      }
      cells.set(added, cell);

      return !(boundRemoved && old.n > 0) || this.readBounds(groupBy, old);
    }
  }

  /** A cell's min and max read from its rows, which all lie within its current bounds. */
  private readBounds(groupBy: ColumnStatsGroup, cell: StatsRow): boolean {
    const groupTest = groupBy === 'EXCHANGE' ? '' : ` AND ${GROUP_COLUMNS[groupBy]} = ?`;
    const row = this.db
      .prepare(
        `SELECT count(*) AS n, min(price_micros) AS lo, max(price_micros) AS hi FROM datasets
      WHERE price_micros BETWEEN ? AND ? AND price_bucket = ?${groupTest}`,
      )
      .get(cell.minMicros, cell.maxMicros, cell.bucket, ...(groupBy === 'EXCHANGE' ? [] : [cell.group])) as { n: number; lo: number; hi: number };
    cell.minMicros = row.lo;
    cell.maxMicros = row.hi;
    return row.n === cell.n;
  }

  clear(): void {
    this.byGroup.clear();
    this.folded.clear();
  }
}

function cellKey(group: string, bucket: number | null): string {
  return `${group}\u0000${bucket}`;
}
