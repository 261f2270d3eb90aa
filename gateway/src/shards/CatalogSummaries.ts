import type { ExchangeResult } from '../exchangeClient/ExchangeClient.ts';
import { parseSummary, type CatalogSummary } from './summaryPruning.ts';

/**
 * Where summaries are shared between replicas and restarts (the gateway's cache: Redis, or memory), by
 * exchange and catalog version. A failing store is a miss: the summary is then fetched from the exchange.
 */
export interface SummaryStore {
  /** The summary of `exchange` at `catalogVersion` as an exchange answered it, or null. */
  get(exchange: string, catalogVersion: string): Promise<unknown>;
  /** Keeps `summary` (a value `parseSummary` accepts) for `exchange` at `catalogVersion`. Never rejects. */
  set(exchange: string, catalogVersion: string, summary: unknown): Promise<void>;
}

/**
 * Each exchange's catalog summary, kept by the catalog version it describes and never used once the
 * exchange is known to have moved to another version: the next decision fetches it again first. An
 * exchange that does not serve one (an older contract, garbage) is asked again only after `retryMs`, and
 * is called for every query meanwhile; a fetch that failed (down, timeout) is retried in the background
 * after each of `retryDelaysMs`. Why and how: docs/scale-out.md.
 */
export interface CatalogSummariesOptions {
  /** One call of `catalogSummary` to the exchange. */
  fetchSummary: (exchange: string) => Promise<ExchangeResult>;
  /** The version the gateway knows from elsewhere (probes, other replicas), or null. Default: none. */
  versionOf?: (exchange: string) => string | null;
  /** Summaries kept by other replicas and earlier runs, read before the exchange is asked. Default: none. */
  store?: SummaryStore;
  /** How long an exchange without a summary (unserved, or its retries spent) is left alone. Default 30000. */
  retryMs?: number;
  /** After a failed fetch, the waits before each background retry (bounded: one retry per entry). Default 500, 1000, 2000, 4000, 8000. */
  retryDelaysMs?: readonly number[];
  /**
   * How long a decision waits for a summary being fetched; past it the exchange is called, not pruned
   * (a slow exchange costs a request its own timeout, never twice). Default 250.
   */
  waitMs?: number;
}

export const DEFAULT_SUMMARY_RETRY_DELAYS_MS: readonly number[] = [500, 1000, 2000, 4000, 8000];

type Entry =
  | { phase: 'known'; summary: CatalogSummary }
  | { phase: 'unserved'; since: number }
  /** Its last fetch failed (down, timeout), after `failures` failures in a row. */
  | { phase: 'failed'; since: number; failures: number }
  /** Its version moved after the summary was read: fetched again before the next decision. */
  | { phase: 'stale' };

export const SUMMARY_QUERY =
  'query GatewayCatalogSummary { catalogSummary { catalogVersion datasetCount counts { field value count } prices { currency min max } updatedFrom updatedTo tokens { bits hashes base64 } } }';

export class CatalogSummaries {
  private readonly entries = new Map<string, Entry>();
  private readonly inFlight = new Map<string, Promise<CatalogSummary | null>>();
  private readonly retries = new Map<string, NodeJS.Timeout>();
  /** Summaries fetched from exchanges (the tests and the benchmark read it: a refetch is a mechanism to prove). */
  fetches = 0;

  constructor(private readonly options: CatalogSummariesOptions) {}

  /** Every answer of an exchange reports its version: a summary of another version is no longer trusted. */
  observe(exchange: string, catalogVersion: string | null): void {
    const entry = this.entries.get(exchange);
    if (catalogVersion && entry?.phase === 'known' && entry.summary.catalogVersion !== catalogVersion) this.entries.set(exchange, { phase: 'stale' });
  }

  forget(exchange: string): void {
    this.entries.delete(exchange);
    clearTimeout(this.retries.get(exchange));
    this.retries.delete(exchange);
  }

