/**
 * Money is kept as an integer number of micro-yuan (1e-6 CNY) so sorting, filtering and sums are exact,
 * and shown as a decimal string with at least two decimals ("1200.00", "0.003").
 * The largest amount is 999,999,999.999999, which keeps every value a safe JS integer.
 */
export const MICROS_PER_UNIT = 1_000_000;

const DECIMAL_PATTERN = /^(\d{1,9})(?:\.(\d{1,6}))?$/;

/** Parses "12.5" to 12_500_000. Returns null when the text is not a plain non-negative decimal of at most 6 places. */
export function parseAmountMicros(text: string): number | null {
  const match = DECIMAL_PATTERN.exec(text.trim());
  if (!match) return null;
  const units = Number(match[1]);
  const fraction = Number((match[2] ?? '').padEnd(6, '0'));
  return units * MICROS_PER_UNIT + fraction;
}

export const AMOUNT_RULE = 'a non-negative decimal string with at most 9 integer digits and 6 decimals, e.g. "1200.00"';

export function formatMicros(micros: number): string {
  const units = Math.floor(micros / MICROS_PER_UNIT);
  let fraction = String(micros % MICROS_PER_UNIT)
    .padStart(6, '0')
    .replace(/0+$/, '');
  if (fraction.length < 2) fraction = fraction.padEnd(2, '0');
  return `${units}.${fraction}`;
}
