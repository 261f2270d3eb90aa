import type Database from 'better-sqlite3';
import { LRUCache } from 'lru-cache';
import type { PriceStatsBucket } from '../../../shared/priceStatsSummary.ts';
import { GROUP_COLUMNS, ZERO_BUCKET, type ColumnStatsGroup, type StatsRow } from './UnfilteredStats.ts';
import { FoldedGroups } from './FoldedGroups.ts';

type Row = Record<string, unknown>;

/** Whether a filter keeps a row, by rowid, as the filter columns hold it now (FilterColumns.matcher and the text's rowids). */
export type RowTest = (rowid: number) => boolean;

/** One filter's statistics for one grouping, and the filter's test. */
interface Entry {
  groupBy: ColumnStatsGroup;
  keeps: RowTest;
  cells: Map<string, StatsRow>;
  /** The folded buckets of `cells`, kept per group until one of its cells changes. */
  folded: FoldedGroups;
}

/**
 * At most this many (group, bucket) cells kept, over every filter: about 100 bytes each, 20 MB in all.
 * A grouping by category of a broad filter has ~13,000 cells at 250,000 listings (19 categories of ~700
 * buckets); by exchange, ~2,000.
 */
const MAX_KEPT_CELLS = 200_000;

/**
 * priceStats of filtered catalogs (every filter the filter columns test: lists, price bounds, updatedSince,
 * containsMinorsData, text), read once per filter and grouping by a scan of the filter columns and then
 * kept exact through price changes, as UnfilteredStats keeps the unfiltered ones: a price change moves one
 * listing out of the cell it was in (when the filter kept it) and into its new cell (when the filter keeps
 * it now; updatedSince may now keep a listing it did not). A removed min or max of a cell is read again
 * from the cell's rows, found through the price index between the cell's bounds and tested by the filter.
 * Kept per catalog version instead, every price change cost the next such query a scan of every listing
 * (4-10 ms of CPU at 250,000 listings, an exchange's largest share of priceStats). A load starts over.
 */
export class FilteredStats {
  private readonly entries = new LRUCache<string, Entry>({ maxSize: MAX_KEPT_CELLS, sizeCalculation: (entry) => Math.max(1, entry.cells.size) });
  /** Scans of the filter columns, one per entry read (a test counts them: a kept entry costs none). */
  scans = 0;

  constructor(
    private readonly db: Database.Database,
    private readonly exchangeId: string,
  ) {}

  /**
   * The rows of filter `key` grouped by `groupBy`: kept ones, or `read()`'s (a scan), which are then kept
   * with `keeps()`, the filter's test of a rowid.
   */
  rows(key: string, groupBy: ColumnStatsGroup, keeps: () => RowTest, read: () => StatsRow[]): StatsRow[] {
    return [...this.entry(key, groupBy, keeps, read).cells.values()].map((r) => ({ ...r }));
  }

  /** The priceStats buckets of filter `key` by `groupBy` (as foldStatsRows(rows(...)) gives them), each group folded again only after it changed. */
  buckets(key: string, groupBy: ColumnStatsGroup, keeps: () => RowTest, read: () => StatsRow[]): PriceStatsBucket[] {
    const entry = this.entry(key, groupBy, keeps, read);
    return entry.folded.buckets(entry.cells.values());
  }

  private entry(key: string, groupBy: ColumnStatsGroup, keeps: () => RowTest, read: () => StatsRow[]): Entry {
    const entryKey = `${groupBy}\u0000${key}`;
    let entry = this.entries.get(entryKey);
    if (!entry) {
      this.scans++;
      entry = { groupBy, keeps: keeps(), cells: new Map(read().map((r) => [cellKey(r.group, r.bucket), { ...r }])), folded: new FoldedGroups() };
      this.entries.set(entryKey, entry);
    }
    return entry;
  }

