/**
 * Name templates for seed providers. For each province and kind, `providerCandidates` lists every
 * organisation the templates can name, in a fixed order; the registry samples from these lists.
 * Each candidate carries the data categories such a body plausibly lists, so that a water authority
 * sells water data and a telecom sells phone-number checks.
 */
import type { Category, ProviderKind } from '../shared/domain.ts';
import type { Division, NamePair, Province, Street } from './places.ts';
import type { Rng } from './rng.ts';

export interface ProviderCandidate {
  zh: string;
  en: string;
  divisionCode: string;
  categories: readonly Category[];
}

interface Department {
  zh: string;
  en: string;
  /** Provincial name when it differs: 公安厅 rather than 公安局. */
  zhProvince?: string;
  /** Provincial English head noun, read as "<enProvince> of <Province> Province". */
  enProvince?: string;
  /** Only these levels have the body (e.g. a communications administration exists per province only). */
  levels?: readonly Division['level'][];
  categories: readonly Category[];
}

const DEPARTMENTS: readonly Department[] = [
  { zh: '市场监督管理局', en: 'Administration for Market Regulation', categories: ['BUSINESS_REGISTRATION', 'SOCIAL_CREDIT', 'INTELLECTUAL_PROPERTY'] },
  { zh: '发展和改革委员会', en: 'Development and Reform Commission', categories: ['SOCIAL_CREDIT', 'ENERGY', 'FOREIGN_INVESTMENT'] },
  { zh: '卫生健康委员会', en: 'Health Commission', categories: ['PUBLIC_HEALTH'] },
  { zh: '水务局', en: 'Water Authority', zhProvince: '水利厅', enProvince: 'Department of Water Resources', categories: ['WATER_RESOURCES'] },
  { zh: '公安局', en: 'Public Security Bureau', zhProvince: '公安厅', enProvince: 'Department of Public Security', categories: ['IDENTITY_VERIFICATION', 'TRAFFIC_PENALTIES'] },
  { zh: '公安局交通管理局', en: 'Traffic Management Bureau', zhProvince: '公安厅交通管理局', enProvince: 'Traffic Management Bureau, Department of Public Security', levels: ['municipality', 'province', 'city'], categories: ['TRAFFIC_PENALTIES', 'TRANSPORT'] },
  { zh: '人民检察院', en: "People's Procuratorate", categories: ['JUDICIAL_RECORDS'] },
  { zh: '司法局', en: 'Justice Bureau', zhProvince: '司法厅', enProvince: 'Department of Justice', categories: ['JUDICIAL_RECORDS'] },
  { zh: '商务局', en: 'Commerce Bureau', zhProvince: '商务厅', enProvince: 'Department of Commerce', categories: ['FOREIGN_INVESTMENT', 'BUSINESS_REGISTRATION'] },
  { zh: '交通运输局', en: 'Transport Bureau', zhProvince: '交通运输厅', enProvince: 'Department of Transport', categories: ['TRANSPORT'] },
  { zh: '规划和自然资源局', en: 'Planning and Natural Resources Bureau', zhProvince: '自然资源厅', enProvince: 'Department of Natural Resources', categories: ['GEOSPATIAL'] },
  { zh: '农业农村局', en: 'Agriculture and Rural Affairs Bureau', zhProvince: '农业农村厅', enProvince: 'Department of Agriculture and Rural Affairs', categories: ['AGRICULTURE'] },
  { zh: '统计局', en: 'Statistics Bureau', categories: ['AGRICULTURE', 'ENERGY', 'BUSINESS_REGISTRATION'] },
  { zh: '生态环境局', en: 'Ecology and Environment Bureau', zhProvince: '生态环境厅', enProvince: 'Department of Ecology and Environment', categories: ['WATER_RESOURCES', 'ENERGY'] },
  { zh: '医疗保障局', en: 'Healthcare Security Administration', categories: ['PUBLIC_HEALTH', 'FINANCE'] },
  { zh: '人力资源和社会保障局', en: 'Human Resources and Social Security Bureau', zhProvince: '人力资源和社会保障厅', enProvince: 'Department of Human Resources and Social Security', categories: ['FINANCE', 'IDENTITY_VERIFICATION'] },
  { zh: '住房和城乡建设局', en: 'Housing and Urban-Rural Development Bureau', zhProvince: '住房和城乡建设厅', enProvince: 'Department of Housing and Urban-Rural Development', categories: ['GEOSPATIAL', 'FINANCE'] },
  { zh: '地方金融管理局', en: 'Local Financial Regulatory Administration', levels: ['municipality', 'province', 'city'], categories: ['FINANCE', 'SOCIAL_CREDIT'] },
  { zh: '知识产权局', en: 'Intellectual Property Administration', categories: ['INTELLECTUAL_PROPERTY'] },
  { zh: '通信管理局', en: 'Communications Administration', levels: ['municipality', 'province'], categories: ['TELECOM'] },
  { zh: '政务服务和数据管理局', en: 'Government Services and Data Administration', categories: ['BUSINESS_REGISTRATION', 'SOCIAL_CREDIT', 'GEOSPATIAL', 'TRANSPORT'] },
  { zh: '经济和信息化局', en: 'Economy and Information Technology Bureau', zhProvince: '工业和信息化厅', enProvince: 'Department of Industry and Information Technology', categories: ['ENERGY', 'TELECOM'] },
  { zh: '应急管理局', en: 'Emergency Management Bureau', zhProvince: '应急管理厅', enProvince: 'Department of Emergency Management', categories: ['GEOSPATIAL', 'WATER_RESOURCES'] },
  { zh: '气象局', en: 'Meteorological Service', levels: ['municipality', 'province', 'city'], categories: ['AGRICULTURE', 'WATER_RESOURCES', 'ENERGY'] },
  { zh: '民政局', en: 'Civil Affairs Bureau', zhProvince: '民政厅', enProvince: 'Department of Civil Affairs', categories: ['SOCIAL_CREDIT'] },
  { zh: '能源局', en: 'Energy Administration', levels: ['municipality', 'province'], categories: ['ENERGY'] },
  { zh: '林业局', en: 'Forestry Bureau', zhProvince: '林业局', categories: ['AGRICULTURE', 'GEOSPATIAL'] },
  { zh: '审计局', en: 'Audit Bureau', zhProvince: '审计厅', enProvince: 'Audit Office', categories: ['CORPORATE_TAX', 'FINANCE'] },
  { zh: '财政局', en: 'Finance Bureau', zhProvince: '财政厅', enProvince: 'Department of Finance', categories: ['FINANCE', 'CORPORATE_TAX'] },
  { zh: '科学技术局', en: 'Science and Technology Bureau', zhProvince: '科学技术厅', enProvince: 'Department of Science and Technology', categories: ['INTELLECTUAL_PROPERTY', 'AI_TRAINING_IMAGES'] },
  { zh: '文化和旅游局', en: 'Culture and Tourism Bureau', zhProvince: '文化和旅游厅', enProvince: 'Department of Culture and Tourism', categories: ['TRANSPORT', 'GEOSPATIAL'] },
  { zh: '城市管理局', en: 'Urban Management Bureau', levels: ['municipality', 'city', 'district'], categories: ['GEOSPATIAL', 'TRANSPORT'] },
  { zh: '教育局', en: 'Education Bureau', zhProvince: '教育厅', enProvince: 'Department of Education', categories: ['GEOSPATIAL', 'PUBLIC_HEALTH'] },
  { zh: '药品监督管理局', en: 'Medical Products Administration', levels: ['municipality', 'province'], categories: ['PUBLIC_HEALTH'] },
  { zh: '粮食和物资储备局', en: 'Grain and Material Reserves Bureau', levels: ['municipality', 'province', 'city'], categories: ['AGRICULTURE'] },
  { zh: '国有资产监督管理委员会', en: 'State-owned Assets Supervision and Administration Commission', categories: ['BUSINESS_REGISTRATION', 'FINANCE'] },
  { zh: '投资促进局', en: 'Investment Promotion Bureau', levels: ['municipality', 'province', 'city', 'district'], categories: ['FOREIGN_INVESTMENT'] },
  { zh: '人民政府办公厅', en: "General Office of the {place} People's Government", levels: ['municipality', 'province', 'city'], categories: ['BUSINESS_REGISTRATION', 'SOCIAL_CREDIT'] },
  { zh: '邮政管理局', en: 'Postal Administration', levels: ['municipality', 'province'], categories: ['TRANSPORT'] },
  { zh: '水文水资源勘测局', en: 'Hydrology and Water Resources Survey Bureau', levels: ['municipality', 'province'], categories: ['WATER_RESOURCES'] },
];

