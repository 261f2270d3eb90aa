import type Database from 'better-sqlite3';
import { FACET_COLUMNS } from './FacetCounts.ts';
import { ZERO_BUCKET, type StatsRow } from './UnfilteredStats.ts';
import { GroupedStatistics, type StatisticsDimension } from './GroupedStatistics.ts';

/** What FilterColumns can test: the lists and ranges of a filter (FilterSql.columnar), and the lists themselves. */
export interface ColumnarFilter {
  lists: ReadonlyArray<{ column: string; values: readonly string[] }>;
  minMicros: number | null;
  maxMicros: number | null;
  updatedSinceMs: number | null;
  containsMinors: 0 | 1 | null;
}

type Row = Record<string, unknown>;

const SELECT_COLUMNS = ['rowid', ...FACET_COLUMNS, 'contains_minors', 'price_micros', 'price_bucket', 'updated_ms', 'compliance_assessed', 'provider_uscc'];

/** Group values of a flag column (0 or 1), as priceStatistics keys them. */
const FLAG_NAMES = ['false', 'true'];

/**
 * The columns every filter but text and equalities tests, held in memory as typed arrays indexed by rowid
 * (about 35 bytes per listing: 9 MB at 250,000), read once by one scan and kept exact through price
 * changes (a load starts over). Counting or grouping the rows a filter keeps is then a loop over arrays
 * (2-5 ms at 250,000 rows), where SQLite reads every matching row from the table (a broad filter: 50-300 ms,
 * 3 µs a row, more than the 100 ms a statistics query may take). A text filter first reads the rowids its
 * text index matches (~0.1 µs each), and only those are tested.
 */
export class FilterColumns {
  private readonly present: Uint8Array;
  private readonly enums: Uint8Array[];
  private readonly codes: Array<Map<string, number>>;
  private readonly values: string[][];
  private readonly minors: Uint8Array;
  /** NaN for a NEGOTIABLE price (NULL): no bound ever keeps it, as in SQL. */
  private readonly micros: Float64Array;
  private readonly buckets: Float64Array;
  private readonly updated: Float64Array;
  private readonly compliance: Uint8Array;
  /** A number per provider USCC (its index in `usccs`), so a bucket's provider set holds numbers, not strings. */
  private readonly providers: Int32Array;
  private readonly providerCodes = new Map<string, number>();
  private readonly usccs: string[] = [];
  /** bucketRange(), once read; widened by a change that prices a row outside it. */
  private range: [number, number] | null = null;

  private constructor(readonly capacity: number) {
    this.present = new Uint8Array(capacity);
    this.enums = FACET_COLUMNS.map(() => new Uint8Array(capacity));
    this.codes = FACET_COLUMNS.map(() => new Map());
    this.values = FACET_COLUMNS.map(() => []);
    this.minors = new Uint8Array(capacity);
    this.micros = new Float64Array(capacity);
    this.buckets = new Float64Array(capacity);
    this.updated = new Float64Array(capacity);
    this.compliance = new Uint8Array(capacity);
    this.providers = new Int32Array(capacity);
  }

  static read(db: Database.Database): FilterColumns {
    const maxRowid = (db.prepare('SELECT max(rowid) FROM datasets').pluck().get() as number | null) ?? 0;
    const columns = new FilterColumns(maxRowid + 1);
    const statement = db.prepare(`SELECT ${SELECT_COLUMNS.join(', ')} FROM datasets`).raw();
    for (const row of statement.iterate() as IterableIterator<unknown[]>) columns.setValues(row);
    return columns;
  }

  private codeOf(column: number, value: string): number {
    let code = this.codes[column].get(value);
    if (code === undefined) {
      // An enum has a handful of values; 255 is far beyond any of them (0 is "no row").
      if (this.values[column].length >= 255) throw new Error(`FilterColumns: more than 255 values in ${FACET_COLUMNS[column]}`);
      this.values[column].push(value);
      code = this.values[column].length;
      this.codes[column].set(value, code);
    }
    return code;
  }

  /** One row, as SELECT_COLUMNS orders it. */
  private setValues(row: unknown[]): void {
    const rowid = row[0] as number;
    this.present[rowid] = 1;
    FACET_COLUMNS.forEach((_, c) => {
      this.enums[c][rowid] = this.codeOf(c, String(row[1 + c]));
    });
    const at = 1 + FACET_COLUMNS.length;
    this.minors[rowid] = Number(row[at]);
    this.micros[rowid] = row[at + 1] === null ? Number.NaN : Number(row[at + 1]);
    this.buckets[rowid] = row[at + 2] === null ? Number.NaN : Number(row[at + 2]);
    const bucket = this.buckets[rowid];
    if (this.range && !Number.isNaN(bucket) && bucket !== ZERO_BUCKET) {
      this.range = this.range[0] <= this.range[1] ? [Math.min(this.range[0], bucket), Math.max(this.range[1], bucket)] : [bucket, bucket];
    }
    this.updated[rowid] = Number(row[at + 3]);
    this.compliance[rowid] = Number(row[at + 4]);
    const uscc = String(row[at + 5]);
    let provider = this.providerCodes.get(uscc);
    if (provider === undefined) {
      provider = this.usccs.push(uscc) - 1;
      this.providerCodes.set(uscc, provider);
    }
    this.providers[rowid] = provider;
  }

