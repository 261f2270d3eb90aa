import type { ExchangeAnswer, ExchangeResult, GraphQLRequestBody } from './ExchangeClient.ts';

/*
 * How a caller reaches exchanges, as small interfaces: the shard router speaks them, the directory
 * provides the targets, and the caches (gateway/src/cache/CachingFetcher.ts) wrap the fetcher. They live
 * here, below all three, so none of those folders imports another's to name them.
 */

/** One exchange as the router sees it. */
export interface ShardTarget {
  id: string;
  /** False while the exchange is OFFLINE: it is skipped at once, without waiting for a timeout. */
  isAvailable(): boolean;
  send(body: GraphQLRequestBody): Promise<ExchangeResult>;
}

/** The current set of exchanges; it may change between (not during) fetches. */
export interface ShardTargets {
  get(id: string): ShardTarget | undefined;
  all(): ShardTarget[];
}

/** One call of the router to one exchange. */
export interface ShardRequest {
  body: GraphQLRequestBody;
  /** For `_entities` calls: the representations sent (also in body.variables[representationsVariable]). */
  representations?: Array<Record<string, unknown>>;
  representationsVariable?: string;
  /** The router's checks of an answer (null when it is good): only good answers may be cached. */
  check(answer: ExchangeAnswer): string | null;
}

/** How the router reaches exchanges: directly, or through caches (gateway/src/cache/CachingFetcher.ts). */
export interface ShardFetcher {
  fetch(target: ShardTarget, request: ShardRequest): Promise<ExchangeResult>;
}

/** Calls the exchange every time; counts the calls when given a counter. */
export class DirectFetcher implements ShardFetcher {
  constructor(private readonly countCall?: (exchange: string) => void) {}

  fetch(target: ShardTarget, request: ShardRequest): Promise<ExchangeResult> {
    this.countCall?.(target.id);
    return target.send(request.body);
  }
}
