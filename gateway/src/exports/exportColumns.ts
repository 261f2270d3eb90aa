import type { ExportNode } from './ExchangePages.ts';
import type { ProviderFacts } from './ProviderNames.ts';

/**
 * The columns of both exports, in order (docs/exports.md documents each): every scalar field of Dataset,
 * the exchange, the provider's USCC, names and kind, and the current price flattened. priceHistory is left
 * out (a list of objects per row; the GraphQL API has it).
 */
export const EXPORT_COLUMNS = [
  'id',
  'exchange',
  'productCode',
  'title',
  'titleZh',
  'description',
  'descriptionZh',
  'type',
  'category',
  'keywords',
  'providerUscc',
  'providerName',
  'providerNameZh',
  'providerKind',
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
] as const;

/** Lists (keywords, spatialCoverage) in one CSV cell, joined by this. */
export const CSV_LIST_SEPARATOR = ';';

/** One row's values by column: lists stay lists, booleans booleans, amounts decimal strings (never floats). */
export function rowValues(node: ExportNode, provider: ProviderFacts | undefined): unknown[] {
  const id = String(node.id);
  return [
    id,
    id.slice(0, id.indexOf(':')),
    node.productCode,
    node.title,
    node.titleZh,
    node.description,
    node.descriptionZh,
    node.type,
    node.category,
    node.keywords,
    node.provider?.uscc ?? null,
    provider?.name ?? null,
    provider?.nameZh ?? null,
    provider?.kind ?? null,
    node.securityLevel,
    node.personalInfo,
    node.containsMinorsData,
    node.dataOrigin,
    node.delivery,
    node.updateFrequency,
    node.spatialCoverage,
    node.price?.model ?? null,
    node.price?.amount ?? null,
    node.price?.currency ?? null,
    node.complianceAssessed,
    node.listedAt,
    node.updatedAt,
  ];
}

const NEEDS_QUOTES = /[",\r\n]/;

/** One CSV field (RFC 4180): quoted, with quotes doubled, when it holds a quote, a comma or a line break. */
function csvField(value: unknown): string {
  if (value === null || value === undefined) return '';
  const text = Array.isArray(value) ? value.join(CSV_LIST_SEPARATOR) : String(value);
  return NEEDS_QUOTES.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** RFC 4180 lines end in CRLF. */
export function csvLine(values: readonly unknown[]): string {
  let line = '';
  for (let i = 0; i < values.length; i++) line += (i === 0 ? '' : ',') + csvField(values[i]);
  return `${line}\r\n`;
}