  /** A listing changed (a row of the datasets table, after the change, already committed). */
  changed(after: Row): void {
    if ((after.rowid as number) >= this.capacity) throw new Error('FilterColumns: a new row; read them again');
    this.setValues(SELECT_COLUMNS.map((c) => after[c]));
  }

  /** A test of one rowid for the filter's lists and ranges; null when the filter can keep no row at all. */
  matcher(filter: ColumnarFilter): ((rowid: number) => boolean) | null {
    const lists: Array<{ codes: Uint8Array; allowed: Uint8Array }> = [];
    for (const list of filter.lists) {
      const column = (FACET_COLUMNS as readonly string[]).indexOf(list.column);
      if (column < 0) throw new Error(`FilterColumns: ${list.column} is not an enum column`);
      const allowed = new Uint8Array(256);
      let any = false;
      for (const value of list.values) {
        const code = this.codes[column].get(value);
        if (code === undefined) continue;
        allowed[code] = 1;
        any = true;
      }
      if (!any) return null;
      lists.push({ codes: this.enums[column], allowed });
    }
    const { minMicros, maxMicros, updatedSinceMs, containsMinors } = filter;
    const { present, micros, updated, minors } = this;
    return (rowid) => {
      if (present[rowid] !== 1) return false;
      for (let l = 0; l < lists.length; l++) if (lists[l].allowed[lists[l].codes[rowid]] !== 1) return false;
      // Comparisons with NaN are false: a NEGOTIABLE price never meets a bound.
      if (minMicros !== null && !(micros[rowid] >= minMicros)) return false;
      if (maxMicros !== null && !(micros[rowid] <= maxMicros)) return false;
      if (updatedSinceMs !== null && !(updated[rowid] >= updatedSinceMs)) return false;
      if (containsMinors !== null && minors[rowid] !== containsMinors) return false;
      return true;
    };
  }

  /** Calls `visit` with each rowid the filter keeps, ascending, among `rowids` (a text index's matches) or every row. */
  private eachKept(filter: ColumnarFilter, rowids: ArrayLike<number> | null, visit: (rowid: number) => void): void {
    const test = this.matcher(filter);
    if (!test) return;
    if (rowids) {
      for (let i = 0; i < rowids.length; i++) if (test(rowids[i])) visit(rowids[i]);
    } else {
      for (let rowid = 1; rowid < this.capacity; rowid++) if (test(rowid)) visit(rowid);
    }
  }

  /** Rows the filter keeps, among `rowids` or among every row. */
  count(filter: ColumnarFilter, rowids: ArrayLike<number> | null): number {
    let n = 0;
    this.eachKept(filter, rowids, () => {
      n++;
    });
    return n;
  }

  /** Rows the filter keeps per provider, among `rowids` or among every row: only providers with one or more, by USCC. */
  providerCounts(filter: ColumnarFilter, rowids: ArrayLike<number> | null): Array<{ uscc: string; count: number }> {
    const counts = new Int32Array(this.usccs.length);
    this.eachKept(filter, rowids, (rowid) => {
      counts[this.providers[rowid]]++;
    });
    const out: Array<{ uscc: string; count: number }> = [];
    counts.forEach((count, code) => {
      if (count > 0) out.push({ uscc: this.usccs[code], count });
    });
    return out.sort((a, b) => (a.uscc < b.uscc ? -1 : a.uscc > b.uscc ? 1 : 0));
  }

  /** The rowids the filter keeps, ascending, among `rowids` or among every row. */
  kept(filter: ColumnarFilter, rowids: ArrayLike<number> | null): number[] {
    const out: number[] = [];
    this.eachKept(filter, rowids, (rowid) => {
      out.push(rowid);
    });
    return out;
  }

