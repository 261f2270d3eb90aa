/**
 * The exchange's own store code run in this process, read-only, on a database file an exchange is
 * serving: to time a request's SQL without HTTP and GraphQL around it, and to EXPLAIN its statements.
 */
import Database from 'better-sqlite3';
import { StoreSession, type DatasetStore } from '../../subgraphs/exchange/store/DatasetStore.ts';
import { FacetCounts } from '../../subgraphs/exchange/store/FacetCounts.ts';
import { FilterColumns } from '../../subgraphs/exchange/store/FilterColumns.ts';

export interface RecordedStatement {
  sql: string;
  params: unknown[];
}

/** A StoreSession that records the statements it runs (for EXPLAIN and per-statement timing). */
export class RecordingSession extends StoreSession {
  statements: RecordedStatement[] = [];

  override all<T>(sql: string, params: unknown[]): T[] {
    this.statements.push({ sql, params });
    return super.all<T>(sql, params);
  }

  override get<T>(sql: string, params: unknown[]): T | undefined {
    this.statements.push({ sql, params });
    return super.get<T>(sql, params);
  }
}

export class ReadOnlyStore {
  readonly db: Database.Database;
  private readonly statements = new Map<string, Database.Statement>();
  private counts: unknown;
  private facets: FacetCounts | undefined;
  private columns: FilterColumns | undefined;

  constructor(
    readonly exchangeId: string,
    path: string,
  ) {
    this.db = new Database(path, { readonly: true, fileMustExist: true });
    // As DatasetStore sets them, so that in-process timings are comparable with the exchange's.
    this.db.pragma('cache_size = -65536');
    this.db.pragma('mmap_size = 268435456');
  }

  /**
   * The subset of DatasetStore a StoreSession uses. Its cache of aggregate reads (totalCount, statistics by
   * catalog version) is replaced by one that never answers: in-process timings are the SQL's, uncached.
   */
  private asStore(): DatasetStore {
    const neverCached = { get: () => undefined, set: () => undefined, has: () => false, delete: () => false, clear: () => undefined };
    // The catalog's size, which the exchange keeps per catalog version (DatasetStore.counts): read once,
    // since the file does not change under this read-only view.
    this.counts ??= this.db.prepare('SELECT count(*) AS datasets, count(DISTINCT provider_uscc) AS providers FROM datasets').get();
    const counts = this.counts;
    // Kept across catalog versions by the exchange (read once there too): FacetCounts as the exchange
    // has it; the unfiltered statistics are read every time (the scan the exchange pays once).
    this.facets ??= FacetCounts.read(this.db);
    const facets = this.facets;
    // The filter columns too (kept by the exchange until its next load); the text matches' rowids are read every time.
    this.columns ??= FilterColumns.read(this.db);
    const columns = this.columns;
    return {
      exchangeId: this.exchangeId,
      catalogVersion: 'bench',
      aggregates: neverCached,
      statisticsCache: neverCached,
      counts: () => counts,
      facets: () => facets,
      filterColumns: () => columns,
      textRowids: neverCached,
      textFacts: neverCached,
      rankings: neverCached,
      unfilteredStats: { rows: (_groupBy: unknown, read: () => unknown) => read() },
      filteredStats: { rows: (_key: unknown, _groupBy: unknown, _keeps: unknown, read: () => unknown) => read() },
      prepared: (sql: string) => this.prepared(sql),
    } as unknown as DatasetStore;
  }

  prepared(sql: string): Database.Statement {
    let statement = this.statements.get(sql);
    if (!statement) {
      statement = this.db.prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  }

  session(): RecordingSession {
    return new RecordingSession(this.asStore());
  }

  /** EXPLAIN QUERY PLAN as an indented tree. */
  explain(statement: RecordedStatement): string {
    const rows = this.db.prepare(`EXPLAIN QUERY PLAN ${statement.sql}`).all(...statement.params) as Array<{ id: number; parent: number; detail: string }>;
    const depth = new Map<number, number>([[0, -1]]);
    return rows
      .map((row) => {
        const d = (depth.get(row.parent) ?? -1) + 1;
        depth.set(row.id, d);
        return `${'  '.repeat(d)}${row.detail}`;
      })
      .join('\n');
  }

  /** Runs one statement as the store does (`all`), `times` times; durations in ms. */
  timeStatement(statement: RecordedStatement, times: number): number[] {
    const prepared = this.prepared(statement.sql);
    const durations: number[] = [];
    for (let i = 0; i < times; i++) {
      const started = performance.now();
      if (prepared.reader) prepared.all(...statement.params);
      else prepared.run(...statement.params);
      durations.push(performance.now() - started);
    }
    return durations;
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}

/** One line of SQL for a report: whitespace collapsed. */
export function oneLine(sql: string): string {
  return sql.replace(/\s+/g, ' ').trim();
}
