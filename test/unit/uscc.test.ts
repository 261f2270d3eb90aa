import { describe, expect, it } from 'vitest';
import { makeUscc, orgCodeCheckChar, USCC_CHARSET, usccCheckChar, validateUscc } from '../../shared/uscc.ts';
import { Rng } from '../../seed/rng.ts';

describe('USCC (GB 32100-2015)', () => {
  it('accepts the published valid examples', () => {
    expect(validateUscc('91110000600037341L')).toEqual({ ok: true });
    expect(validateUscc('91620105MA71T4YW8Q')).toEqual({ ok: true });
  });

  it('computes both check characters of the examples', () => {
    expect(orgCodeCheckChar('60003734')).toBe('1');
    expect(orgCodeCheckChar('MA71T4YW')).toBe('8');
    expect(usccCheckChar('91110000600037341')).toBe('L');
    expect(usccCheckChar('91620105MA71T4YW8')).toBe('Q');
  });

  it('maps organisation-code remainders 10 and 11 to X and 0', () => {
    // c = 11 − (Σ mod 11): Σ = 0 gives 11 → "0"; Σ = 1×3 gives 8; Σ = 4×3 = 12 ≡ 1 gives 10 → "X".
    expect(orgCodeCheckChar('00000000')).toBe('0');
    expect(orgCodeCheckChar('10000000')).toBe('8');
    expect(orgCodeCheckChar('40000000')).toBe('X');
  });

  it('names the length rule and the length it got', () => {
    const result = validateUscc('91110000600037341');
    expect(result).toMatchObject({ ok: false, rule: 'length' });
    expect(!result.ok && result.message).toBe('uscc must be 18 characters, got 17');
  });

  it('names the character-set rule and the position of the bad character', () => {
    const result = validateUscc('9111000060003734IL');
    expect(result).toMatchObject({ ok: false, rule: 'charset' });
    expect(!result.ok && result.message).toMatch(/"I" at position 17/);
    const lower = validateUscc('91620105ma71T4YW8Q');
    expect(lower).toMatchObject({ ok: false, rule: 'charset' });
    expect(!lower.ok && lower.message).toMatch(/uppercase/);
  });

  it('names the organisation-code check rule and the expected character', () => {
    const result = validateUscc('91110000600037342L');
    expect(result).toMatchObject({ ok: false, rule: 'org-code-check' });
    expect(!result.ok && result.message).toBe('uscc "91110000600037342L": organisation-code check character (position 17) should be 1');
  });

  it('names the USCC check rule and the expected character', () => {
    const result = validateUscc('91110000600037341X');
    expect(result).toMatchObject({ ok: false, rule: 'uscc-check' });
    expect(!result.ok && result.message).toBe('uscc "91110000600037341X": check character (position 18) should be L');
  });

  it('makes codes that always validate, over many random inputs', () => {
    const rng = new Rng('uscc-test');
    const authorities = [
      ['1', '1'],
      ['1', '2'],
      ['5', '1'],
      ['5', '3'],
      ['9', '1'],
      ['9', '2'],
      ['Y', '1'],
    ] as const;
    for (let n = 0; n < 5000; n++) {
      const [authority, category] = rng.pick(authorities);
      const divisionCode = String(rng.int(110000, 659999));
      let orgCodeBody8 = '';
      while (orgCodeBody8.length < 8) orgCodeBody8 += rng.pick([...USCC_CHARSET]);
      const uscc = makeUscc({ authority, category, divisionCode, orgCodeBody8 });
      expect(uscc).toHaveLength(18);
      expect(uscc.slice(2, 8)).toBe(divisionCode);
      expect(validateUscc(uscc)).toEqual({ ok: true });
    }
  });

  it('refuses to make a code from parts outside the character set', () => {
    expect(() => makeUscc({ authority: '9', category: '1', divisionCode: '110000', orgCodeBody8: 'MA71T4YO' })).toThrow(/"O" is not a USCC character/);
    expect(() => makeUscc({ authority: '9', category: '1', divisionCode: '11000', orgCodeBody8: 'MA71T4YW' })).toThrow(/6 digits/);
  });
});