  /**
   * Per group (an enum column's value, or `fixedGroup` for all rows) and price bucket: count, min and max
   * of the rows the filter keeps, as StoreSession.stats reads them from SQL.
   */
  stats(filter: ColumnarFilter, rowids: ArrayLike<number> | null, groupColumn: string | null, fixedGroup: string): StatsRow[] {
    const column = groupColumn === null ? -1 : (FACET_COLUMNS as readonly string[]).indexOf(groupColumn);
    if (groupColumn !== null && column < 0) throw new Error(`FilterColumns: cannot group by ${groupColumn}`);
    const groups = column < 0 ? null : this.enums[column];
    const names = column < 0 ? [] : this.values[column];
    // Cells in dense arrays per group code, indexed by bucket (a bucket is an integer within a few
    // thousand of the others): no Map lookup nor object per row. At 250,000 rows a Map of cells cost
    // about three times the loop itself.
    const cells: Array<StatsCells | undefined> = [];
    const { micros, buckets } = this;
    const [lo, hi] = this.bucketRange();
    this.eachKept(filter, rowids, (rowid) => {
      const code = groups ? groups[rowid] : 0;
      const group = (cells[code] ??= newStatsCells(hi - lo + 1));
      const bucket = buckets[rowid];
      if (Number.isNaN(bucket)) {
        group.negotiable++;
        return;
      }
      const price = micros[rowid];
      const at = bucket === ZERO_BUCKET ? group.n.length - 1 : bucket - lo;
      if (group.n[at]++ === 0) {
        group.min[at] = price;
        group.max[at] = price;
      } else {
        if (price < group.min[at]) group.min[at] = price;
        if (price > group.max[at]) group.max[at] = price;
      }
    });
    const out: StatsRow[] = [];
    cells.forEach((group, code) => {
      if (!group) return;
      const name = groups ? names[code - 1] : fixedGroup;
      if (group.negotiable > 0) out.push({ group: name, bucket: null, n: group.negotiable, minMicros: null, maxMicros: null });
      for (let at = 0; at < group.n.length; at++) {
        if (group.n[at] === 0) continue;
        const bucket = at === group.n.length - 1 ? ZERO_BUCKET : at + lo;
        out.push({ group: name, bucket, n: group.n[at], minMicros: group.min[at], maxMicros: group.max[at] });
      }
    });
    return out;
  }

  /** The lowest and highest bucket of a priced, non-free row (what stats sizes its arrays by). */
  private bucketRange(): [number, number] {
    if (this.range) return this.range;
    let lo = Infinity;
    let hi = -Infinity;
    const { buckets, present } = this;
    for (let rowid = 1; rowid < this.capacity; rowid++) {
      const bucket = buckets[rowid];
      if (present[rowid] !== 1 || Number.isNaN(bucket) || bucket === ZERO_BUCKET) continue;
      if (bucket < lo) lo = bucket;
      if (bucket > hi) hi = bucket;
    }
    this.range = lo <= hi ? [lo, hi] : [0, -1];
    return this.range;
  }

  /**
   * priceStatistics over the rows the filter keeps (among `rowids` or every row): one bucket per
   * combination of the dimensions' values, with its own sketch and provider set (see GroupedStatistics).
   */
  statistics(filter: ColumnarFilter, rowids: ArrayLike<number> | null, dimensions: readonly StatisticsDimension[]): GroupedStatistics {
    const columns = dimensions.map((d) => {
      if (d.kind === 'fixed') return { codes: null, names: [d.value] };
      if (d.kind === 'flag') return { codes: d.column === 'contains_minors' ? this.minors : this.compliance, names: FLAG_NAMES };
      const column = (FACET_COLUMNS as readonly string[]).indexOf(d.column);
      if (column < 0) throw new Error(`FilterColumns: cannot group by ${d.column}`);
      // Codes start at 1 (0 is "no row"): the name of code c is values[c - 1].
      return { codes: this.enums[column], names: ['', ...this.values[column]] };
    });
    const grouped = new GroupedStatistics(
      columns.map((c) => c.names),
      this.usccs,
    );
    const [first, second, third] = [columns[0]?.codes ?? null, columns[1]?.codes ?? null, columns[2]?.codes ?? null];
    const { micros, buckets, providers } = this;
    const [, r1, r2] = grouped.radixes;
    this.eachKept(filter, rowids, (rowid) => {
      // The codes make one number (see GroupedStatistics.radixes): no string is built per row.
      const cell = ((first ? first[rowid] : 0) * r1 + (second ? second[rowid] : 0)) * r2 + (third ? third[rowid] : 0);
      grouped.add(cell, micros[rowid], buckets[rowid], providers[rowid]);
    });
    return grouped;
  }
}

/** One group's cells of FilterColumns.stats: per bucket (the last slot for ZERO_BUCKET) count, min and max; NEGOTIABLE rows apart. */
interface StatsCells {
  n: Int32Array;
  min: Float64Array;
  max: Float64Array;
  negotiable: number;
}

function newStatsCells(span: number): StatsCells {
  return { n: new Int32Array(span + 1), min: new Float64Array(span + 1), max: new Float64Array(span + 1), negotiable: 0 };
}
