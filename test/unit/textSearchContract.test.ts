import { describe, expect, it } from 'vitest';
import { CONTRACT_SDL, checkContract } from '../../conformance/contractCheck.ts';

/** The exchange contract carries filter.textFields and filter.synonyms: an exchange must accept both, with the same default. */
describe('the contract of text steering', () => {
  const edited = (from: RegExp, to: string) => {
    const sdl = CONTRACT_SDL.replace(from, to);
    expect(sdl).not.toBe(CONTRACT_SDL);
    return sdl;
  };

  it('refuses an exchange that does not accept textFields, or TextField without one of its values', () => {
    expect(checkContract(edited(/ {2}"[^"\n]*"\n {2}textFields: \[TextField!\]\n/, ''))).toEqual(['DatasetFilter.textFields: missing']);
    expect(checkContract(edited(/ {2}"[^"\n]*"\n {2}KEYWORDS\n/, ''))).toEqual(['enum TextField: missing value KEYWORDS']);
  });

  it('refuses an exchange whose synonyms default differs: the gateway forwards an omitted field as omitted', () => {
    expect(checkContract(edited(/synonyms: Boolean = true/, 'synonyms: Boolean = false'))).toEqual([
      'DatasetFilter.synonyms: expected default true, found default false',
    ]);
    expect(checkContract(edited(/synonyms: Boolean = true/, 'synonyms: Boolean'))).toEqual(['DatasetFilter.synonyms: expected default true, found no default']);
  });
});
