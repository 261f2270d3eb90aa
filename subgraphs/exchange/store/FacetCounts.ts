import type Database from 'better-sqlite3';

/** The enum columns a list filter may name; FacetCounts counts rows per combination of their values. */
export const FACET_COLUMNS = ['type', 'security_level', 'data_origin', 'personal_info', 'delivery', 'provider_kind', 'price_model', 'category'] as const;
export type FacetColumn = (typeof FACET_COLUMNS)[number];

/** `column IN values`, as the list filters of FilterSql. */
export interface FacetList {
  column: string;
  values: readonly string[];
}

interface Cell {
  values: string[];
  n: number;
}

/**
 * The number of listings per combination of every enum column (a few thousand cells for 250,000 listings),
 * read once by one scan and then kept exact: a price change moves one listing from one pricing model's
 * cell to another's (`move`), and a load starts over. It answers the count of any filter made only of
 * lists at once (a pair of lists on two columns otherwise scans the table: 250 ms at 250,000 rows), and
 * tells a page how many rows of each value of a column a filter keeps, to choose how to read it.
 */
export class FacetCounts {
  private readonly cells = new Map<string, Cell>();
  /**
   * Rows per value of one column (by its index in FACET_COLUMNS), for the columns asked of countBy without
   * lists, kept with the cells: the catalog summary asks it for price_model after every price change, and
   * adding up every cell (thousands at 250,000 listings) cost each summary about 1 ms.
   */
  private readonly totals = new Map<number, Map<string, number>>();

  static read(db: Database.Database): FacetCounts {
    const facets = new FacetCounts();
    const sql = `SELECT ${FACET_COLUMNS.join(', ')}, count(*) AS n FROM datasets GROUP BY ${FACET_COLUMNS.map((_, i) => i + 1).join(', ')}`;
    for (const row of db.prepare(sql).raw().all() as Array<Array<string | number>>) {
      facets.add(row.slice(0, FACET_COLUMNS.length) as string[], row[FACET_COLUMNS.length] as number);
    }
    return facets;
  }

  private add(values: string[], n: number): void {
    const key = values.join('\u0000');
    const cell = this.cells.get(key);
    if (cell) cell.n += n;
    else this.cells.set(key, { values, n });
    if (cell && cell.n === 0) this.cells.delete(key);
    for (const [at, counts] of this.totals) {
      const left = (counts.get(values[at]) ?? 0) + n;
      if (left === 0) counts.delete(values[at]);
      else counts.set(values[at], left);
    }
  }

  /** One listing moved from `before` to `after` (rows of the datasets table, before and after a change). */
  move(before: Record<string, unknown>, after: Record<string, unknown>): void {
    this.add(
      FACET_COLUMNS.map((c) => String(before[c])),
      -1,
    );
    this.add(
      FACET_COLUMNS.map((c) => String(after[c])),
      1,
    );
  }

  /** Rows kept by every list, per value of `column` (values without rows are absent). */
  countBy(lists: readonly FacetList[], column: FacetColumn): Map<string, number> {
    const at = FACET_COLUMNS.indexOf(column);
    if (lists.length === 0 && at >= 0) {
      let counts = this.totals.get(at);
      if (!counts) this.totals.set(at, (counts = this.sumBy(at)));
      return new Map(counts);
    }
    const tests = lists.map((l) => ({ at: FACET_COLUMNS.indexOf(l.column as FacetColumn), values: new Set(l.values) }));
    if (tests.some((t) => t.at < 0)) throw new Error(`FacetCounts: ${lists.map((l) => l.column).join(', ')} are not all enum columns`);
    const out = new Map<string, number>();
    for (const cell of this.cells.values()) {
      if (tests.every((t) => t.values.has(cell.values[t.at]))) out.set(cell.values[at], (out.get(cell.values[at]) ?? 0) + cell.n);
    }
    return out;
  }

  /** Rows per value of column `at`, added up over every cell. */
  private sumBy(at: number): Map<string, number> {
    const out = new Map<string, number>();
    for (const cell of this.cells.values()) out.set(cell.values[at], (out.get(cell.values[at]) ?? 0) + cell.n);
    return out;
  }

  /** Rows kept by every list. */
  count(lists: readonly FacetList[]): number {
    let total = 0;
    for (const n of this.countBy(lists, FACET_COLUMNS[0]).values()) total += n;
    return total;
  }
}

export function isFacetColumn(column: string): column is FacetColumn {
  return (FACET_COLUMNS as readonly string[]).includes(column);
}
