import type { DatasetSort } from '../../../shared/domain.ts';
import { decodeCursor, type SortKey } from '../../../shared/datasetOrder.ts';
import type { ShardRouter } from '../shards/ShardRouter.ts';
import type { ShardPlan } from '../shards/shardPlan.ts';
import { MAX_DATASET_ROWS_PAGE } from '../../../shared/datasetRows.ts';

/** The largest page of `datasets` (subgraphs/exchange/connection.ts): read through it, an export asks for at most this many rows per call. */
const MAX_DATASETS_PAGE = 100;
/**
 * EXPORT_PAGE_SIZE: rows per call of the bulk field datasetRows (docs/exports.md), at most its largest
 * page. 500 by default: a page is about 0.8 MB of JSON, and each exchange has two in hand.
 */
export const MAX_EXPORT_PAGE_SIZE = MAX_DATASET_ROWS_PAGE;
export const DEFAULT_EXPORT_PAGE_SIZE = 500;

/** What an export reads of each listing: every scalar field, the price and the provider's key. */
export const EXPORT_QUERY = `query GatewayExport($filter: DatasetFilter, $sort: DatasetSort, $first: Int, $after: String) {
  datasets(filter: $filter, sort: $sort, first: $first, after: $after) {
    edges { cursor node {
      id productCode title titleZh description descriptionZh type category keywords
      securityLevel personalInfo containsMinorsData dataOrigin delivery updateFrequency spatialCoverage
      complianceAssessed listedAt updatedAt price { model amount currency } provider { uscc }
    } }
    pageInfo { hasNextPage endCursor }
  }
}`;

/** One listing as the export query returns it (the router has checked the answer's shape). */
export interface ExportNode {
  id: string;
  productCode: string;
  title: string;
  titleZh: string;
  description: string;
  descriptionZh: string;
  type: string;
  category: string;
  keywords: string[];
  securityLevel: string;
  personalInfo: string;
  containsMinorsData: boolean;
  dataOrigin: string;
  delivery: string;
  updateFrequency: string;
  spatialCoverage: string[];
  complianceAssessed: boolean;
  listedAt: string;
  updatedAt: string;
  price: { model: string; amount: string | null; currency: string } | null;
  provider: { uscc: string } | null;
}

interface ExportConnection {
  edges: Array<{ cursor: string; node: ExportNode | null }>;
  pageInfo?: { hasNextPage?: boolean; endCursor?: string | null };
}

/**
 * The rows of one page written as bytes, outside the JavaScript heap (encodedRows.ts): `bytes` holds each
 * row's head then its tail; row i's head is bytes[offsets[2i], offsets[2i + 1]), its tail
 * bytes[offsets[2i + 1], offsets[2i + 2]).
 */
export interface EncodedPage {
  bytes: Buffer;
  offsets: Uint32Array;
  /** Each row's provider USCC (null: none), for the provider lookup of the chunk it is written in. */
  usccs: Array<string | null>;
}

/** A listing with its place in the global order (from its cursor). */
export interface PositionedNode {
  key: SortKey;
  id: string;
  /** Null when the listing was written as bytes on arrival: it is row `index` of `page` (encodedRows.ts). */
  node: ExportNode | null;
  page?: EncodedPage;
  /** The row's place in `page` (0 when there is no page). */
  index: number;
}

export type PageOutcome =
  | { kind: 'page'; rows: PositionedNode[]; hasNextPage: boolean; endCursor: string | null }
  /** The exchange failed (down, timeout, bad answer): `message` names it. */
  | { kind: 'failed'; exchange: string; code: string; message: string }
  /** The client's filter was refused by the exchange (e.g. a malformed Decimal): a 400 before the first byte. */
  | { kind: 'badInput'; message: string };

/** One exchange's listings for an export, page after page (BulkPages, or ExchangePages through `datasets`). */
export interface PageSource {
  readonly exchange: string;
  /** The next page, or null after the last one. */
  next(): Promise<PageOutcome | null>;
  /** Stops asking for pages (the client left or another exchange failed). */
  stop(): void;
}

