import { Registry, Counter, Gauge, Histogram, collectDefaultMetrics } from 'prom-client';

export type CacheLayer = 'response' | 'shard' | 'entity' | 'apq';

/**
 * Request durations kept before they are folded into gateway_request_duration_seconds: at a scrape, or
 * when this many are waiting. A histogram observation through prom-client (labels hashed, an object per
 * call) cost about as much as the rest of a response-cache hit's own code (bench `fast`, issue 13).
 */
export const REQUEST_DURATION_BATCH = 512;

/**
 * Prometheus metrics, one registry per gateway (tests run several in one process). The names are a
 * public contract: dashboards and tests read them.
 */
export class GatewayMetrics {
  readonly registry = new Registry();
  /** Query calls actually sent to an exchange (probes are not counted). */
  readonly shardFetches = new Counter({
    name: 'gateway_shard_fetches_total',
    help: 'Query calls sent to an exchange',
    labelNames: ['exchange'] as const,
    registers: [this.registry],
  });
  /** Per fan-out field, each exchange it could go to: called, or pruned by its catalog summary (docs/scale-out.md). */
  readonly fanOutDecisions = new Counter({
    name: 'gateway_fanout_decisions_total',
    help: 'Exchanges a fan-out field went to (called) or skipped by catalog summary (pruned)',
    labelNames: ['exchange', 'decision'] as const,
    registers: [this.registry],
  });
  /** Catalog summaries fetched (not counted in gateway_shard_fetches_total). */
  readonly summaryFetches = new Counter({
    name: 'gateway_summary_fetches_total',
    help: 'Catalog summaries fetched from an exchange',
    labelNames: ['exchange'] as const,
    registers: [this.registry],
  });
  /** Counted when scraped: set by `countSummariesHeld`. */
  private summariesHeldNow: () => number = () => 0;
  readonly summariesHeld: Gauge = new Gauge({
    name: 'gateway_catalog_summaries',
    help: 'Exchanges whose catalog summary for their current catalog version the router holds (pruning decides by them)',
    registers: [this.registry],
    collect: (): void => this.summariesHeld.set(this.summariesHeldNow()),
  });
  /** Hits and misses counted by hit() and miss(), added to the counters when they are read. */
  private readonly pendingHits: Record<CacheLayer, number> = { response: 0, shard: 0, entity: 0, apq: 0 };
  private readonly pendingMisses: Record<CacheLayer, number> = { response: 0, shard: 0, entity: 0, apq: 0 };
  readonly cacheHits: Counter<'layer'> = new Counter({
    name: 'gateway_cache_hits_total',
    help: 'Cache hits by layer',
    labelNames: ['layer'] as const,
    registers: [this.registry],
    collect: () => foldCounts(this.pendingHits, this.cacheHits),
  });
  readonly cacheMisses: Counter<'layer'> = new Counter({
    name: 'gateway_cache_misses_total',
    help: 'Cache misses by layer',
    labelNames: ['layer'] as const,
    registers: [this.registry],
    collect: () => foldCounts(this.pendingMisses, this.cacheMisses),
  });
  private readonly pendingSeconds = new Float64Array(REQUEST_DURATION_BATCH);
  private readonly pendingStatuses = new Uint16Array(REQUEST_DURATION_BATCH);
  private pendingRequests = 0;
  /** Folded so far by foldRequestDurations (tests read it to see a batch folded before any scrape). */
  requestDurationsFolded = 0;
  /** GraphQL requests by status; fed through observeRequest, which batches. */
  readonly requestDuration: Histogram<'status'> = new Histogram({
    name: 'gateway_request_duration_seconds',
    help: 'GraphQL request latency',
    labelNames: ['status'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
    collect: () => this.foldRequestDurations(),
  });
  readonly exchangeDuration = new Histogram({
    name: 'gateway_exchange_duration_seconds',
    help: 'Latency of calls to exchanges',
    labelNames: ['exchange', 'outcome'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });

  constructor(options: { defaultMetrics?: boolean } = {}) {
    for (const layer of ['response', 'shard', 'entity', 'apq'] as const) {
      this.cacheHits.inc({ layer }, 0);
      this.cacheMisses.inc({ layer }, 0);
    }
    if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: this.registry });
  }

  /** Where gateway_catalog_summaries reads its value at each scrape. */
  countSummariesHeld(count: () => number): void {
    this.summariesHeldNow = count;
  }

  hit(layer: CacheLayer, count = 1): void {
    if (count > 0) this.pendingHits[layer] += count;
  }

  miss(layer: CacheLayer, count = 1): void {
    if (count > 0) this.pendingMisses[layer] += count;
  }

  /**
   * One GraphQL request's duration, kept in two typed arrays (no object, no label hashing) and folded into
   * gateway_request_duration_seconds when read or when REQUEST_DURATION_BATCH are waiting.
   */
  observeRequest(status: number, seconds: number): void {
    const at = this.pendingRequests;
    this.pendingStatuses[at] = status;
    this.pendingSeconds[at] = seconds;
    this.pendingRequests = at + 1;
    if (this.pendingRequests === REQUEST_DURATION_BATCH) this.foldRequestDurations();
  }

  private foldRequestDurations(): void {
    const labels = new Map<number, { status: string }>();
    for (let i = 0; i < this.pendingRequests; i++) {
      const status = this.pendingStatuses[i];
      let label = labels.get(status);
      if (!label) labels.set(status, (label = { status: String(status) }));
      this.requestDuration.observe(label, this.pendingSeconds[i]);
    }
    this.requestDurationsFolded += this.pendingRequests;
    this.pendingRequests = 0;
  }
}

function foldCounts(pending: Record<CacheLayer, number>, counter: Counter<'layer'>): void {
  for (const layer of Object.keys(pending) as CacheLayer[]) {
    if (pending[layer] > 0) counter.inc({ layer }, pending[layer]);
    pending[layer] = 0;
  }
}
