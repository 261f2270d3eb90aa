import { PROVIDER_LISTING_COUNTS } from '../../../schema/mergeRules.ts';
import type { GraphQLErrorJson, ShardRouter } from '../shards/ShardRouter.ts';

/** What the exchanges said about providers' listings, for one request. */
export interface ListingsAnswer {
  /** exchange → USCC → number of its listings there (only providers with at least one). */
  byExchange: Map<string, Map<string, number>>;
  /** Exchanges asked that did not answer (down, offline, unknown, bad answer). */
  missing: string[];
  /**
   * One error per failed exchange, not yet reported in this request, without a path: the first field that
   * uses this answer takes them and gives them its path (ListingsAnswer is shared by the request's fields).
   */
  unreportedErrors: GraphQLErrorJson[];
}

/**
 * Listings per provider on each exchange, from the exchanges' gateway-only providerListingCounts
 * (unfiltered): asked through the shard router, so each answer is cached under its exchange's catalog
 * version and a failed exchange is skipped for the rest of the request; asked once per request and set
 * of exchanges. Backs providers(filter: { exchanges, hasListings }) and Provider.listingsByExchange.
 */
export class ProviderListings {
  private readonly byRequest = new WeakMap<object, Map<string, Promise<ListingsAnswer>>>();

  constructor(private readonly router: ShardRouter) {}

  /** Every registered exchange's id, sorted. */
  exchangeIds(): string[] {
    return this.router.exchangeIds();
  }

  /** The counts of `exchanges` (default: every registered exchange) for the request whose context this is. */
  counts(context: unknown, exchanges: string[] = this.exchangeIds()): Promise<ListingsAnswer> {
    const key = [...new Set(exchanges)].sort().join(',');
    if (context === null || typeof context !== 'object') return this.ask(context, exchanges);
    let answers = this.byRequest.get(context);
    if (!answers) this.byRequest.set(context, (answers = new Map()));
    let answer = answers.get(key);
    if (!answer) answers.set(key, (answer = this.ask(context, exchanges)));
    return answer;
  }

  private async ask(context: unknown, exchanges: string[]): Promise<ListingsAnswer> {
    const { answers, missing, errors } = await this.router.perExchange({
      fieldName: PROVIDER_LISTING_COUNTS.field,
      args: { filter: null },
      request: this.router.requestScope(context),
      check: listingCountsProblem,
      exchanges,
    });
    const byExchange = new Map<string, Map<string, number>>();
    for (const [exchange, rows] of answers) {
      byExchange.set(
        exchange,
        new Map(
          (rows as Array<Record<string, unknown>>).map((row) => [row[PROVIDER_LISTING_COUNTS.uscc] as string, row[PROVIDER_LISTING_COUNTS.count] as number]),
        ),
      );
    }
    return { byExchange, missing, unreportedErrors: errors };
  }
}

/** An exchange's providerListingCounts must be rows of a USCC and a positive count, USCCs strictly ascending. */
export function listingCountsProblem(value: unknown): string | null {
  if (!Array.isArray(value)) return 'is not a list';
  let previous = '';
  for (const row of value) {
    const uscc = row?.[PROVIDER_LISTING_COUNTS.uscc];
    const count = row?.[PROVIDER_LISTING_COUNTS.count];
    if (typeof uscc !== 'string' || !Number.isInteger(count) || count <= 0) return 'holds a row without a USCC and a positive count';
    if (uscc <= previous) return 'is not in strictly ascending USCC order';
    previous = uscc;
  }
  return null;
}
