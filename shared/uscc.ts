/**
 * The Unified Social Credit Code (GB 32100-2015): 18 characters that identify every organisation.
 *
 *   position 1      registration authority (1 institutional establishment, 5 civil affairs, 9 market regulation, Y other)
 *   position 2      organisation category within that authority
 *   positions 3-8   GB/T 2260 division code
 *   positions 9-17  organisation code (GB 11714); position 17 is its own check character
 *   position 18     check character over positions 1-17
 */

/** The 31 characters a USCC may use, valued 0 to 30 in this order (no I, O, S, V, Z). */
export const USCC_CHARSET = '0123456789ABCDEFGHJKLMNPQRTUWXY';

/** Weights of positions 1-17 for the final check character: 3^i mod 31. */
const USCC_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];

/** Weights of the 8 body characters of a GB 11714 organisation code. */
const ORG_CODE_WEIGHTS = [3, 7, 9, 10, 5, 8, 4, 2];

const USCC_VALUES = new Map([...USCC_CHARSET].map((char, value) => [char, value]));

export type UsccRule = 'length' | 'charset' | 'org-code-check' | 'uscc-check';
export type UsccValidation = { ok: true } | { ok: false; rule: UsccRule; message: string };

/** Human wording of each rule, for error messages that name the rule that failed. */
export const USCC_RULE_NAMES: Record<UsccRule, string> = {
  length: 'length',
  charset: 'character set',
  'org-code-check': 'organisation-code check',
  'uscc-check': 'USCC check',
};

/** The check character (position 18) for the first 17 characters of a USCC. */
export function usccCheckChar(first17: string): string {
  if (first17.length !== 17) throw new Error(`usccCheckChar needs the first 17 characters of a USCC, got ${first17.length}: "${first17}"`);
  let sum = 0;
  for (let i = 0; i < 17; i++) {
    const value = USCC_VALUES.get(first17[i]);
    if (value === undefined) throw new Error(`usccCheckChar: "${first17[i]}" at position ${i + 1} is not a USCC character (${USCC_CHARSET})`);
    sum += value * USCC_WEIGHTS[i];
  }
  return USCC_CHARSET[(31 - (sum % 31)) % 31];
}

/**
 * The GB 11714 check character for the 8-character body of an organisation code.
 * Digits count as themselves and letters as A=10 ... Z=35 (the full alphabet, not the USCC values).
 * The result is always a digit or X, so it is always a valid USCC character.
 */
export function orgCodeCheckChar(first8ofOrgCode: string): string {
  if (first8ofOrgCode.length !== 8) throw new Error(`orgCodeCheckChar needs 8 characters, got ${first8ofOrgCode.length}: "${first8ofOrgCode}"`);
  let sum = 0;
  for (let i = 0; i < 8; i++) {
    const value = parseInt(first8ofOrgCode[i], 36);
    if (Number.isNaN(value) || first8ofOrgCode[i] !== first8ofOrgCode[i].toUpperCase()) {
      throw new Error(`orgCodeCheckChar: "${first8ofOrgCode[i]}" at position ${i + 1} is not a digit or uppercase letter`);
    }
    sum += value * ORG_CODE_WEIGHTS[i];
  }
  const check = 11 - (sum % 11);
  if (check === 10) return 'X';
  if (check === 11) return '0';
  return String(check);
}

export interface UsccParts {
  /** Position 1, e.g. "9" for market regulation. */
  authority: string;
  /** Position 2, e.g. "1" for an enterprise. */
  category: string;
  /** Positions 3-8, a GB/T 2260 division code such as "310115". */
  divisionCode: string;
  /** Positions 9-16, eight USCC characters; position 17 is computed. */
  orgCodeBody8: string;
}

/** Builds a USCC from its parts, appending the organisation-code check and the final check character. */
export function makeUscc({ authority, category, divisionCode, orgCodeBody8 }: UsccParts): string {
  if (!/^\d{6}$/.test(divisionCode)) throw new Error(`makeUscc: divisionCode must be 6 digits, got "${divisionCode}"`);
  const head = `${authority}${category}${divisionCode}${orgCodeBody8}`;
  if (head.length !== 16) throw new Error(`makeUscc: authority and category must be 1 character and orgCodeBody8 8, got "${head}"`);
  for (const char of head) {
    if (!USCC_VALUES.has(char)) throw new Error(`makeUscc: "${char}" is not a USCC character (${USCC_CHARSET}) in "${head}"`);
  }
  const first17 = head + orgCodeCheckChar(orgCodeBody8);
  return first17 + usccCheckChar(first17);
}

/** Checks a USCC and, when it is bad, says which rule failed and how to fix it. */
export function validateUscc(s: string): UsccValidation {
  const shown = JSON.stringify(s);
  if (s.length !== 18) return { ok: false, rule: 'length', message: `uscc must be 18 characters, got ${s.length}` };
  for (let i = 0; i < 18; i++) {
    if (USCC_VALUES.has(s[i])) continue;
    const hint =
      s[i] !== s[i].toUpperCase() && USCC_VALUES.has(s[i].toUpperCase()) ? '; letters must be uppercase' : '; allowed are 0-9 and A-Z except I, O, S, V, Z';
    return { ok: false, rule: 'charset', message: `uscc ${shown}: character "${s[i]}" at position ${i + 1} is not in the USCC character set${hint}` };
  }
  const orgCheck = orgCodeCheckChar(s.slice(8, 16));
  if (s[16] !== orgCheck) {
    return { ok: false, rule: 'org-code-check', message: `uscc ${shown}: organisation-code check character (position 17) should be ${orgCheck}` };
  }
  const check = usccCheckChar(s.slice(0, 17));
  if (s[17] !== check) {
    return { ok: false, rule: 'uscc-check', message: `uscc ${shown}: check character (position 18) should be ${check}` };
  }
  return { ok: true };
}
