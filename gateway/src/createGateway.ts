import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import { ApolloGateway, RemoteGraphQLDataSource } from '@apollo/gateway';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { typeDefs as exchangeTypeDefs } from '../../subgraphs/exchange/schema.ts';
import { apolloHandler, sendJson } from '../../shared/http/apolloHandler.ts';
import type { GatewayConfig } from './config.ts';
import { createLogger, type Logger } from './logger.ts';
import { composeSupergraph, SUBGRAPH } from './supergraph/composeSupergraph.ts';
import { ExchangeDirectory, type RegisteredExchange } from './directory/ExchangeDirectory.ts';
import { HealthProbe } from './directory/HealthProbe.ts';
import { createDirectoryDataSource } from './directory/directorySubgraph.ts';
import { ShardRouter, DirectFetcher } from './shards/ShardRouter.ts';
import type { Cache } from './cache/Cache.ts';
import { createCache } from './cache/createCache.ts';
import { CatalogVersions } from './cache/CatalogVersions.ts';
import { CachingFetcher } from './cache/CachingFetcher.ts';
import { VersionWatcher } from './cache/VersionWatcher.ts';
import { responseCachePlugin, responseCacheShortcut } from './cache/responseCachePlugin.ts';
import { ResponsePolicy } from './cache/ResponsePolicy.ts';
import { queryCostPlugin, queryDepthRule } from './http/queryLimits.ts';
import { scalarLiteralsRule } from '../../shared/graphql/scalarLiteralsRule.ts';
import { DateTimeScalar, DecimalScalar } from '../../shared/graphql/scalars.ts';
import { toKeyValueCache } from './cache/toKeyValueCache.ts';
import { stableHash } from './cache/cacheKeys.ts';
import { GatewayMetrics } from './metrics.ts';
import { handleAdmin } from './http/admin.ts';
import { ExchangeRegistry } from './registry/ExchangeRegistry.ts';
import { ExchangeTokens } from './registry/ExchangeTokens.ts';
import { healthReport } from './http/health.ts';
import { isBrowserPageRequest, landingPageHtml, serveAsset } from './http/landingPage.ts';

export interface GatewayContext {
  requestId: string;
  logger: Logger;
  /** How long the response cache may keep this request's response (restricted by the shard router). */
  cachePolicy: ResponsePolicy;
  /** The response-cache key the shortcut already asked for and missed, if any. */
  responseCacheMissed?: string;
}

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

/** Logs every unexpected error of a request with its request id. */
function errorLogPlugin(): ApolloServerPlugin<GatewayContext> {
  return {
    async requestDidStart() {
      return {
        async didEncounterErrors({ errors, contextValue }) {
          for (const error of errors) {
            const code = error.extensions?.code;
            if (code === 'INTERNAL_SERVER_ERROR' || code === undefined) contextValue.logger.error({ err: error.originalError ?? error }, 'request error');
          }
        },
      };
    },
  };
}

