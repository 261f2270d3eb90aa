import { CURRENCY } from '../../shared/domain.ts';
import { SORT_SPECS, encodeCursor } from '../../shared/datasetOrder.ts';
import { DATASET_ROW_COLUMNS, DEFAULT_DATASET_ROWS_PAGE, MAX_DATASET_ROWS_PAGE } from '../../shared/datasetRows.ts';
import type { DatasetRow, StoreSession } from './store/DatasetStore.ts';
import { requireTextForRelevance, type DatasetFilterInput } from './store/filterSql.ts';
import { checkPageArgs, type PageArgs } from './connection.ts';

/** The columns a page is found by: the order's keys and the rowid (the rows' text is read after, by rowid). */
const PAGE_COLUMNS = ['rowid', 'id', 'updated_ms', 'price_asc', 'price_desc', 'title'];

/** A decimal amount (formatMicros: at least two decimals, no trailing zeros past them) from micro-yuan. */
const AMOUNT_SQL = `CASE WHEN d.price_micros IS NULL THEN NULL ELSE (d.price_micros / 1000000) || '.' ||
  substr(printf('%06d', d.price_micros % 1000000), 1, max(2, length(rtrim(printf('%06d', d.price_micros % 1000000), '0')))) END`;
const BOOLEAN_SQL = (column: string) => `json(CASE d.${column} WHEN 1 THEN 'true' ELSE 'false' END)`;

/**
 * The bulk rows (DATASET_ROW_COLUMNS) of the rows of `?` (a JSON array of [rowid, key] pairs in page
 * order), each written as JSON text by SQLite (json_array, in C) with its place in the page: one string
 * per listing on the JavaScript heap, not an object and a string per value. The JSON list columns
 * (keywords, spatial coverage) are stored as JSON and go in as JSON.
 */
const ROWS_SQL = `SELECT j.key, json_array(
    json(j.value -> 1), d.id, d.product_code, d.title, d.title_zh, d.description, d.description_zh, d.type, d.category,
    json(d.keywords), d.provider_uscc, d.security_level, d.personal_info, ${BOOLEAN_SQL('contains_minors')}, d.data_origin,
    d.delivery, d.update_frequency, json(d.spatial_coverage), d.price_model, ${AMOUNT_SQL}, '${CURRENCY}',
    ${BOOLEAN_SQL('compliance_assessed')}, d.listed_at, d.updated_at
  ) FROM json_each(?) j JOIN datasets d ON d.rowid = (j.value ->> 0)`;

/** The page's rows as one JSON array text, in page order. */
function rowsText(session: StoreSession, pairs: Array<[number, number | string]>): string {
  if (pairs.length === 0) return '[]';
  const texts = new Array<string>(pairs.length);
  for (const [at, text] of session.rawAll<[number, string]>(ROWS_SQL, [JSON.stringify(pairs)])) texts[at] = text;
  return `[${texts.join(',')}]`;
}

export type DatasetRowsArgs = PageArgs & { filter?: DatasetFilterInput | null };

/**
 * Query.datasetRows: the page `datasets` would answer for the same filter, sort and cursor (the same
 * StoreSession.page, so the same rows in the same order), as one JSON text of bulk rows. No GraphQL
 * field is executed per listing: a page costs two SQL statements (find the rows, write their text) and one string.
 */
export function datasetRows(session: StoreSession, args: DatasetRowsArgs) {
  const page = checkPageArgs(args, '', { default: DEFAULT_DATASET_ROWS_PAGE, max: MAX_DATASET_ROWS_PAGE });
  requireTextForRelevance(page.sort, args.filter);
  // limit + 1 rows are found: the last one only tells whether more follow.
  const rows = session.page({ filter: args.filter, sort: page.sort, limit: page.first, after: page.after, columns: PAGE_COLUMNS });
  const kept = rows.length > page.first ? rows.slice(0, page.first) : rows;
  const column = SORT_SPECS[page.sort].column;
  const keyOf = (row: DatasetRow) => (page.sort === 'RELEVANCE' ? Number(row.rank ?? 0) : (row[column] as number | string));
  const last = kept.at(-1);
  return {
    columns: DATASET_ROW_COLUMNS,
    rows: rowsText(
      session,
      kept.map((row) => [row.rowid, keyOf(row)]),
    ),
    hasNextPage: rows.length > page.first,
    endCursor: last ? encodeCursor({ sort: page.sort, key: keyOf(last), id: last.id }) : null,
  };
}
