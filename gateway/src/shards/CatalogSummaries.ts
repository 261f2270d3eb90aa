import type { ExchangeResult, GraphQLRequestBody } from '../exchangeClient/ExchangeClient.ts';
import { parseSummary, type CatalogSummary, type HeldTokens } from './summaryPruning.ts';
import { LEADING_SELECTION } from './leadingPages.ts';

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
  /** One call of `catalogSummary` to the exchange, with this body (SUMMARY_QUERY or OLDER_SUMMARY_QUERY). */
  fetchSummary: (exchange: string, body: GraphQLRequestBody) => Promise<ExchangeResult>;
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
  /**
   * How long an exchange found to serve an older contract (no `tokensVersion`: it is asked OLDER_SUMMARY_QUERY,
   * tokens and all, every time) is left on it before the current query is tried again. Default 600000.
   */
  olderContractMs?: number;
}

export const DEFAULT_SUMMARY_RETRY_DELAYS_MS: readonly number[] = [500, 1000, 2000, 4000, 8000];

type Entry =
  | { phase: 'known'; summary: CatalogSummary }
  | { phase: 'unserved'; since: number }
  /** Its last fetch failed (down, timeout), after `failures` failures in a row. */
  | { phase: 'failed'; since: number; failures: number }
  /** Its version moved after the summary was read: fetched again before the next decision. */
  | { phase: 'stale' };

const SUMMARY_PARTS = 'catalogVersion datasetCount counts { field value count } prices { currency min max } updatedFrom updatedTo';

/**
 * The summary, with the token filter only when its version is not `$heldTokens` (the tokensVersion of the
 * filter the router holds for the exchange): a price change moves the catalog version but never the
 * tokens, so after most version moves the exchange sends everything but them (~420 KB of base64 at
 * 250,000 listings less). With the leading cursors of every unfiltered order (leadingPages.ts).
 */
export const SUMMARY_QUERY = `query GatewayCatalogSummary($heldTokens: String) { catalogSummary { ${SUMMARY_PARTS} tokensVersion tokens(unlessVersion: $heldTokens) { bits hashes base64 } ${LEADING_SELECTION} } }`;

/** The summary as exchanges of the contract before firstCursors serve it (no unfiltered page is skipped by it). */
export const SUMMARY_QUERY_BEFORE_CURSORS = `query GatewayCatalogSummary($heldTokens: String) { catalogSummary { ${SUMMARY_PARTS} tokensVersion tokens(unlessVersion: $heldTokens) { bits hashes base64 } } }`;

/** The summary as exchanges of the contract before tokensVersion serve it: the token filter every time. */
export const OLDER_SUMMARY_QUERY = `query GatewayCatalogSummary { catalogSummary { ${SUMMARY_PARTS} tokens { bits hashes base64 } } }`;

/**
 * The summary queries from the newest contract to the oldest. An exchange that answers one with errors
 * and no summary (an older contract refuses the unknown field) is asked the next at once.
 */
const SUMMARY_QUERIES = [
  { query: SUMMARY_QUERY, heldTokens: true, newFields: ['firstCursors'] },
  { query: SUMMARY_QUERY_BEFORE_CURSORS, heldTokens: true, newFields: ['tokensVersion', 'unlessVersion'] },
  { query: OLDER_SUMMARY_QUERY, heldTokens: false, newFields: [] },
] as const;

/**
 * Whether an answer without a summary is an older contract's refusal of a query: a validation error, or
 * errors that name a field (or argument) the next older query leaves out. Any other error (a database that
 * is locked, say) is the exchange failing, not its contract: the exchange is not moved to an older query.
 */
function refusedAsUnknown(errors: ReadonlyArray<{ message?: unknown; extensions?: { code?: unknown } }>, newFields: readonly string[]): boolean {
  return errors.some(
    (error) =>
      error.extensions?.code === 'GRAPHQL_VALIDATION_FAILED' || newFields.some((field) => typeof error.message === 'string' && error.message.includes(field)),
  );
}

export class CatalogSummaries {
  private readonly entries = new Map<string, Entry>();
  private readonly inFlight = new Map<string, Promise<CatalogSummary | null>>();
  private readonly retries = new Map<string, NodeJS.Timeout>();
  /**
   * The last token filter received from each exchange, by its tokensVersion: used again only for a summary
   * that names the same tokensVersion and came without tokens (the exchange found it held).
   */
  private readonly tokens = new Map<string, HeldTokens>();
  /** Exchanges that answered an older query of SUMMARY_QUERIES but not the newest: which one (its index), and since when. */
  private readonly olderContract = new Map<string, { level: number; since: number }>();
  /** Summaries fetched from exchanges (the tests and the benchmark read it: a refetch is a mechanism to prove). */
  fetches = 0;
  /** Of those, how many carried the token filter. */
  tokenFetches = 0;