/** Departments named differently from the usual "<place><department>" pattern. */
function specialDepartments(d: Division): ProviderCandidate[] {
  const out: ProviderCandidate[] = [];
  const taxEn = d.level === 'district' ? `${d.en} Tax Service, ${d.parentEn}` : `${d.en} ${adjective(d)} Tax Service`;
  out.push({ zh: `国家税务总局${d.zh}税务局`, en: `${taxEn}, State Taxation Administration`, divisionCode: d.code, categories: ['CORPORATE_TAX'] });
  const court: NamePair = d.level === 'province' || d.level === 'municipality'
    ? [`${d.zh}高级人民法院`, `${d.en} Higher People's Court`]
    : d.level === 'city'
      ? [`${d.zh}中级人民法院`, `${d.en} Intermediate People's Court`]
      : [`${d.zh}人民法院`, `${d.en} People's Court, ${d.parentEn}`];
  out.push({ zh: court[0], en: court[1], divisionCode: d.code, categories: ['JUDICIAL_RECORDS'] });
  if (d.level === 'municipality') {
    out.push({ zh: `${d.zh}第一中级人民法院`, en: `${d.en} No. 1 Intermediate People's Court`, divisionCode: d.code, categories: ['JUDICIAL_RECORDS'] });
    out.push({ zh: `${d.zh}第二中级人民法院`, en: `${d.en} No. 2 Intermediate People's Court`, divisionCode: d.code, categories: ['JUDICIAL_RECORDS'] });
  }
  return out;
}

