import type { CheckContext } from '../CheckContext.ts';
import { decodeCursor, type Sort } from '../contractOrder.ts';
import type { Filter } from '../walkPages.ts';

/** The bulk row columns, in order (docs/contract.md#bulk-rows). */
export const ROW_COLUMNS = [
  'key',
  'id',
  'productCode',
  'title',
  'titleZh',
  'description',
  'descriptionZh',
  'type',
  'category',
  'keywords',
  'providerUscc',
  'securityLevel',
  'personalInfo',
  'containsMinorsData',
  'dataOrigin',
  'delivery',
  'updateFrequency',
  'spatialCoverage',
  'priceModel',
  'priceAmount',
  'priceCurrency',
  'complianceAssessed',
  'listedAt',
  'updatedAt',
];

const EXPECTED_QUERY = `query($filter: DatasetFilter, $sort: DatasetSort, $first: Int, $after: String) {
  datasets(filter: $filter, sort: $sort, first: $first, after: $after) {
    pageInfo { hasNextPage endCursor }
    edges { cursor node { id productCode title titleZh description descriptionZh type category keywords provider { uscc }
      securityLevel personalInfo containsMinorsData dataOrigin delivery updateFrequency spatialCoverage
      price { model amount currency } complianceAssessed listedAt updatedAt } }
  }
}`;

const ROWS_QUERY = `query($filter: DatasetFilter, $sort: DatasetSort, $first: Int, $after: String) {
  datasetRows(filter: $filter, sort: $sort, first: $first, after: $after) { columns rows hasNextPage endCursor }
}`;

interface Edge {
  cursor: string;
  node: Record<string, any>;
}

/** The row datasetRows must give for an edge of datasets: the key from its cursor, then the fields. */
function rowOf(edge: Edge): unknown[] {
  const cursor = decodeCursor(edge.cursor);
  const n = edge.node;
  const values: Record<string, unknown> = {
    ...n,
    key: typeof cursor === 'string' ? null : cursor.key,
    providerUscc: n.provider?.uscc ?? null,
    priceModel: n.price?.model,
    priceAmount: n.price?.amount ?? null,
    priceCurrency: n.price?.currency,
  };
  return ROW_COLUMNS.map((column) => values[column]);
}

/** Up to `max` edges of datasets for the filter and sort, in pages of 100. */
async function datasetsEdges(ctx: CheckContext, filter: Filter, sort: Sort, max: number): Promise<{ edges: Edge[]; complete: boolean }> {
  const edges: Edge[] = [];
  let after: string | null = null;
  for (;;) {
    const page: { edges: Edge[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } } = (
      await ctx.client.data(EXPECTED_QUERY, { filter, sort, first: Math.min(100, max - edges.length), after })
    ).datasets;
    edges.push(...page.edges);
    if (!page.pageInfo.hasNextPage) return { edges, complete: true };
    if (edges.length >= max) return { edges, complete: false };
    after = page.pageInfo.endCursor;
  }
}

/**
 * datasetRows (gateway-only: the exports read every listing through it): for a filter and a sort, its
 * pages in a given size give the rows of datasets, in its order, each value as datasets answers it and
 * the key as in the cursor; `columns` is the contract's list, endCursor the cursor datasets gives the
 * same row, hasNextPage true exactly until the last row; a page larger than 5000 is BAD_USER_INPUT.
 */
export async function checkDatasetRows(ctx: CheckContext): Promise<void> {
  if (ctx.profile === 'registration') return checkRegistrationRows(ctx);
  const filter = await ctx.subsetFilter();
  for (const sort of ['UPDATED_DESC', 'PRICE_ASC', 'TITLE_ASC'] as const) {
    const expected = await datasetsEdges(ctx, filter, sort, 200);
    await compareRows(ctx, { filter, sort, pageSize: 13, expected });
  }
  {
    const answer = await ctx.client.query(ROWS_QUERY, { first: 5001 });
    const error = answer.errors?.[0];
    if (error?.extensions?.code !== 'BAD_USER_INPUT' || !error.message.startsWith('first'))
      ctx.fail(
        `datasetRows(first: 5001): expected a BAD_USER_INPUT error starting with "first", got ${JSON.stringify(answer.errors ?? answer.data).slice(0, 200)}`,
      );
  }
}

/**
 * The registration subset's one request: the listings the PRICE_ASC walk of the sort check saw (its
 * fields: every column but updateFrequency, spatialCoverage, complianceAssessed and listedAt), as one page.
 */
async function checkRegistrationRows(ctx: CheckContext): Promise<void> {
  const walk = ctx.walks.find((w) => w.sort === 'PRICE_ASC' && Object.keys(w.filter).length === 0 && w.edges.length > 0);
  const expected = walk ? { edges: walk.edges, complete: walk.complete } : await datasetsEdges(ctx, {}, 'PRICE_ASC', 20);
  await compareRows(ctx, { filter: {}, sort: 'PRICE_ASC', pageSize: expected.edges.length, expected });
}

async function compareRows(ctx: CheckContext, walk: { filter: Filter; sort: Sort; pageSize: number; expected: { edges: Edge[]; complete: boolean } }) {
  const { filter, sort, pageSize, expected } = walk;
  const asked = `datasetRows(sort: ${sort}${Object.keys(filter).length ? `, filter: ${JSON.stringify(filter)}` : ''}, first: ${pageSize})`;
  let after: string | null = null;
  let at = 0;
  while (at < expected.edges.length) {
    const page: { columns: unknown; rows: string; hasNextPage: boolean; endCursor: string | null } = (
      await ctx.client.data(ROWS_QUERY, { filter, sort, first: pageSize, after })
    ).datasetRows;
    if (JSON.stringify(page.columns) !== JSON.stringify(ROW_COLUMNS))
      ctx.fail(`${asked}: columns ${JSON.stringify(page.columns)}, expected ${JSON.stringify(ROW_COLUMNS)}`);
    let rows: unknown[][];
    try {
      rows = JSON.parse(page.rows);
    } catch {
      ctx.fail(`${asked}: rows is not JSON: ${String(page.rows).slice(0, 100)}`);
    }
    if (!Array.isArray(rows) || rows.length === 0 || rows.length > pageSize)
      ctx.fail(`${asked}: a page of ${Array.isArray(rows) ? rows.length : 'no'} rows before the end`);
    for (const row of rows) {
      const edge = expected.edges[at];
      if (!edge) break;
      const want = rowOf(edge);
      // A column the datasets query did not ask for (the registration walk's) is not compared.
      const compared = Array.isArray(row) ? row.map((value, i) => (want[i] === undefined ? undefined : value)) : row;
      if (JSON.stringify(compared) !== JSON.stringify(want))
        ctx.fail(`${asked}: row ${at} is ${JSON.stringify(row).slice(0, 300)}, datasets gives ${JSON.stringify(want).slice(0, 300)}`);
      at++;
    }
    const last = expected.edges[at - 1];
    if (page.endCursor !== last.cursor)
      ctx.fail(`${asked}: endCursor ${page.endCursor} after row ${at - 1}, datasets gives that row the cursor ${last.cursor}`);
    const more = at < expected.edges.length || !expected.complete;
    if (page.hasNextPage !== more)
      ctx.fail(`${asked}: hasNextPage ${page.hasNextPage} after row ${at - 1} of ${expected.edges.length}${expected.complete ? '' : '+'}`);
    after = page.endCursor;
  }
}
