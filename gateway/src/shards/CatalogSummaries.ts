import type { ExchangeResult } from '../exchangeClient/ExchangeClient.ts';
import { parseSummary, type CatalogSummary } from './summaryPruning.ts';

/**
 * Each exchange's catalog summary, kept by the catalog version it describes and never used once the
 * exchange is known to have moved to another version: the next decision fetches it again first. An
 * exchange that does not serve one (an older contract, an error, garbage) is asked again only after
 * `retryMs`, and is called for every query meanwhile. Why and how: docs/scale-out.md.
 */
export interface CatalogSummariesOptions {
  /** One call of `catalogSummary` to the exchange, through the router's fetcher (so cached like other answers). */
  fetchSummary: (exchange: string) => Promise<ExchangeResult>;
  /** The version the gateway knows from elsewhere (probes, other replicas), or null. Default: none. */
  versionOf?: (exchange: string) => string | null;
  /** How long an exchange without a summary (unserved, or its fetch failed) is left alone. Default 30000. */
  retryMs?: number;
  /**
   * How long a decision waits for a summary being fetched; past it the exchange is called, not pruned
   * (a slow exchange costs a request its own timeout, never twice). Default 250.
   */
  waitMs?: number;
}

type Entry =
  | { phase: 'known'; summary: CatalogSummary }
  | { phase: 'unserved'; since: number }
  /** Its last fetch failed (down, timeout). */
  | { phase: 'failed'; since: number }
  /** Its version moved after the summary was read: fetched again before the next decision. */
  | { phase: 'stale' };

export const SUMMARY_QUERY =
  'query GatewayCatalogSummary { catalogSummary { catalogVersion datasetCount counts { field value count } prices { currency min max } updatedFrom updatedTo tokens { bits hashes base64 } } }';

export class CatalogSummaries {
  private readonly entries = new Map<string, Entry>();
  private readonly inFlight = new Map<string, Promise<CatalogSummary | null>>();
  /** Summaries fetched (the tests and the benchmark read it: a refetch is a mechanism to prove). */
  fetches = 0;

  constructor(private readonly options: CatalogSummariesOptions) {}

  /** Every answer of an exchange reports its version: a summary of another version is no longer trusted. */
  observe(exchange: string, catalogVersion: string | null): void {
    const entry = this.entries.get(exchange);
    if (catalogVersion && entry?.phase === 'known' && entry.summary.catalogVersion !== catalogVersion) this.entries.set(exchange, { phase: 'stale' });
  }

  forget(exchange: string): void {
    this.entries.delete(exchange);
  }

  /** The summary valid for the exchange's current version, or null when there is none to decide on. */
  async summaryOf(exchange: string): Promise<CatalogSummary | null> {
    const entry = this.entries.get(exchange);
    const known = this.options.versionOf?.(exchange) ?? null;
    if (entry?.phase === 'known' && (known === null || known === entry.summary.catalogVersion)) return entry.summary;
    if ((entry?.phase === 'unserved' || entry?.phase === 'failed') && Date.now() - entry.since < (this.options.retryMs ?? 30_000)) return null;
    let pending = this.inFlight.get(exchange);
    if (!pending) {
      pending = this.fetch(exchange).finally(() => this.inFlight.delete(exchange));
      this.inFlight.set(exchange, pending);
    }
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<null>((resolve) => {
      timer = setTimeout(() => resolve(null), this.options.waitMs ?? 250);
      timer.unref();
    });
    try {
      return await Promise.race([pending, late]);
    } finally {
      clearTimeout(timer);
    }
  }

  private async fetch(exchange: string): Promise<CatalogSummary | null> {
    this.fetches++;
    const result = await this.options.fetchSummary(exchange);
    const summary = result.ok && !result.errors?.length ? parseSummary(result.data?.catalogSummary) : null;
    // An answer whose header names another version than its summary raced a change: not trusted.
    if (!summary) {
      this.entries.set(exchange, { phase: result.ok ? 'unserved' : 'failed', since: Date.now() });
      return null;
    }
    // An answer whose header names another version than its summary raced a change: asked again next time.
    if (result.ok && result.catalogVersion && result.catalogVersion !== summary.catalogVersion) {
      this.entries.set(exchange, { phase: 'stale' });
      return null;
    }
    this.entries.set(exchange, { phase: 'known', summary });
    return summary;
  }
}
