import { DATASET_TYPES, type ExchangeInfo } from '../../../shared/domain.ts';
import type { ExportChunk, ExportFormat } from './exportStream.ts';
import { nodeOf } from './encodedRows.ts';
import type { ProviderFacts } from './ProviderNames.ts';
import type { ExportNode } from './ExchangePages.ts';

/**
 * The JSON-LD context, inline: nothing is fetched to read the export (a remote context would make every
 * reader depend on the network). Terms are compact IRIs with these prefixes; `cdx:` holds the catalog's
 * own codes (categories, pricing models), published under the gateway's /export/vocab#.
 */
export function catalogContext(base: string): Record<string, unknown> {
  return {
    dcat: 'http://www.w3.org/ns/dcat#',
    dct: 'http://purl.org/dc/terms/',
    foaf: 'http://xmlns.com/foaf/0.1/',
    odrl: 'http://www.w3.org/ns/odrl/2/',
    xsd: 'http://www.w3.org/2001/XMLSchema#',
    cdx: `${base}/export/vocab#`,
  };
}

const CJK = /[\u3400-\u9fff]/;
const SERVICE_TYPE = 'DATA_SERVICE';

const text = (value: string, language: 'en' | 'zh') => ({ '@value': value, '@language': language });
const dateTime = (value: string) => ({ '@value': value, '@type': 'xsd:dateTime' });
const code = (value: string) => ({ '@id': `cdx:${value}` });

/** Keywords carry no language of their own: a keyword with Chinese characters is tagged zh, any other en. */
function keywords(list: string[]): Array<Record<string, string>> {
  return list.map((k) => text(k, CJK.test(k) ? 'zh' : 'en'));
}

/**
 * The price as an ODRL offer: the permission to use the product, with the duty to pay the amount (odrl:
 * compensate, constrained by odrl:payAmount in the currency). NEGOTIABLE has no amount: the offer names
 * only its model. FREE is an amount of 0.00.
 */
function offer(id: string, price: { model: string; amount: string | null; currency: string } | null): Record<string, unknown> | null {
  if (!price) return null;
  const duty =
    price.amount === null
      ? []
      : [
          {
            'odrl:action': { '@id': 'odrl:compensate' },
            'odrl:constraint': {
              'odrl:leftOperand': { '@id': 'odrl:payAmount' },
              'odrl:operator': { '@id': 'odrl:eq' },
              'odrl:rightOperand': { '@value': price.amount, '@type': 'xsd:decimal' },
              'odrl:unit': { '@id': `cdx:currency-${price.currency}` },
            },
          },
        ];
  return {
    '@id': `${id}#offer`,
    '@type': 'odrl:Offer',
    'cdx:pricingModel': code(price.model),
    'odrl:permission': { 'odrl:action': { '@id': 'odrl:use' }, ...(duty.length ? { 'odrl:duty': duty } : {}) },
  };
}

function publisher(uscc: string | null, facts: ProviderFacts | undefined): Record<string, unknown> | null {
  if (!uscc) return null;
  const names = [...(facts?.name ? [text(facts.name, 'en')] : []), ...(facts?.nameZh ? [text(facts.nameZh, 'zh')] : [])];
  return {
    '@id': `urn:uscc:${uscc}`,
    '@type': 'foaf:Organization',
    'dct:identifier': uscc,
    ...(names.length ? { 'foaf:name': names } : {}),
    ...(facts?.kind ? { 'dct:type': code(facts.kind) } : {}),
  };
}

/** One listing as a dcat:Dataset, or a dcat:DataService when it is an API product (type DATA_SERVICE). */
export function datasetNode(node: ExportNode, providers: Map<string, ProviderFacts>, base: string): Record<string, unknown> {
  const id = `${base}/export/catalog.jsonld#${encodeURIComponent(node.id)}`;
  const isService = node.type === 'DATA_SERVICE';
  const uscc = node.provider?.uscc ?? null;
  const price = offer(id, node.price);
  const who = publisher(uscc, uscc ? providers.get(uscc) : undefined);
  return {
    '@id': id,
    '@type': isService ? 'dcat:DataService' : 'dcat:Dataset',
    'dct:identifier': node.id,
    'dct:title': [text(node.title, 'en'), text(node.titleZh, 'zh')],
    'dct:description': [text(node.description, 'en'), text(node.descriptionZh, 'zh')],
    'dcat:keyword': keywords(node.keywords ?? []),
    'dcat:theme': code(node.category),
    'dct:type': code(node.type),
    ...(who ? { 'dct:publisher': who } : {}),
    'dct:issued': dateTime(node.listedAt),
    'dct:modified': dateTime(node.updatedAt),
    'dct:accrualPeriodicity': code(node.updateFrequency),
    'dct:spatial': (node.spatialCoverage ?? []).map((division: string) => ({ '@id': `cdx:division-${division}` })),
    'cdx:productCode': node.productCode,
    'cdx:securityLevel': code(node.securityLevel),
    'cdx:personalInfo': code(node.personalInfo),
    'cdx:containsMinorsData': node.containsMinorsData,
    'cdx:dataOrigin': code(node.dataOrigin),
    'cdx:delivery': code(node.delivery),
    'cdx:complianceAssessed': node.complianceAssessed,
    // The listing is reached through the gateway's public API: for a service its endpoint, for a dataset a landing page.
    ...(isService
      ? { 'dcat:endpointURL': { '@id': `${base}/graphql` }, 'dcat:endpointDescription': { '@id': `${base}/schema.graphql` } }
      : { 'dcat:landingPage': { '@id': `${base}/graphql?query=${encodeURIComponent(`{dataset(id:${JSON.stringify(node.id)}){id title}}`)}` } }),
    ...(price ? { 'odrl:hasPolicy': price } : {}),
  };
}

