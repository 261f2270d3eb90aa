/**
 * The curated bilingual synonym table of text search: a member of a group also finds every other member.
 * Exchanges expand `DatasetFilter.text` with it unless `synonyms: false`, docs/vocabulary.md prints it, and
 * the rules it keeps are in docs/text-search.md#what-a-term-matches.
 */
export interface SynonymGroup {
  /** What the group stands for, in a few English words (for the docs). */
  concept: string;
  zh: readonly string[];
  en: readonly string[];
}

export const SYNONYM_GROUPS: readonly SynonymGroup[] = [
  {
    concept: 'children, minors',
    zh: ['儿童', '未成年', '未成年人', '少儿'],
    en: ['children', 'child', 'childhood', 'minors', 'minor', 'kids', 'kid', 'juvenile'],
  },
  {
    concept: 'vaccination',
    zh: ['疫苗', '预防接种', '免疫接种'],
    en: ['vaccine', 'vaccines', 'vaccination', 'vaccinations', 'immunization', 'immunisation', 'inoculation'],
  },
  { concept: 'medical care', zh: ['医疗', '医学', '医药'], en: ['medical', 'medicine', 'healthcare', 'clinical'] },
  { concept: 'hospitals and clinics', zh: ['医院', '医疗机构', '门诊', '诊所'], en: ['hospital', 'hospitals', 'clinic', 'clinics', 'outpatient'] },
  { concept: 'epidemics, infectious disease', zh: ['传染病', '疫情', '疫病', '流行病'], en: ['epidemic', 'epidemics', 'infectious', 'outbreak', 'outbreaks'] },
  { concept: 'transport', zh: ['交通', '运输', '出行'], en: ['transport', 'transportation', 'traffic', 'mobility'] },
  { concept: 'buses and public transit', zh: ['公交', '公共交通', '巴士'], en: ['bus', 'buses', 'transit'] },
  { concept: 'motor vehicles', zh: ['机动车', '车辆', '汽车'], en: ['vehicle', 'vehicles', 'car', 'cars', 'automobile'] },
  { concept: 'credit', zh: ['信用', '征信', '资信'], en: ['credit', 'creditworthiness'] },
  { concept: 'enterprises, companies', zh: ['企业', '市场主体'], en: ['enterprise', 'enterprises', 'company', 'companies', 'firm', 'firms'] },
  { concept: 'tax', zh: ['税务', '纳税', '税收', '涉税'], en: ['tax', 'taxes', 'taxation', 'taxpayer', 'taxpayers'] },
  { concept: 'litigation, courts', zh: ['诉讼', '涉诉', '法院', '司法'], en: ['litigation', 'lawsuit', 'lawsuits', 'court', 'courts', 'judicial'] },
  { concept: 'identity verification', zh: ['身份核验', '身份验证', '实名认证', '实名核验'], en: ['kyc', 'authentication'] },
  { concept: 'mobile phones', zh: ['手机', '移动电话', '手机号'], en: ['mobile', 'phone', 'phones', 'smartphone', 'smartphones', 'cellphone'] },
  { concept: 'electricity and power', zh: ['电力', '用电', '供电', '电量'], en: ['electricity', 'electric', 'power'] },
  { concept: 'energy', zh: ['能源', '能耗'], en: ['energy'] },
  { concept: 'carbon emissions', zh: ['碳排放', '温室气体'], en: ['carbon', 'emission', 'emissions', 'greenhouse'] },
  { concept: 'agriculture, farming', zh: ['农业', '农牧业', '种植'], en: ['agriculture', 'agricultural', 'farming', 'farm', 'farms', 'agro'] },
  { concept: 'crops', zh: ['农作物', '作物', '庄稼'], en: ['crop', 'crops'] },
  { concept: 'weather, meteorology', zh: ['气象', '天气', '气候'], en: ['weather', 'meteorological', 'meteorology', 'climate'] },
  { concept: 'population, residents', zh: ['人口', '居民', '常住人口'], en: ['population', 'populations', 'residents', 'demographic', 'demographics'] },
  { concept: 'maps, geographic information', zh: ['地图', '地理信息', '测绘'], en: ['map', 'maps', 'gis', 'geographic', 'geospatial', 'cartographic'] },
  { concept: 'remote sensing, satellites', zh: ['遥感', '卫星'], en: ['satellite', 'satellites', 'remote'] },
  { concept: 'speech, voice', zh: ['语音', '声音', '话音'], en: ['speech', 'voice', 'voices', 'spoken'] },
  { concept: 'images, pictures', zh: ['图像', '图片', '影像', '照片'], en: ['image', 'images', 'imagery', 'picture', 'pictures', 'photo', 'photos'] },
];

const byMember = new Map<string, SynonymGroup>();
for (const group of SYNONYM_GROUPS) {
  for (const member of [...group.zh, ...group.en]) byMember.set(member.toLowerCase(), group);
}

/** The group a word belongs to (a Han run as written, an English word in any case), if any. */
export function synonymGroupOf(word: string): SynonymGroup | undefined {
  return byMember.get(word.toLowerCase());
}
