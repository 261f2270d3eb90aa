import type { IncomingMessage, ServerResponse } from 'node:http';
import { ApolloServer, type ApolloServerPlugin, type GraphQLRequestContextExecutionDidStart, type GraphQLRequestContextWillSendResponse } from '@apollo/server';
import { execute, getOperationAST, type DocumentNode, type GraphQLSchema } from 'graphql';
import {
  ApolloServerPluginLandingPageDisabled,
  ApolloServerPluginInlineTraceDisabled,
  ApolloServerPluginCacheControlDisabled,
} from '@apollo/server/plugin/disabled';
import { apolloHandler, sendJson, type EarlyAnswer } from '../../shared/http/apolloHandler.ts';
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
  /** Repeated queries run without Apollo's request pipeline (DirectQueries). Default true. */
  directQueries?: boolean;
}

export interface ExchangeServer extends RunningServer {
  /** Answers the direct path has sent (DirectQueries): tests read it. */
  directAnswers(): number;
}

export type { RunningServer };

/**
 * Headers of every GraphQL answer, set in one hook:
 * - Cache-Control, as Apollo's cache-control plugin would set it for this schema (no hints: every field
 *   gets the default), without its work on every field of every answer: `max-age=60, public` for a result
 *   without errors, `no-store` otherwise;
 * - the catalog version and the request's SQL statement count.
 */
const CACHEABLE = `max-age=${ANSWER_MAX_AGE_SECONDS}, public`;

function answerHeadersPlugin(store: DatasetStore): ApolloServerPlugin<ExchangeContext> {
  const cacheable = CACHEABLE;
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

/** At most this many validated documents are kept for the direct path (the gateway's shard queries are few). */
export const VALIDATED_DOCUMENTS_MAX = 500;
/** Longer query texts are not kept (a shard query is under 2 KB): at most 500 × 8 Ki characters in all. */
export const VALIDATED_DOCUMENT_MAX_CHARS = 8_192;

/**
 * The direct path for repeated queries (the gateway's shard queries, docs/scale-out.md "Exchange calls on
 * two cores"): a query text Apollo Server has parsed and validated once is run again by graphql-js
 * `execute` on the same schema, without Apollo's request pipeline, and answered with the bytes and headers
 * Apollo gives an answer without errors. Anything else goes to Apollo: a text it has not validated, GET, an
 * `accept` other than JSON, APQ extensions, a mutation, and any answer with errors (run again by Apollo,
 * which formats errors; the queries read, so running twice changes nothing).
 */
class DirectQueries {
  private readonly documents = new Map<string, DocumentNode>();
  /** Answers sent by the direct path (tests read it). */
  answered = 0;

  constructor(
    private readonly schema: GraphQLSchema,
    private readonly store: DatasetStore,
  ) {}

  /** Keeps the documents Apollo validated, by their text (oldest out first). */
  plugin(): ApolloServerPlugin<ExchangeContext> {
    const listener = {
      executionDidStart: async ({ source, document }: GraphQLRequestContextExecutionDidStart<ExchangeContext>) => {
        if (source.length > VALIDATED_DOCUMENT_MAX_CHARS || this.documents.has(source)) return;
        this.documents.set(source, document);
        if (this.documents.size > VALIDATED_DOCUMENTS_MAX) this.documents.delete(this.documents.keys().next().value!);
      },
    };
    return { requestDidStart: async () => listener };
  }

  async answer(req: IncomingMessage, body: object): Promise<EarlyAnswer | null> {
    const { query, variables, operationName, extensions } = body as Record<string, unknown>;
    if (req.method !== 'POST' || typeof query !== 'string' || extensions !== undefined) return null;
    const accept = req.headers.accept;
    if (accept !== undefined && accept !== 'application/json') return null;
    if (variables !== undefined && variables !== null && (typeof variables !== 'object' || Array.isArray(variables))) return null;
    if (operationName !== undefined && operationName !== null && typeof operationName !== 'string') return null;
    const document = this.documents.get(query);
    if (!document || getOperationAST(document, operationName ?? undefined)?.operation !== 'query') return null;
    const contextValue = createContext(this.store);
    const result = await execute({
      schema: this.schema,
      document,
      contextValue,
      variableValues: (variables ?? undefined) as Record<string, unknown> | undefined,
      operationName: operationName ?? undefined,
    });
    if (result.errors || !result.data || result.extensions) return null;
    this.answered++;
    const bytes = Buffer.from(`${JSON.stringify({ data: result.data })}\n`);
    return {
      status: 200,
      body: bytes,
      headers: [
        'cache-control',
        CACHEABLE,
        CATALOG_VERSION_HEADER,
        this.store.catalogVersion,
        SQL_STATEMENTS_HEADER,
        String(contextValue.session.statementCount),
        'content-type',
        'application/json; charset=utf-8',
        'content-length',
        String(bytes.length),
      ],
    };
  }
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

export async function startExchangeServer(options: ExchangeServerOptions): Promise<ExchangeServer> {
  const { store } = options;
  const logger = options.logger ?? createLogger({ service: 'exchange', base: { exchange: store.exchangeId } });
  const schema = createExchangeSchema(store);
  const direct = new DirectQueries(schema, store);
  const apollo = new ApolloServer<ExchangeContext>({
    schema,
    validationRules: [literalRule],
    plugins: [
      ApolloServerPluginLandingPageDisabled(),
      ApolloServerPluginInlineTraceDisabled(),
      ApolloServerPluginCacheControlDisabled(),
      answerHeadersPlugin(store),
      direct.plugin(),
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
  const graphql = tracedHandler(
    'exchange.request',
    apolloHandler(apollo, {
      context: async () => createContext(store),
      answerBefore: options.directQueries === false ? undefined : (req, body) => direct.answer(req, body),
    }),
  );

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

  const running = await listen(route, { port: options.port, host: options.host, onClose: () => apollo.stop(), logger });
  return Object.assign(running, { directAnswers: () => direct.answered });
}
