import type { Logger } from '../logger.ts';
import type { ResponsePolicy } from '../cache/ResponsePolicy.ts';

/** Apollo Server's per-request context in the gateway. */
export interface GatewayContext {
  requestId: string;
  logger: Logger;
  /** How long the response cache may keep this request's response (restricted by the shard router). */
  cachePolicy: ResponsePolicy;
  /** The response-cache key the shortcut already asked for and missed, if any. */
  responseCacheMissed?: string;
}