function adjective(d: Division): string {
  return d.level === 'province' ? 'Provincial' : 'Municipal';
}

function departmentName(dept: Department, d: Division): NamePair {
  // A few English names put the place inside: "General Office of the Shanxi Provincial People's Government".
  if (dept.en.includes('{place}')) {
    const place = d.level === 'district' ? d.en : `${d.en} ${adjective(d)}`;
    const en = dept.en.replace('{place}', place);
    return [`${d.zh}${dept.zhProvince ?? dept.zh}`, d.level === 'district' ? `${en}, ${d.parentEn}` : en];
  }
  if (d.level === 'province') {
    const zh = `${d.zh}${dept.zhProvince ?? dept.zh}`;
    return [zh, dept.enProvince ? `${dept.enProvince} of ${d.en} Province` : `${d.en} Provincial ${dept.en}`];
  }
  if (d.level === 'district') return [`${d.zh}${dept.zh}`, `${d.en} ${dept.en}, ${d.parentEn}`];
  return [`${d.zh}${dept.zh}`, `${d.en} Municipal ${dept.en}`];
}

function departmentsOf(d: Division): Array<{ name: NamePair; categories: readonly Category[] }> {
  return DEPARTMENTS.filter((dept) => !dept.levels || dept.levels.includes(d.level))
    .map((dept) => ({ name: departmentName(dept, d), categories: dept.categories }));
}

function streetBodies(s: Street, district: Division): { government: ProviderCandidate[]; institutions: ProviderCandidate[] } {
  const area = `${district.en}, ${district.parentEn}`;
  const base = { divisionCode: s.divisionCode };
  const streetZh = `${district.zh}${s.zh}${s.kind === 'town' ? '镇' : '街道'}`;
  const streetEn = s.kind === 'town' ? `${s.en} Town` : s.en;
  return {
    government: [
      s.kind === 'town'
        ? { ...base, zh: `${streetZh}人民政府`, en: `${s.en} Town Government, ${area}`, categories: ['BUSINESS_REGISTRATION', 'AGRICULTURE'] }
        : { ...base, zh: `${streetZh}办事处`, en: `${s.en} Subdistrict Office, ${area}`, categories: ['BUSINESS_REGISTRATION', 'GEOSPATIAL'] },
      { ...base, zh: `${district.zh}市场监督管理局${s.zh}市场监督管理所`, en: `${s.en} Market Regulation Office, ${area}`, categories: ['BUSINESS_REGISTRATION'] },
      { ...base, zh: `${district.zh}司法局${s.zh}司法所`, en: `${s.en} Judicial Office, ${area}`, categories: ['JUDICIAL_RECORDS'] },
      { ...base, zh: `${district.zh}公安局${s.zh}派出所`, en: `${s.en} Police Station, ${area}`, categories: ['IDENTITY_VERIFICATION', 'TRAFFIC_PENALTIES'] },
      { ...base, zh: `国家税务总局${district.zh}税务局${s.zh}税务所`, en: `${s.en} Tax Office, ${area}`, categories: ['CORPORATE_TAX'] },
      { ...base, zh: `${district.zh}城市管理行政执法局${s.zh}中队`, en: `${s.en} Urban Management Enforcement Squad, ${area}`, categories: ['GEOSPATIAL', 'TRAFFIC_PENALTIES'] },
      { ...base, zh: `${district.zh}规划和自然资源局${s.zh}规划和自然资源所`, en: `${s.en} Planning and Natural Resources Office, ${area}`, categories: ['GEOSPATIAL'] },
    ],
    institutions: [
      { ...base, zh: `${streetZh}社区卫生服务中心`, en: `${streetEn} Community Health Service Center, ${area}`, categories: ['PUBLIC_HEALTH'] },
      { ...base, zh: `${streetZh}社区事务受理服务中心`, en: `${streetEn} Community Affairs Service Center, ${area}`, categories: ['BUSINESS_REGISTRATION', 'IDENTITY_VERIFICATION'] },
      { ...base, zh: `${streetZh}城市运行综合管理中心`, en: `${streetEn} Urban Operations Center, ${area}`, categories: ['TRANSPORT', 'GEOSPATIAL'] },
      { ...base, zh: `${streetZh}网格化综合管理中心`, en: `${streetEn} Grid Management Center, ${area}`, categories: ['GEOSPATIAL', 'BUSINESS_REGISTRATION'] },
    ],
  };
}

/** Units that departments run as public institutions: "<department>信息中心", "Information Center of <department>". */
const DEPARTMENT_UNITS: readonly NamePair[] = [
  ['信息中心', 'Information Center'], ['数据中心', 'Data Center'], ['监测中心', 'Monitoring Center'],
  ['事务中心', 'Affairs Center'], ['研究中心', 'Research Center'], ['服务中心', 'Service Center'], ['档案馆', 'Archives'],
];

