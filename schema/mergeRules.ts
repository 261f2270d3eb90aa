/**
 * How the shard router spreads and merges each part of the exchange contract (schema/exchange.graphql): the
 * one place that says it; gateway/src/shards/ reads it and holds no field names of its own. The kinds of
 * route: docs/architecture.md#shard-routing-rules.
 * `perExchange` fields are gateway-only and answered apart per exchange (docs/providers.md).
 */
export type FieldMerge =
  | { route: 'fanOut'; merge: 'connection' | 'priceStats' | 'priceStatistics' | 'changeLog'; filterArgument: string }
  /** Grouped by productCode across exchanges over several calls of PRODUCTS.groupsField (docs/products.md). */
  | { route: 'fanOut'; merge: 'products'; filterArgument: string; datasetFilterField: string }
  | { route: 'byIdArgument'; argument: string }
  | { route: 'anyExchange' }
  | { route: 'perExchange'; filterArgument: string }
  /** Asked by the router of one exchange for itself, never planned from a client's query (catalogSummary). */
  | { route: 'none' };

/**
 * How the router sends an entity's representation to exchanges. A fan-out entity lives on every exchange;
 * `filterField` names the DatasetFilter field its key implies for its fan-out fields (a Provider's listings
 * are those whose providerUscc is its uscc), which lets the router prune by catalog summaries.
 */
export type EntityRoute = { route: 'byKeyPrefix'; key: string } | { route: 'byKey'; key: string } | { route: 'fanOut'; key: string; filterField?: string };

export const ROOT_FIELDS: Record<string, FieldMerge> = {
  datasets: { route: 'fanOut', merge: 'connection', filterArgument: 'filter' },
  priceStats: { route: 'fanOut', merge: 'priceStats', filterArgument: 'filter' },
  priceStatistics: { route: 'fanOut', merge: 'priceStatistics', filterArgument: 'filter' },
  products: { route: 'fanOut', merge: 'products', filterArgument: 'filter', datasetFilterField: 'datasets' },
  dataset: { route: 'byIdArgument', argument: 'id' },
  _service: { route: 'anyExchange' },
  providerListingCounts: { route: 'perExchange', filterArgument: 'filter' },
  /** The exports' bulk read (docs/exports.md): one exchange at a time, by ShardRouter.perExchange. */
  datasetRows: { route: 'perExchange', filterArgument: 'filter' },
  catalogSummary: { route: 'none' },
  /** Merged in (changedAt, exchange, sequence) order; the gateway's cursor composes the exchanges' (CHANGE_LOG). */
  priceChanges: { route: 'fanOut', merge: 'changeLog', filterArgument: 'filter' },
};

/**
 * The router-only summary by which fan-out calls are pruned (docs/scale-out.md): its field, and the
 * DatasetFilter fields it counts listings by (`counts[].field`; containsMinorsData's values are true/false).
 */
export const CATALOG_SUMMARY = { field: 'catalogSummary' } as const;
export const SUMMARY_COUNTED_FILTERS = [
  'categories',
  'types',
  'providerKinds',
  'securityLevels',
  'personalInfo',
  'dataOrigins',
  'pricingModels',
  'delivery',
  'containsMinorsData',
] as const;

/** The gateway-only field that counts listings per provider, and the fields of its rows. */
export const PROVIDER_LISTING_COUNTS = { field: 'providerListingCounts', uscc: 'uscc', count: 'count' } as const;

/** The gateway-only bulk read of listings (docs/contract.md#bulk-rows) and the fields of its page. */
export const DATASET_ROWS = { field: 'datasetRows', columns: 'columns', rows: 'rows', hasNextPage: 'hasNextPage', endCursor: 'endCursor' } as const;

/** The field of a fan-out field's filter argument that names the exchanges to ask. */
export const FILTER_EXCHANGES = 'exchanges';

export const ENTITIES: Record<string, EntityRoute> = {
  Dataset: { route: 'byKeyPrefix', key: 'id' },
  Exchange: { route: 'byKey', key: 'id' },
  Provider: { route: 'fanOut', key: 'uscc', filterField: 'providerUscc' },
};

/** Fields of entities that live on every exchange at once: lifted out of nested selections and fanned out. */
export const FAN_OUT_ENTITY_FIELDS: Record<string, Record<string, FieldMerge>> = {
  Provider: { datasets: { route: 'fanOut', merge: 'connection', filterArgument: 'filter' } },
};

