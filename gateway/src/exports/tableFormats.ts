import { EXPORT_COLUMNS, csvLine, ndjsonLine, rowValues } from './exportColumns.ts';
import type { ExportChunk, ExportFormat } from './exportStream.ts';

const UTF8_BOM = '\uFEFF';

function lines(chunk: ExportChunk, line: (values: unknown[]) => string): string {
  let text = '';
  for (const node of chunk.nodes) text += line(rowValues(node, node.provider?.uscc ? chunk.providers.get(node.provider.uscc) : undefined));
  return text;
}

/** GET /export/datasets.csv: RFC 4180, a header row, UTF-8 (bom=1 puts a byte order mark first, for Excel). */
export const csvFormat: ExportFormat = {
  contentType: 'text/csv; charset=utf-8; header=present',
  fileName: 'datasets.csv',
  parameters: ['filter', 'sort', 'partial', 'bom'],
  layout: 'merged',
  head: (args) => (args.bom ? UTF8_BOM : '') + csvLine(EXPORT_COLUMNS),
  rows: (chunk) => lines(chunk, csvLine),
  tail: () => '',
};

/** GET /export/datasets.ndjson: one JSON object per line, the CSV's columns as keys. */
export const ndjsonFormat: ExportFormat = {
  contentType: 'application/x-ndjson; charset=utf-8',
  fileName: 'datasets.ndjson',
  parameters: ['filter', 'sort', 'partial'],
  layout: 'merged',
  head: () => '',
  rows: (chunk) => lines(chunk, ndjsonLine),
  tail: () => '',
};
