import { label, lang, type EnumName } from './i18n.ts';
import type { Price } from './api.ts';

const UNIT: Record<string, [string, string]> = {
  PER_CALL: ['/ call', '/次'],
  PER_THOUSAND_RECORDS: ['/ 1,000 records', '/千条'],
  MONTHLY: ['/ month', '/月'],
  ANNUAL: ['/ year', '/年'],
};

/** "¥1,200.00 / year", "Free", "Negotiable": amounts stay decimal strings (never floats) until shown. */
export function price(p: Price): string {
  if (p.model === 'FREE') return label('PricingModel', 'FREE');
  if (p.amount === null) return label('PricingModel', p.model);
  const [whole, fraction] = p.amount.split('.');
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  const symbol = p.currency === 'CNY' ? '¥' : `${p.currency} `;
  const unit = UNIT[p.model]?.[lang() === 'en' ? 0 : 1] ?? (p.model === 'ONE_TIME' ? '' : '');
  return `${symbol}${grouped}${fraction ? `.${fraction}` : ''}${unit ? ` ${unit}` : ''}`;
}

export function date(iso: string | null): string {
  if (!iso) return '–';
  return iso.slice(0, 10);
}

/** "3 min", "2 h", "5 d" ago. */
export function age(iso: string | null, now = Date.now()): string {
  if (!iso) return '–';
  const seconds = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  const [value, unit] =
    seconds < 90
      ? [seconds, 's']
      : seconds < 5400
        ? [Math.round(seconds / 60), 'min']
        : seconds < 129_600
          ? [Math.round(seconds / 3600), 'h']
          : [Math.round(seconds / 86_400), 'd'];
  return lang() === 'en' ? `${value} ${unit} ago` : `${value} ${{ s: '秒', min: '分钟', h: '小时', d: '天' }[unit]}前`;
}

export function percent(part: number, whole: number): string {
  return whole === 0 ? '–' : `${((100 * part) / whole).toFixed(1)}%`;
}

export function yesNo(value: boolean): string {
  return lang() === 'en' ? (value ? 'yes' : 'no') : value ? '是' : '否';
}

export function enumList(name: EnumName, values: string[]): string {
  return values.map((v) => label(name, v)).join(', ');
}
