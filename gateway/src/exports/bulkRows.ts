import {
  CATEGORIES,
  DATASET_TYPES,
  DATA_ORIGINS,
  DELIVERIES,
  PERSONAL_INFO,
  PRICING_MODELS,
  SECURITY_LEVELS,
  UPDATE_FREQUENCIES,
  type DatasetSort,
} from '../../../shared/domain.ts';
import { SORT_SPECS, comparePositions, decodeCursor, type SortKey } from '../../../shared/datasetOrder.ts';
import { DATASET_ROW_COLUMNS } from '../../../shared/datasetRows.ts';
import { DATASET_ROWS } from '../../../schema/mergeRules.ts';
import type { ExportNode, PositionedNode } from './ExchangePages.ts';

/** How each bulk row column is checked: its JSON type, and for enum columns the values the contract allows. */
type ColumnRule = 'key' | 'id' | 'string' | 'strings' | 'boolean' | 'stringOrNull' | ReadonlySet<string>;

const RULES: Record<(typeof DATASET_ROW_COLUMNS)[number], ColumnRule> = {
  key: 'key',
  id: 'id',
  productCode: 'string',
  title: 'string',
  titleZh: 'string',
  description: 'string',
  descriptionZh: 'string',
  type: new Set(DATASET_TYPES),
  category: new Set(CATEGORIES),
  keywords: 'strings',
  providerUscc: 'string',
  securityLevel: new Set(SECURITY_LEVELS),
  personalInfo: new Set(PERSONAL_INFO),
  containsMinorsData: 'boolean',
  dataOrigin: new Set(DATA_ORIGINS),
  delivery: new Set(DELIVERIES),
  updateFrequency: new Set(UPDATE_FREQUENCIES),
  spatialCoverage: 'strings',
  priceModel: new Set(PRICING_MODELS),
  priceAmount: 'stringOrNull',
  priceCurrency: 'string',
  complianceAssessed: 'boolean',
  listedAt: 'string',
  updatedAt: 'string',
};
const COLUMN_RULES = DATASET_ROW_COLUMNS.map((column) => RULES[column]);
const COLUMNS_TEXT = DATASET_ROW_COLUMNS.join(',');

export interface RowPage {
  rows: PositionedNode[];
  hasNextPage: boolean;
  endCursor: string | null;
}

/** What a page is read against: the exchange (its id prefix), the sort, the cursor asked after, the size asked. */
export interface RowPageRequest {
  exchange: string;
  sort: DatasetSort;
  after: { key: SortKey; id: string } | null;
  first: number;
}

/** What is wrong with one value of a row (null when nothing), by its column's rule. */
function valueProblem(rule: ColumnRule, value: unknown, request: RowPageRequest): string | null {
  switch (rule) {
    case 'key':
      return SORT_SPECS[request.sort].keyType === 'number'
        ? typeof value === 'number' && Number.isFinite(value)
          ? null
          : 'not a finite number'
        : typeof value === 'string'
          ? null
          : 'not a string';
    case 'id':
      return typeof value === 'string' && value.startsWith(`${request.exchange}:`) && value.length > request.exchange.length + 1
        ? null
        : `not an id of exchange ${request.exchange}`;
    case 'string':
      return typeof value === 'string' ? null : 'not a string';
    case 'stringOrNull':
      return value === null || typeof value === 'string' ? null : 'not a string or null';
    case 'boolean':
      return typeof value === 'boolean' ? null : 'not a boolean';
    case 'strings':
      return Array.isArray(value) && value.every((item) => typeof item === 'string') ? null : 'not a list of strings';
    default:
      return typeof value === 'string' && rule.has(value) ? null : 'not a value of its enum';
  }
}

