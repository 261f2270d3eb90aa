/** GB/T 2260 province-level division codes, for exchanges that register with a province name only. */
export const PROVINCE_DIVISION_CODES: Record<string, string> = {
  beijing: '110000', tianjin: '120000', hebei: '130000', shanxi: '140000', 'inner mongolia': '150000',
  liaoning: '210000', jilin: '220000', heilongjiang: '230000', shanghai: '310000', jiangsu: '320000',
  zhejiang: '330000', anhui: '340000', fujian: '350000', jiangxi: '360000', shandong: '370000', henan: '410000',
  hubei: '420000', hunan: '430000', guangdong: '440000', guangxi: '450000', hainan: '460000', chongqing: '500000',
  sichuan: '510000', guizhou: '520000', yunnan: '530000', tibet: '540000', shaanxi: '610000', gansu: '620000',
  qinghai: '630000', ningxia: '640000', xinjiang: '650000',
};

export function provinceOfDivision(divisionCode: string): string | undefined {
  const prefix = divisionCode.slice(0, 2);
  const entry = Object.entries(PROVINCE_DIVISION_CODES).find(([, code]) => code.startsWith(prefix));
  return entry ? entry[0].replace(/\b\w/g, (c) => c.toUpperCase()) : undefined;
}
