/** Chinese and English labels. The choice is kept in localStorage; the URL holds only what is shown. */

export type Lang = 'en' | 'zh';

const STORAGE_KEY = 'catalog.lang';

function initialLang(): Lang {
  const stored = localStorage.getItem(STORAGE_KEY);
  if (stored === 'en' || stored === 'zh') return stored;
  return navigator.language.toLowerCase().startsWith('zh') ? 'zh' : 'en';
}

let current: Lang = initialLang();

export function lang(): Lang {
  return current;
}

export function setLang(next: Lang): void {
  current = next;
  localStorage.setItem(STORAGE_KEY, next);
  document.documentElement.lang = next === 'zh' ? 'zh-CN' : 'en';
}

const TEXT = {
  brand: ['Data exchange catalog', '数据交易所目录'],
  'nav.overview': ['Overview', '概览'],
  'nav.search': ['Search', '搜索'],
  'nav.graphiql': ['GraphiQL', 'GraphiQL'],
  loading: ['Loading…', '加载中…'],
  error: ['The API could not answer', '接口未能应答'],
  missing: ['Incomplete: these exchanges did not answer:', '结果不完整，以下交易所未应答：'],
  'overview.title': ['Overview', '概览'],
  'overview.exchanges': ['Exchanges', '交易所'],
  'overview.byCategory': ['Datasets by category per exchange', '各交易所按类别的数据产品数'],
  'overview.providerKinds': ['Who supplies the data: providers by kind per exchange', '数据来源：各交易所按类型的数据提供方数'],
  'overview.prices': ['Price distribution per category (quartiles, median)', '各类别价格分布（四分位数、中位数）'],
  'overview.pricingModel': ['Pricing model', '计价方式'],
  'overview.transparency': ['Transparency per exchange', '各交易所透明度'],
  'tile.status': ['Status', '状态'],
  'tile.latency': ['Latency', '延迟'],
  'tile.datasets': ['Datasets', '数据产品'],
  'tile.providers': ['Providers', '提供方'],
  'tile.version': ['Catalog version', '目录版本'],
  'tile.lastChange': ['last change', '最近更新'],
  'tile.lastSeen': ['last seen', '最近应答'],
  'tr.exchange': ['Exchange', '交易所'],
  'tr.listings': ['Listings', '挂牌数'],
  'tr.publicPrice': ['Public price', '公开价格'],
  'tr.negotiable': ['Negotiable', '面议'],
  'tr.assessed': ['Compliance-assessed', '已合规评估'],
  'tr.personal': ['With personal information', '含个人信息'],
  'tr.minors': ["With minors' data", '含未成年人数据'],
  'tr.security': ['Security level (general / important)', '安全级别（一般 / 重要）'],
  'search.title': ['Search the catalog', '搜索目录'],
  'search.text': ['Words or Chinese text', '关键词或中文'],
  'search.go': ['Search', '搜索'],
  'search.reset': ['Clear filters', '清除筛选'],
  'search.exchange': ['Exchange', '交易所'],
  'search.category': ['Category', '类别'],
  'search.type': ['Type', '类型'],
  'search.pricingModel': ['Pricing model', '计价方式'],
  'search.price': ['Price (CNY)', '价格（元）'],
  'search.min': ['min', '最低'],
  'search.max': ['max', '最高'],
  'search.personalInfo': ['Personal information', '个人信息'],
  'search.minors': ["Minors' data", '未成年人数据'],
  'search.security': ['Security level', '安全级别'],
  'search.any': ['any', '不限'],
  'search.yes': ['yes', '是'],
  'search.no': ['no', '否'],
  'search.sort': ['Sort', '排序'],
  'search.total': ['results', '条结果'],
  'search.rows': ['rows', '行'],
  'search.next': ['Next page', '下一页'],
  'search.first': ['First page', '第一页'],
  'search.export': ['Download CSV', '下载 CSV'],
  'search.none': ['No dataset matches.', '没有匹配的数据产品。'],
  'col.title': ['Title', '名称'],
  'col.exchange': ['Exchange', '交易所'],
  'col.category': ['Category', '类别'],
  'col.type': ['Type', '类型'],
  'col.price': ['Price', '价格'],
  'col.provider': ['Provider', '提供方'],
  'col.updated': ['Updated', '更新时间'],
  'ds.fields': ['Every field', '全部字段'],
  'ds.history': ['Price history', '价格历史'],
  'ds.provider': ['Provider', '提供方'],
  'ds.otherDatasets': ['Its other datasets', '其其他数据产品'],
  'ds.sameProduct': ['The same product on other exchanges', '同一产品在其他交易所'],
  'ds.onlyHere': ['Listed on this exchange only.', '仅在本交易所挂牌。'],
  'ds.notFound': ['No dataset with this id.', '没有此编号的数据产品。'],
  'pv.title': ['Provider', '提供方'],
  'pv.byExchange': ['Listings per exchange', '各交易所挂牌数'],
  'pv.datasets': ['Every dataset it lists', '其全部数据产品'],
  'pv.notFound': ['No provider with this USCC.', '没有此统一社会信用代码的提供方。'],
  'f.uscc': ['USCC', '统一社会信用代码'],
  'f.kind': ['Kind', '类型'],
  'f.province': ['Province', '省份'],
  'f.division': ['Division code', '行政区划代码'],
  'f.name': ['Name', '名称'],
  'live.connecting': ['Live: connecting…', '实时：连接中…'],
  'live.live': ['Live', '实时'],
  'live.reconnecting': ['Live: reconnecting…', '实时：重新连接中…'],
  'live.title': ['Live price changes', '实时价格变动'],
  'live.waiting': ['Waiting for price changes; each one appears here as it happens.', '等待价格变动；每次变动发生时即显示于此。'],
  'live.time': ['Time', '时间'],
  'live.previous': ['Before', '原价'],
  'live.current': ['Now', '现价'],
} satisfies Record<string, [string, string]>;

