import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ApolloServer } from '@apollo/server';
import { apolloHandler } from '../../../shared/http/apolloHandler.ts';
import type { Logger } from '../logger.ts';
import type { GatewayMetrics } from '../metrics.ts';
import type { Cache } from '../cache/Cache.ts';
import { responseCacheShortcut } from '../cache/responseCachePlugin.ts';
import { ResponsePolicy } from '../cache/ResponsePolicy.ts';
import { CatalogReport } from '../shards/CatalogReport.ts';
import type { PublicRateLimits } from '../http/rateLimits.ts';
import { legacyJsonStatus, refuseRequestShape } from '../http/graphqlOverHttp.ts';
import type { GatewayContext } from './GatewayContext.ts';
import { spendOnHit, type QueryCostMemo } from './rateLimitPlugin.ts';

type GraphQLAnswerBefore = (req: IncomingMessage, body: unknown) => Promise<{ status?: number; body: string; headers: Record<string, string> } | null>;
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
  rateLimits?: { limits: PublicRateLimits; memo: QueryCostMemo };
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
  const answerBefore: GraphQLAnswerBefore = rateLimits
    ? async (req, body) => {
        // A query whose cost this replica does not know (cached by another replica) goes through Apollo,
        // which finds the same stored response after computing the cost to spend.
        const cost = rateLimits.memo.costOf(body);
        if (cost === undefined) return null;
        const answer = await shortcut(req, body);
        return answer && spendOnHit(rateLimits.limits, { req, cost, answer });
      }
    : shortcut;
  // The parent span of everything the request does, continuing the client's traceparent (docs/tracing.md).
  return tracedHandler(
    'gateway.http',
    apolloHandler<GatewayContext>(parts.apollo, {
      // Before the response cache: a batch or a malformed field is refused even when its query is cached.
      refuse: refuseRequestShape,
      statusOf: legacyJsonStatus,
      maxBodyBytes: settings.maxBodyBytes,
      ...(settings.cacheDisabled ? {} : { answerBefore }),
      context: async (req) => {
        const requestId = String(req.headers['x-request-id'] ?? '');
        let requestLogger: Logger | undefined;
        return {
          requestId,
          // Made when first used (an error to log): a child logger per request costs more than a cached answer.
          get logger() {
            return (requestLogger ??= logger.child({ requestId }));
          },
          cachePolicy: new ResponsePolicy(),
          catalog: new CatalogReport(),
          responseCacheMissed: missedResponseKeys.get(req),
          rateClient: rateLimits?.limits.clientOf(req),
        };
      },
    }),
  );
}
