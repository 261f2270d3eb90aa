import type { Logger } from '../logger.ts';
import type { ResponsePolicy } from '../cache/ResponsePolicy.ts';
import type { CatalogReport } from '../shards/CatalogReport.ts';

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
}
