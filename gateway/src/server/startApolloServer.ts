import { ApolloServer } from '@apollo/server';
import { ApolloGateway, type GraphQLDataSource } from '@apollo/gateway';
import { ApolloServerPluginCacheControl } from '@apollo/server/plugin/cacheControl';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { scalarLiteralsRule } from '../../../shared/graphql/scalarLiteralsRule.ts';
import { DateTimeScalar, DecimalScalar } from '../../../shared/graphql/scalars.ts';
import type { Logger } from '../logger.ts';
import type { GatewayMetrics } from '../metrics.ts';
import type { Cache } from '../cache/Cache.ts';
import { apqCache } from '../cache/apqCache.ts';
import { responseCachePlugin } from '../cache/responseCachePlugin.ts';
import type { ExchangeDirectory } from '../directory/ExchangeDirectory.ts';
import { createDirectoryDataSource } from '../directory/directorySubgraph.ts';
import { composeSupergraph, SUBGRAPH } from '../supergraph/composeSupergraph.ts';
import type { ProviderListings } from '../providers/ProviderListings.ts';
import { ListingsDataSource } from '../providers/listingsSubgraph.ts';
import { ProvidersDataSource } from '../providers/ProvidersDataSource.ts';
import { queryCostPlugin, queryDepthRule } from '../http/queryLimits.ts';
import { armorRules, tokensRefusalMessage } from '../http/armorLimits.ts';
import { MAX_NAMED_EXCHANGES } from '../shards/ShardRouter.ts';
import { inputGuardPlugin } from './inputGuardPlugin.ts';
import { operationTypesRule } from './operationTypesRule.ts';
import { errorLogPlugin } from './errorLogPlugin.ts';
import { catalogExtensionPlugin } from './catalogExtensionPlugin.ts';
import { rateLimitPlugin, type QueryCostMemo } from './rateLimitPlugin.ts';
import type { PublicRateLimits } from '../http/rateLimits.ts';
import { introspectionPlugin } from './introspectionPlugin.ts';
import type { GatewayContext } from './GatewayContext.ts';
import type { PublicSchema } from './PublicSchema.ts';

/** What the Apollo server reads of the gateway's configuration. */
export interface ApolloServerSettings {
  providersUrl: string;
  maxQueryDepth: number;
  maxQueryCost: number;
  maxQueryAliases: number;
  maxQueryDirectives: number;
  maxQueryTokens: number;
  /** Introspection queries answered (INTROSPECTION, default true: a public catalog, for clients and codegen). */
  introspection: boolean;
  cacheDisabled: boolean;
  cacheTtlSeconds: number;
  /** Stack traces in error responses. */
  development: boolean;
  /** Unexpected errors masked in responses. */
  production: boolean;
}

export interface ApolloServerParts {
  /** The data source of the `exchanges` subgraph (the shard router). */
  exchanges: GraphQLDataSource;
  /** Providers' listings per exchange, for the providers and listings subgraphs (docs/providers.md). */
  listings: ProviderListings;
  directory: ExchangeDirectory;
  cache: Cache;
  metrics: GatewayMetrics;
  catalogToken: () => string;
  /** Whether an exchange answers now (registered, not OFFLINE): see ResponseCacheOptions.isAnswering. */
  isAnswering: (exchange: string) => boolean;
  logger: Logger;
  /** Follows the gateway's API schema, for GET /schema.graphql. */
  publicSchema?: PublicSchema;
  /** Public rate limits (absent: RATE_LIMIT_DISABLED): each query spends its cost before it is executed. */
  rateLimits?: { limits: PublicRateLimits; memo?: QueryCostMemo };
}

