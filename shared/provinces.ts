/** GB/T 2260 province-level division codes, for exchanges that register with a province name only. */
export const PROVINCE_DIVISION_CODES: Record<string, string> = {
  beijing: '110000',
  tianjin: '120000',
  hebei: '130000',
  shanxi: '140000',
  'inner mongolia': '150000',
  liaoning: '210000',
  jilin: '220000',
  heilongjiang: '230000',
  shanghai: '310000',
  jiangsu: '320000',
  zhejiang: '330000',
  anhui: '340000',
  fujian: '350000',
  jiangxi: '360000',
  shandong: '370000',
  henan: '410000',
  hubei: '420000',
  hunan: '430000',
  guangdong: '440000',
  guangxi: '450000',
  hainan: '460000',
  chongqing: '500000',
  sichuan: '510000',
  guizhou: '520000',
  yunnan: '530000',
  tibet: '540000',
  shaanxi: '610000',
  gansu: '620000',
  qinghai: '630000',
  ningxia: '640000',
  xinjiang: '650000',
};

export function provinceOfDivision(divisionCode: string): string | undefined {
  const prefix = divisionCode.slice(0, 2);
  const entry = Object.entries(PROVINCE_DIVISION_CODES).find(([, code]) => code.startsWith(prefix));
  return entry ? entry[0].replace(/\b\w/g, (c) => c.toUpperCase()) : undefined;
}

/**
 * The place rules an exchange's identity follows, on both sides: the exchange refuses them at start
 * (subgraphs/exchange/exchangeConfig.ts) and the gateway at registration (gateway/src/registry/
 * registrationInput.ts), so an exchange that starts can register and one the gateway refuses would not
 * start. Each rule's text is worded without its field's name: each side names the field its own way
 * (`--province` on a command line, `province` in a registration body).
 */
export const DIVISION_CODE_PATTERN = /^\d{6}$/;

/** A problem with one place field: `rule` is a stable name, `text` says it to a person (without the field's name). */
export interface PlaceProblem {
  field: 'province' | 'divisionCode';
  rule: 'province-known' | 'division-code-format' | 'division-code-in-province';
  text: string;
}

/** The province's division code when `name` names one (English, any case, spaces around ignored). */
export function provinceCodeOf(name: string): string | undefined {
  return PROVINCE_DIVISION_CODES[name.trim().toLowerCase()];
}

/** Every province-level name as it is written in answers: "Beijing, Tianjin, ..., Inner Mongolia, ...". */
export function provinceNames(): string {
  return Object.values(PROVINCE_DIVISION_CODES)
    .map((code) => provinceOfDivision(code))
    .join(', ');
}

export function unknownProvince(name: string): PlaceProblem {
  return {
    field: 'province',
    rule: 'province-known',
    text: `must name a province-level division of China, in English, any case (listed in shared/provinces.ts), got ${JSON.stringify(name)}; one of: ${provinceNames()}`,
  };
}

/**
 * What is wrong with a province and a division code given together (either may be absent): the province
 * must be a known name, the code six digits (GB/T 2260), and the code inside the province (its first
 * two digits are the province's). Labels name the fields in the texts that mention both.
 */
export function placeProblems(
  place: { province?: string; divisionCode?: string },
  labels = { province: 'province', divisionCode: 'divisionCode' },
): PlaceProblem[] {
  const problems: PlaceProblem[] = [];
  const provinceCode = place.province === undefined ? undefined : provinceCodeOf(place.province);
  if (place.province !== undefined && !provinceCode) problems.push(unknownProvince(place.province));
  if (place.divisionCode === undefined) return problems;
  if (!DIVISION_CODE_PATTERN.test(place.divisionCode)) {
    problems.push({ field: 'divisionCode', rule: 'division-code-format', text: `must be 6 digits (GB/T 2260), got ${JSON.stringify(place.divisionCode)}` });
  } else if (provinceCode && place.divisionCode.slice(0, 2) !== provinceCode.slice(0, 2)) {
    problems.push({
      field: 'divisionCode',
      rule: 'division-code-in-province',
      text: `${place.divisionCode} is not in ${labels.province} ${place.province!.trim()} (its codes start with ${provinceCode.slice(0, 2)})`,
    });
  }
  return problems;
}
