/**
 * The provinces and GB/T 2260 divisions the seed data uses (DOMAIN.md, "Division codes used by seed data"),
 * with the names that provider names and dataset titles are built from.
 */

export type DivisionLevel = 'municipality' | 'province' | 'city' | 'district';

export interface Division {
  code: string;
  level: DivisionLevel;
  /** Full Chinese name as it prefixes an organisation name: "北京市海淀区", "山西省", "太原市". */
  zh: string;
  /** Short Chinese name used in company names: "海淀", "山西", "太原". */
  zhShort: string;
  /** English name: "Haidian District", "Shanxi", "Taiyuan". */
  en: string;
  /** Short English name used in company names: "Haidian", "Shanxi", "Taiyuan". */
  enShort: string;
  /** For districts, the city they belong to ("Beijing"), so names read "Haidian District ..., Beijing". */
  parentEn?: string;
  /** For districts, the city's short Chinese name ("北京"): companies are named after the city, not the district. */
  parentZhShort?: string;
}

/** A subdistrict (街道) or town (镇) inside a district; only Pudong needs them, to give Shanghai enough local bodies. */
export interface Street {
  zh: string;
  en: string;
  kind: 'subdistrict' | 'town';
  /** The district it belongs to. */
  divisionCode: string;
}

export type NamePair = readonly [zh: string, en: string];

export interface Province {
  /** First two digits of every division code in the province. */
  prefix: string;
  en: string;
  zh: string;
  zhShort: string;
  /** How many providers the registry holds for this province. */
  providerCount: number;
  /** Province-level division first, then the capital (or the city the exchange is in), then its districts. */
  divisions: readonly Division[];
  streets: readonly Street[];
  customs: NamePair;
  powerGrid: NamePair;
  localBank: NamePair;
  /** Universities and where they are registered. */
  universities: readonly (readonly [zh: string, en: string, divisionCode: string])[];
}

function municipality(code: string, zh: string, en: string): Division {
  return { code, level: 'municipality', zh: `${zh}市`, zhShort: zh, en, enShort: en };
}
function province(code: string, zh: string, en: string): Division {
  return { code, level: 'province', zh: `${zh}省`, zhShort: zh, en, enShort: en };
}
function city(code: string, zh: string, en: string): Division {
  return { code, level: 'city', zh: `${zh}市`, zhShort: zh, en, enShort: en };
}
function district(code: string, cityZh: string, zh: string, cityEn: string, en: string, suffixEn = 'District'): Division {
  const zhShort = zh.replace(/(新区|区)$/, '');
  return {
    code, level: 'district', zh: `${cityZh}${zh}`, zhShort, en: `${en} ${suffixEn}`, enShort: en,
    parentEn: cityEn, parentZhShort: cityZh.replace(/市$/, ''),
  };
}

const PUDONG_STREETS: readonly (readonly [string, string, 'subdistrict' | 'town'])[] = [
  ['潍坊新村', 'Weifang Xincun', 'subdistrict'], ['陆家嘴', 'Lujiazui', 'subdistrict'], ['周家渡', 'Zhoujiadu', 'subdistrict'],
  ['塘桥', 'Tangqiao', 'subdistrict'], ['上钢新村', 'Shanggang Xincun', 'subdistrict'], ['南码头路', 'Nanmatou Road', 'subdistrict'],
  ['沪东新村', 'Hudong Xincun', 'subdistrict'], ['金杨新村', 'Jinyang Xincun', 'subdistrict'], ['洋泾', 'Yangjing', 'subdistrict'],
  ['浦兴路', 'Puxing Road', 'subdistrict'], ['东明路', 'Dongming Road', 'subdistrict'], ['花木', 'Huamu', 'subdistrict'],
  ['川沙新', 'Chuansha New', 'town'], ['高桥', 'Gaoqiao', 'town'], ['北蔡', 'Beicai', 'town'], ['合庆', 'Heqing', 'town'],
  ['唐', 'Tang', 'town'], ['曹路', 'Caolu', 'town'], ['金桥', 'Jinqiao', 'town'], ['高行', 'Gaohang', 'town'],
  ['高东', 'Gaodong', 'town'], ['张江', 'Zhangjiang', 'town'], ['三林', 'Sanlin', 'town'], ['惠南', 'Huinan', 'town'],
  ['周浦', 'Zhoupu', 'town'], ['新场', 'Xinchang', 'town'], ['大团', 'Datuan', 'town'], ['康桥', 'Kangqiao', 'town'],
  ['航头', 'Hangtou', 'town'], ['祝桥', 'Zhuqiao', 'town'], ['泥城', 'Nicheng', 'town'], ['宣桥', 'Xuanqiao', 'town'],
  ['书院', 'Shuyuan', 'town'], ['万祥', 'Wanxiang', 'town'], ['老港', 'Laogang', 'town'], ['南汇新城', 'Nanhui New City', 'town'],
];

