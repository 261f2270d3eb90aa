import { Registry, Counter, Gauge, Histogram, collectDefaultMetrics } from 'prom-client';

export type CacheLayer = 'response' | 'shard' | 'entity' | 'apq';

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
  readonly cacheHits = new Counter({
    name: 'gateway_cache_hits_total',
    help: 'Cache hits by layer',
    labelNames: ['layer'] as const,
    registers: [this.registry],
  });
  readonly cacheMisses = new Counter({
    name: 'gateway_cache_misses_total',
    help: 'Cache misses by layer',
    labelNames: ['layer'] as const,
    registers: [this.registry],
  });
  readonly requestDuration = new Histogram({
    name: 'gateway_request_duration_seconds',
    help: 'GraphQL request latency',
    labelNames: ['status'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
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
    if (count > 0) this.cacheHits.inc({ layer }, count);
  }

  miss(layer: CacheLayer, count = 1): void {
    if (count > 0) this.cacheMisses.inc({ layer }, count);
  }
}
