import type { Server } from 'node:http';
import type { GatewayConfig } from './config.ts';
import { createLogger, type Logger } from './logger.ts';
import { GatewayMetrics } from './metrics.ts';
import type { Cache } from './cache/Cache.ts';
import type { CatalogVersions } from './cache/CatalogVersions.ts';
import { startCacheLayer, startVersionWatcher } from './cache/startCacheLayer.ts';
import { catalogToken } from './cache/catalogToken.ts';
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
  const { directory, registry, tokens } = await startRegistry(config, { cacheLayer, logger });
  const watcher = await startVersionWatcher({ directory, versions, intervalMs: config.versionPollMs });
  const router = buildShardRouter(config, { directory, versions, cache, metrics, logger });
  const token = catalogToken(directory, versions);
  const isAnswering = (exchange: string) => directory.get(exchange)?.isAvailable() ?? false;
  const listings = new ProviderListings(router);
  const publicSchema = new PublicSchema();
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
  });
  const probe = startHealthProbe({
    directory,
    intervalMs: config.healthIntervalMs,
    recoveryIntervalMs: config.healthRecoveryIntervalMs,
    logger: logger.child({ component: 'health-probe' }),
  });
  const graphql = graphqlHandler(config, { apollo, cache, metrics, catalogToken: token, isAnswering, logger });
  const routes = gatewayRoutes({
    graphql,
    schemaDocument: () => publicSchema.document(),
    corsOrigins: config.corsOrigins,
    adminToken: config.adminToken,
    directory,
    versions,
    registry,
    tokens,
    cache,
    metrics,
    logger,
  });
  const { server, port, host } = await startHttpServer(config, { handle: routes, metrics, logger });
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
    // The reverse of the start: loops first, then the server (in-flight requests finish), then the stores.
    close: async () => {
      probe.stop();
      watcher.stop();
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
