// Generated from schema/exchange.graphql by conformance/writeContract.ts: do not edit.
/** The exchange contract, schema/exchange.graphql, as text. */
export const CONTRACT_SDL: string = `# The exchange contract. Every regional exchange serves exactly this schema (it may add fields).
# The gateway treats all exchanges as one logical subgraph, \`exchanges\`, and spreads each fetch over
# them (see gateway/src/shards/). How each root field merges is declared in schema/mergeRules.ts.
#
# Items of lists that the gateway fills from several exchanges are nullable on purpose: one item that
# fails must not null the whole list, or the whole response.

extend schema
  @link(url: "https://specs.apollo.dev/federation/v2.3",
        import: ["@key", "@shareable", "@inaccessible"])

"Money as a decimal string, e.g. \\"1200.00\\" or \\"0.003\\". Never a float."
scalar Decimal

"An ISO 8601 date-time in UTC, e.g. \\"2024-05-01T08:00:00.000Z\\"."
scalar DateTime

type Query {
  "Data products on this exchange, in one total order (sort key, then id), by keyset pages."
  datasets(filter: DatasetFilter, sort: DatasetSort = UPDATED_DESC, first: Int = 20, after: String, crossListedCodes: [String!] @inaccessible): DatasetConnection!
  "One data product by its global id, e.g. \\"sh:ds-000123\\"."
  dataset(id: ID!): Dataset
  "Price statistics over the products that match the filter, one bucket per group."
  priceStats(filter: DatasetFilter, crossListedCodes: [String!] @inaccessible, groupBy: StatsGroup!): [PriceStatsBucket]!
  """
  Products: listings grouped by productCode across exchanges (see docs/products.md). An exchange alone
  answers its own listings only (exchangeCount 1); the gateway merges every exchange's product groups.
  """
  products(filter: ProductFilter, sort: ProductSort = PRODUCT_CODE, first: Int = 20, after: String): ProductConnection!
  """
  This exchange's own product groups, in productCode order after \`afterCode\` (or only those in \`codes\`),
  each holding this exchange's listings of that code that match the filter. For the gateway only.
  """
  productGroups(filter: DatasetFilter, afterCode: String, codes: [String!], first: Int = 100, crossListedCodes: [String!]): ProductGroupPage! @inaccessible
}

type Dataset @key(fields: "id") {
  "Global id: <exchange code>:<local id>, e.g. \\"sh:ds-000123\\"."
  id: ID!
  exchange: Exchange!
  "The provider's own product code; the same product listed on several exchanges shares it."
  productCode: String!
  title: String!
  titleZh: String!
  description: String!
  descriptionZh: String!
  type: DatasetType!
  category: Category!
  keywords: [String!]!
  "Nullable on purpose: when the providers subgraph fails, the listing still shows."
  provider: Provider
  securityLevel: SecurityLevel!
  personalInfo: PersonalInfo!
  containsMinorsData: Boolean!
  dataOrigin: DataOrigin!
  delivery: Delivery!
  updateFrequency: UpdateFrequency!
  "GB/T 2260 division codes the data covers."
  spatialCoverage: [String!]!
  price: Price!
  "Every price this listing has had, oldest first; the last one is the current price."
  priceHistory: [PricePoint!]!
  complianceAssessed: Boolean!
  listedAt: DateTime!
  updatedAt: DateTime!
}

type Price @shareable {
  model: PricingModel!
  "null when NEGOTIABLE, \\"0.00\\" when FREE."
  amount: Decimal
  currency: String!
}

type PricePoint @shareable {
  model: PricingModel!
  amount: Decimal
  currency: String!
  effectiveAt: DateTime!
}

"Fields of an exchange that the exchange itself knows. Name, city and status come from the gateway's directory."
type Exchange @key(fields: "id") {
  id: ID!
  "Null when the exchange did not answer (see the errors): its name and status still show."
  datasetCount: Int
  providerCount: Int
  "Changes with every change of this exchange's data; also sent as the x-catalog-version header."
  catalogVersion: String
}

"A data supplier, keyed by its Unified Social Credit Code. Master data comes from the providers subgraph."
type Provider @key(fields: "uscc") {
  uscc: ID!
  "This provider's listings on the exchanges."
  datasets(filter: DatasetFilter, sort: DatasetSort = UPDATED_DESC, first: Int = 20, after: String, crossListedCodes: [String!] @inaccessible): DatasetConnection!
}

type DatasetConnection @shareable {
  edges: [DatasetEdge]!
  nodes: [Dataset]!
  pageInfo: PageInfo!
  "Number of matching products over every exchange that answered."
  totalCount: Int!
  "Exchanges that should have answered and did not (down, timed out, bad answer). Empty on an exchange."
  missingExchanges: [ID!]!
}

type DatasetEdge @shareable {
  "Opaque and global: the same cursor continues the same order on every exchange and on the gateway."
  cursor: String!
  node: Dataset
}

type PageInfo @shareable {
  hasNextPage: Boolean!
  endCursor: String
}

type PriceStatsBucket @shareable {
  "The group value: an exchange id, a Category, ProviderKind, PricingModel or SecurityLevel name."
  key: String!
  "Matching products in the group, priced or not."
  count: Int!
  "Products in the group with an amount (not NEGOTIABLE); min, quantiles and max are over these."
  pricedCount: Int!
  min: Decimal
  p50: Decimal
  p90: Decimal
  max: Decimal
  currency: String!
  "Mergeable quantile sketch of the amounts (JSON, see README \\"Price sketch\\"). For the gateway only."
  sketch: String! @inaccessible
}

input DatasetFilter {
  "Words or Chinese substrings; every term must match title, description or keywords (English or Chinese)."
  text: String
  exchanges: [ID!]
  categories: [Category!]
  types: [DatasetType!]
  providerUscc: ID
  providerKinds: [ProviderKind!]
  securityLevels: [SecurityLevel!]
  personalInfo: [PersonalInfo!]
  dataOrigins: [DataOrigin!]
  pricingModels: [PricingModel!]
  "Inclusive; NEGOTIABLE products never match a price bound."
  minPrice: Decimal
  maxPrice: Decimal
  delivery: [Delivery!]
  productCode: String
  updatedSince: DateTime
  """
  true: only listings whose productCode is also listed on at least one OTHER registered exchange; false:
  only those that are not. Decided by the gateway, which sees every exchange and sends the exchanges the
  codes listed on two or more as the @inaccessible argument crossListedCodes (docs/products.md).
  """
  crossListed: Boolean
  containsMinorsData: Boolean
}

"Products: listings that share a productCode, across exchanges (docs/products.md)."
type Product {
  productCode: String!
  "The title of the first listing (by exchange id)."
  title: String!
  titleZh: String!
  "Distinct exchanges with a listing of this product that matches the filter."
  exchangeCount: Int!
  "The product's listings (those matching the filter), sorted by exchange id, then id: prices side by side."
  listings: [Dataset!]!
  "Null when the listings' pricing models or currencies differ, or one is NEGOTIABLE."
  spread: PriceSpread
}

"The spread of a product's prices across its listings."
type PriceSpread {
  model: PricingModel!
  currency: String!
  min: Decimal!
  max: Decimal!
  "max / min; null when min is 0."
  ratio: Float
}

type ProductConnection {
  edges: [ProductEdge]!
  nodes: [Product]!
  pageInfo: PageInfo!
  "Number of products over every exchange that answered."
  totalCount: Int!
  "Exchanges that should have answered and did not. Empty on an exchange."
  missingExchanges: [ID!]!
}

type ProductEdge {
  cursor: String!
  node: Product
}

input ProductFilter {
  "Only products with matching listings on at least this many exchanges (1 to 64)."
  minExchanges: Int
  "Which listings count: a product is made of its listings that match this filter."
  datasets: DatasetFilter
}

"PRODUCT_CODE ascending; SPREAD_DESC: spread ratio descending (no ratio last); EXCHANGES_DESC: exchangeCount descending. Ties by productCode."
enum ProductSort { PRODUCT_CODE SPREAD_DESC EXCHANGES_DESC }

"One exchange's product groups. For the gateway only."
type ProductGroupPage @inaccessible {
  groups: [ProductGroup!]!
  "True when this exchange has more groups after the last one."
  hasMore: Boolean!
}

type ProductGroup @inaccessible {
  productCode: String!
  listings: [Dataset!]!
}

enum DatasetSort { UPDATED_DESC PRICE_ASC PRICE_DESC TITLE_ASC RELEVANCE }
enum StatsGroup { EXCHANGE CATEGORY PROVIDER_KIND PRICING_MODEL SECURITY_LEVEL }
enum DatasetType { DATASET DATA_SERVICE DATA_REPORT MODEL }
enum Category {
  BUSINESS_REGISTRATION INTELLECTUAL_PROPERTY CORPORATE_TAX SOCIAL_CREDIT PUBLIC_HEALTH WATER_RESOURCES
  JUDICIAL_RECORDS TRAFFIC_PENALTIES FOREIGN_INVESTMENT AI_TRAINING_IMAGES AUDIO_SAMPLES
  IDENTITY_VERIFICATION TELECOM TRANSPORT FINANCE GEOSPATIAL ENERGY AGRICULTURE
}
enum Delivery { API FILE PRIVACY_COMPUTING SANDBOX REPORT }
enum UpdateFrequency { REAL_TIME DAILY WEEKLY MONTHLY QUARTERLY YEARLY ONE_OFF }
"Data Security Law art. 21. CORE is never listed: exchanges refuse it at ingest."
enum SecurityLevel { GENERAL IMPORTANT CORE }
enum PersonalInfo { NONE PERSONAL SENSITIVE }
enum DataOrigin { PUBLIC ENTERPRISE PERSONAL }
enum PricingModel { FREE PER_CALL PER_THOUSAND_RECORDS MONTHLY ANNUAL ONE_TIME NEGOTIABLE }
enum ProviderKind {
  GOVERNMENT_DEPARTMENT PUBLIC_INSTITUTION STATE_OWNED_ENTERPRISE PRIVATE_ENTERPRISE
  FOREIGN_INVESTED_ENTERPRISE SOCIAL_ORGANIZATION
}
`;
