import type { ExchangeInfo } from '../../../shared/domain.ts';
import { DIVISION_CODE_PATTERN, placeProblems, provinceCodeOf, provinceOfDivision } from '../../../shared/provinces.ts';

export const EXCHANGE_ID_RULE = /^[a-z]{2,8}$/;
export const DIVISION_CODE_RULE = DIVISION_CODE_PATTERN;
const MAX_TEXT = 200;

export interface ExchangeRegistration extends ExchangeInfo {
  url: string;
}

/** One problem with a registration body: the field, a stable name of the rule, and a sentence starting with the field. */
export interface RegistrationProblem {
  field: string;
  rule: string;
  message: string;
}

/**
 * Checks a registration body; returns the clean registration or every problem, each naming its field.
 * Province and division code follow the rules an exchange applies to itself at start (shared/provinces.ts),
 * so the gateway refuses what the exchange would refuse: `province: "Atlantis"`, or a division code outside
 * the province.
 */
export function parseRegistration(body: unknown): { ok: true; registration: ExchangeRegistration } | { ok: false; problems: RegistrationProblem[] } {
  const problems: RegistrationProblem[] = [];
  const problem = (field: string, rule: string, text: string) => problems.push({ field, rule, message: `${field}: ${text}` });
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    return {
      ok: false,
      problems: [{ field: 'body', rule: 'json-object', message: 'body: must be a JSON object { id, name, nameZh, city, province, divisionCode, url }' }],
    };
  }
  const input = body as Record<string, unknown>;
  const text = (field: string): string => {
    const value = input[field];
    if (typeof value !== 'string' || value.trim() === '') {
      problem(field, 'required', 'required, a non-empty string');
      return '';
    }
    if (value.length > MAX_TEXT) problem(field, 'max-length', `at most ${MAX_TEXT} characters, got ${value.length}`);
    return value.trim();
  };
  const id = text('id');
  if (id && !EXCHANGE_ID_RULE.test(id)) problem('id', 'exchange-code', `must match ${EXCHANGE_ID_RULE} (2 to 8 lowercase letters), got ${JSON.stringify(id)}`);
  const registration: ExchangeRegistration = {
    id,
    name: text('name'),
    nameZh: text('nameZh'),
    city: text('city'),
    province: text('province'),
    divisionCode: text('divisionCode'),
    url: text('url'),
  };
  const place = placeProblems({ province: registration.province || undefined, divisionCode: registration.divisionCode || undefined });
  for (const { field, rule, text: said } of place) problem(field, rule, said);
  // Written as the exchange writes it of itself ("guangdong" is Guangdong), so the two never differ.
  const provinceCode = registration.province ? provinceCodeOf(registration.province) : undefined;
  if (provinceCode) registration.province = provinceOfDivision(provinceCode)!;
  if (registration.url) {
    let url: URL | null = null;
    try {
      url = new URL(registration.url);
    } catch {
      problem('url', 'absolute-url', `not a URL: ${JSON.stringify(registration.url)}`);
    }
    if (url && url.protocol !== 'http:' && url.protocol !== 'https:') problem('url', 'http-scheme', `scheme must be http or https, got "${url.protocol}"`);
  }
  return problems.length ? { ok: false, problems } : { ok: true, registration };
}