/** Apollo Gateway over the three logical subgraphs, served by Apollo Server with our limits and caches. */
export async function startApolloServer(settings: ApolloServerSettings, parts: ApolloServerParts): Promise<ApolloServer<GatewayContext>> {
  const { cache, metrics, logger } = parts;
  const apollo = new ApolloServer<GatewayContext>({
    gateway: buildApolloGateway(settings, parts),
    plugins: [
      ApolloServerPluginLandingPageDisabled(),
      errorLogPlugin(),
      // Before the response cache: introspection is answered from the public schema, Subscription included.
      ...(parts.publicSchema ? [introspectionPlugin(() => parts.publicSchema!.schema())] : []),
      queryCostPlugin(settings.maxQueryCost),
      inputGuardPlugin({
        isRegistered: (exchange) => parts.directory.get(exchange) !== undefined,
        registered: () => parts.directory.all().map((e) => e.id),
        maxNamedExchanges: MAX_NAMED_EXCHANGES,
      }),
      // After the cost plugin: it leaves the cost this one spends.
      ...(parts.rateLimits ? [rateLimitPlugin(parts.rateLimits.limits, parts.rateLimits.memo)] : []),
      // Before the response cache: its willSendResponse stores the response with extensions.catalog.
      catalogExtensionPlugin(),
      // Apollo's own (it would add it last), listed here so that it sets the response's Cache-Control before
      // the response cache stores the response with it: a hit is sent with the header its miss was sent with.
      ApolloServerPluginCacheControl(),
      ...(settings.cacheDisabled
        ? []
        : [responseCachePlugin({ cache, metrics, catalogToken: parts.catalogToken, isAnswering: parts.isAnswering, ttlSeconds: settings.cacheTtlSeconds })]),
    ],
    validationRules: [
      operationTypesRule,
      queryDepthRule(settings.maxQueryDepth),
      ...armorRules({ maxAliases: settings.maxQueryAliases, maxDirectives: settings.maxQueryDirectives }),
      scalarLiteralsRule([DecimalScalar, DateTimeScalar]),
    ],
    // Counted by the lexer, so a document past the limit is refused before it is parsed whole.
    parseOptions: { maxTokens: settings.maxQueryTokens },
    introspection: settings.introspection,
    // Explicit: a GET or a form POST without a JSON content type or a preflight header is refused
    // (docs/front-door.md), so a page on another site cannot make a browser run a query here.
    csrfPrevention: true,
    persistedQueries: { cache: apqCache(cache, metrics) as never },
    // Stack traces (absolute paths of this machine) only where a developer asked for them.
    includeStacktraceInErrorResponses: settings.development,
    // In production an unexpected error says only that it happened; the log has the details.
    formatError: (formatted) => {
      if (settings.production && formatted.extensions?.code === 'INTERNAL_SERVER_ERROR') {
        return { message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } };
      }
      const tokens = tokensRefusalMessage(formatted.message, settings.maxQueryTokens);
      return tokens
        ? { ...formatted, message: tokens, extensions: { ...formatted.extensions, limit: 'MAX_QUERY_TOKENS', maxValue: settings.maxQueryTokens } }
        : formatted;
    },
    logger: logger.child({ component: 'apollo-server' }) as never,
    // runService owns SIGTERM/SIGINT and calls close(), which stops Apollo. Apollo's own handler would call
    // stop() as well, and a second concurrent ApolloServer.stop() never resolves (@apollo/server 5.5: its
    // barrier is resolved only when stopping fails), so close() hung and the process stayed alive.
    stopOnTerminationSignals: false,
  });
  await apollo.start();
  return apollo;
}

/**
 * Each logical subgraph by name: exchanges to the shard router, directory and listings in process,
 * providers over HTTP (its listing filters answered on the way, see ProvidersDataSource).
 */
function buildApolloGateway(settings: ApolloServerSettings, parts: ApolloServerParts): ApolloGateway {
  const directorySource = createDirectoryDataSource(parts.directory);
  const listingsSource = new ListingsDataSource(parts.listings);
  const gateway = new ApolloGateway({
    supergraphSdl: composeSupergraph(),
    buildService: ({ name }) => {
      if (name === SUBGRAPH.exchanges) return parts.exchanges;
      if (name === SUBGRAPH.directory) return directorySource;
      if (name === SUBGRAPH.listings) return listingsSource;
      return new ProvidersDataSource({ url: settings.providersUrl, listings: parts.listings });
    },
    logger: parts.logger.child({ component: 'apollo-gateway' }) as never,
  });
  parts.publicSchema?.follow(gateway);
  return gateway;
}
