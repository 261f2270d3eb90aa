import type { DatasetSort } from '../../shared/domain.ts';
import { encodeCursor, decodeCursor, SORT_SPECS, type CursorPosition } from '../../shared/datasetOrder.ts';
import { badUserInput } from '../../shared/errors.ts';
import type { DatasetRow } from './store/DatasetStore.ts';
import { toDataset } from './toDataset.ts';

export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;

export interface PageArgs {
  first?: number | null;
  after?: string | null;
  sort?: DatasetSort | null;
}

export interface CheckedPageArgs {
  first: number;
  sort: DatasetSort;
  after: CursorPosition | null;
}

/**
 * Validates `first`, `sort` and `after`; errors name the argument (prefixed by `path`, e.g. "datasets.").
 * `sizes`: the default and largest `first` (datasetRows reads larger pages than datasets).
 */
export function checkPageArgs(args: PageArgs, path = '', sizes = { default: DEFAULT_PAGE_SIZE, max: MAX_PAGE_SIZE }): CheckedPageArgs {
  const first = args.first ?? sizes.default;
  if (!Number.isInteger(first) || first < 0 || first > sizes.max) {
    throw badUserInput(`${path}first`, `must be between 0 and ${sizes.max}, got ${first}`);
  }
  const sort = args.sort ?? 'UPDATED_DESC';
  let after: CursorPosition | null = null;
  if (args.after !== null && args.after !== undefined) {
    const decoded = decodeCursor(args.after, sort);
    if (typeof decoded === 'string') throw badUserInput(`${path}after`, decoded);
    after = decoded;
  }
  return { first, sort, after };
}

export function cursorOf(row: DatasetRow, sort: DatasetSort): string {
  const column = SORT_SPECS[sort].column;
  const key = sort === 'RELEVANCE' ? Number(row.rank ?? 0) : (row[column] as number | string);
  return encodeCursor({ sort, key, id: row.id });
}

/** A DatasetConnection from rows of a page read with limit first + 1. */
export function toConnection(rows: DatasetRow[], page: CheckedPageArgs, totalCount: () => number) {
  const kept = rows.slice(0, page.first);
  const edges = kept.map((row) => ({ cursor: cursorOf(row, page.sort), node: toDataset(row) }));
  return {
    edges,
    nodes: edges.map((edge) => edge.node),
    pageInfo: { hasNextPage: rows.length > page.first, endCursor: edges.at(-1)?.cursor ?? null },
    totalCount,
    missingExchanges: [] as string[],
  };
}