/** Types whose objects carry an exchange-prefixed id: every one an exchange returns must bear its own prefix. */
export const PREFIXED_ID_TYPES: Record<string, string> = { Dataset: 'id' };

/** The connection type and the fields the keyset merge reads. */
export const CONNECTION = {
  type: 'DatasetConnection',
  edges: 'edges',
  nodes: 'nodes',
  pageInfo: 'pageInfo',
  totalCount: 'totalCount',
  missing: 'missingExchanges',
  cursor: 'cursor',
} as const;

/**
 * The price change connection and the fields its merge reads (docs/live-prices.md): every exchange
 * answers its own log after its own entry of the cursor; the router orders the union by changedAt, then
 * exchange, then sequence, keeps `first`, and gives each edge a cursor holding every exchange's position.
 */
export const CHANGE_LOG = {
  type: 'PriceChangeConnection',
  edges: 'edges',
  pageInfo: 'pageInfo',
  totalCount: 'totalCount',
  missing: 'missingExchanges',
  cursor: 'cursor',
  node: 'node',
  changedAt: 'changedAt',
  first: 'first',
  after: 'after',
} as const;

/** The page arguments of a connection field (their defaults come from the contract). */
export const PAGE_ARGUMENTS = { first: 'first', sort: 'sort', after: 'after' } as const;

/** The page info type and its fields. */
export const PAGE_INFO = { type: 'PageInfo', hasNextPage: 'hasNextPage', endCursor: 'endCursor' } as const;

/**
 * The statistics bucket type and the fields the sketch merge reads (sketch is @inaccessible: router only);
 * the argument that groups buckets, and the group whose keys are exchange codes (each exchange answers
 * only its own bucket).
 */
export const STATS_BUCKET = {
  type: 'PriceStatsBucket',
  fields: ['key', 'count', 'pricedCount', 'min', 'max', 'sketch'],
  counts: ['count', 'pricedCount'],
  amounts: ['min', 'max'],
  groupByArgument: 'groupBy',
  byExchange: 'EXCHANGE',
} as const;

/**
 * The grouped statistics type, its bucket type and the fields the statistics merge reads (sketch and
 * providers are @inaccessible: router only). A bucket's keys follow groupBy; where groupBy holds
 * EXCHANGE, that key is the answering exchange's own id. `missing` is filled by the router.
 */
export const STATISTICS = {
  type: 'PriceStatistics',
  buckets: 'buckets',
  missing: 'missingExchanges',
  bucketType: 'PriceStatisticsBucket',
  fields: ['keys', 'count', 'pricedCount', 'min', 'max', 'sketch', 'providers'],
  counts: ['count', 'pricedCount'],
  amounts: ['min', 'max'],
  /** The provider set, and the count of the union of the sets that the router fills from it. */
  providers: 'providers',
  distinctProviders: 'distinctProviders',
  groupByArgument: 'groupBy',
  byExchange: 'EXCHANGE',
} as const;

/** Separator of the exchange prefix in global ids: "sh:ds-000123". */
export const ID_PREFIX_SEPARATOR = ':';

/**
 * Products (docs/products.md): the router answers `products` from each exchange's `productGroups`
 * (@inaccessible), its own listings grouped by productCode in code order, and merges the groups by code.
 */
export const PRODUCTS = {
  groupsField: 'productGroups',
  groupsArguments: { filter: 'filter', afterCode: 'afterCode', codes: 'codes', first: 'first' },
  page: { groups: 'groups', hasMore: 'hasMore' },
  group: { code: 'productCode', listings: 'listings' },
  connectionType: 'ProductConnection',
  edgeType: 'ProductEdge',
  nodeType: 'Product',
  spreadType: 'PriceSpread',
  /** Product fields the router fills; `listings` holds the exchanges' Dataset objects. */
  node: { code: 'productCode', title: 'title', titleZh: 'titleZh', exchangeCount: 'exchangeCount', listings: 'listings', spread: 'spread' },
  minExchanges: 'minExchanges',
  pageArguments: { first: 'first', sort: 'sort', after: 'after' },
} as const;

/**
 * DatasetFilter.crossListed: decided by the router, which sends the codes listed on two or more
 * exchanges as the (@inaccessible) argument `crossListedCodes` of every field that has it.
 */
export const CROSS_LISTED = { filterField: 'crossListed', argument: 'crossListedCodes' } as const;
