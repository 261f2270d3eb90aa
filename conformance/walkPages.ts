import { NODE_FIELDS, type ListingNode, type Sort } from './contractOrder.ts';
import type { GraphQLClient } from './GraphQLClient.ts';

export type Filter = Record<string, unknown>;

export interface Walk {
  sort: Sort;
  filter: Filter;
  pageSize: number;
  edges: Array<{ cursor: string; node: ListingNode; page: number }>;
  pages: Array<{ totalCount: number; hasNextPage: boolean; endCursor: string | null; edgeCount: number; after: string | null }>;
  /** True when the walk reached a page with hasNextPage false (it saw the whole filtered set). */
  complete: boolean;
}

export const DATASETS_QUERY = `query Conformance($filter: DatasetFilter, $sort: DatasetSort, $first: Int, $after: String) {
  datasets(filter: $filter, sort: $sort, first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor } edges { cursor node { ${NODE_FIELDS} } }
  }
}`;

export interface Page {
  totalCount: number;
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
  edges: Array<{ cursor: string; node: ListingNode }>;
}

export async function fetchPage(client: GraphQLClient, args: { filter?: Filter; sort: Sort; first: number; after?: string | null }): Promise<Page> {
  const data = await client.data<{ datasets: Page }>(DATASETS_QUERY, {
    filter: args.filter ?? null,
    sort: args.sort,
    first: args.first,
    after: args.after ?? null,
  });
  return data.datasets;
}

/** Follows endCursor from the first page until hasNextPage is false or `maxPages` pages were read. */
export async function walkPages(
  client: GraphQLClient,
  args: { sort: Sort; filter: Filter; pageSize: number; maxPages: number; onPage?: (page: Page) => void },
): Promise<Walk> {
  const walk: Walk = { sort: args.sort, filter: args.filter, pageSize: args.pageSize, edges: [], pages: [], complete: false };
  let after: string | null = null;
  for (let n = 0; n < args.maxPages; n++) {
    const page = await fetchPage(client, { filter: args.filter, sort: args.sort, first: args.pageSize, after });
    args.onPage?.(page);
    walk.pages.push({
      totalCount: page.totalCount,
      hasNextPage: page.pageInfo.hasNextPage,
      endCursor: page.pageInfo.endCursor,
      edgeCount: page.edges.length,
      after,
    });
    for (const edge of page.edges) {
      if (edge) walk.edges.push({ cursor: edge.cursor, node: edge.node, page: n + 1 });
    }
    if (!page.pageInfo.hasNextPage) {
      walk.complete = true;
      break;
    }
    // A page that claims more but gives no cursor cannot be followed: the check reports it.
    if (!page.pageInfo.endCursor || page.edges.length === 0) break;
    after = page.pageInfo.endCursor;
  }
  return walk;
}

export function describeWalk(walk: Walk): string {
  const filter = Object.keys(walk.filter).length ? ` filter ${JSON.stringify(walk.filter)}` : '';
  return `sort ${walk.sort}${filter}, pages of ${walk.pageSize}`;
}
