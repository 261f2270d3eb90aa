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
  priceStats(filter: DatasetFilter, crossListedCodes: [String!] @inaccessible, groupBy: StatsGroup!): [PriceStatsBucket]! @deprecated(reason: "use priceStatistics")
  """
  Price statistics over the products that match the filter, one bucket per combination of the groupBy
  values (1 to 3 dimensions, no duplicates), e.g. [EXCHANGE, CATEGORY, PRICING_MODEL]. See docs/statistics.md.
  """
  priceStatistics(filter: DatasetFilter, crossListedCodes: [String!] @inaccessible, groupBy: [StatsGroup!]!): PriceStatistics!
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
  """
  Per provider, the number of this exchange's listings that match the filter: one row per provider with at
  least one, sorted by USCC. For the gateway only: it answers providers(filter: { exchanges, hasListings })
  and Provider.listingsByExchange (see docs/providers.md).
  """
  providerListingCounts(filter: DatasetFilter): [ProviderListingCount!]! @inaccessible
  """
  What this exchange lists, in counts, ranges and a filter of its text tokens, at its current catalog
  version: the gateway skips an exchange that provably has no listing for a filter (docs/scale-out.md).
  For the gateway only.
  """
  catalogSummary: CatalogSummary! @inaccessible
  """
  This exchange's listings that match the filter, for bulk reading (the gateway's exports): the rows of
  \`datasets\` for the same filter, sort and cursor, in the same order, each as a JSON array of values in a
  fixed column order, a page being one JSON text (docs/contract.md#bulk-rows). \`first\` is 0 to 5000.
  For the gateway only.
  """
  datasetRows(filter: DatasetFilter, sort: DatasetSort = UPDATED_DESC, first: Int = 1000, after: String, crossListedCodes: [String!]): DatasetRowPage! @inaccessible
  """
  Price changes, oldest first (changedAt, then exchange, then the exchange's sequence), after the cursor
  \`after\` (an edge's cursor, pageInfo.endCursor, or a live event's id). An exchange keeps at least 30 days
  of changes in its database; see docs/live-prices.md.
  """
  priceChanges(filter: PriceChangeFilter, after: String, first: Int = 100): PriceChangeConnection!
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