  /** Ends the background retries. */
  stop(): void {
    for (const exchange of [...this.retries.keys()]) this.forget(exchange);
  }

  /** Exchanges whose summary for the version the gateway knows is held (the gauge gateway_catalog_summaries). */
  held(): number {
    let count = 0;
    for (const exchange of this.entries.keys()) if (this.current(exchange)) count++;
    return count;
  }

  /** The summary valid for the exchange's current version, or null when there is none to decide on. */
  async summaryOf(exchange: string): Promise<CatalogSummary | null> {
    const current = this.current(exchange);
    if (current) return current;
    const entry = this.entries.get(exchange);
    if ((entry?.phase === 'unserved' || entry?.phase === 'failed') && Date.now() - entry.since < (this.options.retryMs ?? 30_000)) return null;
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<null>((resolve) => {
      timer = setTimeout(() => resolve(null), this.options.waitMs ?? 250);
      timer.unref();
    });
    try {
      return await Promise.race([this.load(exchange), late]);
    } finally {
      clearTimeout(timer);
    }
  }

  private current(exchange: string): CatalogSummary | null {
    const entry = this.entries.get(exchange);
    if (entry?.phase !== 'known') return null;
    const known = this.options.versionOf?.(exchange) ?? null;
    return known === null || known === entry.summary.catalogVersion ? entry.summary : null;
  }

  /** One load per exchange at a time, whoever asks (decisions, retries). */
  private load(exchange: string): Promise<CatalogSummary | null> {
    let pending = this.inFlight.get(exchange);
    if (!pending) {
      pending = this.fromStore(exchange)
        .then((stored) => stored ?? this.fetch(exchange))
        .finally(() => this.inFlight.delete(exchange));
      this.inFlight.set(exchange, pending);
    }
    return pending;
  }

  /** The summary another replica (or an earlier run) kept for the version the gateway knows, if any. */
  private async fromStore(exchange: string): Promise<CatalogSummary | null> {
    const version = this.options.versionOf?.(exchange) ?? null;
    if (!version || !this.options.store) return null;
    const summary = parseSummary(await this.options.store.get(exchange, version).catch(() => null));
    if (summary?.catalogVersion !== version) return null;
    this.entries.set(exchange, { phase: 'known', summary });
    return summary;
  }

  private async fetch(exchange: string): Promise<CatalogSummary | null> {
    this.fetches++;
    const result = await this.options.fetchSummary(exchange);
    const value: unknown = result.ok && !result.errors?.length ? result.data?.catalogSummary : null;
    const summary = parseSummary(value);
    if (!summary) {
      if (result.ok) this.entries.set(exchange, { phase: 'unserved', since: Date.now() });
      else this.failed(exchange);
      return null;
    }
    // An answer whose header names another version than its summary raced a change: asked again next time.
    if (result.ok && result.catalogVersion && result.catalogVersion !== summary.catalogVersion) {
      this.entries.set(exchange, { phase: 'stale' });
      return null;
    }
    this.entries.set(exchange, { phase: 'known', summary });
    void this.options.store?.set(exchange, summary.catalogVersion, value);
    return summary;
  }

  /** A failed fetch: retried in the background after the next of `retryDelaysMs`, until they are spent. */
  private failed(exchange: string): void {
    const previous = this.entries.get(exchange);
    const failures = (previous?.phase === 'failed' ? previous.failures : 0) + 1;
    this.entries.set(exchange, { phase: 'failed', since: Date.now(), failures });
    const delay = (this.options.retryDelaysMs ?? DEFAULT_SUMMARY_RETRY_DELAYS_MS)[failures - 1];
    if (delay === undefined || this.retries.has(exchange)) return;
    const timer = setTimeout(() => {
      this.retries.delete(exchange);
      if (this.entries.get(exchange)?.phase === 'failed') void this.load(exchange);
    }, delay);
    timer.unref();
    this.retries.set(exchange, timer);
  }
}