interface Institution {
  zh: string;
  en: string;
  levels?: readonly Division['level'][];
  categories: readonly Category[];
}

const INSTITUTIONS: readonly Institution[] = [
  { zh: '疾病预防控制中心', en: 'Center for Disease Control and Prevention', categories: ['PUBLIC_HEALTH'] },
  { zh: '妇幼保健院', en: 'Maternal and Child Health Care Hospital', categories: ['PUBLIC_HEALTH'] },
  { zh: '人民医院', en: "People's Hospital", categories: ['PUBLIC_HEALTH', 'AI_TRAINING_IMAGES'] },
  { zh: '中医医院', en: 'Hospital of Traditional Chinese Medicine', categories: ['PUBLIC_HEALTH'] },
  { zh: '急救中心', en: 'Emergency Medical Center', categories: ['PUBLIC_HEALTH', 'TRANSPORT'] },
  { zh: '大数据中心', en: 'Big Data Center', categories: ['BUSINESS_REGISTRATION', 'SOCIAL_CREDIT', 'GEOSPATIAL', 'TRANSPORT', 'IDENTITY_VERIFICATION'] },
  { zh: '公共资源交易中心', en: 'Public Resources Trading Center', categories: ['BUSINESS_REGISTRATION', 'FINANCE'] },
  { zh: '公共信用信息中心', en: 'Public Credit Information Center', categories: ['SOCIAL_CREDIT', 'JUDICIAL_RECORDS'] },
  { zh: '政务服务中心', en: 'Government Service Center', categories: ['BUSINESS_REGISTRATION', 'FOREIGN_INVESTMENT'] },
  { zh: '住房公积金管理中心', en: 'Housing Provident Fund Management Center', levels: ['municipality', 'province', 'city'], categories: ['FINANCE'] },
  { zh: '社会保险事业管理中心', en: 'Social Insurance Administration Center', categories: ['FINANCE', 'IDENTITY_VERIFICATION'] },
  { zh: '不动产登记中心', en: 'Real Estate Registration Center', categories: ['FINANCE', 'GEOSPATIAL'] },
  { zh: '气象台', en: 'Meteorological Observatory', levels: ['municipality', 'province', 'city'], categories: ['AGRICULTURE', 'WATER_RESOURCES'] },
  { zh: '测绘院', en: 'Institute of Surveying and Mapping', levels: ['municipality', 'province', 'city'], categories: ['GEOSPATIAL', 'AI_TRAINING_IMAGES'] },
  { zh: '农业技术推广中心', en: 'Agricultural Technology Extension Center', categories: ['AGRICULTURE'] },
  { zh: '动物疫病预防控制中心', en: 'Animal Disease Prevention and Control Center', categories: ['AGRICULTURE'] },
  { zh: '知识产权保护中心', en: 'Intellectual Property Protection Center', levels: ['municipality', 'province', 'city'], categories: ['INTELLECTUAL_PROPERTY'] },
  { zh: '科学技术情报研究所', en: 'Institute of Scientific and Technical Information', levels: ['municipality', 'province', 'city'], categories: ['INTELLECTUAL_PROPERTY', 'AI_TRAINING_IMAGES'] },
  { zh: '人工智能研究院', en: 'Institute of Artificial Intelligence', levels: ['municipality', 'province', 'city'], categories: ['AI_TRAINING_IMAGES', 'AUDIO_SAMPLES'] },
  { zh: '广播电视台', en: 'Radio and Television Station', categories: ['AUDIO_SAMPLES', 'AI_TRAINING_IMAGES'] },
  { zh: '图书馆', en: 'Library', categories: ['AI_TRAINING_IMAGES', 'AUDIO_SAMPLES'] },
  { zh: '农业科学院', en: 'Academy of Agricultural Sciences', levels: ['municipality', 'province'], categories: ['AGRICULTURE', 'AI_TRAINING_IMAGES'] },
  { zh: '社会科学院', en: 'Academy of Social Sciences', levels: ['municipality', 'province'], categories: ['FOREIGN_INVESTMENT', 'BUSINESS_REGISTRATION'] },
  { zh: '交通信息中心', en: 'Transport Information Center', categories: ['TRANSPORT', 'TRAFFIC_PENALTIES'] },
  { zh: '水文总站', en: 'Hydrology Station', categories: ['WATER_RESOURCES'] },
  { zh: '供水调度监测中心', en: 'Water Supply Dispatch and Monitoring Center', levels: ['municipality', 'city', 'district'], categories: ['WATER_RESOURCES'] },
];

function institutionName(inst: Institution, d: Division): NamePair {
  if (d.level === 'district') return [`${d.zh}${inst.zh}`, `${d.en} ${inst.en}, ${d.parentEn}`];
  return [`${d.zh}${inst.zh}`, `${d.en} ${inst.en}`];
}

