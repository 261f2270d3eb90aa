import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ApolloServer } from '@apollo/server';
import { apolloHandler, type EarlyAnswer } from '../../../shared/http/apolloHandler.ts';
import type { Logger } from '../logger.ts';
import type { GatewayMetrics } from '../metrics.ts';
import type { Cache } from '../cache/Cache.ts';
import { hitPlanOf, responseCacheShortcut, type HitPlan } from '../cache/responseCachePlugin.ts';
import type { ServableResponse } from '../cache/DecodedResponses.ts';
import { ResponsePolicy } from '../cache/ResponsePolicy.ts';
import { CatalogReport } from '../shards/CatalogReport.ts';
import type { PublicRateLimits } from '../http/rateLimits.ts';
import { legacyJsonStatus, refuseRequestShape } from '../http/graphqlOverHttp.ts';
import type { GatewayContext } from './GatewayContext.ts';
import { QueryCostMemo, spendOnHit, type HitSpend } from './rateLimitPlugin.ts';
import { tracedHandler } from '../../../shared/tracing/tracing.ts';

export interface GraphQLHandlerParts {
  apollo: ApolloServer<GatewayContext>;
  cache: Cache;
  metrics: GatewayMetrics;
  catalogToken: () => string;
  /** Whether an exchange answers now (registered, not OFFLINE): see ResponseCacheOptions.isAnswering. */
  isAnswering: (exchange: string) => boolean;
  logger: Logger;
  /** Public rate limits (absent: RATE_LIMIT_DISABLED): a response-cache hit spends its query's cost too. */
  rateLimits?: { limits: PublicRateLimits; memo?: QueryCostMemo };
}

/**
 * POST and GET /graphql: a response-cache hit is answered before Apollo Server parses anything; the rest
 * get a context with the request id and a fresh ResponsePolicy.
 */
export function graphqlHandler(
  settings: { cacheDisabled: boolean; maxBodyBytes: number },
  parts: GraphQLHandlerParts,
): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  const { cache, metrics, catalogToken, isAnswering, logger } = parts;
  const missedResponseKeys = new WeakMap<object, string>();
  const shortcut = responseCacheShortcut({ cache, metrics, catalogToken, isAnswering, missed: missedResponseKeys });
  const rateLimits = parts.rateLimits;
  // Per body object (the HTTP layer hands back the same object for the same body text): its response key
  // and where its cost is remembered, worked out once, not per request (issue 13).
  const plans = new WeakMap<object, BodyPlan | null>();
  const planOf = (body: object): BodyPlan | null => {
    let plan = plans.get(body);
    if (plan === undefined) {
      const hit = hitPlanOf(body);
      plans.set(body, (plan = hit && { hit, costKey: QueryCostMemo.keyOf(body) }));
    }
    return plan;
  };
  const answerBefore = (req: IncomingMessage, body: object): EarlyAnswer | null | Promise<EarlyAnswer | null> => {
    const plan = planOf(body);
    if (plan === null) return null;
    // A query whose cost this replica does not know (cached by another replica) goes through Apollo,
    // which finds the same stored response after computing the cost to spend.
    const cost = rateLimits && (plan.costKey === null ? undefined : rateLimits.memo?.costAt(plan.costKey));
    if (rateLimits && cost === undefined) return null;
    const found = shortcut(req, plan.hit);
    if (found instanceof Promise) return found.then((hit) => hit && spendAndAnswer(hit, req, cost, rateLimits));
    return found && spendAndAnswer(found, req, cost, rateLimits);
  };
  // The parent span of everything the request does, continuing the client's traceparent (docs/tracing.md).
  return tracedHandler(
    'gateway.http',
    apolloHandler<GatewayContext>(parts.apollo, {
      // Before the response cache: a batch or a malformed field is refused even when its query is cached.
      refuse: refuseRequestShape,
      statusOf: legacyJsonStatus,
      maxBodyBytes: settings.maxBodyBytes,
      ...(settings.cacheDisabled ? {} : { answerBefore }),
      context: async (req) =>
        new RequestContext(String(req.headers['x-request-id'] ?? ''), logger, {
          responseCacheMissed: missedResponseKeys.get(req),
          rateClient: rateLimits?.limits.clientOf(req),
        }),
    }),
  );
}

interface BodyPlan {
  hit: HitPlan;
  /** QueryCostMemo's key for the body; null: its cost is never remembered (a hit cannot spend it). */
  costKey: string | null;
}

/** A hit's answer once its client spent its cost: its stored head (with RateLimit) and its bytes, or a 429. */
function spendAndAnswer(
  hit: ServableResponse,
  req: IncomingMessage,
  cost: number | undefined,
  rateLimits: GraphQLHandlerParts['rateLimits'],
): EarlyAnswer | Promise<EarlyAnswer> {
  if (!rateLimits || cost === undefined) return { body: hit.bytes, headers: hit.head };
  const spent = spendOnHit(rateLimits.limits, req, cost);
  return spent instanceof Promise ? spent.then((outcome) => hitAnswer(hit, outcome)) : hitAnswer(hit, spent);
}

function hitAnswer(hit: ServableResponse, spent: HitSpend): EarlyAnswer {
  if (spent === undefined) return { body: hit.bytes, headers: hit.head };
  if (typeof spent !== 'string') return spent;
  return { body: hit.bytes, headers: [...hit.head, 'ratelimit', spent] };
}

/**
 * One request's context. Its child logger is made when first used (an error to log): a child logger per
 * request costs more than a cached answer. The getter lives on the prototype, not on the object: Apollo
 * Server copies the context's own properties into a clone per request (Object.assign), which would call
 * an own getter, and so make the logger, every time.
 */
class RequestContext implements GatewayContext {
  readonly cachePolicy = new ResponsePolicy();
  readonly catalog = new CatalogReport();
  responseCacheMissed?: string;
  rateClient?: GatewayContext['rateClient'];
  queryCost?: number;
  rateLimitHeader?: string;
  private requestLogger?: Logger;

  constructor(
    readonly requestId: string,
    private readonly parentLogger: Logger,
    fields: Pick<GatewayContext, 'responseCacheMissed' | 'rateClient'>,
  ) {
    this.responseCacheMissed = fields.responseCacheMissed;
    this.rateClient = fields.rateClient;
  }

  get logger(): Logger {
    return (this.requestLogger ??= this.parentLogger.child({ requestId: this.requestId }));
  }
}
