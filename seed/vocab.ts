/**
 * What seed listings are about: per category, the products (subjects) a provider would list, their
 * likely type and prices (ranges from DOMAIN.md), and the defaults for the rules that travel with
 * every record. Titles combine a subject with a place, a year and a qualifier, so a few hundred
 * subjects still give varied titles at 250,000 rows.
 */
import type {
  Category, DatasetType, Delivery, PersonalInfo, PricingModel, UpdateFrequency, DataOrigin,
} from '../shared/domain.ts';
import type { Weighted } from './rng.ts';

export type TextPair = readonly [en: string, zh: string];

/** One way a product may be priced; amounts are drawn in [min, max] CNY. */
export interface PriceOption {
  model: PricingModel;
  min: number;
  max: number;
  /** Decimals shown; at least 2 ("0.25"), 3 for sub-cent per-call prices ("0.003"). */
  decimals: number;
  weight: number;
}

export interface Subject {
  en: string;
  zh: string;
  type: DatasetType;
  prices: readonly PriceOption[];
  /** Relative frequency among the category's subjects. Default 1. */
  weight?: number;
  personalInfo?: PersonalInfo;
  /** Data about children under 14, e.g. children's voices or vaccination records. */
  containsMinorsData?: boolean;
  /** Where the data comes from when it is not simply the provider's own (e.g. PERSONAL for crowd-sourced audio). */
  origin?: DataOrigin;
  frequency?: UpdateFrequency;
  delivery?: Delivery;
  /** A sentence for the description that only fits this subject; otherwise one of the category's. */
  detail?: TextPair;
}

export interface CategoryVocab {
  subjects: readonly Subject[];
  /** Keyword pairs, English and Chinese. */
  keywords: readonly TextPair[];
  /** Edition or scope words for titles: "Desensitised", "District Level". */
  qualifiers: readonly TextPair[];
  /** One-sentence explanations for descriptions, true of every subject in the category. */
  details: readonly TextPair[];
  /** Personal information when the subject does not say. */
  personalInfo: readonly Weighted<PersonalInfo>[];
  /** Share classified IMPORTANT (the rest GENERAL; CORE is never listed). */
  importantShare: number;
  /** Update frequencies when the subject does not say; otherwise they follow the type. */
  frequencies?: readonly Weighted<UpdateFrequency>[];
}

const price = (model: PricingModel, min: number, max: number, weight = 1, decimals = 2): PriceOption => ({ model, min, max, weight, decimals });
const free = (weight = 1) => price('FREE', 0, 0, weight);
const negotiable = (weight = 1) => price('NEGOTIABLE', 0, 0, weight);
const perCall = (min: number, max: number, weight = 1, decimals = 2) => price('PER_CALL', min, max, weight, decimals);
const perThousand = (min: number, max: number, weight = 1) => price('PER_THOUSAND_RECORDS', min, max, weight);
const monthly = (min: number, max: number, weight = 1) => price('MONTHLY', min, max, weight);
const annual = (min: number, max: number, weight = 1) => price('ANNUAL', min, max, weight);
const oneTime = (min: number, max: number, weight = 1) => price('ONE_TIME', min, max, weight);

/** Wording used by descriptions. */
export const FREQUENCY_TEXT: Readonly<Record<UpdateFrequency, TextPair>> = {
  REAL_TIME: ['real time', '实时'], DAILY: ['daily', '每日'], WEEKLY: ['weekly', '每周'], MONTHLY: ['monthly', '每月'],
  QUARTERLY: ['quarterly', '每季度'], YEARLY: ['yearly', '每年'], ONE_OFF: ['one-off', '一次性'],
};
export const DELIVERY_TEXT: Readonly<Record<Delivery, TextPair>> = {
  API: ['API', 'API接口'], FILE: ['file download', '文件下载'], PRIVACY_COMPUTING: ['privacy computing (usable but not visible)', '隐私计算（可用不可见）'],
  SANDBOX: ['data sandbox', '数据沙箱'], REPORT: ['report', '报告'],
};

export const DELIVERY_BY_TYPE: Readonly<Record<DatasetType, readonly Weighted<Delivery>[]>> = {
  DATASET: [['FILE', 5], ['PRIVACY_COMPUTING', 2], ['SANDBOX', 2], ['API', 1]],
  DATA_SERVICE: [['API', 9], ['PRIVACY_COMPUTING', 1]],
  DATA_REPORT: [['REPORT', 8], ['FILE', 2]],
  MODEL: [['API', 4], ['SANDBOX', 3], ['PRIVACY_COMPUTING', 3]],
};
/** Sensitive raw data leaves the provider only through privacy computing or a sandbox, mostly. */
export const SENSITIVE_DATASET_DELIVERY: readonly Weighted<Delivery>[] = [['PRIVACY_COMPUTING', 5], ['SANDBOX', 3], ['FILE', 1]];

export const FREQUENCY_BY_TYPE: Readonly<Record<DatasetType, readonly Weighted<UpdateFrequency>[]>> = {
  DATASET: [['DAILY', 2], ['WEEKLY', 1], ['MONTHLY', 3], ['QUARTERLY', 2], ['YEARLY', 2], ['ONE_OFF', 1]],
  DATA_SERVICE: [['REAL_TIME', 6], ['DAILY', 3]],
  DATA_REPORT: [['MONTHLY', 2], ['QUARTERLY', 3], ['YEARLY', 3], ['ONE_OFF', 2]],
  MODEL: [['QUARTERLY', 2], ['YEARLY', 2], ['ONE_OFF', 3]],
};

