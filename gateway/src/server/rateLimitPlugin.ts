import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { GraphQLError } from 'graphql';
import { HeaderMap, type ApolloServerPlugin } from '@apollo/server';
import { LRUCache } from 'lru-cache';
import { rateLimitedError, rateLimitedHeaders, rateLimitHeader, type PublicRateLimits, type RateClient } from '../http/rateLimits.ts';
import type { BudgetDecision } from '../cache/costBudgets.ts';
import { jsonAnswer, type EarlyAnswer } from '../../../shared/http/apolloHandler.ts';
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
    const key = QueryCostMemo.keyOf(body);
    return key === null ? undefined : this.costs.get(key);
  }

  /** Where a body's cost is remembered (null: it is not): work out once per body, then costAt. */
  static keyOf(body: unknown): string | null {
    if (typeof body !== 'object' || body === null) return null;
    return memoKey(body) ?? persistedMemoKey(body);
  }

  costAt(key: string): number | undefined {
    return this.costs.get(key);
  }
}

/**
 * Spends a response-cache hit's cost (known: see answerBefore in graphqlHandler.ts): the value of the hit's
 * RateLimit header, or the 429 answer when the client is over budget, or undefined when no client spends
 * (rate limits off for the route). Without a promise when this replica's lease decides (CostBudgets.spendNow).
 */
export function spendOnHit(limits: PublicRateLimits, req: IncomingMessage, cost: number): HitSpend | Promise<HitSpend> {
  const client: RateClient | undefined = limits.clientOf(req);
  if (!client) return undefined;
  const now = limits.spendNow(client, cost);
  return now ? spentOnHit(client, now) : limits.spend(client, cost).then((decision) => spentOnHit(client, decision));
}

/** The RateLimit header's value, the 429 answer, or undefined (nothing spent). */
export type HitSpend = string | EarlyAnswer | undefined;

function spentOnHit(client: RateClient, decision: BudgetDecision): HitSpend {
  if (decision.allowed) return rateLimitHeader(client, decision);
  return jsonAnswer(429, { errors: [rateLimitedError(client, decision)] }, Object.entries(rateLimitedHeaders(client, decision)).flat());
}