/** Branches of national state-owned enterprises, one each per province. */
function nationalEnterpriseBranches(p: Province): ProviderCandidate[] {
  const prov = p.divisions[0].code;
  const branch = (zh: string, en: string, categories: readonly Category[]): ProviderCandidate => ({ zh, en, divisionCode: prov, categories });
  return [
    branch(`中国移动通信集团${p.zhShort}有限公司`, `China Mobile ${p.en} Co., Ltd.`, ['TELECOM', 'IDENTITY_VERIFICATION', 'FINANCE', 'AUDIO_SAMPLES']),
    branch(`中国联合网络通信有限公司${p.zh}分公司`, `China Unicom ${p.en} Branch`, ['TELECOM', 'IDENTITY_VERIFICATION', 'FINANCE']),
    branch(`中国电信股份有限公司${p.zhShort}分公司`, `China Telecom ${p.en} Branch`, ['TELECOM', 'IDENTITY_VERIFICATION', 'FINANCE']),
    branch(`中国铁塔股份有限公司${p.zhShort}分公司`, `China Tower ${p.en} Branch`, ['TELECOM', 'GEOSPATIAL']),
    branch(`中国广电${p.zhShort}网络有限公司`, `China Broadnet ${p.en} Network Co., Ltd.`, ['TELECOM', 'AUDIO_SAMPLES']),
    branch(p.powerGrid[0], p.powerGrid[1], ['ENERGY']),
    branch(`中国工商银行股份有限公司${p.zhShort}分行`, `Industrial and Commercial Bank of China ${p.en} Branch`, ['FINANCE']),
    branch(`中国建设银行股份有限公司${p.zhShort}分行`, `China Construction Bank ${p.en} Branch`, ['FINANCE']),
    branch(`中国银行股份有限公司${p.zhShort}分行`, `Bank of China ${p.en} Branch`, ['FINANCE']),
    branch(`交通银行股份有限公司${p.zhShort}分行`, `Bank of Communications ${p.en} Branch`, ['FINANCE']),
    branch(p.localBank[0], p.localBank[1], ['FINANCE', 'SOCIAL_CREDIT']),
    branch(`中国石化销售股份有限公司${p.zhShort}石油分公司`, `Sinopec ${p.en} Petroleum Branch`, ['ENERGY', 'TRANSPORT']),
    branch(`中国邮政集团有限公司${p.zhShort}分公司`, `China Post Group ${p.en} Branch`, ['TRANSPORT']),
  ];
}

/** Fields of local state-owned groups: "<place><field><suffix>", e.g. 上海数据集团有限公司. */
const STATE_FIELDS: readonly (readonly [zh: string, en: string, categories: readonly Category[]])[] = [
  ['大数据', 'Big Data', ['BUSINESS_REGISTRATION', 'SOCIAL_CREDIT', 'GEOSPATIAL', 'TRANSPORT', 'IDENTITY_VERIFICATION', 'AI_TRAINING_IMAGES']],
  ['数据', 'Data', ['BUSINESS_REGISTRATION', 'SOCIAL_CREDIT', 'FINANCE', 'CORPORATE_TAX']],
  ['水务', 'Water', ['WATER_RESOURCES']],
  ['燃气', 'Gas', ['ENERGY']],
  ['地铁', 'Metro', ['TRANSPORT']],
  ['公交', 'Public Transport', ['TRANSPORT']],
  ['城市建设投资', 'Urban Construction Investment', ['GEOSPATIAL']],
  ['交通投资', 'Transport Investment', ['TRANSPORT', 'TRAFFIC_PENALTIES']],
  ['港务', 'Port', ['TRANSPORT', 'FOREIGN_INVESTMENT']],
  ['机场', 'Airport', ['TRANSPORT']],
  ['农业发展', 'Agricultural Development', ['AGRICULTURE']],
  ['能源', 'Energy', ['ENERGY']],
  ['信息产业', 'Information Industry', ['TELECOM', 'IDENTITY_VERIFICATION']],
  ['征信', 'Credit Reference', ['SOCIAL_CREDIT', 'FINANCE', 'CORPORATE_TAX', 'JUDICIAL_RECORDS']],
  ['文化旅游', 'Culture and Tourism', ['TRANSPORT', 'GEOSPATIAL']],
  ['医药', 'Pharmaceutical', ['PUBLIC_HEALTH']],
  ['环境', 'Environment', ['WATER_RESOURCES', 'ENERGY']],
  ['测绘', 'Surveying and Mapping', ['GEOSPATIAL']],
  ['金融控股', 'Financial Holdings', ['FINANCE']],
  ['电子政务', 'E-Government', ['BUSINESS_REGISTRATION', 'SOCIAL_CREDIT', 'IDENTITY_VERIFICATION']],
  ['物流', 'Logistics', ['TRANSPORT']],
  ['供销', 'Supply and Marketing', ['AGRICULTURE']],
  ['广电网络', 'Broadcasting Network', ['TELECOM', 'AUDIO_SAMPLES']],
  ['国有资本运营', 'State Capital Operation', ['FINANCE', 'BUSINESS_REGISTRATION']],
  ['城市运营', 'City Operations', ['TRANSPORT', 'GEOSPATIAL', 'WATER_RESOURCES']],
  ['科技创新', 'Technology Innovation', ['INTELLECTUAL_PROPERTY', 'AI_TRAINING_IMAGES']],
  ['人工智能', 'Artificial Intelligence', ['AI_TRAINING_IMAGES', 'AUDIO_SAMPLES']],
  ['产权交易', 'Property Rights Exchange', ['INTELLECTUAL_PROPERTY', 'FINANCE']],
  ['知识产权运营', 'Intellectual Property Operation', ['INTELLECTUAL_PROPERTY']],
  ['外贸', 'Foreign Trade', ['FOREIGN_INVESTMENT']],
];
const STATE_SUFFIXES: readonly NamePair[] = [
  ['集团有限公司', 'Group Co., Ltd.'], ['发展有限公司', 'Development Co., Ltd.'], ['科技有限公司', 'Technology Co., Ltd.'],
  ['投资有限公司', 'Investment Co., Ltd.'], ['运营服务有限公司', 'Operation Services Co., Ltd.'],
];