export interface CatalogFormatOptions {
  /** The gateway's public base URL, e.g. http://localhost:4000: every IRI is built on it. */
  base: string;
  /** The registered exchanges' names (the sub-catalogs' titles and publishers). */
  exchangeInfo: (id: string) => ExchangeInfo | undefined;
  /** When the export was made (the top catalog's dct:modified). */
  now?: () => Date;
}

/**
 * GET /export/catalog.jsonld: a dcat:Catalog whose dcat:catalog holds one sub-catalog per exchange, each
 * listing its products under dcat:dataset (or dcat:service for API products). Written as it is read: the
 * head, then each exchange's sub-catalog with its listings in the order asked for, then the tail.
 */
export function catalogFormat(options: CatalogFormatOptions): ExportFormat {
  const { base } = options;
  const subCatalogId = (exchange: string) => `${base}/export/catalog.jsonld#exchange-${exchange}`;
  let firstInGroup = true;
  return {
    contentType: 'application/ld+json; charset=utf-8',
    fileName: 'catalog.jsonld',
    parameters: ['filter', 'sort', 'partial'],
    layout: 'byExchange',
    // Each exchange is read twice: its datasets (dcat:dataset), then its API products (dcat:service), so
    // that both lists stream and nothing is held back to be listed later.
    parts: (filter) => {
      const types = (filter?.types as string[] | null | undefined)?.length ? (filter!.types as string[]) : [...DATASET_TYPES];
      const datasets = types.filter((t) => t !== SERVICE_TYPE);
      const services = types.filter((t) => t === SERVICE_TYPE);
      return [
        { name: 'dcat:dataset', filter: datasets.length ? { ...filter, types: datasets } : null },
        { name: 'dcat:service', filter: services.length ? { ...filter, types: services } : null },
      ];
    },
    head: (_args, exchanges) => {
      const head = {
        '@context': catalogContext(base),
        '@id': `${base}/export/catalog.jsonld`,
        '@type': 'dcat:Catalog',
        'dct:title': [text("China's regional data exchanges: one catalog", 'en'), text('中国区域数据交易所统一目录', 'zh')],
        'dct:description': [
          text('The data products listed on every registered exchange, joined by the catalog gateway.', 'en'),
          text('各登记数据交易所挂牌的数据产品，由目录网关汇总。', 'zh'),
        ],
        'dct:publisher': { '@id': `${base}/#gateway`, '@type': 'foaf:Organization', 'foaf:name': text('Data exchange catalog gateway', 'en') },
        'dct:modified': dateTime((options.now?.() ?? new Date()).toISOString()),
        // In DCAT 3 a catalog is a dataset: the sub-catalogs are this catalog's datasets too.
        'dcat:dataset': exchanges.map((e) => ({ '@id': subCatalogId(e) })),
      };
      return `${JSON.stringify(head).slice(0, -1)},"dcat:catalog":[`;
    },
    group: ({ exchange, part, edge, firstExchange }) => {
      firstInGroup = true;
      if (edge === 'close') return part === 'dcat:service' ? ']}' : ']';
      if (part !== 'dcat:dataset') return `,${JSON.stringify(part)}:[`;
      const info = options.exchangeInfo(exchange);
      const opening = {
        '@id': subCatalogId(exchange),
        '@type': 'dcat:Catalog',
        'dct:identifier': exchange,
        'dct:title': [text(info?.name ?? exchange, 'en'), text(info?.nameZh ?? exchange, 'zh')],
        'dct:description': [
          text(`Data products listed on ${info?.name ?? exchange}${info?.city ? ` (${info.city})` : ''}, as it answers the gateway.`, 'en'),
          text(`${info?.nameZh ?? exchange}挂牌的数据产品。`, 'zh'),
        ],
        'dct:publisher': {
          '@id': `${subCatalogId(exchange)}-publisher`,
          '@type': 'foaf:Organization',
          'foaf:name': [text(info?.name ?? exchange, 'en'), text(info?.nameZh ?? exchange, 'zh')],
        },
        ...(info?.divisionCode ? { 'dct:spatial': { '@id': `cdx:division-${info.divisionCode}` } } : {}),
      };
      return `${firstExchange ? '' : ','}${JSON.stringify(opening).slice(0, -1)},"dcat:dataset":[`;
    },
    rows: (chunk: ExportChunk) => {
      let out = '';
      for (const row of chunk.rows) {
        const item = datasetNode(nodeOf(row), chunk.providers, base);
        out += (firstInGroup ? '' : ',') + JSON.stringify(item);
        firstInGroup = false;
      }
      return out;
    },
    tail: () => ']}',
  };
}