/** Qualifiers any category may use. */
export const COMMON_QUALIFIERS: readonly TextPair[] = [
  ['Standard Edition', '标准版'], ['Enhanced Edition', '增强版'], ['Desensitised', '脱敏版'], ['Historical Archive', '历史归档'],
  ['Full Volume', '全量'], ['Incremental Updates', '增量更新'], ['Aggregated Statistics', '汇总统计'],
];

/**
 * How often each category is listed. Government-sourced categories (registrations, credit, health,
 * water, transport) dominate, as the press reports; AI corpora are a small but growing share.
 */
export const CATEGORY_WEIGHTS: readonly Weighted<Category>[] = [
  ['BUSINESS_REGISTRATION', 9], ['INTELLECTUAL_PROPERTY', 4], ['CORPORATE_TAX', 6], ['SOCIAL_CREDIT', 7],
  ['PUBLIC_HEALTH', 7], ['WATER_RESOURCES', 5], ['JUDICIAL_RECORDS', 5], ['TRAFFIC_PENALTIES', 5],
  ['FOREIGN_INVESTMENT', 4], ['AI_TRAINING_IMAGES', 4], ['AUDIO_SAMPLES', 4], ['IDENTITY_VERIFICATION', 6],
  ['TELECOM', 5], ['TRANSPORT', 7], ['FINANCE', 6], ['GEOSPATIAL', 6], ['ENERGY', 5], ['AGRICULTURE', 5],
];

const NONE_MOSTLY: readonly Weighted<PersonalInfo>[] = [['NONE', 9], ['PERSONAL', 1]];

