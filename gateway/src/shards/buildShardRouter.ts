import { buildSubgraphSchema } from '@apollo/subgraph';
import { exchangeTypeDefs } from '../../../schema/typeDefs.ts';
import type { Logger } from '../logger.ts';
import type { GatewayMetrics } from '../metrics.ts';
import type { Cache } from '../cache/Cache.ts';
import type { CatalogVersions } from '../cache/CatalogVersions.ts';
import { CachingFetcher } from '../cache/CachingFetcher.ts';
import type { ExchangeDirectory } from '../directory/ExchangeDirectory.ts';
import type { ExchangeResult } from '../exchangeClient/ExchangeClient.ts';
import { DirectFetcher } from '../exchangeClient/ShardFetcher.ts';
import { SingleFlightFetcher } from '../exchangeClient/SingleFlightFetcher.ts';
import { ShardRouter } from './ShardRouter.ts';
import { summaryCache } from './summaryCache.ts';

/** What the shard router reads of the gateway's configuration. */
export interface ShardRouterSettings {
  /** CACHE_DISABLED=1: every shard fetch goes to its exchange (identical ones in flight at once, once). */
  cacheDisabled: boolean;
  cacheTtlSeconds: number;
  /** EXCHANGE_PRUNING: prune fan-out calls by catalog summaries. */
  exchangePruning: boolean;
  /** EXCHANGE_CALLS_PER_REQUEST: exchange calls one request has in flight, at most. */
  exchangeCallsPerRequest: number;
}

/**
 * Why 64: a request's fan-out (every registered exchange, up to 48 in the benchmark) goes out in one
 * wave, and its nested fetches (lifts, cross-listings) still cannot open sockets without bound.
 */
export const DEFAULT_CALLS_PER_REQUEST = 64;

export interface ShardRouterParts {
  directory: ExchangeDirectory;
  versions: CatalogVersions;
  cache: Cache;
  metrics: GatewayMetrics;
  logger: Logger;
}

/** The data source behind the `exchanges` subgraph, over the directory's exchanges, through the caches. */
export function buildShardRouter(settings: ShardRouterSettings, parts: ShardRouterParts): ShardRouter {
  const { directory, versions, cache, metrics } = parts;
  const router = new ShardRouter({
    contractSchema: buildSubgraphSchema([{ typeDefs: exchangeTypeDefs }]),
    targets: directory,
    fetcher: settings.cacheDisabled
      ? new SingleFlightFetcher(
          new DirectFetcher((exchange) => metrics.shardFetches.inc({ exchange })),
          (exchange) => versions.scope(exchange)?.catalogVersion ?? null,
        )
      : new CachingFetcher({ cache, versions, metrics, ttlSeconds: settings.cacheTtlSeconds }),
    logger: parts.logger.child({ component: 'shard-router' }),
    // The cross-listed codes are kept by the versions the cache keys use (docs/products.md).
    // A summary is trusted for the version the gateway knows: from answers, the version watcher and other
    // replicas (CatalogVersions), else from the directory's probes; it is shared through the cache like other
    // answers (unless the caches are off).
    pruning: settings.exchangePruning
      ? {
          versionOf: (exchange) => versions.versionOf(exchange) ?? directory.get(exchange)?.catalogVersion ?? null,
          store: settings.cacheDisabled ? undefined : summaryCache(cache, versions),
        }
      : undefined,
    summaryFetcher: new DirectFetcher((exchange) => metrics.summaryFetches.inc({ exchange })),
    didDecide: (exchange, decision) => metrics.fanOutDecisions.inc({ exchange, decision }),
    maxCallsPerRequest: settings.exchangeCallsPerRequest,
    catalogScopeOf: (exchange) => {
      const scope = versions.scope(exchange);
      return scope ? `${scope.catalogVersion}.${scope.epoch}` : null;
    },
    didReceiveResult: (result) => recordResult(result, parts),
  });
  metrics.countSummariesHeld(() => router.summaries?.held() ?? 0);
  return router;
}

/** What an exchange's answer teaches: its status and catalog version, and its latency for the histogram. */
function recordResult(result: ExchangeResult, { directory, versions, metrics }: ShardRouterParts): void {
  // A cache hit, or a copy of another request's call, says nothing new about the exchange.
  if ((result.ok && result.fromCache) || result.shared) return;
  directory.observe(result, 'query');
  if (result.ok) versions.observe(result.exchange, result.catalogVersion, result.sentAt);
  if (result.latencyMs !== undefined) {
    metrics.exchangeDuration.observe({ exchange: result.exchange, outcome: result.ok ? 'ok' : result.code }, result.latencyMs / 1000);
  }
}