  /** The entries whose filter keeps `rowid` now: called before the filter columns take a change. */
  keeping(rowid: number): Set<Entry> {
    const kept = new Set<Entry>();
    for (const entry of this.entries.values()) if (entry.keeps(rowid)) kept.add(entry);
    return kept;
  }

  /**
   * One listing's price changed from `before` to `after` (rows of the datasets table), committed and in the
   * filter columns; `keptBefore` is `keeping(rowid)` from before the filter columns took it.
   */
  priceChanged(before: Row, after: Row, keptBefore: Set<Entry>): void {
    const rowid = after.rowid as number;
    const lost: string[] = [];
    for (const [key, entry] of this.entries.entries()) {
      // Cannot happen while every change comes through here; if it did, the entry is read again.
      if (!this.move(entry, keptBefore.has(entry) ? before : null, entry.keeps(rowid) ? after : null)) lost.push(key);
    }
    for (const key of lost) this.entries.delete(key);
  }

  private groupOf(entry: Entry, row: Row): string {
    return entry.groupBy === 'EXCHANGE' ? this.exchangeId : String(row[GROUP_COLUMNS[entry.groupBy]]);
  }

  /** Moves a listing out of its old cell (`before`, null when the filter did not keep it) into its new one (`after`, likewise). */
  private move(entry: Entry, before: Row | null, after: Row | null): boolean {
    for (const row of [before, after]) if (row) entry.folded.changed(this.groupOf(entry, row));
    let emptied: StatsRow | null = null;
    if (before) {
      const removed = cellKey(this.groupOf(entry, before), before.price_bucket as number | null);
      const old = entry.cells.get(removed);
      if (!old) return false;
      old.n -= 1;
      const oldMicros = before.price_micros as number | null;
      if (old.n === 0) {
        entry.cells.delete(removed);
        entry.folded.removed(old);
      } else if (old.bucket !== null && old.bucket !== ZERO_BUCKET && (oldMicros === old.minMicros || oldMicros === old.maxMicros)) emptied = old;
    }
    if (after) {
      const added = cellKey(this.groupOf(entry, after), after.price_bucket as number | null);
      const micros = after.price_micros as number | null;
      let cell = entry.cells.get(added);
      if (!cell) {
        cell = { group: this.groupOf(entry, after), bucket: after.price_bucket as number | null, n: 0, minMicros: micros, maxMicros: micros };
        entry.folded.added(cell);
      }
      cell.n += 1;
      if (micros !== null) {
        cell.minMicros = Math.min(cell.minMicros ?? micros, micros);
        cell.maxMicros = Math.max(cell.maxMicros ?? micros, micros);
      }
      entry.cells.set(added, cell);
    }
    return emptied === null || this.readBounds(entry, emptied);
  }

  /** A cell's min and max read from its rows, which all lie within its current bounds; false when they are not `n` rows. */
  private readBounds(entry: Entry, cell: StatsRow): boolean {
    const group = entry.groupBy === 'EXCHANGE' ? '? AS g' : `${GROUP_COLUMNS[entry.groupBy]} AS g`;
    const rows = this.db
      .prepare(`SELECT rowid, price_micros AS micros, ${group} FROM datasets WHERE price_micros BETWEEN ? AND ? AND price_bucket = ?`)
      .raw()
      .all(...(entry.groupBy === 'EXCHANGE' ? [this.exchangeId] : []), cell.minMicros, cell.maxMicros, cell.bucket) as Array<[number, number, string]>;
    let n = 0;
    let lo = Infinity;
    let hi = -Infinity;
    for (const [rowid, micros, g] of rows) {
      if (String(g) !== cell.group || !entry.keeps(rowid)) continue;
      n++;
      if (micros < lo) lo = micros;
      if (micros > hi) hi = micros;
    }
    cell.minMicros = lo;
    cell.maxMicros = hi;
    return n === cell.n;
  }

  clear(): void {
    this.entries.clear();
  }
}

function cellKey(group: string, bucket: number | null): string {
  return `${group}\u0000${bucket}`;
}
