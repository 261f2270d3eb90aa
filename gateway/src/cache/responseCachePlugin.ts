import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import { TypeInfo, visit, visitWithTypeInfo, getNamedType, type DocumentNode, type GraphQLSchema } from 'graphql';
import { createHash } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import { HeaderMap } from '@apollo/server';
import type { Cache } from './Cache.ts';
import type { ResponsePolicy } from './ResponsePolicy.ts';
import { stableHash } from './cacheKeys.ts';
import { decodeStoredResponse, encodeStoredResponse, isCatalogLike, stillComplete, type StoredResponse } from './cachedResponse.ts';
import type { GatewayMetrics } from '../metrics.ts';
import { tracingEnabled, withSpan } from '../../../shared/tracing/tracing.ts';
import { DecodedResponses, RESPONSE_CACHE_HEADER, type ServableResponse } from './DecodedResponses.ts';

export interface ResponseCacheOptions {
  cache: Cache;
  metrics: GatewayMetrics;
  /**
   * The versions the response depends on: a token that changes whenever any exchange's catalog version
   * or epoch changes (or becomes known). An exchange whose version is unknown does not stop the others'
   * responses from being cached: an answer from it forbids keeping the response (ResponsePolicy).
   */
  catalogToken: () => string;
  /** CACHE_TTL_SECONDS, default 60. */
  ttlSeconds: number;
  /**
   * Whether an exchange answers now, as this replica sees it (registered and not OFFLINE): a stored
   * response is served only while every exchange it drew from answers and every one it lacked does not.
   */
  isAnswering: (exchange: string) => boolean;
}

/** The stored response when it may be served now; null (a miss) when absent or no longer complete. */
function readServable(options: Pick<ResponseCacheOptions, 'cache' | 'isAnswering'>, key: string): Promise<StoredResponse | null> {
  return withSpan('cache.response', {}, async (span) => {
    const stored = await options.cache.get(key);
    const decoded = stored === null ? null : decodeStoredResponse(stored);
    const servable = decoded && stillComplete(decoded, options.isAnswering) ? decoded : null;
    span?.setAttribute('cache.hit', servable !== null);
    return servable;
  });
}

/** The headers of a hit: those of the answer it was stored from (its Cache-Control), and that it is a hit. */
function hitHeaders(hit: StoredResponse): Record<string, string> {
  return {
    'content-type': 'application/json; charset=utf-8',
    ...(hit.cacheControl === null ? {} : { 'cache-control': hit.cacheControl }),
    [RESPONSE_CACHE_HEADER]: 'hit',
  };
}

export { RESPONSE_CACHE_HEADER };

/**
 * Fields whose values move without any catalog version moving (the gateway's own observations of
 * exchanges): a response that selects one is never cached.
 */
export const VOLATILE_FIELDS: Record<string, readonly string[]> = { Exchange: ['status', 'latencyMs', 'lastSeenAt'] };

function selectsVolatileField(document: DocumentNode, schema: GraphQLSchema): boolean {
  const typeInfo = new TypeInfo(schema);
  let found = false;
  visit(
    document,
    visitWithTypeInfo(typeInfo, {
      Field(node) {
        const parent = typeInfo.getParentType();
        if (parent && VOLATILE_FIELDS[getNamedType(parent).name]?.includes(node.name.value)) found = true;
      },
    }),
  );
  return found;
}

/**
 * The key of a response: the catalog token, Apollo's query hash (SHA-256 of the query text, or the APQ
 * hash it verified), and a hash of the variables and operation name when there are variables.
 */
export function responseKey(token: string, queryHash: string, variables: Record<string, unknown>, operationName: string | null | undefined): string {
  const rest = Object.keys(variables).length > 0 ? stableHash({ variables, operationName: operationName ?? null }) : (operationName ?? '');
  return `response:${token}:${queryHash}:${rest}`;
}

/**
 * What a request body says about the response cache, worked out once per body (a body the HTTP layer
 * remembers comes back as the same object, see shared/http/apolloHandler.ts): the key of its response
 * without the catalog token, and whether it names its query by APQ hash alone.
 */
export interface HitPlan {
  /** The response key after `response:<token>:`. */
  keyRest: string;
  persistedOnly: boolean;
  /** The last key built from it, with the token it was built with: the same key string while the token stands. */
  lastToken: string;
  lastKey: string;
}

/** The plan of a JSON POST body, or null when the shortcut cannot answer it (Apollo does). */
export function hitPlanOf(body: object): HitPlan | null {
  if (Array.isArray(body)) return null;
  const { query, variables, operationName, extensions } = body as Record<string, any>;
  const persistedHash: unknown = extensions?.persistedQuery?.sha256Hash;
  const queryHash = typeof query === 'string' ? createHash('sha256').update(query).digest('hex') : typeof persistedHash === 'string' ? persistedHash : null;
  if (!queryHash) return null;
  // A persisted-query hash that is not the query's own: Apollo refuses it ("provided sha does not match query").
  if (typeof query === 'string' && persistedHash !== undefined && persistedHash !== queryHash) return null;
  if (variables !== undefined && variables !== null && (typeof variables !== 'object' || Array.isArray(variables))) return null;
  if (operationName !== undefined && operationName !== null && typeof operationName !== 'string') return null;
  const key = responseKey('', queryHash, variables ?? {}, operationName);
  return { keyRest: key.slice('response::'.length), persistedOnly: typeof query !== 'string', lastToken: '', lastKey: '' };
}