export const PROVINCES: readonly Province[] = [
  {
    prefix: '11', en: 'Beijing', zh: '北京市', zhShort: '北京', providerCount: 600,
    divisions: [
      municipality('110000', '北京', 'Beijing'),
      district('110101', '北京市', '东城区', 'Beijing', 'Dongcheng'),
      district('110102', '北京市', '西城区', 'Beijing', 'Xicheng'),
      district('110105', '北京市', '朝阳区', 'Beijing', 'Chaoyang'),
      district('110108', '北京市', '海淀区', 'Beijing', 'Haidian'),
    ],
    streets: [],
    customs: ['北京海关', 'Beijing Customs'],
    powerGrid: ['国网北京市电力公司', 'State Grid Beijing Electric Power Company'],
    localBank: ['北京银行股份有限公司', 'Bank of Beijing Co., Ltd.'],
    universities: [
      ['北京工业大学', 'Beijing University of Technology', '110105'],
      ['北京邮电大学', 'Beijing University of Posts and Telecommunications', '110108'],
      ['北京交通大学', 'Beijing Jiaotong University', '110108'],
    ],
  },
  {
    prefix: '31', en: 'Shanghai', zh: '上海市', zhShort: '上海', providerCount: 1600,
    divisions: [
      municipality('310000', '上海', 'Shanghai'),
      district('310115', '上海市', '浦东新区', 'Shanghai', 'Pudong', 'New Area'),
    ],
    streets: PUDONG_STREETS.map(([zh, en, kind]) => ({ zh, en, kind, divisionCode: '310115' })),
    customs: ['上海海关', 'Shanghai Customs'],
    powerGrid: ['国网上海市电力公司', 'State Grid Shanghai Municipal Electric Power Company'],
    localBank: ['上海银行股份有限公司', 'Bank of Shanghai Co., Ltd.'],
    universities: [
      ['上海大学', 'Shanghai University', '310000'],
      ['上海交通大学', 'Shanghai Jiao Tong University', '310000'],
      ['同济大学', 'Tongji University', '310000'],
      ['华东师范大学', 'East China Normal University', '310000'],
    ],
  },
  {
    prefix: '14', en: 'Shanxi', zh: '山西省', zhShort: '山西', providerCount: 300,
    divisions: [
      province('140000', '山西', 'Shanxi'),
      city('140100', '太原', 'Taiyuan'),
      district('140105', '太原市', '小店区', 'Taiyuan', 'Xiaodian'),
      district('140106', '太原市', '迎泽区', 'Taiyuan', 'Yingze'),
      district('140107', '太原市', '杏花岭区', 'Taiyuan', 'Xinghualing'),
      district('140108', '太原市', '尖草坪区', 'Taiyuan', 'Jiancaoping'),
      district('140109', '太原市', '万柏林区', 'Taiyuan', 'Wanbailin'),
    ],
    streets: [],
    customs: ['太原海关', 'Taiyuan Customs'],
    powerGrid: ['国网山西省电力公司', 'State Grid Shanxi Electric Power Company'],
    localBank: ['晋商银行股份有限公司', 'Jinshang Bank Co., Ltd.'],
    universities: [
      ['山西大学', 'Shanxi University', '140100'],
      ['太原理工大学', 'Taiyuan University of Technology', '140100'],
      ['山西医科大学', 'Shanxi Medical University', '140100'],
    ],
  },
  {
    prefix: '52', en: 'Guizhou', zh: '贵州省', zhShort: '贵州', providerCount: 451,
    divisions: [
      province('520000', '贵州', 'Guizhou'),
      city('520100', '贵阳', 'Guiyang'),
      district('520102', '贵阳市', '南明区', 'Guiyang', 'Nanming'),
      district('520111', '贵阳市', '花溪区', 'Guiyang', 'Huaxi'),
      district('520112', '贵阳市', '乌当区', 'Guiyang', 'Wudang'),
      district('520113', '贵阳市', '白云区', 'Guiyang', 'Baiyun'),
      district('520115', '贵阳市', '观山湖区', 'Guiyang', 'Guanshanhu'),
    ],
    streets: [],
    customs: ['贵阳海关', 'Guiyang Customs'],
    // Guizhou is served by China Southern Power Grid, not State Grid.
    powerGrid: ['贵州电网有限责任公司', 'Guizhou Power Grid Co., Ltd.'],
    localBank: ['贵阳银行股份有限公司', 'Bank of Guiyang Co., Ltd.'],
    universities: [
      ['贵州大学', 'Guizhou University', '520100'],
      ['贵州师范大学', 'Guizhou Normal University', '520100'],
      ['贵州医科大学', 'Guizhou Medical University', '520100'],
    ],
  },
  {
    prefix: '44', en: 'Guangdong', zh: '广东省', zhShort: '广东', providerCount: 300,
    divisions: [province('440000', '广东', 'Guangdong'), city('440300', '深圳', 'Shenzhen')],
    streets: [],
    customs: ['深圳海关', 'Shenzhen Customs'],
    powerGrid: ['广东电网有限责任公司', 'Guangdong Power Grid Co., Ltd.'],
    localBank: ['广州银行股份有限公司', 'Bank of Guangzhou Co., Ltd.'],
    universities: [
      ['深圳大学', 'Shenzhen University', '440300'],
      ['南方科技大学', 'Southern University of Science and Technology', '440300'],
    ],
  },
  {
    prefix: '33', en: 'Zhejiang', zh: '浙江省', zhShort: '浙江', providerCount: 300,
    divisions: [province('330000', '浙江', 'Zhejiang'), city('330100', '杭州', 'Hangzhou')],
    streets: [],
    customs: ['杭州海关', 'Hangzhou Customs'],
    powerGrid: ['国网浙江省电力有限公司', 'State Grid Zhejiang Electric Power Co., Ltd.'],
    localBank: ['杭州银行股份有限公司', 'Bank of Hangzhou Co., Ltd.'],
    universities: [
      ['浙江大学', 'Zhejiang University', '330100'],
      ['浙江工业大学', 'Zhejiang University of Technology', '330100'],
    ],
  },
  {
    prefix: '32', en: 'Jiangsu', zh: '江苏省', zhShort: '江苏', providerCount: 300,
    divisions: [province('320000', '江苏', 'Jiangsu'), city('320100', '南京', 'Nanjing')],
    streets: [],
    customs: ['南京海关', 'Nanjing Customs'],
    powerGrid: ['国网江苏省电力有限公司', 'State Grid Jiangsu Electric Power Co., Ltd.'],
    localBank: ['南京银行股份有限公司', 'Bank of Nanjing Co., Ltd.'],
    universities: [
      ['南京大学', 'Nanjing University', '320100'],
      ['东南大学', 'Southeast University', '320100'],
    ],
  },
  {
    prefix: '51', en: 'Sichuan', zh: '四川省', zhShort: '四川', providerCount: 300,
    divisions: [province('510000', '四川', 'Sichuan'), city('510100', '成都', 'Chengdu')],
    streets: [],
    customs: ['成都海关', 'Chengdu Customs'],
    powerGrid: ['国网四川省电力公司', 'State Grid Sichuan Electric Power Company'],
    localBank: ['成都银行股份有限公司', 'Bank of Chengdu Co., Ltd.'],
    universities: [
      ['四川大学', 'Sichuan University', '510100'],
      ['电子科技大学', 'University of Electronic Science and Technology of China', '510100'],
    ],
  },
];

const PROVINCE_BY_PREFIX = new Map(PROVINCES.map((p) => [p.prefix, p]));
const DIVISION_BY_CODE = new Map(PROVINCES.flatMap((p) => p.divisions.map((d) => [d.code, d] as const)));

/** The province a division code belongs to (same first two digits), if the seed data knows it. */
export function provinceOf(divisionCode: string): Province | undefined {
  return PROVINCE_BY_PREFIX.get(divisionCode.slice(0, 2));
}

export function divisionByCode(code: string): Division | undefined {
  return DIVISION_BY_CODE.get(code);
}