export const VOCAB: Readonly<Record<Category, CategoryVocab>> = {
  BUSINESS_REGISTRATION: {
    subjects: [
      { en: 'Business Registration Lookup API', zh: '企业工商登记信息查询接口', type: 'DATA_SERVICE', prices: [perCall(0.24, 0.5, 8), annual(20000, 60000, 2)], weight: 3 },
      { en: 'Business Registrations', zh: '企业登记注册信息', type: 'DATASET', prices: [annual(20000, 80000, 3), oneTime(5000, 30000, 2), free(1), negotiable(1)], weight: 3 },
      { en: 'New Business Registrations', zh: '新设市场主体登记数据', type: 'DATASET', prices: [free(2), monthly(500, 3000)] },
      { en: 'Shareholder and Executive Records', zh: '企业股东及高管信息', type: 'DATA_SERVICE', personalInfo: 'PERSONAL', prices: [perCall(0.3, 0.8)] },
      { en: 'Business Registration Change Records', zh: '企业登记变更记录', type: 'DATASET', prices: [annual(10000, 50000), perThousand(5, 50)] },
      { en: 'Market Entity Annual Reports', zh: '市场主体年度报告信息', type: 'DATASET', prices: [free(), oneTime(2000, 20000)] },
      { en: 'Abnormal Business Operations List', zh: '企业经营异常名录', type: 'DATASET', prices: [free(2), perCall(0.24, 0.5)] },
      { en: 'Market Entity Development Report', zh: '市场主体发展分析报告', type: 'DATA_REPORT', prices: [oneTime(2000, 30000), free()] },
    ],
    keywords: [['business registration', '工商登记'], ['enterprise', '企业'], ['market entity', '市场主体'], ['unified social credit code', '统一社会信用代码'], ['shareholders', '股东'], ['KYB', '企业核验']],
    qualifiers: [['Enterprises and Sole Traders', '企业及个体工商户'], ['Newly Registered', '新设'], ['Deregistered Entities', '注销主体']],
    details: [
      ['Covers registered capital, legal representative, business scope and status of every market entity.', '涵盖市场主体的注册资本、法定代表人、经营范围及登记状态。'],
      ['Sourced from the market regulation registry and refreshed from official filings.', '数据来源于市场监管登记系统，依据官方备案更新。'],
      ['Used for know-your-business checks, supplier vetting and regional economic analysis.', '可用于企业核验、供应商审查和区域经济分析。'],
    ],
    personalInfo: [['NONE', 7], ['PERSONAL', 3]],
    importantShare: 0.03,
  },
  INTELLECTUAL_PROPERTY: {
    subjects: [
      { en: 'Patent Grant Records', zh: '专利授权信息', type: 'DATASET', prices: [annual(10000, 50000, 2), oneTime(3000, 20000), free()] },
      { en: 'Trademark Registration Lookup API', zh: '商标注册信息查询接口', type: 'DATA_SERVICE', prices: [perCall(0.1, 0.5)] },
      { en: 'Patent Value Assessment Model', zh: '专利价值评估模型', type: 'MODEL', prices: [annual(30000, 120000, 2), negotiable()] },
      { en: 'Enterprise IP Profile Tags', zh: '企业知识产权画像标签', type: 'DATA_SERVICE', prices: [perThousand(5, 135)] },
      { en: 'IP Pledge Financing Registrations', zh: '知识产权质押融资登记信息', type: 'DATASET', prices: [annual(10000, 40000), free()] },
      { en: 'IP Litigation Analysis Report', zh: '知识产权诉讼分析报告', type: 'DATA_REPORT', prices: [oneTime(5000, 50000)] },
    ],
    keywords: [['patent', '专利'], ['trademark', '商标'], ['intellectual property', '知识产权'], ['innovation', '创新'], ['licensing', '许可']],
    qualifiers: [['Invention Patents', '发明专利'], ['Utility Models', '实用新型'], ['High-tech Enterprises', '高新技术企业']],
    details: [
      ['Includes application numbers, classification codes, holders and legal status.', '包含申请号、分类号、权利人及法律状态。'],
      ['Helps assess the innovation capacity of enterprises for financing and investment.', '用于评估企业创新能力，服务融资与投资决策。'],
    ],
    personalInfo: NONE_MOSTLY,
    importantShare: 0.02,
  },
  CORPORATE_TAX: {
    subjects: [
      { en: 'Corporate Tax Credit Rating Lookup', zh: '企业纳税信用等级查询', type: 'DATA_SERVICE', prices: [perCall(0.3, 5, 3), annual(20000, 90000)], weight: 2 },
      { en: 'Corporate Tax Payment Records', zh: '企业纳税记录', type: 'DATASET', delivery: 'PRIVACY_COMPUTING', prices: [annual(20000, 90000, 3), negotiable()], weight: 2 },
      { en: 'Corporate Tax Data for SME Lending', zh: '银税互动中小企业涉税数据', type: 'DATA_SERVICE', prices: [perCall(1, 5, 2), annual(30000, 100000)] },
      { en: 'Corporate Tax Arrears Announcements', zh: '企业欠税公告', type: 'DATASET', prices: [free(3), perCall(0.3, 1)] },
      { en: 'VAT Invoice Statistics', zh: '增值税发票开具统计', type: 'DATASET', delivery: 'PRIVACY_COMPUTING', prices: [annual(20000, 80000), negotiable()] },
      { en: 'Corporate Tax Revenue Analysis Report', zh: '企业税收分析报告', type: 'DATA_REPORT', prices: [oneTime(5000, 50000), free()] },
    ],
    keywords: [['corporate tax', '企业税收'], ['tax credit', '纳税信用'], ['invoice', '发票'], ['SME lending', '小微企业贷款'], ['tax compliance', '税务合规']],
    qualifiers: [['Grade A Taxpayers', 'A级纳税人'], ['Small and Micro Enterprises', '小微企业'], ['Three-year History', '近三年']],
    details: [
      ['Derived from tax filings; raw records stay with the tax authority and only results leave it.', '源自纳税申报数据，原始数据不出税务机关，仅输出结果。'],
      ['Widely used by banks to grant credit to small enterprises on the strength of their tax history.', '银行据此依据企业纳税情况向小微企业授信。'],
    ],
    personalInfo: [['NONE', 8], ['PERSONAL', 2]],
    importantShare: 0.1,
  },
  SOCIAL_CREDIT: {
    subjects: [
      { en: 'Social Credit Records of Enterprises', zh: '企业公共信用信息', type: 'DATASET', prices: [annual(20000, 80000, 2), free()], weight: 2 },
      { en: 'Social Credit Lookup API', zh: '社会信用信息查询接口', type: 'DATA_SERVICE', prices: [perCall(0.3, 5)], weight: 2 },
      { en: 'Social Credit Report', zh: '公共信用信息报告', type: 'DATA_REPORT', prices: [perCall(2, 5), free()] },
      { en: 'Dishonest Entities List', zh: '失信主体名单', type: 'DATASET', prices: [free(2), annual(10000, 40000)] },
      { en: 'Administrative Licensing and Penalty Disclosures', zh: '行政许可和行政处罚“双公示”信息', type: 'DATASET', prices: [free(3)] },
      { en: 'Credit Risk Scoring Model', zh: '企业信用风险评分模型', type: 'MODEL', prices: [annual(30000, 150000), perCall(0.5, 5)] },
    ],
    keywords: [['social credit', '社会信用'], ['credit rating', '信用评级'], ['blacklist', '黑名单'], ['redlist', '红名单'], ['administrative penalty', '行政处罚']],
    qualifiers: [['Joint Punishment List', '联合惩戒'], ['Credit Repair Status', '信用修复状态'], ['Enterprises', '企业']],
    details: [
      ['Compiled from the public credit information platform that collects records of many departments.', '汇集自公共信用信息平台归集的多部门信用记录。'],
      ['Shows administrative licences, penalties, red and black lists and credit commitments.', '展示行政许可、行政处罚、红黑名单及信用承诺信息。'],
    ],
    personalInfo: [['NONE', 6], ['PERSONAL', 4]],
    importantShare: 0.05,
  },
  PUBLIC_HEALTH: {
    subjects: [
      {
        en: 'Vaccination Clinic Locations', zh: '疫苗接种门诊点位', type: 'DATASET', personalInfo: 'NONE', prices: [free(5), annual(1000, 5000)], weight: 3,
        detail: ['Each clinic with its geocoded address, opening hours and the vaccines it offers.', '含各接种门诊的地理编码地址、开放时间及可接种疫苗。'],
      },
      { en: 'Childhood Vaccination Coverage Statistics', zh: '儿童疫苗接种率统计', type: 'DATASET', personalInfo: 'NONE', prices: [free()] },
      { en: 'Childhood Vaccination Records (De-identified)', zh: '儿童预防接种记录（去标识化）', type: 'DATASET', personalInfo: 'SENSITIVE', containsMinorsData: true, delivery: 'PRIVACY_COMPUTING', prices: [negotiable(2), annual(50000, 200000)] },
      { en: 'Medical Institution Directory', zh: '医疗机构名录', type: 'DATASET', personalInfo: 'NONE', prices: [free(3), perCall(0.05, 0.2)] },
      { en: 'Infectious Disease Surveillance Report', zh: '传染病监测报告', type: 'DATA_REPORT', personalInfo: 'NONE', prices: [free(2), oneTime(2000, 10000)] },
      { en: 'Hospital Outpatient and Bed Statistics', zh: '医院门诊量与床位统计', type: 'DATASET', personalInfo: 'NONE', prices: [free(), monthly(500, 2000)] },
      { en: 'Medical Insurance Settlement Data', zh: '医保结算数据', type: 'DATASET', personalInfo: 'SENSITIVE', delivery: 'PRIVACY_COMPUTING', prices: [annual(50000, 300000), negotiable()] },
    ],
    keywords: [['public health', '公共卫生'], ['vaccination', '疫苗接种'], ['clinic', '门诊'], ['hospital', '医院'], ['disease control', '疾病防控'], ['healthcare', '医疗']],
    qualifiers: [['Opening Hours Included', '含开放时间'], ['Community Health Centers', '社区卫生服务中心'], ['Geocoded', '含经纬度']],
    details: [
      ['Published by the health authorities and checked against their registers.', '由卫生健康部门发布，并与其登记信息核对。'],
      ['Supports public-health research, resource planning and service evaluation.', '服务公共卫生研究、资源规划与服务评估。'],
    ],
    personalInfo: NONE_MOSTLY,
    importantShare: 0.08,
  },
  WATER_RESOURCES: {
    subjects: [
      {
        en: 'Water Collection Points', zh: '取水点位信息', type: 'DATASET', prices: [free(5), annual(2000, 10000)], weight: 3,
        detail: ['Lists each point with coordinates, permitted volume and the managing authority.', '列出各点位的坐标、许可水量及管理单位。'],
      },
      { en: 'Water Quality Monitoring', zh: '水质监测数据', type: 'DATASET', prices: [free(3), annual(5000, 30000)], weight: 2 },
      { en: 'River and Reservoir Water Levels', zh: '河流水库实时水位', type: 'DATA_SERVICE', frequency: 'REAL_TIME', prices: [free(2), perCall(0.01, 0.1, 1, 3)] },
      { en: 'Water Abstraction Permits', zh: '取水许可信息', type: 'DATASET', prices: [free()] },
      { en: 'Rainfall and Hydrological Observations', zh: '降雨与水文观测数据', type: 'DATASET', prices: [free(2), annual(5000, 20000)] },
      { en: 'Urban Water Supply Statistics', zh: '城市供水统计', type: 'DATA_REPORT', prices: [free()] },
    ],
    keywords: [['water resources', '水资源'], ['water quality', '水质'], ['hydrology', '水文'], ['reservoir', '水库'], ['drinking water', '饮用水']],
    qualifiers: [['Drinking Water Sources', '饮用水水源地'], ['Monitoring Stations', '监测站点'], ['River Basins', '流域']],
    details: [
      ['Collected by monitoring stations and registers and checked by the water authority.', '由监测站点及登记系统采集，经水务部门审核。'],
      ['Supports water-supply safety, flood control and environmental research.', '服务供水安全、防汛及环境研究。'],
    ],
    personalInfo: [['NONE', 1]],
    importantShare: 0.08,
  },
  JUDICIAL_RECORDS: {
    subjects: [
      { en: 'Judicial Penalties and Enforcement Records', zh: '司法处罚与执行信息', type: 'DATASET', prices: [annual(20000, 90000, 2), perCall(0.3, 5)], weight: 2 },
      { en: 'Court Judgment Documents', zh: '裁判文书数据', type: 'DATASET', prices: [annual(30000, 100000), negotiable()] },
      { en: 'Persons Subject to Enforcement Lookup API', zh: '被执行人信息查询接口', type: 'DATA_SERVICE', personalInfo: 'PERSONAL', prices: [perCall(0.3, 5)] },
      { en: 'Enterprise Litigation Risk Lookup API', zh: '企业涉诉风险查询接口', type: 'DATA_SERVICE', personalInfo: 'NONE', prices: [perCall(0.3, 5, 2), annual(20000, 60000)] },
      { en: 'Court Hearing Announcements', zh: '开庭公告信息', type: 'DATASET', prices: [free(), perCall(0.3, 1)] },
      { en: 'Judicial Auction Records', zh: '司法拍卖信息', type: 'DATASET', prices: [free(), annual(10000, 30000)] },
    ],
    keywords: [['judicial', '司法'], ['court', '法院'], ['enforcement', '执行'], ['litigation', '诉讼'], ['judicial penalty', '司法处罚']],
    qualifiers: [['Civil and Commercial Cases', '民商事案件'], ['Enforcement Cases', '执行案件'], ['Enterprises Only', '仅企业']],
    details: [
      ['Published by the courts; personal details are masked as the rules on publishing judgments require.', '来源于法院公开信息，个人信息已按裁判文书公开规定作脱敏处理。'],
      ['Used for litigation risk checks before lending, contracting or investing.', '用于授信、签约和投资前的涉诉风险核查。'],
    ],
    personalInfo: [['NONE', 4], ['PERSONAL', 6]],
    importantShare: 0.1,
  },
  TRAFFIC_PENALTIES: {
    subjects: [
      { en: 'Traffic Penalties Lookup API', zh: '交通违法处罚查询接口', type: 'DATA_SERVICE', prices: [perCall(0.3, 2)], weight: 2 },
      { en: 'Traffic Penalties Statistics', zh: '交通违法处罚统计', type: 'DATASET', personalInfo: 'NONE', prices: [free(), annual(5000, 20000)] },
      { en: 'Vehicle Violation Records', zh: '机动车违法记录', type: 'DATASET', delivery: 'PRIVACY_COMPUTING', prices: [annual(20000, 80000), negotiable()] },
      { en: 'Driver Penalty Points Verification', zh: '驾驶人记分核验', type: 'DATA_SERVICE', prices: [perCall(0.3, 1)] },
      { en: 'Road Traffic Accident Statistics', zh: '道路交通事故统计', type: 'DATA_REPORT', personalInfo: 'NONE', prices: [free()] },
      { en: 'Commercial Fleet Safety Scoring Model', zh: '营运车辆安全评分模型', type: 'MODEL', personalInfo: 'NONE', prices: [annual(20000, 100000)] },
    ],
    keywords: [['traffic penalty', '交通违法'], ['vehicle', '机动车'], ['driver', '驾驶人'], ['road safety', '道路安全'], ['insurance pricing', '车险定价']],
    qualifiers: [['Commercial Vehicles', '营运车辆'], ['Private Cars', '私家车'], ['Camera-recorded Offences', '电子警察抓拍']],
    details: [
      ['From the traffic police enforcement system: offence type, place, time, fine and points.', '来源于公安交管执法系统，含违法类型、地点、时间、罚款及记分。'],
      ['Used by insurers and fleet operators for risk pricing and driver management.', '供保险公司和车队运营方用于风险定价与驾驶员管理。'],
    ],
    personalInfo: [['NONE', 4], ['PERSONAL', 6]],
    importantShare: 0.05,
  },
  FOREIGN_INVESTMENT: {
    subjects: [
      { en: 'Foreign Investment Enterprise Records', zh: '外商投资企业信息', type: 'DATASET', prices: [annual(10000, 50000, 2), free()], weight: 2 },
      { en: 'Foreign Investment Information Reports', zh: '外商投资信息报告数据', type: 'DATASET', prices: [annual(10000, 60000)] },
      { en: 'Foreign Investment Project Filings', zh: '外商投资项目备案信息', type: 'DATASET', prices: [free(), oneTime(2000, 20000)] },
      { en: 'Foreign Investment Trends Report', zh: '外商投资趋势分析报告', type: 'DATA_REPORT', prices: [oneTime(5000, 50000), free()] },
      { en: 'Foreign Investment Enterprise Lookup API', zh: '外资企业信息查询接口', type: 'DATA_SERVICE', prices: [perCall(0.24, 0.5)] },
    ],
    keywords: [['foreign investment', '外商投资'], ['FDI', '外资'], ['cross-border', '跨境'], ['free trade zone', '自贸区'], ['negative list', '负面清单']],
    qualifiers: [['Free Trade Zone', '自由贸易试验区'], ['Wholly Foreign-owned', '外商独资'], ['Joint Ventures', '中外合资']],
    details: [
      ['Based on foreign investment information reports filed with the commerce authorities.', '依据向商务主管部门报送的外商投资信息报告整理。'],
      ['Covers investor origin, industry, registered capital and changes over time.', '涵盖投资方来源地、所属行业、注册资本及历次变更。'],
    ],
    personalInfo: [['NONE', 1]],
    importantShare: 0.05,
  },
  AI_TRAINING_IMAGES: {
    subjects: [
      { en: 'AI Training Images of Street Scenes', zh: 'AI训练图像：城市街景', type: 'DATASET', personalInfo: 'PERSONAL', prices: [negotiable(3), oneTime(50000, 500000, 3)], weight: 2 },
      { en: 'AI Training Images of Medical Scans (De-identified)', zh: 'AI训练图像：医学影像（去标识化）', type: 'DATASET', personalInfo: 'SENSITIVE', delivery: 'PRIVACY_COMPUTING', prices: [negotiable(3), oneTime(100000, 800000, 2)] },
      { en: 'AI Training Images of Crop Diseases', zh: 'AI训练图像：农作物病害', type: 'DATASET', prices: [oneTime(20000, 200000, 2), negotiable()] },
      { en: 'AI Training Images of Handwritten Chinese', zh: 'AI训练图像：手写汉字', type: 'DATASET', prices: [oneTime(30000, 300000, 2), negotiable()] },
      { en: 'AI Training Images of Retail Shelves', zh: 'AI训练图像：商超货架', type: 'DATASET', prices: [oneTime(20000, 150000), negotiable()] },
      {
        en: 'Image Recognition API', zh: '图像识别服务接口', type: 'DATA_SERVICE', prices: [perCall(0.003, 0.02, 1, 3)], weight: 2,
        detail: ['Classifies an uploaded image and returns labels with confidence scores; images are not kept.', '对上传图像进行分类并返回标签及置信度，图像不留存。'],
      },
      {
        en: 'Object Detection Model', zh: '目标检测模型', type: 'MODEL', prices: [annual(50000, 300000), negotiable()],
        detail: ['Trained on annotated local imagery; runs in the buyer\u2019s sandbox or through an API.', '基于本地标注图像训练，可在买方沙箱或通过API调用。'],
      },
    ],
    keywords: [['AI training', 'AI训练'], ['computer vision', '计算机视觉'], ['annotated images', '标注图像'], ['image recognition', '图像识别'], ['dataset', '数据集']],
    qualifiers: [['Bounding-box Annotated', '含框选标注'], ['1 Million Images', '百万张'], ['Pixel-level Segmentation', '像素级分割']],
    details: [
      ['Labelled by trained annotators and checked twice; faces and number plates are blurred where they appear.', '由专业标注员标注并两轮质检，出现的人脸与车牌已模糊处理。'],
      ['Licensed for model training and evaluation only; resale is not allowed.', '仅授权用于模型训练与评测，不得转售。'],
    ],
    personalInfo: [['NONE', 5], ['PERSONAL', 3], ['SENSITIVE', 2]],
    importantShare: 0.05,
    frequencies: [['ONE_OFF', 6], ['QUARTERLY', 2], ['YEARLY', 2]],
  },
  AUDIO_SAMPLES: {
    subjects: [
      {
        en: "Audio Samples Including Children's Voices Gathered from Smartphones", zh: '智能手机采集的音频样本（含儿童语音）', type: 'DATASET',
        personalInfo: 'SENSITIVE', containsMinorsData: true, origin: 'PERSONAL', prices: [negotiable(3), oneTime(50000, 500000, 2)], weight: 2,
      },
      { en: 'Mandarin Speech Audio Samples', zh: '普通话语音音频样本', type: 'DATASET', origin: 'PERSONAL', prices: [oneTime(30000, 300000, 2), negotiable()], weight: 2 },
      { en: 'Dialect Speech Corpus', zh: '方言语音语料库', type: 'DATASET', prices: [oneTime(30000, 300000), negotiable()] },
      { en: 'In-car Voice Command Audio Samples', zh: '车载语音指令音频样本', type: 'DATASET', prices: [oneTime(20000, 200000), negotiable()] },
      { en: 'Customer Service Call Recordings (De-identified)', zh: '客服通话录音（去标识化）', type: 'DATASET', delivery: 'PRIVACY_COMPUTING', prices: [negotiable(2), annual(50000, 200000)] },
      { en: 'Speech Recognition Model', zh: '语音识别模型', type: 'MODEL', personalInfo: 'NONE', prices: [annual(50000, 300000), negotiable()] },
    ],
    keywords: [['audio', '音频'], ['speech', '语音'], ['voice', '声音'], ['ASR', '语音识别'], ['corpus', '语料库'], ['smartphone', '智能手机']],
    qualifiers: [['1,000 Hours', '1000小时'], ['Transcribed', '含转写文本'], ['16 kHz', '16kHz采样']],
    details: [
      // "Minors" (未成年人), as the law writes it: 儿童 or "children" find such a listing through the synonym table (shared/synonyms.ts).
      ['Recorded with the speakers\u2019 consent (and a guardian\u2019s for minors), transcribed and checked.', '经说话人同意（未成年人经监护人同意）录制，已转写并质检。'],
      ['Voiceprints are biometric data; access is by contract and for model training only.', '声纹属于生物识别信息，须签约使用且仅限模型训练。'],
    ],
    personalInfo: [['SENSITIVE', 6], ['PERSONAL', 3], ['NONE', 1]],
    importantShare: 0.05,
    frequencies: [['ONE_OFF', 7], ['QUARTERLY', 2], ['YEARLY', 1]],
  },
  IDENTITY_VERIFICATION: {
    subjects: [
      { en: 'ID Verification (Name and ID Number)', zh: '身份证二要素核验', type: 'DATA_SERVICE', prices: [perCall(0.07, 0.5)], weight: 3 },
      { en: 'ID Verification with Portrait Photo', zh: '身份证人像比对核验', type: 'DATA_SERVICE', prices: [perCall(0.3, 0.5)], weight: 2 },
      { en: 'Face Comparison Service', zh: '人脸比对服务', type: 'DATA_SERVICE', prices: [monthly(3000, 3000)] },
      { en: 'Bank Card Four-factor Verification', zh: '银行卡四要素核验', type: 'DATA_SERVICE', prices: [perCall(0.2, 0.5)] },
      { en: 'Mobile Number Real-name Verification', zh: '手机号实名核验', type: 'DATA_SERVICE', prices: [perCall(0.1, 0.5)] },
      { en: 'Liveness Detection Model', zh: '活体检测模型', type: 'MODEL', prices: [annual(50000, 200000), perCall(0.1, 0.3)] },
    ],
    keywords: [['ID verification', '身份核验'], ['KYC', '实名认证'], ['identity card', '身份证'], ['face recognition', '人脸识别'], ['anti-fraud', '反欺诈']],
    qualifiers: [['Consistent / Inconsistent Result', '一致性结果'], ['Millisecond Response', '毫秒级响应'], ['Authorised Use Only', '须用户授权']],
    details: [
      ['Returns only whether the submitted data match; no personal data is sent back.', '仅返回核验是否一致，不返回任何个人信息。'],
      ['Each call needs the data subject\u2019s authorisation, as the Personal Information Protection Law requires.', '每次调用须取得个人授权，符合《个人信息保护法》要求。'],
    ],
    personalInfo: [['SENSITIVE', 1]],
    importantShare: 0.25,
  },
  TELECOM: {
    subjects: [
      {
        en: 'Phone Network Status Check', zh: '手机号在网状态查询', type: 'DATA_SERVICE', prices: [perCall(0.4, 0.5)], weight: 3,
        detail: ['Returns only whether the number is in service, suspended or closed; no personal data is sent back.', '仅返回号码正常、停机或销号状态，不返回个人信息。'],
      },
      { en: 'Phone Number Tenure Lookup', zh: '手机号在网时长查询', type: 'DATA_SERVICE', prices: [perCall(0.3, 0.5)], weight: 2 },
      { en: 'Subscriber Profile Tags', zh: '用户画像标签', type: 'DATA_SERVICE', delivery: 'PRIVACY_COMPUTING', prices: [perThousand(5, 135)], weight: 2 },
      { en: 'Mobile Signalling Population Flows', zh: '手机信令人口流动数据', type: 'DATASET', personalInfo: 'NONE', prices: [annual(50000, 300000), negotiable()] },
      { en: 'Base Station Coverage Map', zh: '通信基站覆盖分布', type: 'DATASET', personalInfo: 'NONE', prices: [oneTime(10000, 50000)] },
      { en: 'Phone Number Fraud Risk Model', zh: '手机号涉诈风险模型', type: 'MODEL', prices: [perCall(0.3, 1)] },
    ],
    keywords: [['telecom', '通信'], ['mobile number', '手机号'], ['network status', '在网状态'], ['operator', '运营商'], ['anti-fraud', '反欺诈']],
    qualifiers: [['All Three Operators', '三网合一'], ['Real-time Query', '实时查询'], ['Aggregated by Grid', '按网格汇总']],
    details: [
      ['Sourced directly from the operator\u2019s systems and checked before release.', '直接来源于运营商系统，发布前经核验。'],
      ['Used for account security, anti-fraud checks and network planning.', '用于账户安全、反欺诈校验及网络规划。'],
    ],
    personalInfo: [['PERSONAL', 6], ['NONE', 2], ['SENSITIVE', 2]],
    importantShare: 0.2,
  },
  TRANSPORT: {
    subjects: [
      { en: 'Real-time Bus Positions', zh: '公交车辆实时位置', type: 'DATA_SERVICE', frequency: 'REAL_TIME', prices: [free(2), perCall(0.01, 0.05, 1, 3)], weight: 2 },
      { en: 'Metro Passenger Flow Statistics', zh: '地铁客流统计', type: 'DATASET', prices: [free(), monthly(1000, 5000)] },
      { en: 'Road Congestion Index', zh: '道路拥堵指数', type: 'DATA_SERVICE', prices: [perCall(0.05, 0.3), annual(20000, 60000)] },
      { en: 'Freight Logistics Flows', zh: '货运物流流向数据', type: 'DATASET', prices: [annual(20000, 100000), negotiable()] },
      { en: 'Taxi and Ride-hailing Trip Statistics', zh: '出租车与网约车出行统计', type: 'DATASET', prices: [annual(10000, 50000), free()] },
      { en: 'Parking Space Occupancy', zh: '停车场泊位占用', type: 'DATA_SERVICE', frequency: 'REAL_TIME', prices: [free(), perCall(0.01, 0.05, 1, 3)] },
      { en: 'Urban Traffic Operation Report', zh: '城市交通运行报告', type: 'DATA_REPORT', prices: [free(2), oneTime(3000, 20000)] },
    ],
    keywords: [['transport', '交通'], ['public transit', '公共交通'], ['traffic flow', '交通流量'], ['logistics', '物流'], ['mobility', '出行']],
    qualifiers: [['Peak Hours', '高峰时段'], ['Road Network', '路网'], ['Hourly Granularity', '小时粒度']],
    details: [
      ['Collected from vehicle GPS, ticketing and road sensors, cleaned and aggregated.', '采集自车载GPS、票务系统和道路传感器，经清洗汇总。'],
      ['Supports route planning, operations scheduling and urban planning research.', '支撑线路规划、运营调度和城市规划研究。'],
    ],
    personalInfo: NONE_MOSTLY,
    importantShare: 0.05,
  },
  FINANCE: {
    subjects: [
      { en: 'Enterprise Profile Tags', zh: '企业画像标签', type: 'DATA_SERVICE', personalInfo: 'NONE', prices: [perThousand(5, 135)], weight: 2 },
      { en: 'Housing Provident Fund Contribution Verification', zh: '住房公积金缴存核验', type: 'DATA_SERVICE', personalInfo: 'SENSITIVE', prices: [perCall(0.3, 2)] },
      { en: 'Social Insurance Contribution Verification', zh: '社保缴纳核验', type: 'DATA_SERVICE', personalInfo: 'SENSITIVE', prices: [perCall(0.3, 2)] },
      { en: 'Inclusive Finance Credit Model', zh: '普惠金融授信模型', type: 'MODEL', delivery: 'PRIVACY_COMPUTING', prices: [annual(50000, 300000), negotiable()] },
      { en: 'Real Estate Registration Lookup', zh: '不动产登记信息查询', type: 'DATA_SERVICE', personalInfo: 'PERSONAL', prices: [perCall(0.5, 3)] },
      { en: 'Supply Chain Finance Risk Data', zh: '供应链金融风险数据', type: 'DATASET', prices: [annual(30000, 120000)] },
      { en: 'Regional Financial Operations Report', zh: '区域金融运行报告', type: 'DATA_REPORT', personalInfo: 'NONE', prices: [oneTime(3000, 30000), free()] },
    ],
    keywords: [['finance', '金融'], ['credit', '授信'], ['risk control', '风控'], ['inclusive finance', '普惠金融'], ['profile tags', '画像标签']],
    qualifiers: [['Small and Micro Enterprises', '小微企业'], ['Bank-ready', '银行适用'], ['Monthly Snapshot', '月度快照']],
    details: [
      ['Delivered to licensed financial institutions for credit decisions only.', '仅向持牌金融机构提供，用于授信决策。'],
      ['Results are computed where the data lives; raw records never leave the provider.', '计算在数据所在地完成，原始数据不出域。'],
    ],
    personalInfo: [['NONE', 3], ['PERSONAL', 4], ['SENSITIVE', 3]],
    importantShare: 0.1,
  },
  GEOSPATIAL: {
    subjects: [
      { en: 'Basic Geographic Information', zh: '基础地理信息数据', type: 'DATASET', prices: [oneTime(10000, 100000, 2), free()], weight: 2 },
      { en: 'High-resolution Satellite Imagery', zh: '高分辨率卫星影像', type: 'DATASET', prices: [oneTime(20000, 300000, 2), negotiable()] },
      { en: 'Points of Interest (POI)', zh: '兴趣点（POI）数据', type: 'DATASET', prices: [annual(10000, 50000), perThousand(5, 50)] },
      { en: 'Address Geocoding API', zh: '地址地理编码服务接口', type: 'DATA_SERVICE', prices: [perCall(0.005, 0.05, 1, 3)] },
      { en: 'Land Use Survey Data', zh: '国土调查土地利用数据', type: 'DATASET', prices: [free(), oneTime(10000, 80000)] },
      { en: '3D City Model', zh: '城市三维模型', type: 'DATASET', prices: [oneTime(50000, 500000), negotiable()] },
    ],
    keywords: [['geospatial', '地理空间'], ['GIS', '地理信息系统'], ['map', '地图'], ['remote sensing', '遥感'], ['address', '地址']],
    qualifiers: [['1:2000 Scale', '1:2000比例尺'], ['0.5 m Resolution', '0.5米分辨率'], ['CGCS2000 Coordinates', 'CGCS2000坐标系']],
    details: [
      ['Produced by the surveying and mapping authority and screened under the rules on map confidentiality.', '由测绘主管部门生产，已按地图保密规定完成审查。'],
      ['Suitable for planning, navigation, site selection and emergency response.', '适用于规划、导航、选址及应急响应。'],
    ],
    personalInfo: [['NONE', 1]],
    importantShare: 0.2,
  },
  ENERGY: {
    subjects: [
      { en: 'Enterprise Electricity Consumption', zh: '企业用电数据', type: 'DATASET', delivery: 'PRIVACY_COMPUTING', prices: [annual(20000, 100000, 2), perCall(0.5, 3)], weight: 2 },
      { en: 'Electricity Consumption Index Report', zh: '电力消费指数报告', type: 'DATA_REPORT', prices: [free(), oneTime(3000, 20000)] },
      { en: 'EV Charging Station Status', zh: '充电桩实时状态', type: 'DATA_SERVICE', frequency: 'REAL_TIME', prices: [free(), perCall(0.01, 0.05, 1, 3)] },
      { en: 'Natural Gas Usage Statistics', zh: '天然气用量统计', type: 'DATASET', prices: [annual(5000, 30000)] },
      { en: 'Carbon Emission Accounting Data', zh: '碳排放核算数据', type: 'DATASET', prices: [annual(20000, 80000), free()] },
      { en: 'Photovoltaic Output Forecasting Model', zh: '光伏发电功率预测模型', type: 'MODEL', prices: [annual(50000, 200000)] },
    ],
    keywords: [['energy', '能源'], ['electricity', '电力'], ['carbon', '碳排放'], ['charging', '充电'], ['power credit', '电力征信']],
    qualifiers: [['Industrial Users', '工业用户'], ['15-minute Intervals', '15分钟粒度'], ['By Industry', '分行业']],
    details: [
      ['Collected from the metering and monitoring systems of energy companies; enterprise names only with their consent.', '采集自能源企业计量与监测系统，企业名称须经授权方可提供。'],
      ['A timely indicator of economic activity, used in credit and policy analysis.', '作为经济活动的及时指标，用于信贷与政策分析。'],
    ],
    personalInfo: [['NONE', 7], ['PERSONAL', 3]],
    importantShare: 0.15,
  },
  AGRICULTURE: {
    subjects: [
      { en: 'Farmland Soil Testing', zh: '耕地土壤检测数据', type: 'DATASET', prices: [free(2), oneTime(5000, 30000)] },
      { en: 'Agricultural Wholesale Prices', zh: '农产品批发价格', type: 'DATASET', prices: [free(2), monthly(200, 1000)], weight: 2 },
      { en: 'Crop Planting Area Remote Sensing', zh: '农作物种植面积遥感监测', type: 'DATASET', prices: [oneTime(20000, 100000)] },
      { en: 'Agro-meteorological Observations', zh: '农业气象观测数据', type: 'DATASET', prices: [free(), annual(3000, 15000)] },
      { en: 'Livestock Epidemic Monitoring', zh: '畜禽疫病监测数据', type: 'DATASET', prices: [free()] },
      { en: 'Tea Garden Traceability Records', zh: '茶园质量溯源信息', type: 'DATASET', prices: [free(), annual(3000, 10000)] },
      { en: 'Crop Yield Forecast Report', zh: '农作物产量预测报告', type: 'DATA_REPORT', prices: [oneTime(3000, 20000), free()] },
    ],
    keywords: [['agriculture', '农业'], ['crops', '农作物'], ['soil', '土壤'], ['farm prices', '农产品价格'], ['rural', '乡村']],
    qualifiers: [['County Level', '县级'], ['Growing Season', '生长季'], ['Major Crops', '主要农作物']],
    details: [
      ['Collected by agricultural technology stations and field surveys.', '由农技站及实地调查采集。'],
      ['Supports planting decisions, crop insurance and rural revitalisation planning.', '服务种植决策、农业保险及乡村振兴规划。'],
    ],
    personalInfo: [['NONE', 1]],
    importantShare: 0.03,
  },
};
