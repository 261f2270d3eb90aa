/**
 * The keys of a catalog summary's token filter (shared/tokenBloom.ts), as both sides must spell them:
 * the exchange adds the terms of its two text indexes, its providers' USCCs and its product codes; the
 * gateway asks for the keys a filter's text needs and proves a listing impossible when one is absent.
 * The text rules mirror subgraphs/exchange/store/textQuery.ts (docs/text-search.md#what-a-term-matches);
 * test/e2e/catalogSummaries.e2e.ts compares pruned and unpruned answers to keep the two in step.
 */
import { synonymGroupOf } from './synonyms.ts';

export const TOKEN_KEY = {
  /** A whole word of the English index (folded as the index folds it). */
  english: 'e:',
  /** A prefix (2 to MAX_PREFIX_LENGTH characters) of a word of the English index. */
  englishPrefix: 'p:',
  /** A term of the Chinese index: a character bigram or one character. */
  chinese: 'z:',
  uscc: 'u:',
  productCode: 'c:',
} as const;

/** Prefixes longer than this are checked by their first MAX_PREFIX_LENGTH characters (still no false "absent"). */
export const MAX_PREFIX_LENGTH = 8;
/** A last word of a term at least this long is a prefix (textQuery.ts MIN_PREFIX_LENGTH). */
const MIN_PREFIX_LENGTH = 2;

// As the Chinese index (subgraphs/exchange/store/chineseText.ts): Han characters that are letters or numbers.
const HAN_RUN = /(?:(?=[\p{L}\p{N}])\p{Script=Han})+/gu;
const HAN = /(?=[\p{L}\p{N}])\p{Script=Han}/u;
const WORD = /[\p{L}\p{N}]+/gu;
/** Words the router folds exactly as the English index does (lower case); any other word proves nothing. */
const PLAIN_WORD = /^[a-z0-9]+$/;

/** The keys of one word of the English index: the word and its prefixes. */
export function englishIndexKeys(word: string): string[] {
  const keys = [TOKEN_KEY.english + word];
  for (let length = MIN_PREFIX_LENGTH; length <= Math.min(word.length, MAX_PREFIX_LENGTH); length++) {
    keys.push(TOKEN_KEY.englishPrefix + word.slice(0, length));
  }
  return keys;
}

/** The keys a Han run needs: its bigrams, or the character's own term. */
function chineseKeys(run: string): string[] {
  const chars = [...run];
  if (chars.length === 1) return [TOKEN_KEY.chinese + run];
  const keys: string[] = [];
  for (let i = 0; i + 1 < chars.length; i++) keys.push(TOKEN_KEY.chinese + chars[i] + chars[i + 1]);
  return keys;
}

/** The keys a term's English words need (in order, the last one a prefix); none when a word is not plain. */
function englishKeys(words: string[]): string[] {
  const folded = words.map((w) => w.toLowerCase());
  if (!folded.every((w) => PLAIN_WORD.test(w))) return [];
  return folded.map((word, i) => {
    const isPrefix = i === folded.length - 1 && word.length >= MIN_PREFIX_LENGTH;
    return isPrefix ? TOKEN_KEY.englishPrefix + word.slice(0, MAX_PREFIX_LENGTH) : TOKEN_KEY.english + word;
  });
}

/**
 * For each term of `text`, its alternatives: a listing can match the term only if, for one alternative,
 * its indexes hold every key. An alternative without keys (nothing the router can check) always may match.
 */
export function textTermAlternatives(text: string, synonyms: boolean): string[][][] {
  const terms = text.trim().split(/\s+/u).filter(Boolean);
  return terms.map((term) => {
    const runs = term.match(HAN_RUN) ?? [];
    const words = term.split(HAN).join(' ').match(WORD) ?? [];
    const written = [...runs.flatMap(chineseKeys), ...englishKeys(words)];
    const single = runs.length === 1 && words.length === 0 ? runs[0] : runs.length === 0 && words.length === 1 ? words[0] : undefined;
    const group = synonyms && single !== undefined ? synonymGroupOf(single) : undefined;
    if (!group) return [written];
    const own = single!.toLowerCase();
    return [
      written,
      ...group.zh.filter((m) => m !== own).map(chineseKeys),
      ...group.en.filter((m) => m !== own).map((m) => (PLAIN_WORD.test(m) ? [TOKEN_KEY.english + m] : [])),
    ];
  });
}

/** True when some term of the text provably matches nothing an index holding only `mayHave` keys has. */
export function textProvablyAbsent(text: string, synonyms: boolean, mayHave: (key: string) => boolean): boolean {
  return textTermAlternatives(text, synonyms).some((alternatives) => alternatives.every((keys) => keys.some((key) => !mayHave(key))));
}
