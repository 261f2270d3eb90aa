import type Database from 'better-sqlite3';
import type { PricingModel } from '../../../shared/domain.ts';

/**
 * The exchange's price change log (docs/live-prices.md): one row per price change, appended in the
 * transaction that changes the price, so the log and the catalog never disagree, and a restart loses
 * nothing. `sequence` is AUTOINCREMENT: never reused, even after old rows are pruned, so a cursor
 * (shared/priceChangeCursor.ts) names one place in the log for as long as the database lives.
 */
export const PRICE_CHANGES_SQL = `
CREATE TABLE IF NOT EXISTS price_changes (
  sequence INTEGER PRIMARY KEY AUTOINCREMENT,
  dataset_id TEXT NOT NULL,
  previous_model TEXT,
  previous_micros INTEGER,
  current_model TEXT NOT NULL,
  current_micros INTEGER,
  changed_ms INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS ix_price_changes_changed ON price_changes (changed_ms);
`;

/** PRICE_CHANGE_RETENTION_DAYS default: the contract promises at least 30 days of changes. */
export const DEFAULT_CHANGE_RETENTION_DAYS = 35;
export const MIN_CHANGE_RETENTION_DAYS = 30;
const DAY_MS = 24 * 3600 * 1000;

export interface PriceChangeRow {
  sequence: number;
  dataset_id: string;
  previous_model: PricingModel | null;
  previous_micros: number | null;
  current_model: PricingModel;
  current_micros: number | null;
  changed_ms: number;
}

/** What a page of the log may be narrowed to (PriceChangeFilter without `exchanges`, which the caller checks). */
export interface ChangeLogFilter {
  categories?: string[] | null;
  productCode?: string | null;
  providerUscc?: string | null;
  minRelativeChange?: number | null;
}

export class PriceChangeLog {
  private readonly insert: Database.Statement;
  private readonly last: Database.Statement;
  private readonly prune: Database.Statement;

  constructor(
    private readonly db: Database.Database,
    private readonly retentionDays = DEFAULT_CHANGE_RETENTION_DAYS,
  ) {
    db.exec(PRICE_CHANGES_SQL);
    this.insert = db.prepare(`INSERT INTO price_changes (dataset_id, previous_model, previous_micros, current_model, current_micros, changed_ms)
      VALUES (?, ?, ?, ?, ?, ?)`);
    this.last = db.prepare('SELECT max(changed_ms) AS ms FROM price_changes');
    this.prune = db.prepare('DELETE FROM price_changes WHERE changed_ms < ? RETURNING sequence');
  }

  /**
   * Appends a change; call inside the transaction that makes it. changedAt never goes back (a clock set
   * back would otherwise put a later change before an earlier one in the merge order, changedAt first).
   * Returns the stored time.
   */
  append(change: {
    datasetId: string;
    previous: { model: PricingModel; micros: number | null };
    current: { model: PricingModel; micros: number | null };
    now: Date;
  }): number {
    const lastMs = (this.last.get() as { ms: number | null }).ms ?? 0;
    const changedMs = Math.max(change.now.getTime(), lastMs);
    this.insert.run(change.datasetId, change.previous.model, change.previous.micros, change.current.model, change.current.micros, changedMs);
    const pruned = this.prune.all(changedMs - this.retentionDays * DAY_MS) as Array<{ sequence: number }>;
    if (pruned.length > 0) {
      const through = Math.max(...pruned.map((r) => r.sequence));
      this.db
        .prepare("INSERT INTO meta (key, value) VALUES ('changes_pruned_through', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value")
        .run(String(through));
    }
    return changedMs;
  }

  /** The highest sequence pruned so far (0 when none): a cursor before it has lost changes. */
  prunedThrough(): number {
    const row = this.db.prepare("SELECT value FROM meta WHERE key = 'changes_pruned_through'").get() as { value: string } | undefined;
    return row ? Number(row.value) : 0;
  }

  /** The latest sequence written (0 for an empty log). */
  head(): number {
    const row = this.db.prepare("SELECT seq FROM sqlite_sequence WHERE name = 'price_changes'").get() as { seq: number } | undefined;
    return row?.seq ?? 0;
  }

  /** Up to `limit` changes after `sequence` that match the filter, oldest first. */
  page(after: number, limit: number, filter: ChangeLogFilter): PriceChangeRow[] {
    const { where, params } = filterWhere(filter);
    return this.db
      .prepare(
        `SELECT c.* FROM price_changes c ${where.length ? 'JOIN datasets d ON d.id = c.dataset_id' : ''}
        WHERE c.sequence > ? ${where.map((w) => `AND ${w}`).join(' ')} ORDER BY c.sequence LIMIT ?`,
      )
      .all(after, ...params, limit) as PriceChangeRow[];
  }

  /** Changes in the log that match the filter. */
  count(filter: ChangeLogFilter): number {
    const { where, params } = filterWhere(filter);
    const sql = `SELECT count(*) AS n FROM price_changes c ${where.length ? 'JOIN datasets d ON d.id = c.dataset_id' : ''} ${where.length ? `WHERE ${where.join(' AND ')}` : ''}`;
    return (this.db.prepare(sql).get(...params) as { n: number }).n;
  }
}

/**
 * The filter as SQL over the change (c) and its listing (d). minRelativeChange: |current − previous| /
 * previous over the amounts; a change without that ratio (to or from NEGOTIABLE, or from 0.00) always passes.
 */
function filterWhere(filter: ChangeLogFilter): { where: string[]; params: unknown[] } {
  const where: string[] = [];
  const params: unknown[] = [];
  if (filter.categories && filter.categories.length > 0) {
    where.push(`d.category IN (${filter.categories.map(() => '?').join(', ')})`);
    params.push(...filter.categories);
  }
  if (filter.productCode !== null && filter.productCode !== undefined) {
    where.push('d.product_code = ?');
    params.push(filter.productCode);
  }
  if (filter.providerUscc !== null && filter.providerUscc !== undefined) {
    where.push('d.provider_uscc = ?');
    params.push(filter.providerUscc);
  }
  if (filter.minRelativeChange !== null && filter.minRelativeChange !== undefined) {
    where.push(`(c.previous_micros IS NULL OR c.current_micros IS NULL OR c.previous_micros = 0
      OR abs(c.current_micros - c.previous_micros) >= ? * c.previous_micros)`);
    params.push(filter.minRelativeChange);
  }
  return { where, params };
}