/** A checked row as the export's listing (ExportNode), with its place in the global order. */
function toPositioned(row: unknown[]): PositionedNode {
  const id = row[1] as string;
  const node: ExportNode = {
    id,
    productCode: row[2] as string,
    title: row[3] as string,
    titleZh: row[4] as string,
    description: row[5] as string,
    descriptionZh: row[6] as string,
    type: row[7] as string,
    category: row[8] as string,
    keywords: row[9] as string[],
    provider: { uscc: row[10] as string },
    securityLevel: row[11] as string,
    personalInfo: row[12] as string,
    containsMinorsData: row[13] as boolean,
    dataOrigin: row[14] as string,
    delivery: row[15] as string,
    updateFrequency: row[16] as string,
    spatialCoverage: row[17] as string[],
    price: { model: row[18] as string, amount: row[19] as string | null, currency: row[20] as string },
    complianceAssessed: row[21] as boolean,
    listedAt: row[22] as string,
    updatedAt: row[23] as string,
  };
  return { key: row[0] as SortKey, id, node, index: 0 };
}

/** The rows of a page's JSON text, each checked (shape, id prefix, order strictly after the one before); a string says what is wrong. */
function readRows(text: string, request: RowPageRequest): PositionedNode[] | string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return 'rows is not JSON';
  }
  if (!Array.isArray(parsed)) return 'rows is not a JSON array';
  if (parsed.length > request.first) return `rows holds ${parsed.length} rows, more than the ${request.first} asked for`;
  const rows: PositionedNode[] = [];
  let previous: { key: SortKey; id: string } | null = request.after;
  for (let r = 0; r < parsed.length; r++) {
    const row: unknown = parsed[r];
    if (!Array.isArray(row) || row.length !== COLUMN_RULES.length) return `row ${r} is not an array of ${COLUMN_RULES.length} values`;
    for (let c = 0; c < COLUMN_RULES.length; c++) {
      const problem = valueProblem(COLUMN_RULES[c], row[c], request);
      if (problem) return `row ${r} ${DATASET_ROW_COLUMNS[c]}: ${problem}`;
    }
    const positioned = toPositioned(row);
    if (previous && comparePositions(request.sort, previous, positioned) >= 0) {
      return `row ${r} (${positioned.id}) is not after ${previous.id} in the order of ${request.sort}`;
    }
    rows.push(positioned);
    previous = positioned;
  }
  return rows;
}

/**
 * One page of datasetRows read and checked as the gateway trusts nothing an exchange says: the columns
 * are the contract's, every row has the contract's shape, bears the exchange's id prefix and comes
 * strictly after the row before it (the first after the cursor asked for) in the sort's order, and
 * endCursor is the last row's position. What the k-way merge needs to be exact, at a few µs per row.
 */
export function readRowPage(value: unknown, request: RowPageRequest): RowPage | string {
  if (value === null || typeof value !== 'object') return 'the page is not an object';
  const page = value as Record<string, unknown>;
  const columns = page[DATASET_ROWS.columns];
  if (!Array.isArray(columns) || columns.join(',') !== COLUMNS_TEXT) return `columns are not ${COLUMNS_TEXT}`;
  const text = page[DATASET_ROWS.rows];
  if (typeof text !== 'string') return 'rows is not a string';
  const hasNextPage = page[DATASET_ROWS.hasNextPage];
  if (typeof hasNextPage !== 'boolean') return 'hasNextPage is not a boolean';
  const endCursor = page[DATASET_ROWS.endCursor] ?? null;
  const rows = readRows(text, request);
  if (typeof rows === 'string') return rows;
  const last = rows.at(-1);
  if (!last) return endCursor === null && !hasNextPage ? { rows, hasNextPage, endCursor } : 'an empty page has an endCursor or a next page';
  const position = typeof endCursor === 'string' ? decodeCursor(endCursor, request.sort) : 'not a string';
  if (typeof position === 'string' || position.id !== last.id || position.key !== last.key) return `endCursor is not the last row's position (${last.id})`;
  return { rows, hasNextPage, endCursor: endCursor as string };
}