"How many listings one provider has on one exchange. For the gateway only."
type ProviderListingCount @inaccessible {
  uscc: ID!
  count: Int!
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

"Statistics grouped by several dimensions, and the exchanges they lack."
type PriceStatistics @shareable {
  "One bucket per combination of group values that has at least one matching product, sorted by keys."
  buckets: [PriceStatisticsBucket]!
  "Exchanges that should have answered and did not (down, timed out, bad answer): the buckets lack their products. Empty on an exchange."
  missingExchanges: [ID!]!
}

type PriceStatisticsBucket @shareable {
  "The group values, in the order of groupBy: an exchange id, an enum value's name, or \\"true\\"/\\"false\\"."
  keys: [String!]!
  "Matching products in the bucket, priced or not."
  count: Int!
  "Products in the bucket with an amount (not NEGOTIABLE); min, quantiles and max are over these."
  pricedCount: Int!
  "Exact lowest amount."
  min: Decimal
  "Exact highest amount."
  max: Decimal
  "Lower quartile (25th percentile) amount, within 0.5% (relative); see docs/statistics.md."
  p25: Decimal
  "Median amount, within 0.5% (relative) of a true median amount; see docs/statistics.md."
  p50: Decimal
  "Upper quartile (75th percentile) amount, within 0.5% (relative); see docs/statistics.md."
  p75: Decimal
  "90th percentile amount, within 0.5% (relative); see docs/statistics.md."
  p90: Decimal
  currency: String!
  "Distinct providers (by USCC) of the bucket's products; one listing on two exchanges counts once."
  distinctProviders: Int!
  "Mergeable quantile sketch of the amounts (JSON, see README \\"Price sketch\\"). For the gateway only."
  sketch: String! @inaccessible
  "The USCCs of the bucket's providers, sorted, so the gateway counts a provider on two exchanges once. For the gateway only."
  providers: [ID!]! @inaccessible
}

"One exchange's catalog in brief, for pruning fan-out calls (docs/scale-out.md). For the gateway only."
type CatalogSummary @inaccessible {
  "The catalog version the summary describes (as the response header reports it)."
  catalogVersion: String!
  datasetCount: Int!
  "Listings per value of each list filter of DatasetFilter: field is the filter's name (categories, types, providerKinds, securityLevels, personalInfo, dataOrigins, pricingModels, delivery, containsMinorsData), value an enum value or true/false."
  counts: [CatalogSummaryCount!]!
  "Lowest and highest current amount per currency (NEGOTIABLE listings have none)."
  prices: [CatalogSummaryPriceRange!]!
  "Oldest and newest updatedAt; null when the catalog is empty."
  updatedFrom: DateTime
  updatedTo: DateTime
  """
  Names the token filter's content (its bits and hashes): the same value exactly when tokens are the same.
  A price change never moves it; a load that changes text, USCCs or product codes does.
  """
  tokensVersion: String!
  """
  A Bloom filter (no false negatives) of the text indexes' terms, the providers' USCCs and the product codes;
  its hash is in shared/tokenBloom.ts. Null exactly when unlessVersion equals tokensVersion: the caller already
  holds this filter, so it is not sent again.
  """
  tokens(unlessVersion: String): CatalogTokenFilter
  """
  The cursors of the catalog's first \`first\` listings (1 to 100) in \`sort\` order with no filter: the cursors
  datasets(sort:, first:) gives, all of them when the catalog holds fewer. The gateway skips an exchange none
  of whose listings can be on an unfiltered page (docs/scale-out.md#leading-cursors). RELEVANCE is refused:
  it needs filter.text.
  """
  firstCursors(sort: DatasetSort!, first: Int!): [String!]!
}

"Listings with one value of one filter field. For the gateway only."
type CatalogSummaryCount @inaccessible {
  field: String!
  value: String!
  count: Int!
}

"A price range in one currency. For the gateway only."
type CatalogSummaryPriceRange @inaccessible {
  currency: String!
  min: Decimal!
  max: Decimal!
}

"One page of datasetRows (docs/contract.md#bulk-rows). For the gateway only."
type DatasetRowPage @inaccessible {
  "The names of each row's values, in order: exactly the bulk row columns of docs/contract.md#bulk-rows."
  columns: [String!]!
  "A JSON array holding one JSON array per listing, its values in the order of columns, the listings in the order of the sort."
  rows: String!
  "True when listings follow the last row."
  hasNextPage: Boolean!
  "The cursor of the last row, as datasets gives it (null when the page is empty): the next page's after."
  endCursor: String
}

"A Bloom filter: bits long, hashes positions a key, the bits as base64. For the gateway only."
type CatalogTokenFilter @inaccessible {
  bits: Int!
  hashes: Int!
  base64: String!
}

input DatasetFilter {
  "Words or Chinese substrings; every term must match title, description or keywords (English or Chinese)."
  text: String
  "Where text must match: any of these fields (both languages of each). Absent or empty: every field."
  textFields: [TextField!]
  "A text term that is a member of a synonym group (docs/vocabulary.md) also matches every other member of the group. false: terms match only as written."
  synonyms: Boolean = true
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
  codes listed on two or more as a gateway-only argument (docs/products.md).
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

"The order of a page of products: a key, then productCode ascending, so the order is total."
enum ProductSort {
  "By productCode ascending (binary order). The default."
  PRODUCT_CODE
  "Largest spread ratio (max / min price) first; products without a ratio (no spread, or min 0) last."
  SPREAD_DESC
  "Most exchanges (exchangeCount) first."
  EXCHANGES_DESC
}

"One exchange's product groups. For the gateway only."
type ProductGroupPage @inaccessible {
  groups: [ProductGroup!]!
  "True when this exchange has more groups after the last one."
  hasMore: Boolean!
}

"One exchange's listings of one productCode. For the gateway only."
type ProductGroup @inaccessible {
  productCode: String!
  listings: [Dataset!]!
}

"One change of a listing's price, as its exchange's change log recorded it."
type PriceChange {
  dataset: Dataset!
  "The exchange that lists the dataset."
  exchange: Exchange!
  "The dataset's provider; null when the providers subgraph fails."
  provider: Provider
  "The price before the change."
  previous: Price
  current: Price!
  "When the change was made; on one exchange never earlier than the change before it."
  changedAt: DateTime!
}
type PriceChangeConnection {
  edges: [PriceChangeEdge!]!
  pageInfo: PageInfo!
  "Changes in the logs that match the filter, over every exchange that answered, wherever the cursor is."
  totalCount: Int!
  "Exchanges that should have answered and did not: their changes are missing from this page. Empty on an exchange."
  missingExchanges: [ID!]!
}
type PriceChangeEdge {
  "Opaque: a position in every exchange's change log; the next page, or a live stream, resumes right after it."
  cursor: String!
  node: PriceChange!
}
"Which price changes to return or push; every field given must match."
input PriceChangeFilter {
  exchanges: [ID!]
  categories: [Category!]
  productCode: String
  providerUscc: ID
  """
  Only changes at least this large relative to the previous amount (0.1 = 10%): |current - previous| / previous.
  A change with no such ratio (to or from NEGOTIABLE, or from 0.00) always matches.
  """
  minRelativeChange: Float
}
"The order of a page of datasets: a sort key, then the global id, so the order is total."
enum DatasetSort {
  "Most recently updated first (updatedAt descending), then id descending. The default."
  UPDATED_DESC
  "Cheapest current price first (FREE at 0.00 first), then id; NEGOTIABLE listings, which have no amount, after every priced one."
  PRICE_ASC
  "Dearest current price first, then id descending; NEGOTIABLE listings after every priced one."
  PRICE_DESC
  "By English title (binary order of the text), then id."
  TITLE_ASC
  "Best text match first (bm25 weighing titles 10, keywords 5, descriptions 1), then id. Needs filter.text."
  RELEVANCE
}

"Where DatasetFilter.text may match. Each field is searched in English and in Chinese."
enum TextField {
  "The title: title and titleZh."
  TITLE
  "The description: description and descriptionZh."
  DESCRIPTION
  "The keywords, English and Chinese."
  KEYWORDS
}

"A dimension statistics group by. Each key is the value's name, e.g. \\"PUBLIC_HEALTH\\"."
enum StatsGroup {
  "The exchange the product is listed on (its id, e.g. \\"gy\\")."
  EXCHANGE
  "The product's Category."
  CATEGORY
  "The ProviderKind of the product's provider."
  PROVIDER_KIND
  "The PricingModel: group by it to keep per-call, monthly and annual prices apart."
  PRICING_MODEL
  "The SecurityLevel (Data Security Law art. 21)."
  SECURITY_LEVEL
  "The DatasetType (dataset, data service, report, model)."
  TYPE
  "The PersonalInfo the product holds (none, personal, sensitive)."
  PERSONAL_INFO
  "Whether the product holds data about minors: \\"true\\" or \\"false\\"."
  CONTAINS_MINORS_DATA
  "Whether the product passed a compliance assessment before listing: \\"true\\" or \\"false\\"."
  COMPLIANCE_ASSESSED
  "The DataOrigin (public, enterprise, personal)."
  DATA_ORIGIN
  "The Delivery mode (API, file, privacy computing, sandbox, report)."
  DELIVERY
}

"What kind of data product a listing is."
enum DatasetType {
  "Data itself, delivered as files, in a sandbox or by privacy computing."
  DATASET
  "A data service: an API that answers one query at a time (a verification, a lookup)."
  DATA_SERVICE
  "An analysis report written from data."
  DATA_REPORT
  "An algorithm or trained model, used through an API, a sandbox or privacy computing."
  MODEL
}

"The subject of a data product."
enum Category {
  "Company and market-entity registrations: registered capital, legal representative, shareholders, changes, annual reports."
  BUSINESS_REGISTRATION
  "Patents, trademarks and other intellectual property: grants, registrations, pledges, litigation."
  INTELLECTUAL_PROPERTY
  "Corporate tax: tax credit ratings, payment records, arrears, invoice statistics (much of it for lending to small firms)."
  CORPORATE_TAX
  "Public credit records of enterprises: licences, penalties, red and black lists, credit reports and scores."
  SOCIAL_CREDIT
  "Public health: vaccination clinic locations and coverage, medical institutions, disease surveillance, hospital statistics, medical insurance."
  PUBLIC_HEALTH
  "Water: collection points, abstraction permits, water quality, river and reservoir levels, hydrology, urban water supply."
  WATER_RESOURCES
  "Court and enforcement records: judgments, persons subject to enforcement, hearings, judicial auctions, litigation risk."
  JUDICIAL_RECORDS
  "Traffic offences and penalties, vehicle violations, driver penalty points, road accident statistics."
  TRAFFIC_PENALTIES
  "Foreign-invested enterprises, foreign investment reports, project filings and trends."
  FOREIGN_INVESTMENT
  "Annotated image corpora for training AI models, and image recognition and detection services and models."
  AI_TRAINING_IMAGES
  "Speech and audio corpora (some with children's voices gathered from smartphones) and speech recognition models."
  AUDIO_SAMPLES
  "Identity checks: name and ID number, portrait comparison, bank card and mobile number real-name verification, liveness detection."
  IDENTITY_VERIFICATION
  "Telecom operators' data: phone network status and tenure, subscriber profile tags, signalling population flows, base stations."
  TELECOM
  "Transport: bus positions, metro passenger flows, road congestion, freight logistics, taxi and ride-hailing trips, parking."
  TRANSPORT
  "Finance: enterprise profile tags, provident fund and social insurance verification, credit models, real estate registrations, supply chain risk."
  FINANCE
  "Geographic information: base maps, satellite imagery, points of interest, geocoding, land use surveys, 3D city models."
  GEOSPATIAL
  "Energy: enterprise electricity consumption, EV charging, natural gas, carbon emission accounting, photovoltaic forecasts."
  ENERGY
  "Agriculture: soil testing, wholesale prices, crop area remote sensing, agro-meteorology, livestock epidemics, traceability, yield forecasts."
  AGRICULTURE
}

"How the buyer receives a data product."
enum Delivery {
  "Through an API, one query or record at a time."
  API
  "As files to download."
  FILE
  "By privacy computing: the buyer computes where the data lives and receives only results (usable but not visible)."
  PRIVACY_COMPUTING
  "In a data sandbox: the buyer works inside a controlled environment and takes out only approved results."
  SANDBOX
  "As a written report."
  REPORT
}

"How often the provider updates the data."
enum UpdateFrequency {
  "Continuously: live data or a live service."
  REAL_TIME
  "Every day."
  DAILY
  "Every week."
  WEEKLY
  "Every month."
  MONTHLY
  "Every quarter."
  QUARTERLY
  "Every year."
  YEARLY
  "Published once, not updated."
  ONE_OFF
}

"Data Security Law art. 21. CORE is never listed: exchanges refuse it at ingest."
enum SecurityLevel {
  "General data: neither important nor core."
  GENERAL
  "Important data: data whose leak or misuse could endanger national security, the economy, or public interests; handled under stricter rules."
  IMPORTANT
  "Core data: data bearing on national security, the lifelines of the economy, people's livelihoods and major public interests. Never listed: no listing has it."
  CORE
}

"Personal information in the data, as the Personal Information Protection Law (PIPL) classes it."
enum PersonalInfo {
  "No personal information."
  NONE
  "Personal information: about identified or identifiable natural persons."
  PERSONAL
  "Sensitive personal information (PIPL art. 28): biometrics, health, finance, whereabouts, and any information about children under 14."
  SENSITIVE
}

"Who produced the data."
enum DataOrigin {
  "Public data: produced by government bodies and public-service organisations in their public management and services (Shenzhen's definition)."
  PUBLIC
  "Enterprise data: produced by a company in its own business."
  ENTERPRISE
  "Personal data: gathered from individuals, with their consent (crowd-sourced voice recordings, say)."
  PERSONAL
}

"How the current price is charged. Amounts are in CNY."
enum PricingModel {
  "Free of charge: amount \\"0.00\\"."
  FREE
  "A price per API call (an ID verification costs 0.07 to 0.50)."
  PER_CALL
  "A price per thousand records delivered."
  PER_THOUSAND_RECORDS
  "A monthly subscription."
  MONTHLY
  "An annual subscription."
  ANNUAL
  "One payment for the whole product (a corpus, a report)."
  ONE_TIME
  "By negotiation with the provider: no amount is listed (null), so a price bound never matches it."
  NEGOTIABLE
}

"What kind of organisation a provider is. The first character of its USCC names who registered it: 1 the institutional establishment authority (government departments, public institutions), 5 civil affairs (social organisations), 9 market regulation (enterprises)."
enum ProviderKind {
  "A government department (机关): a bureau, commission or office of a people's government, such as a market regulation administration or a health commission. USCC starts with 11."
  GOVERNMENT_DEPARTMENT
  "A public institution (事业单位): a non-profit body the state sets up to deliver public services, such as a hospital, a disease control centre, a big data centre, a meteorological observatory or a research institute; neither a government department nor a company. USCC starts with 12."
  PUBLIC_INSTITUTION
  "A state-owned enterprise (国有企业): a company the state owns or controls, such as the telecom operators, the grid and state utilities. USCC starts with 91."
  STATE_OWNED_ENTERPRISE
  "A privately owned company (民营企业). USCC starts with 91."
  PRIVATE_ENTERPRISE
  "A foreign-invested enterprise (外商投资企业): wholly foreign-owned or a joint venture. USCC starts with 91."
  FOREIGN_INVESTED_ENTERPRISE
  "A social organisation (社会组织) registered with civil affairs: an industry association, a foundation or a private non-enterprise unit. USCC starts with 5 (51 a social association)."
  SOCIAL_ORGANIZATION
}
`;