/**
 * The response cache's hits without Apollo Server: for an anonymous JSON POST whose key (computed as
 * Apollo would: SHA-256 of the query text, or the request's APQ hash) holds a response, that response is
 * the answer, as the plugin below would give it, without parsing, validating or planning again. A key holds
 * a response only after the whole pipeline ran for that query and variables (limits checked, a query
 * operation, no volatile field, no error), under the current catalog token. Anything else, misses included,
 * goes on to Apollo, where the plugin counts the miss.
 *
 * The hit is found without a promise when the store can read at once (memory) and tracing is off, and its
 * decoding is kept (DecodedResponses): a repeated hit costs a key, a store read and a completeness check.
 */
export function responseCacheShortcut(
  options: Pick<ResponseCacheOptions, 'cache' | 'metrics' | 'catalogToken' | 'isAnswering'> & {
    /** Where a key that missed is left for the request's context (`responseCacheMissed`), so the plugin does not ask again. */
    missed: WeakMap<object, string>;
    decoded?: DecodedResponses;
  },
) {
  const decoded = options.decoded ?? new DecodedResponses();
  const { cache, metrics, isAnswering } = options;
  const served = (req: object, key: string, plan: HitPlan, stored: string | null): ServableResponse | null => {
    const hit = decoded.servable(key, stored);
    if (hit === null || !stillComplete(hit, isAnswering)) {
      options.missed.set(req, key);
      return null;
    }
    metrics.hit('response');
    // A hash-only request answered here found its query too (a response is kept only for a known query).
    if (plan.persistedOnly) metrics.hit('apq');
    return hit;
  };
  return (req: { headers: Record<string, string | string[] | undefined> }, plan: HitPlan): ServableResponse | null | Promise<ServableResponse | null> => {
    if (req.headers.authorization) return null;
    const token = options.catalogToken();
    if (token !== plan.lastToken) [plan.lastToken, plan.lastKey] = [token, `response:${token}:${plan.keyRest}`];
    const key = plan.lastKey;
    if (cache.getNow && !tracingEnabled()) return served(req, key, plan, cache.getNow(key));
    return withSpan('cache.response', {}, async (span) => {
      const hit = served(req, key, plan, await cache.get(key));
      span?.setAttribute('cache.hit', hit !== null);
      return hit;
    });
  };
}

/**
 * Whole-response cache for anonymous queries, on the gateway's store. Keys hold the operation, its
 * variables and the catalog token, so a price change on any exchange retires every cached response at once
 * (the staleness bound is the shard caches' bound). A response is kept for CACHE_TTL_SECONDS, or less when
 * an exchange answer it was built from says so (its context's ResponsePolicy): `Cache-Control: max-age`,
 * `no-store`, what was left of a cached answer's life, an exchange of unknown version. It is not kept when
 * the catalog token moved while it was being built. Requests with an Authorization header, and answers
 * with errors (partial results included), are never cached.
 *
 * Each stored response keeps its `extensions.catalog` (the exchanges it drew from and lacked) and is
 * served only while that is still true on this replica (`isAnswering`): an exchange going OFFLINE retires
 * at once every response holding its data, and one coming back retires those that claim it missing
 * (docs/caching.md, "Completeness").
 */
export function responseCachePlugin<TContext extends BaseContext & { cachePolicy?: ResponsePolicy; responseCacheMissed?: string }>(
  options: ResponseCacheOptions,
): ApolloServerPlugin<TContext> {
  const volatile = new LRUCache<string, boolean>({ max: 1000 });
  return {
    async requestDidStart(start) {
      const anonymous = !start.request.http?.headers.get('authorization');
      let key: string | null = null;
      let tokenAtStart = '';
      return {
        async responseForOperation(context) {
          const token = options.catalogToken();
          // No operation: operationName names none in the document; Apollo answers that after this hook.
          if (!anonymous || context.operation?.operation !== 'query') return null;
          const queryHash = context.queryHash;
          if (!queryHash) return null;
          let isVolatile = volatile.get(queryHash);
          if (isVolatile === undefined) volatile.set(queryHash, (isVolatile = selectsVolatileField(context.document, context.schema)));
          if (isVolatile) return null;
          tokenAtStart = token;
          key = responseKey(token, queryHash, context.request.variables ?? {}, context.request.operationName);
          // The shortcut has just asked for this very key and missed: no second round trip.
          const hit = key === context.contextValue.responseCacheMissed ? null : await readServable(options, key);
          if (hit === null) {
            options.metrics.miss('response');
            return null;
          }
          options.metrics.hit('response');
          const headers = new HeaderMap(Object.entries(hitHeaders(hit)));
          return { http: { status: undefined, headers }, body: { kind: 'single', singleResult: JSON.parse(hit.body) } };
        },
        async willSendResponse(context) {
          if (!key || context.response.body.kind !== 'single') return;
          if (context.response.http.headers.get(RESPONSE_CACHE_HEADER) === 'hit') return;
          const result = context.response.body.singleResult;
          context.response.http.headers.set(RESPONSE_CACHE_HEADER, 'miss');
          // A response whose completeness is not known (no extensions.catalog) is not kept either.
          const catalog = result.extensions?.catalog;
          if (result.errors?.length || !result.data || !isCatalogLike(catalog)) return;
          const ttl = context.contextValue.cachePolicy?.ttlSeconds(options.ttlSeconds) ?? options.ttlSeconds;
          if (ttl <= 0 || options.catalogToken() !== tokenAtStart) return;
          // Built while an exchange it drew from went OFFLINE: it would not be served; do not store it.
          if (!stillComplete({ drewFrom: Object.keys(catalog.exchanges), missing: catalog.missingExchanges }, options.isAnswering)) return;
          // Apollo's cache-control plugin, installed before this one, has set the header this answer goes with.
          const cacheControl = context.response.http.headers.get('cache-control') ?? null;
          await options.cache.set(key, encodeStoredResponse({ data: result.data, extensions: { catalog } }, cacheControl), ttl);
        },
      };
    },
  };
}
