import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ApolloServer } from '@apollo/server';
import { apolloHandler } from '../../../shared/http/apolloHandler.ts';
import type { Logger } from '../logger.ts';
import type { GatewayMetrics } from '../metrics.ts';
import type { Cache } from '../cache/Cache.ts';
import { responseCacheShortcut } from '../cache/responseCachePlugin.ts';
import { ResponsePolicy } from '../cache/ResponsePolicy.ts';
import { CatalogReport } from '../shards/CatalogReport.ts';
import type { GatewayContext } from './GatewayContext.ts';
import { tracedHandler } from '../../../shared/tracing/tracing.ts';

export interface GraphQLHandlerParts {
  apollo: ApolloServer<GatewayContext>;
  cache: Cache;
  metrics: GatewayMetrics;
  catalogToken: () => string;
  /** Whether an exchange answers now (registered, not OFFLINE): see ResponseCacheOptions.isAnswering. */
  isAnswering: (exchange: string) => boolean;
  logger: Logger;
}

/**
 * POST and GET /graphql: a response-cache hit is answered before Apollo Server parses anything; the rest
 * get a context with the request id and a fresh ResponsePolicy.
 */
export function graphqlHandler(settings: { cacheDisabled: boolean }, parts: GraphQLHandlerParts): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  const { cache, metrics, catalogToken, isAnswering, logger } = parts;
  const missedResponseKeys = new WeakMap<object, string>();
  // The parent span of everything the request does, continuing the client's traceparent (docs/tracing.md).
  return tracedHandler(
    'gateway.http',
    apolloHandler<GatewayContext>(parts.apollo, {
      ...(settings.cacheDisabled ? {} : { answerBefore: responseCacheShortcut({ cache, metrics, catalogToken, isAnswering, missed: missedResponseKeys }) }),
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
        };
      },
    }),
  );
}