/** Syllables of private brand names; the pinyin is distinct so English names stay unique. */
const BRAND_SYLLABLES: readonly NamePair[] = [
  ['华', 'Hua'], ['数', 'Shu'], ['智', 'Zhi'], ['云', 'Yun'], ['星', 'Xing'], ['瑞', 'Rui'], ['博', 'Bo'], ['天', 'Tian'],
  ['恒', 'Heng'], ['信', 'Xin'], ['明', 'Ming'], ['达', 'Da'], ['科', 'Ke'], ['创', 'Chuang'], ['联', 'Lian'], ['通', 'Tong'],
  ['汇', 'Hui'], ['泰', 'Tai'], ['源', 'Yuan'], ['海', 'Hai'], ['鼎', 'Ding'], ['宇', 'Yu'], ['凌', 'Ling'], ['辰', 'Chen'],
  ['景', 'Jing'], ['融', 'Rong'], ['图', 'Tu'], ['极', 'Ji'], ['启', 'Qi'], ['朗', 'Lang'], ['拓', 'Tuo'], ['维', 'Wei'],
];

const PRIVATE_FIELDS: readonly (readonly [zh: string, en: string, categories: readonly Category[]])[] = [
  ['数据科技', 'Data Technology', ['BUSINESS_REGISTRATION', 'SOCIAL_CREDIT', 'FINANCE', 'FOREIGN_INVESTMENT']],
  ['信息技术', 'Information Technology', ['BUSINESS_REGISTRATION', 'IDENTITY_VERIFICATION', 'TELECOM']],
  ['征信服务', 'Credit Reference Services', ['SOCIAL_CREDIT', 'JUDICIAL_RECORDS', 'CORPORATE_TAX']],
  ['智能科技', 'Intelligent Technology', ['AI_TRAINING_IMAGES', 'AUDIO_SAMPLES']],
  ['语音科技', 'Speech Technology', ['AUDIO_SAMPLES']],
  ['地理信息', 'Geographic Information', ['GEOSPATIAL']],
  ['网络科技', 'Network Technology', ['IDENTITY_VERIFICATION', 'TELECOM']],
  ['金融信息服务', 'Financial Information Services', ['FINANCE', 'CORPORATE_TAX']],
  ['知识产权服务', 'Intellectual Property Services', ['INTELLECTUAL_PROPERTY']],
  ['智慧交通', 'Smart Transport', ['TRANSPORT', 'TRAFFIC_PENALTIES']],
  ['农业科技', 'Agricultural Technology', ['AGRICULTURE']],
  ['能源科技', 'Energy Technology', ['ENERGY']],
  ['企业信息咨询', 'Business Information Consulting', ['BUSINESS_REGISTRATION', 'FOREIGN_INVESTMENT', 'JUDICIAL_RECORDS']],
  ['医疗科技', 'Medical Technology', ['PUBLIC_HEALTH', 'AI_TRAINING_IMAGES']],
  ['数据标注', 'Data Annotation', ['AI_TRAINING_IMAGES', 'AUDIO_SAMPLES']],
  ['环境科技', 'Environmental Technology', ['WATER_RESOURCES', 'ENERGY']],
];