  constructor(private readonly options: CatalogSummariesOptions) {}

  /** Every answer of an exchange reports its version: a summary of another version is no longer trusted. */
  observe(exchange: string, catalogVersion: string | null): void {
    const entry = this.entries.get(exchange);
    if (catalogVersion && entry?.phase === 'known' && entry.summary.catalogVersion !== catalogVersion) this.entries.set(exchange, { phase: 'stale' });
  }

  forget(exchange: string): void {
    this.entries.delete(exchange);
    this.tokens.delete(exchange);
    this.olderContract.delete(exchange);
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
    const stored = await this.options.store.get(exchange, version).catch(() => null);
    const summary = parseSummary(stored);
    if (summary?.catalogVersion !== version) return null;
    this.keepTokens(exchange, summary, stored);
    this.entries.set(exchange, { phase: 'known', summary });
    return summary;
  }

  private async fetch(exchange: string): Promise<CatalogSummary | null> {
    const { result, held } = await this.ask(exchange);
    const value: unknown = result.ok && !result.errors?.length ? result.data?.catalogSummary : null;
    const summary = parseSummary(value, held);
    if (!summary) {
      if (result.ok) this.entries.set(exchange, { phase: 'unserved', since: Date.now() });
      else this.failed(exchange);
      return null;
    }
    if ((value as { tokens?: unknown }).tokens) this.tokenFetches++;
    this.keepTokens(exchange, summary, value);
    // An answer whose header names another version than its summary raced a change: asked again next time.
    if (result.ok && result.catalogVersion && result.catalogVersion !== summary.catalogVersion) {
      this.entries.set(exchange, { phase: 'stale' });
      return null;
    }
    this.entries.set(exchange, { phase: 'known', summary });
    // The store keeps whole summaries (any replica may read one, holding no tokens): the held filter is put back.
    const whole = summary.tokens && (value as { tokens?: unknown }).tokens === null ? { ...(value as object), tokens: this.tokens.get(exchange)?.json } : value;
    void this.options.store?.set(exchange, summary.catalogVersion, whole);
    return summary;
  }

  /**
   * One fetch of the summary: SUMMARY_QUERY naming the token filter held, or, for an exchange of an older
   * contract, the query of its contract (SUMMARY_QUERIES). An exchange that refuses a query as unknown (no
   * summary, a validation error or an error naming a field the older query leaves out) is asked the next
   * older one at once; when that one serves, the exchange is asked it alone for the next `olderContractMs`.
   */
  private async ask(exchange: string): Promise<{ result: ExchangeResult; held: HeldTokens | undefined }> {
    const pinned = this.olderContract.get(exchange);
    const start = pinned && Date.now() - pinned.since < (this.options.olderContractMs ?? 600_000) ? pinned.level : 0;
    if (start === 0) this.olderContract.delete(exchange);
    for (let level = start; ; level++) {
      const { query, heldTokens } = SUMMARY_QUERIES[level];
      const held = heldTokens ? this.tokens.get(exchange) : undefined;
      this.fetches++;
      const result = await this.options.fetchSummary(
        exchange,
        heldTokens
          ? { query, operationName: 'GatewayCatalogSummary', variables: { heldTokens: held?.version ?? null } }
          : { query, operationName: 'GatewayCatalogSummary' },
      );
      const served = result.ok && Boolean(result.data?.catalogSummary) && !result.errors?.length;
      if (served && level > start) this.olderContract.set(exchange, { level, since: Date.now() });
      const refused = result.ok && !result.data?.catalogSummary && refusedAsUnknown(result.errors ?? [], SUMMARY_QUERIES[level].newFields);
      if (!refused || level === SUMMARY_QUERIES.length - 1) return { result, held };
    }
  }

  /** Keeps the token filter a summary brought (with its version), or forgets the held one when it cannot be used again. */
  private keepTokens(exchange: string, summary: CatalogSummary, value: unknown): void {
    const sent = (value as { tokens?: unknown }).tokens;
    if (summary.tokensVersion === null || !summary.tokens) this.tokens.delete(exchange);
    else if (sent) this.tokens.set(exchange, { version: summary.tokensVersion, bloom: summary.tokens, json: sent });
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
