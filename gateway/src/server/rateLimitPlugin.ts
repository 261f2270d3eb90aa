import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { GraphQLError } from 'graphql';
import { HeaderMap, type ApolloServerPlugin } from '@apollo/server';
import { LRUCache } from 'lru-cache';
import { rateLimitedError, rateLimitedHeaders, rateLimitHeader, type PublicRateLimits, type RateClient } from '../http/rateLimits.ts';
import type { GatewayContext } from './GatewayContext.ts';

/** Queries longer than this are not remembered for the response cache's hits (Apollo's path serves them). */
const MEMO_MAX_QUERY_CHARS = 10_000;
/** What a request spends when its cost is not known: a query that is not valid, or refused before its cost is computed. */
export const UNKNOWN_QUERY_COST = 1;

/** The key under which a query's cost is remembered: its text, operation name and variables. */
function memoKey(body: { query?: unknown; variables?: unknown; operationName?: unknown }): string | null {
  if (typeof body.query !== 'string' || body.query.length > MEMO_MAX_QUERY_CHARS) return null;
  return `${String(body.operationName ?? '')}\n${JSON.stringify(body.variables ?? {})}\n${body.query}`;
}

/** The key of a persisted query sent by its hash alone (APQ): the same query's cost, found without its text. */
function persistedMemoKey(body: { variables?: unknown; operationName?: unknown; extensions?: unknown }): string | null {
  const hash = (body.extensions as { persistedQuery?: { sha256Hash?: unknown } } | undefined)?.persistedQuery?.sha256Hash;
  if (typeof hash !== 'string' || hash.length > 128) return null;
  return `${String(body.operationName ?? '')}\n${JSON.stringify(body.variables ?? {})}\napq:${hash}`;
}

/**
 * Spends each GraphQL request's query cost (computed by queryCostPlugin, left in `contextValue.queryCost`)
 * from its client's budget once the operation is resolved, before anything is executed, so a refusal
 * (429, RATE_LIMITED) never reaches an exchange. Requests that never get that far (invalid queries)
 * spend UNKNOWN_QUERY_COST when answered.
 */
export function rateLimitPlugin(limits: PublicRateLimits, memo?: QueryCostMemo): ApolloServerPlugin<GatewayContext> {
  return {
    async requestDidStart({ contextValue }) {
      const client = contextValue.rateClient;
      if (!client) return {};
      let spent = false;
      return {
        async didResolveOperation({ request, queryHash }) {
          const cost = contextValue.queryCost ?? UNKNOWN_QUERY_COST;
          spent = true;
          memo?.remember(request, cost, queryHash);
          const decision = await limits.spend(client, cost);
          if (!decision.allowed) {
            const error = rateLimitedError(client, decision);
            throw new GraphQLError(error.message, {
              extensions: { ...error.extensions, http: { status: 429, headers: new HeaderMap(Object.entries(rateLimitedHeaders(client, decision))) } },
            });
          }
          contextValue.rateLimitHeader = rateLimitHeader(client, decision);
        },
        async willSendResponse({ response }) {
          if (!spent) await limits.spend(client, UNKNOWN_QUERY_COST);
          if (contextValue.rateLimitHeader) response.http.headers.set('ratelimit', contextValue.rateLimitHeader);
        },
      };
    },
  };
}

/**
 * The costs of recently resolved queries, so a response-cache hit (answered before Apollo parses anything)
 * spends what the same query spent when it was computed.
 */
export class QueryCostMemo {
  private readonly costs = new LRUCache<string, number>({ max: 2000 });

  /** `queryHash`: the query's SHA-256 in hex, as Apollo Server computed it (computed here when not given). */
  remember(body: { query?: unknown; variables?: unknown; operationName?: unknown; extensions?: unknown }, cost: number, queryHash?: string): void {
    const key = memoKey(body);
    if (key) this.costs.set(key, cost);
    // Under the query's APQ hash too: a client that sends the hash alone spends the same cost on a hit.
    const hash = typeof body.query === 'string' && key ? (queryHash ?? createHash('sha256').update(body.query).digest('hex')) : null;
    const persisted = persistedMemoKey(hash ? { ...body, extensions: { persistedQuery: { sha256Hash: hash } } } : body);
    if (persisted) this.costs.set(persisted, cost);
  }

  /** The query's cost when this replica has resolved it lately; undefined otherwise. */
  costOf(body: unknown): number | undefined {
    if (typeof body !== 'object' || body === null) return undefined;
    const key = memoKey(body) ?? persistedMemoKey(body);
    return key ? this.costs.get(key) : undefined;
  }
}

/**
 * Spends a response-cache hit's cost (known: see answerBefore in graphqlHandler.ts): the answer as it was,
 * with its RateLimit header, or a 429 answer when the client is over budget.
 */
export async function spendOnHit(
  limits: PublicRateLimits,
  request: { req: IncomingMessage; cost: number; answer: { body: string; headers: Record<string, string> } },
): Promise<{ status?: number; body: string; headers: Record<string, string> }> {
  const client: RateClient | undefined = limits.clientOf(request.req);
  if (!client) return request.answer;
  const decision = await limits.spend(client, request.cost);
  if (!decision.allowed) {
    return {
      status: 429,
      body: JSON.stringify({ errors: [rateLimitedError(client, decision)] }),
      headers: { 'content-type': 'application/json; charset=utf-8', ...rateLimitedHeaders(client, decision) },
    };
  }
  return { ...request.answer, headers: { ...request.answer.headers, ratelimit: rateLimitHeader(client, decision) } };
}
