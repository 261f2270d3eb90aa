import type { Logger } from '../logger.ts';
import type { ResponsePolicy } from '../cache/ResponsePolicy.ts';
import type { CatalogReport } from '../shards/CatalogReport.ts';
import type { RateClient } from '../http/rateLimits.ts';

/** Apollo Server's per-request context in the gateway. */
export interface GatewayContext {
  requestId: string;
  logger: Logger;
  /** How long the response cache may keep this request's response (restricted by the shard router). */
  cachePolicy: ResponsePolicy;
  /** The exchanges the answer drew from and those it lacks, filled by the shard router (`extensions.catalog`). */
  catalog: CatalogReport;
  /** The response-cache key the shortcut already asked for and missed, if any. */
  responseCacheMissed?: string;
  /** The client whose budget this request spends (http/rateLimits.ts); absent when rate limiting is off. */
  rateClient?: RateClient;
  /** The operation's cost, left by queryCostPlugin when it is within MAX_QUERY_COST. */
  queryCost?: number;
  /** The `RateLimit` header after this request spent its cost. */
  rateLimitHeader?: string;
}