/** Foreign brands (invented) with their Chinese transliterations. */
const FOREIGN_BRANDS: readonly NamePair[] = [
  ['诺德风', 'Nordwind'], ['美瑞迪安', 'Meridian'], ['凯斯特', 'Kestrel'], ['卢莫拉', 'Lumora'], ['阿斯特里昂', 'Asterion'],
  ['蓝野', 'Bluefield'], ['阿尔彭', 'Alpenlicht Data'], ['樱岚', 'Sakuranami'], ['奥克塔维亚', 'Oktavia Insight'], ['维斯塔', 'Vista Analytics'],
  ['卡萨诺', 'Casano'], ['北极光', 'Borealis Data'], ['泰伦', 'Tellun'], ['索维', 'Sovi Labs'], ['梅森', 'Mason & Pike'],
  ['格兰特', 'Granite Peak'],
];
const FOREIGN_FIELDS: readonly (readonly [zh: string, en: string, categories: readonly Category[]])[] = [
  ['数据服务', 'Data Services', ['FOREIGN_INVESTMENT', 'BUSINESS_REGISTRATION']],
  ['信息技术', 'Information Technology', ['FINANCE', 'IDENTITY_VERIFICATION']],
  ['商务咨询', 'Business Consulting', ['FOREIGN_INVESTMENT', 'CORPORATE_TAX']],
  ['人工智能', 'Artificial Intelligence', ['AI_TRAINING_IMAGES', 'AUDIO_SAMPLES']],
  ['地图科技', 'Mapping Technology', ['GEOSPATIAL', 'TRANSPORT']],
  ['医疗数据', 'Healthcare Data', ['PUBLIC_HEALTH']],
];

const SOCIAL_INDUSTRIES: readonly (readonly [zh: string, en: string, types: readonly NamePair[], categories: readonly Category[]])[] = [
  ['大数据产业', 'Big Data Industry', [['协会', 'Association'], ['联合会', 'Federation']], ['BUSINESS_REGISTRATION', 'SOCIAL_CREDIT', 'AI_TRAINING_IMAGES']],
  ['软件行业', 'Software Industry', [['协会', 'Association']], ['AI_TRAINING_IMAGES', 'IDENTITY_VERIFICATION']],
  ['信用', 'Credit', [['协会', 'Association'], ['研究会', 'Research Society']], ['SOCIAL_CREDIT']],
  ['律师', 'Lawyers', [['协会', 'Association']], ['JUDICIAL_RECORDS']],
  ['外商投资企业', 'Foreign-invested Enterprises', [['协会', 'Association'], ['商会', 'Chamber of Commerce']], ['FOREIGN_INVESTMENT']],
  ['医学', 'Medical', [['会', 'Association']], ['PUBLIC_HEALTH']],
  ['预防医学', 'Preventive Medicine', [['会', 'Association']], ['PUBLIC_HEALTH']],
  ['水利', 'Hydraulic Engineering', [['学会', 'Society']], ['WATER_RESOURCES']],
  ['测绘地理信息', 'Surveying, Mapping and Geoinformation', [['学会', 'Society'], ['协会', 'Association']], ['GEOSPATIAL']],
  ['农学', 'Agronomy', [['会', 'Society']], ['AGRICULTURE']],
  ['道路运输', 'Road Transport', [['协会', 'Association']], ['TRANSPORT', 'TRAFFIC_PENALTIES']],
  ['通信', 'Communications', [['学会', 'Society'], ['行业协会', 'Industry Association']], ['TELECOM']],
  ['知识产权', 'Intellectual Property', [['研究会', 'Research Society'], ['协会', 'Association']], ['INTELLECTUAL_PROPERTY']],
  ['注册税务师', 'Certified Tax Agents', [['协会', 'Association']], ['CORPORATE_TAX']],
  ['互联网金融', 'Internet Finance', [['协会', 'Association']], ['FINANCE']],
  ['人工智能', 'Artificial Intelligence', [['学会', 'Society'], ['产业联盟', 'Industry Alliance']], ['AI_TRAINING_IMAGES', 'AUDIO_SAMPLES']],
  ['电力', 'Electric Power', [['行业协会', 'Industry Association']], ['ENERGY']],
  ['个体劳动者', 'Self-employed Workers', [['协会', 'Association']], ['BUSINESS_REGISTRATION']],
  ['交通安全', 'Road Traffic Safety', [['协会', 'Association']], ['TRAFFIC_PENALTIES']],
  ['公证', 'Notaries', [['协会', 'Association']], ['JUDICIAL_RECORDS', 'IDENTITY_VERIFICATION']],
  ['中小企业', 'Small and Medium Enterprises', [['协会', 'Association'], ['商会', 'Chamber of Commerce']], ['BUSINESS_REGISTRATION', 'CORPORATE_TAX']],
];

/**
 * The organisations of one kind that the templates can name in a province, in the order the registry
 * should take them: first the bodies a province certainly has (its top-level departments, telecoms,
 * grid), then the other template combinations in an order shuffled by `rng`. Private company names are
 * drawn at random rather than listed, because their combinations run to the hundred thousands.
 * Names may repeat; the registry skips the ones it has already used.
 */
