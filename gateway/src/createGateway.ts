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
import { ExchangeDirectory } from './directory/ExchangeDirectory.ts';
import { HealthProbe } from './directory/HealthProbe.ts';
import { createDirectoryDataSource } from './directory/directorySubgraph.ts';
import { ShardRouter } from './shards/ShardRouter.ts';
import { healthReport } from './http/health.ts';
import { isBrowserPageRequest, landingPageHtml, serveAsset } from './http/landingPage.ts';

export interface GatewayContext {
  requestId: string;
  logger: Logger;
}

export interface RunningGateway {
  url: string;
  port: number;
  server: Server;
  directory: ExchangeDirectory;
  router: ShardRouter;
  logger: Logger;
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
export async function startGateway(config: GatewayConfig, options: { logger?: Logger } = {}): Promise<RunningGateway> {
  const logger = options.logger ?? createLogger(config.logLevel);
  const directory = new ExchangeDirectory({ timeoutMs: config.exchangeTimeoutMs });
  for (const { url, ...info } of config.exchanges) directory.upsert(info, url);

  const router = new ShardRouter({
    contractSchema: buildSubgraphSchema([{ typeDefs: exchangeTypeDefs }]),
    targets: directory,
    logger: logger.child({ component: 'shard-router' }),
    didReceiveResult: (result) => directory.observe(result, 'query'),
  });
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
    plugins: [ApolloServerPluginLandingPageDisabled(), errorLogPlugin()],
    includeStacktraceInErrorResponses: !config.production,
    // In production an unexpected error says only that it happened; the log has the details.
    formatError: (formatted) => (config.production && formatted.extensions?.code === 'INTERNAL_SERVER_ERROR'
      ? { message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } }
      : formatted),
    logger: logger.child({ component: 'apollo-server' }) as never,
  });
  await apollo.start();
  const probe = new HealthProbe({ directory, intervalMs: config.healthIntervalMs });
  probe.start();

  const graphql = apolloHandler<GatewayContext>(apollo, {
    context: async (req) => {
      const requestId = String(req.headers['x-request-id'] ?? '');
      return { requestId, logger: logger.child({ requestId }) };
    },
  });

  const server = createServer((req, res) => {
    const started = performance.now();
    const requestId = typeof req.headers['x-request-id'] === 'string' && req.headers['x-request-id'].length <= 100 ? req.headers['x-request-id'] : randomUUID();
    req.headers['x-request-id'] = requestId;
    res.setHeader('x-request-id', requestId);
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    res.on('finish', () => logger.info({ requestId, method: req.method, path, status: res.statusCode, ms: Math.round(performance.now() - started) }, 'request'));
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
        const report = healthReport(directory);
        return sendJson(res, 200, report);
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
    close: async () => {
      probe.stop();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      });
      await apollo.stop();
      await directory.close();
    },
  };
}