export type TextKey = keyof typeof TEXT;

export function t(key: TextKey): string {
  return TEXT[key][current === 'en' ? 0 : 1];
}

const ENUMS: Record<string, Record<string, [string, string]>> = {
  Category: {
    BUSINESS_REGISTRATION: ['Business registration', '工商登记'],
    INTELLECTUAL_PROPERTY: ['Intellectual property', '知识产权'],
    CORPORATE_TAX: ['Corporate tax', '企业税务'],
    SOCIAL_CREDIT: ['Social credit', '社会信用'],
    PUBLIC_HEALTH: ['Public health', '公共卫生'],
    WATER_RESOURCES: ['Water resources', '水资源'],
    JUDICIAL_RECORDS: ['Judicial records', '司法记录'],
    TRAFFIC_PENALTIES: ['Traffic penalties', '交通违法'],
    FOREIGN_INVESTMENT: ['Foreign investment', '外商投资'],
    AI_TRAINING_IMAGES: ['AI training images', 'AI 训练图像'],
    AUDIO_SAMPLES: ['Audio samples', '音频样本'],
    IDENTITY_VERIFICATION: ['Identity verification', '身份核验'],
    TELECOM: ['Telecom', '电信'],
    TRANSPORT: ['Transport', '交通运输'],
    FINANCE: ['Finance', '金融'],
    GEOSPATIAL: ['Geospatial', '地理空间'],
    ENERGY: ['Energy', '能源'],
    AGRICULTURE: ['Agriculture', '农业'],
  },
  DatasetType: {
    DATASET: ['Dataset', '数据集'],
    DATA_SERVICE: ['Data service', '数据服务'],
    DATA_REPORT: ['Data report', '数据报告'],
    MODEL: ['Model', '模型'],
  },
  PricingModel: {
    FREE: ['Free', '免费'],
    PER_CALL: ['Per call', '按次'],
    PER_THOUSAND_RECORDS: ['Per 1,000 records', '每千条'],
    MONTHLY: ['Monthly', '包月'],
    ANNUAL: ['Annual', '包年'],
    ONE_TIME: ['One-time', '一次性'],
    NEGOTIABLE: ['Negotiable', '面议'],
  },
  PersonalInfo: {
    NONE: ['None', '无'],
    PERSONAL: ['Personal', '个人信息'],
    SENSITIVE: ['Sensitive', '敏感个人信息'],
  },
  SecurityLevel: {
    GENERAL: ['General', '一般数据'],
    IMPORTANT: ['Important', '重要数据'],
    CORE: ['Core', '核心数据'],
  },
  ProviderKind: {
    GOVERNMENT_DEPARTMENT: ['Government department', '政府机关'],
    PUBLIC_INSTITUTION: ['Public institution', '事业单位'],
    STATE_OWNED_ENTERPRISE: ['State-owned enterprise', '国有企业'],
    PRIVATE_ENTERPRISE: ['Private enterprise', '民营企业'],
    FOREIGN_INVESTED_ENTERPRISE: ['Foreign-invested enterprise', '外商投资企业'],
    SOCIAL_ORGANIZATION: ['Social organisation', '社会组织'],
  },
  DataOrigin: {
    PUBLIC: ['Public data', '公共数据'],
    ENTERPRISE: ['Enterprise data', '企业数据'],
    PERSONAL: ['Personal data', '个人数据'],
  },
  Delivery: {
    API: ['API', '接口'],
    FILE: ['File', '文件'],
    PRIVACY_COMPUTING: ['Privacy computing', '隐私计算'],
    SANDBOX: ['Sandbox', '数据沙箱'],
    REPORT: ['Report', '报告'],
  },
  UpdateFrequency: {
    REAL_TIME: ['Real time', '实时'],
    DAILY: ['Daily', '每日'],
    WEEKLY: ['Weekly', '每周'],
    MONTHLY: ['Monthly', '每月'],
    QUARTERLY: ['Quarterly', '每季度'],
    YEARLY: ['Yearly', '每年'],
    ONE_OFF: ['One-off', '一次性'],
  },
  DatasetSort: {
    UPDATED_DESC: ['Recently updated', '最近更新'],
    PRICE_ASC: ['Cheapest first', '价格从低到高'],
    PRICE_DESC: ['Dearest first', '价格从高到低'],
    TITLE_ASC: ['Title A–Z', '名称排序'],
    RELEVANCE: ['Best match', '相关度'],
  },
  ExchangeStatus: {
    ONLINE: ['ONLINE', '在线 ONLINE'],
    DEGRADED: ['DEGRADED', '降级 DEGRADED'],
    OFFLINE: ['OFFLINE', '离线 OFFLINE'],
  },
};

export type EnumName = keyof typeof ENUMS;

/** The values of one enum, in the schema's order (the facets list them so). */
export function enumValues(name: EnumName): string[] {
  return Object.keys(ENUMS[name]);
}

/** An enum value's label; an unknown value (a newer schema) shows as sent. */
export function label(name: EnumName, value: string): string {
  const pair = ENUMS[name]?.[value];
  return pair ? pair[current === 'en' ? 0 : 1] : value;
}

export function exchangeName(e: { id: string; name: string; nameZh: string }): string {
  return current === 'en' ? e.name : e.nameZh;
}

/** For tables and legends: the English full names are long, and the city tells the exchanges apart. */
export function shortExchangeName(e: { name: string; nameZh: string; city: string }): string {
  return current === 'en' ? e.city : e.nameZh;
}

/** A title in the chosen language (listings carry both). */
export function titleOf(d: { title: string; titleZh: string }): string {
  return current === 'en' ? d.title : d.titleZh;
}