export function* providerCandidates(p: Province, kind: ProviderKind, rng: Rng): Generator<ProviderCandidate> {
  // A province's own bodies and those of its capital certainly exist and are the likeliest to list data.
  const [top, ...others] = p.divisions;
  const capital = others[0]?.level === 'city' ? [others[0]] : [];
  const lower = others.slice(capital.length);
  switch (kind) {
    case 'GOVERNMENT_DEPARTMENT': {
      const ofDivision = (d: Division): ProviderCandidate[] => [
        ...departmentsOf(d).map(({ name, categories }) => ({ zh: name[0], en: name[1], divisionCode: d.code, categories })),
        ...specialDepartments(d),
      ];
      yield* [top, ...capital].flatMap(ofDivision);
      yield { zh: p.customs[0], en: p.customs[1], divisionCode: top.code, categories: ['FOREIGN_INVESTMENT', 'BUSINESS_REGISTRATION'] };
      yield* rng.shuffle([...lower.flatMap(ofDivision), ...p.streets.flatMap((s) => streetBodies(s, divisionOf(p, s.divisionCode)).government)]);
      return;
    }
    case 'PUBLIC_INSTITUTION': {
      const standalone = (d: Division): ProviderCandidate[] => INSTITUTIONS.filter((i) => !i.levels || i.levels.includes(d.level))
        .map((inst) => { const [zh, en] = institutionName(inst, d); return { zh, en, divisionCode: d.code, categories: inst.categories }; });
      const units = (d: Division): ProviderCandidate[] => departmentsOf(d).flatMap(({ name, categories }) =>
        DEPARTMENT_UNITS.map(([unitZh, unitEn]) => ({ zh: `${name[0]}${unitZh}`, en: `${unitEn} of ${name[1]}`, divisionCode: d.code, categories })));
      yield* [top, ...capital].flatMap(standalone);
      yield* p.universities.map(([zh, en, divisionCode]): ProviderCandidate => ({ zh, en, divisionCode, categories: ['AI_TRAINING_IMAGES', 'AUDIO_SAMPLES', 'GEOSPATIAL'] }));
      yield* rng.shuffle([
        ...lower.flatMap(standalone),
        ...p.divisions.flatMap(units),
        ...p.streets.flatMap((s) => streetBodies(s, divisionOf(p, s.divisionCode)).institutions),
      ]);
      return;
    }
    case 'STATE_OWNED_ENTERPRISE':
      yield* nationalEnterpriseBranches(p);
      yield* rng.shuffle(p.divisions.flatMap((d) => STATE_FIELDS.flatMap(([fieldZh, fieldEn, categories]) => STATE_SUFFIXES.map(([sufZh, sufEn]) => ({
        zh: `${d.zhShort}${fieldZh}${sufZh}`, en: `${d.enShort} ${fieldEn} ${sufEn}`, divisionCode: d.code, categories,
      })))));
      return;
    case 'PRIVATE_ENTERPRISE':
      // About 300,000 combinations per division: draw them instead of listing them. The bound only
      // guards against a caller asking for more than the templates can name.
      for (let attempt = 0; attempt < 1_000_000; attempt++) {
        const d = rng.pick(p.divisions);
        const [z1, e1] = rng.pick(BRAND_SYLLABLES);
        const [z2, e2] = rng.pick(BRAND_SYLLABLES);
        if (z1 === z2) continue;
        const [fieldZh, fieldEn, categories] = rng.pick(PRIVATE_FIELDS);
        const [placeZh, placeEn] = companyPlace(d);
        yield { zh: `${placeZh}${z1}${z2}${fieldZh}有限公司`, en: `${placeEn} ${e1}${e2.toLowerCase()} ${fieldEn} Co., Ltd.`, divisionCode: d.code, categories };
      }
      return;
    case 'FOREIGN_INVESTED_ENTERPRISE':
      yield* rng.shuffle(p.divisions.flatMap((d) => FOREIGN_BRANDS.flatMap(([brandZh, brandEn]) => FOREIGN_FIELDS.map(([fieldZh, fieldEn, categories]) => ({
        zh: `${brandZh}（${companyPlace(d)[0]}）${fieldZh}有限公司`, en: `${brandEn} (${companyPlace(d)[1]}) ${fieldEn} Co., Ltd.`, divisionCode: d.code, categories,
      })))));
      return;
    case 'SOCIAL_ORGANIZATION':
      yield* rng.shuffle(p.divisions.flatMap((d) => SOCIAL_INDUSTRIES.flatMap(([indZh, indEn, types, categories]) => types.map(([typeZh, typeEn]) => ({
        zh: `${d.zh}${indZh}${typeZh}`,
        en: d.level === 'district' ? `${indEn} ${typeEn} of ${d.en}, ${d.parentEn}` : `${d.en} ${indEn} ${typeEn}`,
        divisionCode: d.code, categories,
      })))));
      return;
  }
}

/** Private and foreign companies take the city's name even when registered in a district. */
function companyPlace(d: Division): NamePair {
  return d.level === 'district' ? [d.parentZhShort ?? d.zhShort, d.parentEn ?? d.enShort] : [d.zhShort, d.enShort];
}

function divisionOf(p: Province, code: string): Division {
  const d = p.divisions.find((x) => x.code === code);
  if (!d) throw new Error(`street refers to division ${code}, which is not in ${p.en}`);
  return d;
}
