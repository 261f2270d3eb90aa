import { CURRENCY } from '../../shared/domain.ts';
import { formatMicros } from '../../shared/money.ts';
import { SORT_SPECS, encodeCursor } from '../../shared/datasetOrder.ts';
import { DATASET_ROW_COLUMNS, DEFAULT_DATASET_ROWS_PAGE, MAX_DATASET_ROWS_PAGE } from '../../shared/datasetRows.ts';
import type { DatasetRow, StoreSession } from './store/DatasetStore.ts';
import { requireTextForRelevance, type DatasetFilterInput } from './store/filterSql.ts';
import { checkPageArgs, type PageArgs } from './connection.ts';

/** The store columns a bulk row is built from (every sort key too: the row's key is one of them). */
const STORE_COLUMNS = [
  'id',
  'product_code',
  'title',
  'title_zh',
  'description',
  'description_zh',
  'type',
  'category',
  'keywords',
  'provider_uscc',
  'security_level',
  'personal_info',
  'contains_minors',
  'data_origin',
  'delivery',
  'update_frequency',
  'spatial_coverage',
  'price_model',
  'price_micros',
  'compliance_assessed',
  'listed_at',
  'updated_at',
  'updated_ms',
  'price_asc',
  'price_desc',
];

const CURRENCY_JSON = JSON.stringify(CURRENCY);
const text = JSON.stringify;

/**
 * One listing as a bulk row (DATASET_ROW_COLUMNS), written as JSON text straight from its store row: the
 * JSON list columns (keywords, spatial coverage) are stored as JSON arrays and go in as they are.
 */
function rowJson(row: DatasetRow, key: number | string): string {
  const amount = row.price_micros === null ? 'null' : `"${formatMicros(row.price_micros)}"`;
  return `[${typeof key === 'number' ? key : text(key)},${text(row.id)},${text(row.product_code)},${text(row.title)},${text(row.title_zh)},${text(row.description)},${text(
    row.description_zh,
  )},${text(row.type)},${text(row.category)},${row.keywords},${text(row.provider_uscc)},${text(row.security_level)},${text(row.personal_info)},${
    row.contains_minors === 1
  },${text(row.data_origin)},${text(row.delivery)},${text(row.update_frequency)},${row.spatial_coverage},${text(row.price_model)},${amount},${CURRENCY_JSON},${
    row.compliance_assessed === 1
  },${text(row.listed_at)},${text(row.updated_at)}]`;
}

export type DatasetRowsArgs = PageArgs & { filter?: DatasetFilterInput | null };

/**
 * Query.datasetRows: the page `datasets` would answer for the same filter, sort and cursor (the same
 * StoreSession.page, so the same rows in the same order), as one JSON text of bulk rows. No GraphQL
 * field is executed per listing: a page of 1,000 costs one SQL statement and one string.
 */
export function datasetRows(session: StoreSession, args: DatasetRowsArgs) {
  const page = checkPageArgs(args, '', { default: DEFAULT_DATASET_ROWS_PAGE, max: MAX_DATASET_ROWS_PAGE });
  requireTextForRelevance(page.sort, args.filter);
  // limit + 1 rows are read: the last one only tells whether more follow.
  const rows = session.page({ filter: args.filter, sort: page.sort, limit: page.first, after: page.after, columns: STORE_COLUMNS });
  const kept = rows.length > page.first ? rows.slice(0, page.first) : rows;
  const column = SORT_SPECS[page.sort].column;
  const keyOf = (row: DatasetRow) => (page.sort === 'RELEVANCE' ? Number(row.rank ?? 0) : (row[column] as number | string));
  const parts = kept.map((row) => rowJson(row, keyOf(row)));
  const last = kept.at(-1);
  return {
    columns: DATASET_ROW_COLUMNS,
    rows: `[${parts.join(',')}]`,
    hasNextPage: rows.length > page.first,
    endCursor: last ? encodeCursor({ sort: page.sort, key: keyOf(last), id: last.id }) : null,
  };
}
