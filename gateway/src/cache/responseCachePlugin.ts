import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import { TypeInfo, visit, visitWithTypeInfo, getNamedType, type DocumentNode, type GraphQLSchema } from 'graphql';
import { LRUCache } from 'lru-cache';
import { HeaderMap } from '@apollo/server';
import type { Cache } from './Cache.ts';
import type { ResponsePolicy } from './ResponsePolicy.ts';
import { stableHash } from './cacheKeys.ts';
import type { GatewayMetrics } from '../metrics.ts';

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
}

export const RESPONSE_CACHE_HEADER = 'x-response-cache';

/**
 * Fields whose values move without any catalog version moving (the gateway's own observations of
 * exchanges): a response that selects one is never cached.
 */
export const VOLATILE_FIELDS: Record<string, readonly string[]> = { Exchange: ['status', 'latencyMs', 'lastSeenAt'] };

function selectsVolatileField(document: DocumentNode, schema: GraphQLSchema): boolean {
  const typeInfo = new TypeInfo(schema);
  let found = false;
  visit(document, visitWithTypeInfo(typeInfo, {
    Field(node) {
      const parent = typeInfo.getParentType();
      if (parent && VOLATILE_FIELDS[getNamedType(parent).name]?.includes(node.name.value)) found = true;
    },
  }));
  return found;
}

/**
 * Whole-response cache for anonymous queries, on the gateway's store. Keys hold the operation, its
 * variables and the catalog token, so a price change on any exchange retires every cached response at once
 * (the staleness bound is the shard caches' bound). A response is kept for CACHE_TTL_SECONDS, or less when
 * an exchange answer it was built from says so (its context's ResponsePolicy): `Cache-Control: max-age`,
 * `no-store`, what was left of a cached answer's life, an exchange of unknown version. It is not kept when
 * the catalog token moved while it was being built. Requests with an Authorization header, and answers
 * with errors (partial results included), are never cached.
 */
export function responseCachePlugin<TContext extends BaseContext & { cachePolicy?: ResponsePolicy }>(options: ResponseCacheOptions): ApolloServerPlugin<TContext> {
  const volatile = new LRUCache<string, boolean>({ max: 1000 });
  return {
    async requestDidStart(start) {
      const anonymous = !start.request.http?.headers.get('authorization');
      let key: string | null = null;
      let tokenAtStart = '';
      return {
        async responseForOperation(context) {
          const token = options.catalogToken();
          if (!anonymous || context.operation.operation !== 'query') return null;
          const queryHash = context.queryHash;
          if (!queryHash) return null;
          let isVolatile = volatile.get(queryHash);
          if (isVolatile === undefined) volatile.set(queryHash, (isVolatile = selectsVolatileField(context.document, context.schema)));
          if (isVolatile) return null;
          tokenAtStart = token;
          // Apollo has hashed the query text already (queryHash, SHA-256); only variables still need one.
          const variables = context.request.variables ?? {};
          const rest = Object.keys(variables).length > 0 ? stableHash({ variables, operationName: context.request.operationName ?? null }) : (context.request.operationName ?? '');
          key = `response:${token}:${queryHash}:${rest}`;
          const hit = await options.cache.get(key);
          if (hit === null) {
            options.metrics.miss('response');
            return null;
          }
          options.metrics.hit('response');
          const headers = new HeaderMap([['content-type', 'application/json; charset=utf-8'], [RESPONSE_CACHE_HEADER, 'hit']]);
          return { http: { status: undefined, headers }, body: { kind: 'single', singleResult: JSON.parse(hit) } };
        },
        async willSendResponse(context) {
          if (!key || context.response.body.kind !== 'single') return;
          if (context.response.http.headers.get(RESPONSE_CACHE_HEADER) === 'hit') return;
          const result = context.response.body.singleResult;
          context.response.http.headers.set(RESPONSE_CACHE_HEADER, 'miss');
          if (result.errors?.length || !result.data) return;
          const ttl = context.contextValue.cachePolicy?.ttlSeconds(options.ttlSeconds) ?? options.ttlSeconds;
          if (ttl <= 0 || options.catalogToken() !== tokenAtStart) return;
          await options.cache.set(key, JSON.stringify({ data: result.data }), ttl);
        },
      };
    },
  };
}