/** Builds and starts the gateway: supergraph, shard router, directory, health loop, HTTP routes. */
export async function startGateway(config: GatewayConfig, options: { logger?: Logger; cache?: Cache } = {}): Promise<RunningGateway> {
  const logger = options.logger ?? createLogger(config.logLevel);
  const cacheLogger = logger.child({ component: 'cache' });
  const cache = options.cache ?? createCache({
    ...config.cache,
    onError: (err, operation) => cacheLogger.debug({ err: err.message, operation }, 'cache operation failed'),
    onStatusChange: (status) => {
      if (status === 'degraded') cacheLogger.warn({ status }, 'cache status changed');
      else cacheLogger.info({ status }, 'cache status changed');
      // Back from an outage: the shared epochs may have moved (or reset) meanwhile, and a Redis that
      // restarted empty needs the registry written back (see ExchangeRegistry) before the next interval.
      if (status === 'redis') {
        void versionsRef?.refresh(directory.all().map((e) => e.id));
        void registryRef?.reload();
      }
    },
  });
  let versionsRef: CatalogVersions | undefined;
  let registryRef: ExchangeRegistry | undefined;
  await cache.whenConnected(2000);
  const metrics = new GatewayMetrics();
  const directory = new ExchangeDirectory({ timeoutMs: config.exchangeTimeoutMs, allowlist: config.allowlist, logger: logger.child({ component: 'exchange-client' }) });
  const versions = new CatalogVersions(cache);
  versionsRef = versions;
  await versions.start([]);
  // The configured exchanges join through the same checks as any other (see ExchangeRegistry).
  const registry = new ExchangeRegistry({ directory, store: cache, versions, allowlist: config.allowlist, logger: logger.child({ component: 'registry' }) });
  registryRef = registry;
  await registry.start(config.exchanges);
  await versions.refresh(directory.all().map((e) => e.id));
  const tokens = new ExchangeTokens(cache);
  const watcher = new VersionWatcher({ directory, versions, intervalMs: config.versionPollMs });
  // Start knowing every exchange's version, so the first requests can use the caches (bounded by the
  // exchange timeout when one is down).
  await watcher.poll();
  watcher.start();

  const router = new ShardRouter({
    contractSchema: buildSubgraphSchema([{ typeDefs: exchangeTypeDefs }]),
    targets: directory,
    fetcher: config.cacheDisabled
      ? new DirectFetcher((exchange) => metrics.shardFetches.inc({ exchange }))
      : new CachingFetcher({ cache, versions, metrics, ttlSeconds: config.cacheTtlSeconds }),
    logger: logger.child({ component: 'shard-router' }),
    didReceiveResult: (result) => {
      // A cache hit, or a copy of another request's call, says nothing new about the exchange.
      if ((result.ok && result.fromCache) || result.shared) return;
      directory.observe(result, 'query');
      if (result.ok) versions.observe(result.exchange, result.catalogVersion, result.sentAt);
      if (result.latencyMs !== undefined) {
        metrics.exchangeDuration.observe({ exchange: result.exchange, outcome: result.ok ? 'ok' : result.code }, result.latencyMs / 1000);
      }
    },
  });
  /**
   * Changes whenever any exchange's catalog version or epoch changes or becomes known, when the set
   * changes, and when a registration is updated (the directory's names and places are in responses too).
   * Built from shared values only, so every replica computes the same token.
   */
  let lastScopes = '';
  let lastToken = '';
  const registrationStamps = new WeakMap<RegisteredExchange, string>();
  const registrationStamp = (exchange: RegisteredExchange): string => {
    let stamp = registrationStamps.get(exchange);
    if (stamp === undefined) registrationStamps.set(exchange, (stamp = stableHash({ info: exchange.info, url: exchange.url }).slice(0, 12)));
    return stamp;
  };
  const catalogToken = (): string => {
    const scopes = directory.all().map((exchange) => {
      const scope = versions.scope(exchange.id);
      return `${exchange.id}=${scope ? `${scope.catalogVersion}.${scope.epoch}` : '?'}.${registrationStamp(exchange)}`;
    }).join(',');
    // Hashed again only when a version, an epoch, a registration or the set of exchanges moved.
    if (scopes !== lastScopes) [lastScopes, lastToken] = [scopes, stableHash(scopes)];
    return lastToken;
  };
  const apqStore = toKeyValueCache(cache, { prefix: 'apq:' });
  const directorySource = createDirectoryDataSource(directory);
  const gateway = new ApolloGateway({
    supergraphSdl: composeSupergraph(),
    buildService: ({ name }) => {
      if (name === SUBGRAPH.exchanges) return router;
      if (name === SUBGRAPH.directory) return directorySource;
      return new RemoteGraphQLDataSource({ url: config.providersUrl });
    },
    logger: logger.child({ component: 'apollo-gateway' }) as never,
  });
  const apollo = new ApolloServer<GatewayContext>({
    gateway,
    plugins: [
      ApolloServerPluginLandingPageDisabled(),
      errorLogPlugin(),
      queryCostPlugin(config.maxQueryCost),
      ...(config.cacheDisabled ? [] : [responseCachePlugin({ cache, metrics, catalogToken, ttlSeconds: config.cacheTtlSeconds })]),
    ],
    validationRules: [queryDepthRule(config.maxQueryDepth), scalarLiteralsRule([DecimalScalar, DateTimeScalar])],
    persistedQueries: {
      cache: {
        get: async (key: string) => {
          const value = await apqStore.get(key);
          if (value === undefined) metrics.miss('apq');
          else metrics.hit('apq');
          return value;
        },
        set: (key: string, value: string, setOptions?: { ttl?: number | null }) => apqStore.set(key, value, setOptions),
        delete: (key: string) => apqStore.delete(key),
      } as never,
    },
    // Stack traces (absolute paths of this machine) only where a developer asked for them.
    includeStacktraceInErrorResponses: config.development,
    // In production an unexpected error says only that it happened; the log has the details.
    formatError: (formatted) => (config.production && formatted.extensions?.code === 'INTERNAL_SERVER_ERROR'
      ? { message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } }
      : formatted),
    logger: logger.child({ component: 'apollo-server' }) as never,
    // runService owns SIGTERM/SIGINT and calls close(), which stops Apollo. Apollo's own handler would call
    // stop() as well, and a second concurrent ApolloServer.stop() never resolves (@apollo/server 5.5: its
    // barrier is resolved only when stopping fails), so close() hung and the process stayed alive.
    stopOnTerminationSignals: false,
  });
  await apollo.start();
  const probe = new HealthProbe({ directory, intervalMs: config.healthIntervalMs, logger: logger.child({ component: 'health-probe' }) });
  probe.start();
  // A configured exchange that could not be reached at start is OFFLINE: probe at once, not an interval later.
  void probe.probeAll();

  const missedResponseKeys = new WeakMap<object, string>();
  const graphql = apolloHandler<GatewayContext>(apollo, {
    ...(config.cacheDisabled ? {} : { answerBefore: responseCacheShortcut({ cache, metrics, catalogToken, missed: missedResponseKeys }) }),
    context: async (req) => {
      const requestId = String(req.headers['x-request-id'] ?? '');
      return { requestId, logger: logger.child({ requestId }), cachePolicy: new ResponsePolicy(), responseCacheMissed: missedResponseKeys.get(req) };
    },
  });

  const server = createServer((req, res) => {
    const started = performance.now();
    const requestId = typeof req.headers['x-request-id'] === 'string' && req.headers['x-request-id'].length <= 100 ? req.headers['x-request-id'] : randomUUID();
    req.headers['x-request-id'] = requestId;
    res.setHeader('x-request-id', requestId);
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    res.on('finish', () => {
      const seconds = (performance.now() - started) / 1000;
      if (path === '/graphql') metrics.requestDuration.observe({ status: String(res.statusCode) }, seconds);
      logger.info({ requestId, method: req.method, path, status: res.statusCode, ms: Math.round(seconds * 1000) }, 'request');
    });
    const handle = async () => {
      if (path === '/graphql' || path === '/') {
        if (isBrowserPageRequest(req)) {
          res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
          res.end(landingPageHtml());
          return;
        }
        if (path === '/graphql') return graphql(req, res);
      }
      if (req.method === 'GET' && serveAsset(path, res)) return;
      if (path === '/health' && req.method === 'GET') {
        return sendJson(res, 200, healthReport(directory, cache));
      }
      if (path === '/metrics' && req.method === 'GET') {
        const text = await metrics.registry.metrics();
        res.writeHead(200, { 'content-type': metrics.registry.contentType });
        res.end(text);
        return;
      }
      if (path === '/admin' || path.startsWith('/admin/')) {
        return handleAdmin(req, res, path, { adminToken: config.adminToken, directory, versions, registry, tokens, logger });
      }
      sendJson(res, 404, { error: `no route for ${req.method} ${path}` });
    };
    handle().catch((err: unknown) => {
      logger.error({ requestId, err }, 'request failed');
      if (!res.headersSent) sendJson(res, 500, { errors: [{ message: 'internal error', extensions: { code: 'INTERNAL_SERVER_ERROR', requestId } }] });
      else res.end();
    });
  });
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve) => server.listen(config.port, config.host, resolve));
  const port = (server.address() as AddressInfo).port;
  const host = config.host === '0.0.0.0' ? 'localhost' : config.host;
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
