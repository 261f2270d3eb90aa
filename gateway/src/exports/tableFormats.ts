import { EXPORT_COLUMNS, csvLine, rowValues } from './exportColumns.ts';
import type { ExportFormat } from './exportStream.ts';
import { writeRows, type RowEncoder } from './encodedRows.ts';
import type { ExportNode } from './ExchangePages.ts';

const UTF8_BOM = '\uFEFF';
/** The provider's columns (providerName, providerNameZh, providerKind) sit between the head and the tail. */
const PROVIDER_FIRST = EXPORT_COLUMNS.indexOf('providerName');
const PROVIDER_END = EXPORT_COLUMNS.indexOf('providerKind') + 1;

/** A listing's values by column, the provider's own columns left null (they are the encoder's `provider` part). */
const valuesOf = (node: ExportNode) => rowValues(node, undefined);

/** CSV lines cut around the provider's columns: csvLine of the head's, provider's and tail's values, joined by commas. */
const csvEncoder: RowEncoder = {
  parts: (node) => {
    const values = valuesOf(node);
    return [`${csvLine(values.slice(0, PROVIDER_FIRST)).slice(0, -2)},`, csvLine(values.slice(PROVIDER_END))];
  },
  provider: (facts) => `${csvLine([facts?.name ?? null, facts?.nameZh ?? null, facts?.kind ?? null]).slice(0, -2)},`,
};

/** The NDJSON object cut the same way: keys in the columns' order, as one JSON.stringify of the whole record would put them. */
const ndjsonEncoder: RowEncoder = {
  parts: (node) => {
    const values = valuesOf(node);
    return [ndjsonPart(values, 0, PROVIDER_FIRST).slice(0, -1), `,${ndjsonPart(values, PROVIDER_END, EXPORT_COLUMNS.length).slice(1)}\n`];
  },
  provider: (facts) =>
    `,${JSON.stringify({ providerName: facts?.name ?? null, providerNameZh: facts?.nameZh ?? null, providerKind: facts?.kind ?? null }).slice(1, -1)}`,
};

/** The JSON object of columns [from, to) of a row's values (absent values as null). */
function ndjsonPart(values: readonly unknown[], from: number, to: number): string {
  const record: Record<string, unknown> = {};
  for (let i = from; i < to; i++) record[EXPORT_COLUMNS[i]] = values[i] ?? null;
  return JSON.stringify(record);
}

/** GET /export/datasets.csv: RFC 4180, a header row, UTF-8 (bom=1 puts a byte order mark first, for Excel). */
export const csvFormat: ExportFormat = {
  contentType: 'text/csv; charset=utf-8; header=present',
  fileName: 'datasets.csv',
  parameters: ['filter', 'sort', 'partial', 'bom'],
  layout: 'merged',
  encoder: csvEncoder,
  head: (args) => (args.bom ? UTF8_BOM : '') + csvLine(EXPORT_COLUMNS),
  rows: (chunk) => writeRows(chunk.rows, chunk.providers, csvEncoder),
  tail: () => '',
};

/** GET /export/datasets.ndjson: one JSON object per line, the CSV's columns as keys. */
export const ndjsonFormat: ExportFormat = {
  contentType: 'application/x-ndjson; charset=utf-8',
  fileName: 'datasets.ndjson',
  parameters: ['filter', 'sort', 'partial'],
  layout: 'merged',
  encoder: ndjsonEncoder,
  head: () => '',
  rows: (chunk) => writeRows(chunk.rows, chunk.providers, ndjsonEncoder),
  tail: () => '',
};
