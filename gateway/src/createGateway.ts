import type { Server } from 'node:http';
import type { GatewayConfig } from './config.ts';
import { createLogger, type Logger } from './logger.ts';
import { GatewayMetrics } from './metrics.ts';
import type { Cache } from './cache/Cache.ts';
import type { CatalogVersions } from './cache/CatalogVersions.ts';
import { startCacheLayer, startVersionWatcher } from './cache/startCacheLayer.ts';
import { catalogToken } from './cache/catalogToken.ts';
import { DurabilityCheck } from './cache/redisDurability.ts';
import { ConfigError } from '../../shared/config/configReader.ts';
import { PublicRateLimits } from './http/rateLimits.ts';
import { QueryCostMemo } from './server/rateLimitPlugin.ts';
import type { ExchangeDirectory } from './directory/ExchangeDirectory.ts';
import { startHealthProbe } from './directory/HealthProbe.ts';
import { startRegistry } from './registry/startRegistry.ts';
import type { ShardRouter } from './shards/ShardRouter.ts';
import { buildShardRouter } from './shards/buildShardRouter.ts';
import { ProviderListings } from './providers/ProviderListings.ts';
import { startApolloServer } from './server/startApolloServer.ts';
import { graphqlHandler } from './server/graphqlHandler.ts';
import { PublicSchema } from './server/PublicSchema.ts';
import { gatewayRoutes } from './http/gatewayRoutes.ts';
import { startHttpServer } from './http/startHttpServer.ts';
import { startLive, runQueryWith, withSubscriptions, type RunningLive } from './live/startLive.ts';
import { ResponsePolicy } from './cache/ResponsePolicy.ts';
import { CatalogReport } from './shards/CatalogReport.ts';
import { exportRoutes } from './exports/exportRoutes.ts';

export type { GatewayContext } from './server/GatewayContext.ts';

export interface RunningGateway {
  url: string;
  port: number;
  server: Server;
  directory: ExchangeDirectory;
  router: ShardRouter;
  logger: Logger;
  cache: Cache;
  metrics: GatewayMetrics;
  versions: CatalogVersions;
  live: RunningLive;
  close(): Promise<void>;
}

/**
 * Builds and starts the gateway, one concern at a time, each from the parts built before it: the cache
 * layer, the registry (and the directory it fills), the shard router, the Apollo server, the HTTP routes.
 */
export async function startGateway(config: GatewayConfig, options: { logger?: Logger; cache?: Cache } = {}): Promise<RunningGateway> {
  const logger = options.logger ?? createLogger(config.logLevel);
  const metrics = new GatewayMetrics();
  const cacheLayer = await startCacheLayer({ logger, cache: options.cache, settings: config.cache });
  const { cache, versions } = cacheLayer;
  const durability = await checkDurability(config, { cache, logger });
  cacheLayer.onStatusChange((status) => {
    // A reconnect may reach another Redis (a failover, a restarted container): check it again.
    if (status === 'redis') void durability.check();
  });
  const { directory, registry, tokens, apiKeys } = await startRegistry(config, { cacheLayer, logger });
  const rateLimits = config.rateLimits.disabled
    ? undefined
    : {
        limits: new PublicRateLimits(config.rateLimits, { cache, apiKeys, logger: logger.child({ component: 'rate-limits' }) }),
        // Only the response cache's hits read remembered costs: with the caches off nothing is remembered.
        memo: config.cacheDisabled ? undefined : new QueryCostMemo(),
      };
  const watcher = await startVersionWatcher({ directory, versions, intervalMs: config.versionPollMs });
  const router = buildShardRouter(config, { directory, versions, cache, metrics, logger });
  const token = catalogToken(directory, versions);
  const isAnswering = (exchange: string) => directory.get(exchange)?.isAvailable() ?? false;
  const listings = new ProviderListings(router);
  const publicSchema = new PublicSchema(withSubscriptions);
  const apollo = await startApolloServer(config, {
    exchanges: router,
    listings,
    directory,
    cache,
    metrics,
    catalogToken: token,
    isAnswering,
    logger,
    publicSchema,
    rateLimits,
  });
  const probe = startHealthProbe({
    directory,
    intervalMs: config.healthIntervalMs,
    recoveryIntervalMs: config.healthRecoveryIntervalMs,
    logger: logger.child({ component: 'health-probe' }),
  });
  const graphql = graphqlHandler(config, { apollo, cache, metrics, catalogToken: token, isAnswering, logger, rateLimits });
  const live = startLive(
    { ...config.live, maxQueryDepth: config.maxQueryDepth, maxQueryCost: config.maxQueryCost, maxQueryAliases: config.maxQueryAliases },
    {
      targets: directory,
      versions,
      schema: () => publicSchema.schema(),
      runQuery: runQueryWith(apollo, () => ({ requestId: 'live', logger, cachePolicy: new ResponsePolicy(), catalog: new CatalogReport() })),
      registry: metrics.registry,
      didReceiveResult: (result) => result.ok && versions.observe(result.exchange, result.catalogVersion, result.sentAt),
      logger: logger.child({ component: 'live' }),
    },
  );
  const routes = gatewayRoutes({
    graphql,
    liveStream: live.sse,
    schemaDocument: () => publicSchema.document(),
    corsOrigins: config.corsOrigins,
    adminToken: config.adminToken,
    directory,
    versions,
    registry,
    tokens,
    apiKeys,
    rateLimits: rateLimits?.limits,
    limits: config.rateLimits,
    durability: () => durability.current(),
    cache,
    metrics,
    logger,
    exportRoutes: exportRoutes(config, { directory, publicSchema, logger }),
  });
  const { server, port, host } = await startHttpServer(config, { handle: routes, metrics, logger });
  // graphql-ws on /graphql; the hook for authentication and rate limits of upgrades is `admit` (see wsServer.ts).
  live.attach(server, { path: '/graphql' });
  return {
    url: `http://${host}:${port}/graphql`,
    port,
    server,
    directory,
    router,
    logger,
    cache,
    metrics,
    versions,
    live,
    // The reverse of the start: loops first, then the server (in-flight requests finish), then the stores.
    close: async () => {
      probe.stop();
      watcher.stop();
      router.summaries?.stop();
      await live.close();
      await registry.stop();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      });
      await apollo.stop();
      await directory.close();
      await versions.stop();
      await cache.close();
    },
  };
}

/**
 * Reads whether the Redis keeps durable state (registrations, tokens, API keys); with REDIS_REQUIRE_DURABLE
 * a Redis that could lose it, or none at all, stops the start with one line.
 */
async function checkDurability(config: GatewayConfig, parts: { cache: Cache; logger: Logger }): Promise<DurabilityCheck> {
  const check = new DurabilityCheck({ cache: parts.cache, logger: parts.logger.child({ component: 'redis-durability' }) });
  const found = await check.check();
  if (config.redisRequireDurable && (found.durability === 'at-risk' || !parts.cache.serverSettings)) {
    await parts.cache.close();
    const reason = found.durability === 'ok' ? 'no Redis configured' : found.reasons.join('; ');
    throw new ConfigError(`REDIS_REQUIRE_DURABLE=true, but durable state could be lost: ${reason}`);
  }
  return check;
}
