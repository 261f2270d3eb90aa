import type { ExchangeInfo } from '../../../shared/domain.ts';

export const EXCHANGE_ID_RULE = /^[a-z]{2,8}$/;
export const DIVISION_CODE_RULE = /^\d{6}$/;
const MAX_TEXT = 200;

export interface ExchangeRegistration extends ExchangeInfo {
  url: string;
}

/** Checks a registration body; returns the clean registration or every problem, each naming its field. */
export function parseRegistration(body: unknown): { ok: true; registration: ExchangeRegistration } | { ok: false; problems: string[] } {
  const problems: string[] = [];
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    return { ok: false, problems: ['body: must be a JSON object { id, name, nameZh, city, province, divisionCode, url }'] };
  }
  const input = body as Record<string, unknown>;
  const text = (field: string): string => {
    const value = input[field];
    if (typeof value !== 'string' || value.trim() === '') {
      problems.push(`${field}: required, a non-empty string`);
      return '';
    }
    if (value.length > MAX_TEXT) problems.push(`${field}: at most ${MAX_TEXT} characters, got ${value.length}`);
    return value.trim();
  };
  const id = text('id');
  if (id && !EXCHANGE_ID_RULE.test(id)) problems.push(`id: must match ${EXCHANGE_ID_RULE} (2 to 8 lowercase letters), got ${JSON.stringify(id)}`);
  const registration: ExchangeRegistration = {
    id,
    name: text('name'),
    nameZh: text('nameZh'),
    city: text('city'),
    province: text('province'),
    divisionCode: text('divisionCode'),
    url: text('url'),
  };
  if (registration.divisionCode && !DIVISION_CODE_RULE.test(registration.divisionCode)) {
    problems.push(`divisionCode: must be 6 digits (GB/T 2260), got ${JSON.stringify(registration.divisionCode)}`);
  }
  if (registration.url) {
    let url: URL | null = null;
    try {
      url = new URL(registration.url);
    } catch {
      problems.push(`url: not a URL: ${JSON.stringify(registration.url)}`);
    }
    if (url && url.protocol !== 'http:' && url.protocol !== 'https:') problems.push(`url: scheme must be http or https, got "${url.protocol}"`);
  }
  return problems.length ? { ok: false, problems } : { ok: true, registration };
}
