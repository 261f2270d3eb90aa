/**
 * The domain vocabulary shared by the subgraphs, the seed generator and the gateway.
 * Enum values mirror schema/exchange.graphql and DOMAIN.md; a test checks they agree.
 */
export const DATASET_TYPES = ['DATASET', 'DATA_SERVICE', 'DATA_REPORT', 'MODEL'] as const;
export const CATEGORIES = [
  'BUSINESS_REGISTRATION',
  'INTELLECTUAL_PROPERTY',
  'CORPORATE_TAX',
  'SOCIAL_CREDIT',
  'PUBLIC_HEALTH',
  'WATER_RESOURCES',
  'JUDICIAL_RECORDS',
  'TRAFFIC_PENALTIES',
  'FOREIGN_INVESTMENT',
  'AI_TRAINING_IMAGES',
  'AUDIO_SAMPLES',
  'IDENTITY_VERIFICATION',
  'TELECOM',
  'TRANSPORT',
  'FINANCE',
  'GEOSPATIAL',
  'ENERGY',
  'AGRICULTURE',
] as const;
export const DELIVERIES = ['API', 'FILE', 'PRIVACY_COMPUTING', 'SANDBOX', 'REPORT'] as const;
export const UPDATE_FREQUENCIES = ['REAL_TIME', 'DAILY', 'WEEKLY', 'MONTHLY', 'QUARTERLY', 'YEARLY', 'ONE_OFF'] as const;
export const SECURITY_LEVELS = ['GENERAL', 'IMPORTANT', 'CORE'] as const;
export const PERSONAL_INFO = ['NONE', 'PERSONAL', 'SENSITIVE'] as const;
export const DATA_ORIGINS = ['PUBLIC', 'ENTERPRISE', 'PERSONAL'] as const;
export const PRICING_MODELS = ['FREE', 'PER_CALL', 'PER_THOUSAND_RECORDS', 'MONTHLY', 'ANNUAL', 'ONE_TIME', 'NEGOTIABLE'] as const;
export const PROVIDER_KINDS = [
  'GOVERNMENT_DEPARTMENT',
  'PUBLIC_INSTITUTION',
  'STATE_OWNED_ENTERPRISE',
  'PRIVATE_ENTERPRISE',
  'FOREIGN_INVESTED_ENTERPRISE',
  'SOCIAL_ORGANIZATION',
] as const;
export const DATASET_SORTS = ['UPDATED_DESC', 'PRICE_ASC', 'PRICE_DESC', 'TITLE_ASC', 'RELEVANCE'] as const;
export const STATS_GROUPS = [
  'EXCHANGE',
  'CATEGORY',
  'PROVIDER_KIND',
  'PRICING_MODEL',
  'SECURITY_LEVEL',
  'TYPE',
  'PERSONAL_INFO',
  'CONTAINS_MINORS_DATA',
  'COMPLIANCE_ASSESSED',
  'DATA_ORIGIN',
  'DELIVERY',
] as const;
/** Where `DatasetFilter.text` may match: TITLE is the English and the Chinese title, and so on. */
export const TEXT_FIELDS = ['TITLE', 'DESCRIPTION', 'KEYWORDS'] as const;

export type DatasetType = (typeof DATASET_TYPES)[number];
export type Category = (typeof CATEGORIES)[number];
export type Delivery = (typeof DELIVERIES)[number];
export type UpdateFrequency = (typeof UPDATE_FREQUENCIES)[number];
export type SecurityLevel = (typeof SECURITY_LEVELS)[number];
export type PersonalInfo = (typeof PERSONAL_INFO)[number];
export type DataOrigin = (typeof DATA_ORIGINS)[number];
export type PricingModel = (typeof PRICING_MODELS)[number];
export type ProviderKind = (typeof PROVIDER_KINDS)[number];
export type DatasetSort = (typeof DATASET_SORTS)[number];
export type StatsGroup = (typeof STATS_GROUPS)[number];
export type TextField = (typeof TEXT_FIELDS)[number];

export const CURRENCY = 'CNY';

/** One price a listing had from `effectiveAt` on. `amount` is a decimal string, null when NEGOTIABLE. */
export interface PricePointRecord {
  model: PricingModel;
  amount: string | null;
  effectiveAt: string;
}

/** A data product as an exchange ingests it (the seed generator produces these). */
export interface DatasetRecord {
  /** Local id, unique on one exchange, e.g. "ds-000123"; the global id is "<code>:<localId>". */
  localId: string;
  productCode: string;
  title: string;
  titleZh: string;
  description: string;
  descriptionZh: string;
  type: DatasetType;
  category: Category;
  keywords: string[];
  providerUscc: string;
  providerKind: ProviderKind;
  securityLevel: SecurityLevel;
  personalInfo: PersonalInfo;
  containsMinorsData: boolean;
  dataOrigin: DataOrigin;
  delivery: Delivery;
  updateFrequency: UpdateFrequency;
  spatialCoverage: string[];
  /** Oldest first; the last point is the current price. At least one point. */
  priceHistory: PricePointRecord[];
  complianceAssessed: boolean;
  listedAt: string;
  updatedAt: string;
}

/** Provider master data, keyed by USCC. */
export interface ProviderRecord {
  uscc: string;
  name: string;
  nameZh: string;
  kind: ProviderKind;
  /** GB/T 2260 division code, positions 3-8 of the USCC. */
  divisionCode: string;
  /** Province name in English, e.g. "Shanxi". */
  province: string;
}

/** What the gateway and the seed generator know about an exchange before it answers anything. */
export interface ExchangeInfo {
  id: string;
  name: string;
  nameZh: string;
  city: string;
  province: string;
  divisionCode: string;
}

export const DEFAULT_EXCHANGES: readonly ExchangeInfo[] = [
  { id: 'bj', name: 'Beijing International Big Data Exchange', nameZh: '北京国际大数据交易所', city: 'Beijing', province: 'Beijing', divisionCode: '110000' },
  { id: 'sh', name: 'Shanghai Data Exchange', nameZh: '上海数据交易所', city: 'Shanghai', province: 'Shanghai', divisionCode: '310000' },
  { id: 'ty', name: 'Shanxi Data Exchange Platform, Taiyuan', nameZh: '山西数据交易平台', city: 'Taiyuan', province: 'Shanxi', divisionCode: '140100' },
  { id: 'gy', name: 'Guiyang Global Big Data Exchange', nameZh: '贵阳大数据交易所', city: 'Guiyang', province: 'Guizhou', divisionCode: '520100' },
];

export const DEFAULT_PORTS: Record<string, number> = { gateway: 4000, providers: 4010, bj: 4011, sh: 4012, ty: 4013, gy: 4014 };
