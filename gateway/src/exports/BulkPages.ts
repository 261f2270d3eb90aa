import { CROSS_LISTED, DATASET_ROWS } from '../../../schema/mergeRules.ts';
import { ShardPlanError } from '../shards/shardPlan.ts';
import { ExchangePages, type ExchangePagesOptions, type PageOutcome, type PageSource } from './ExchangePages.ts';
import { readRowPage, type RowPage } from './bulkRows.ts';

type BulkOutcome = PageOutcome | { kind: 'refused' };

/**
 * One exchange's listings through the gateway-only bulk field `datasetRows` (docs/exports.md): pages of
 * up to EXPORT_PAGE_SIZE rows, each one JSON text the exchange writes straight from its store, read and
 * checked here (bulkRows.ts), with the same call path, timeouts and failure reports as every exchange
 * call (ShardRouter.perExchange). Same paging as ExchangePages: one page fetched ahead, no more.
 *
 * An exchange that refuses the bulk field as a whole on the first page (an implementation without it)
 * is read through `datasets` instead (ExchangePages), slower but the same rows.
 */
export class BulkPages implements PageSource {
  private ahead: Promise<BulkOutcome> | null;
  private fallback: ExchangePages | null = null;

  constructor(private readonly options: ExchangePagesOptions) {
    this.ahead = this.fetch(null);
  }

  get exchange(): string {
    return this.options.exchange;
  }

  /** Whether the listings are read through `datasets` (the exchange refused the bulk field). */
  get fellBack(): boolean {
    return this.fallback !== null;
  }

  async next(): Promise<PageOutcome | null> {
    if (this.fallback) return this.fallback.next();
    if (!this.ahead) return null;
    const outcome = await this.ahead;
    if (outcome.kind === 'refused') {
      this.ahead = null;
      this.fallback = new ExchangePages(this.options);
      return this.fallback.next();
    }
    this.ahead = outcome.kind === 'page' && outcome.hasNextPage && outcome.endCursor ? this.fetch(outcome) : null;
    return outcome;
  }

  stop(): void {
    this.ahead?.catch(() => undefined);
    this.ahead = null;
    this.fallback?.stop();
  }

  /** The page after `previous` (null: the first page). */
  private async fetch(previous: RowPage | null): Promise<BulkOutcome> {
    const { router, exchange, filter, sort, pageSize, requestId } = this.options;
    const lastRow = previous?.rows.at(-1);
    const request = { exchange, sort, first: pageSize, after: lastRow ? { key: lastRow.key, id: lastRow.id } : null };
    let read: RowPage | null = null;
    let outcome: Awaited<ReturnType<typeof router.perExchange>>;
    try {
      outcome = await router.perExchange({
        fieldName: DATASET_ROWS.field,
        args: { filter: { ...(filter ?? {}), exchanges: [exchange] }, sort, first: pageSize, after: previous?.endCursor ?? null },
        request: { requestId },
        exchanges: [exchange],
        separateRefusals: previous === null,
        check: (value) => {
          const page = readRowPage(value, request);
          if (typeof page === 'string') return page;
          read = page;
          return null;
        },
      });
    } catch (err) {
      if (err instanceof ShardPlanError) return { kind: 'badInput', message: err.message };
      return { kind: 'failed', exchange, code: 'EXCHANGE_BAD_RESPONSE', message: `exchange ${exchange} could not be read: ${(err as Error).message}` };
    }
    if (outcome.refused.length > 0) return { kind: 'refused' };
    const page = read as RowPage | null;
    if (!page || !outcome.answers.has(exchange)) {
      const error = outcome.errors[0];
      return {
        kind: 'failed',
        exchange,
        code: String(error?.extensions?.code ?? 'EXCHANGE_BAD_RESPONSE'),
        message: error?.message ?? `exchange ${exchange} gave no ${DATASET_ROWS.field}`,
      };
    }
    // Written as bytes at once (when the export has an encoder): the page may wait a while to be merged.
    return { kind: 'page', ...page, rows: this.options.encode ? this.options.encode(page.rows) : page.rows };
  }
}

/**
 * The pages of one exchange for an export: the bulk field, except for a filter with crossListed (the
 * codes listed on two or more exchanges are the router's to work out; `datasets` has them).
 */
export function exportPages(options: ExchangePagesOptions): PageSource {
  const crossListed = options.filter?.[CROSS_LISTED.filterField];
  return crossListed === null || crossListed === undefined ? new BulkPages(options) : new ExchangePages(options);
}
