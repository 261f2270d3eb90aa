import type { IncomingMessage, ServerResponse } from 'node:http';
import { ApolloServer, type ApolloServerPlugin, type GraphQLRequestContextWillSendResponse } from '@apollo/server';
import {
  ApolloServerPluginLandingPageDisabled,
  ApolloServerPluginInlineTraceDisabled,
  ApolloServerPluginCacheControlDisabled,
} from '@apollo/server/plugin/disabled';
import { apolloHandler, sendJson } from '../../shared/http/apolloHandler.ts';
import { tracedHandler } from '../../shared/tracing/tracing.ts';
import { listen, type RunningServer } from '../../shared/http/listen.ts';
import type { DatasetStore } from './store/DatasetStore.ts';
import type { ExchangeInfo } from '../../shared/domain.ts';
import { createExchangeSchema, createContext, literalRule, type ExchangeContext } from './schema.ts';
import { handleAdminPrices } from './adminPrices.ts';
import { createLogger, type Logger } from '../../shared/logger.ts';
import { CATALOG_VERSION_HEADER, SQL_STATEMENTS_HEADER } from '../../shared/headers.ts';

/**
 * How long a gateway may keep an answer (Cache-Control max-age). Safe to be generous: gateways key every
 * cached answer by the catalog version, which moves with every data change.
 */
export const ANSWER_MAX_AGE_SECONDS = 60;

export interface ExchangeServerOptions {
  store: DatasetStore;
  port: number;
  host?: string;
  /** Bearer token for POST /admin/prices; when unset, /admin answers 404. */
  adminToken?: string;
  /** Who this exchange is (--name, --name-zh, --city, --province, --division-code), shown by GET /health. */
  info?: ExchangeInfo;
  /** NODE_ENV=development: stack traces (absolute paths of this machine) in error responses. Default false. */
  development?: boolean;
  /** Where an unexpected request failure is logged. Default: a logger of service "exchange". */
  logger?: Logger;
}

export type { RunningServer };

/**
 * Headers of every GraphQL answer, set in one hook:
 * - Cache-Control, as Apollo's cache-control plugin would set it for this schema (no hints: every field
 *   gets the default), without its work on every field of every answer: `max-age=60, public` for a result
 *   without errors, `no-store` otherwise;
 * - the catalog version and the request's SQL statement count.
 */
function answerHeadersPlugin(store: DatasetStore): ApolloServerPlugin<ExchangeContext> {
  const cacheable = `max-age=${ANSWER_MAX_AGE_SECONDS}, public`;
  // One listener object for every request (nothing per request is kept in it).
  const listener = {
    async willSendResponse({ response, contextValue }: GraphQLRequestContextWillSendResponse<ExchangeContext>) {
      const ok = response.body.kind === 'single' && !response.body.singleResult.errors;
      response.http.headers.set('cache-control', ok ? cacheable : 'no-store');
      response.http.headers.set(CATALOG_VERSION_HEADER, store.catalogVersion);
      response.http.headers.set(SQL_STATEMENTS_HEADER, String(contextValue.session.statementCount));
    },
  };
  return {
    async requestDidStart() {
      return listener;
    },
  };
}

/** A path the URL parser would give back as it is: slash-separated names of letters, digits, "_" and "-". */
const PLAIN_PATH = /^\/(?:[A-Za-z0-9_-]+\/?)*$/;

/** The path of a request target ("/graphql?x=1" → "/graphql"), as `new URL` reads it, without one per request. */
export function pathOf(target: string | undefined): string {
  const text = target ?? '/';
  const query = text.indexOf('?');
  const path = query === -1 ? text : text.slice(0, query);
  return PLAIN_PATH.test(path) ? path : new URL(text, 'http://localhost').pathname;
}

export async function startExchangeServer(options: ExchangeServerOptions): Promise<RunningServer> {
  const { store } = options;
  const logger = options.logger ?? createLogger({ service: 'exchange', base: { exchange: store.exchangeId } });
  const apollo = new ApolloServer<ExchangeContext>({
    schema: createExchangeSchema(store),
    validationRules: [literalRule],
    plugins: [
      ApolloServerPluginLandingPageDisabled(),
      ApolloServerPluginInlineTraceDisabled(),
      ApolloServerPluginCacheControlDisabled(),
      answerHeadersPlugin(store),
    ],
    // Stack traces (absolute paths of this machine) only where a developer asked for them.
    includeStacktraceInErrorResponses: options.development ?? false,
    // runService owns SIGTERM/SIGINT (see there).
    stopOnTerminationSignals: false,
    // Apollo's own warnings as JSON lines like the rest.
    logger: logger.child({ component: 'apollo-server' }) as never,
  });
  await apollo.start();
  // A server span per request, continuing the gateway's trace (docs/tracing.md).
  const graphql = tracedHandler('exchange.request', apolloHandler(apollo, { context: async () => createContext(store) }));

  const route = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = pathOf(req.url);
    res.setHeader(CATALOG_VERSION_HEADER, store.catalogVersion);
    if (path === '/graphql') return graphql(req, res);
    if (path === '/health' && req.method === 'GET') {
      const { id: _id, ...info } = options.info ?? { id: store.exchangeId };
      return sendJson(res, 200, { status: 'ok', exchange: store.exchangeId, ...info, catalogVersion: store.catalogVersion });
    }
    if (path.startsWith('/admin/')) return handleAdminPrices(req, res, { store, adminToken: options.adminToken, path });
    sendJson(res, 404, { error: `no route for ${req.method} ${path}` });
  };

  return listen(route, { port: options.port, host: options.host, onClose: () => apollo.stop(), logger });
}