export interface ExchangePagesOptions {
  router: ShardRouter;
  exchange: string;
  filter: Record<string, unknown> | null;
  sort: DatasetSort;
  pageSize: number;
  requestId?: string;
  /** When given, each page's rows go through it on arrival: a merged export writes them as bytes (encodedRows.ts encodePage). */
  encode?: (rows: PositionedNode[]) => PositionedNode[];
}

/**
 * One exchange's listings, page after page, through the `datasets` connection and the shard router (the
 * exports' way for a crossListed filter, or an exchange without the bulk field; BulkPages is the fast
 * way). The same plan, checks and failure
 * reports as the `datasets` field, restricted to this exchange by filter.exchanges). Each exchange keeps its
 * own cursor: the pages of one exchange are its part of the global order, so merging the exchanges by
 * the cursor's sort key loses nothing and fetches each row once (ExportMerge). One page is fetched ahead
 * while the previous one is written, and no more: memory stays at two pages per exchange.
 */
export class ExchangePages implements PageSource {
  private readonly plan: ShardPlan;
  private ahead: Promise<PageOutcome> | null;

  constructor(private readonly options: ExchangePagesOptions) {
    this.plan = options.router.planFor(EXPORT_QUERY, undefined, true);
    this.ahead = this.fetch(null);
  }

  get exchange(): string {
    return this.options.exchange;
  }

  /** The next page (already on its way); the one after it is asked for at once when there is one. */
  async next(): Promise<PageOutcome | null> {
    if (!this.ahead) return null;
    const outcome = await this.ahead;
    this.ahead = outcome.kind === 'page' && outcome.hasNextPage && outcome.endCursor ? this.fetch(outcome.endCursor) : null;
    return outcome;
  }

  stop(): void {
    // A page already asked for is not awaited; its rejection, if any, is ignored.
    this.ahead?.catch(() => undefined);
    this.ahead = null;
  }

  private async fetch(after: string | null): Promise<PageOutcome> {
    const { router, exchange, filter, sort, pageSize, requestId } = this.options;
    const variables = { filter: { ...(filter ?? {}), exchanges: [exchange] }, sort, first: Math.min(pageSize, MAX_DATASETS_PAGE), after };
    let outcome: Awaited<ReturnType<ShardRouter['execute']>>;
    try {
      outcome = await router.execute(this.plan, variables, { requestId });
    } catch (err) {
      return { kind: 'failed', exchange, code: 'EXCHANGE_BAD_RESPONSE', message: `exchange ${exchange} could not be read: ${(err as Error).message}` };
    }
    const badInput = outcome.errors.find((e) => e.extensions?.code === 'BAD_USER_INPUT');
    if (badInput) return { kind: 'badInput', message: badInput.message };
    const failure = outcome.errors.find((e) => String(e.extensions?.code ?? '').startsWith('EXCHANGE_'));
    const connection = outcome.data?.datasets as ExportConnection | null | undefined;
    if (failure || !connection) {
      return {
        kind: 'failed',
        exchange,
        code: String(failure?.extensions?.code ?? 'EXCHANGE_BAD_RESPONSE'),
        message: failure?.message ?? `exchange ${exchange} gave no datasets`,
      };
    }
    const rows: PositionedNode[] = [];
    for (const edge of connection.edges) {
      const position = decodeCursor(edge.cursor, sort);
      // The router's answer checks have already refused foreign cursors; this keeps the types honest.
      if (typeof position === 'string' || !edge.node) {
        return { kind: 'failed', exchange, code: 'EXCHANGE_BAD_RESPONSE', message: `exchange ${exchange} gave a bad response: ${position}` };
      }
      rows.push({ key: position.key, id: position.id, node: edge.node, index: 0 });
    }
    const { encode } = this.options;
    return {
      kind: 'page',
      rows: encode ? encode(rows) : rows,
      hasNextPage: Boolean(connection.pageInfo?.hasNextPage),
      endCursor: connection.pageInfo?.endCursor ?? null,
    };
  }
}
