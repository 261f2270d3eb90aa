/**
 * Chinese text search by character bigrams (a query of n >= 2 characters is the phrase of its bigrams; one
 * character is a token of its own). Why bigrams and not trigrams: docs/contract.md#the-exchange-subgraph.
 */
// Han characters that are letters or numbers: the tokenizer (unicode61) keeps those in tokens and treats
// the rest (the CJK and Kangxi radicals, U+2E80-U+2FDF, which are symbols) as separators, so they must
// separate here too.
const HAN_RUN = /(?:(?=[\p{L}\p{N}])\p{Script=Han})+/gu;
export const HAN = /(?=[\p{L}\p{N}])\p{Script=Han}/u;
const RUN_SEPARATOR = 'x';

function bigramsOf(run: string): string[] {
  const chars = [...run];
  const out: string[] = [];
  for (let i = 0; i + 1 < chars.length; i++) out.push(chars[i] + chars[i + 1]);
  return out;
}

/**
 * The indexed form of a text: bigrams of every Han run, runs kept apart ("疫苗接种 数据" → "疫苗 苗接 接种 x 数据").
 * Each run after the first written item starts with the separator, also a run of one character (which has
 * no bigram), so two separators may follow each other. This is chineseBigramTextByRuns, written for speed:
 * SQLite calls it for three columns of every row of a load (750,000 calls at 250,000 rows), and writing
 * UTF-16 code units into one buffer decoded once is 2.5 times faster than building strings per bigram.
 */
export function chineseBigramText(text: string): string {
  if (buffer.length < text.length * 3 + 2) buffer = new Uint16Array(text.length * 3 + 2);
  const out = buffer;
  let n = 0;
  let previous = -1; // where the run's last character starts in text; -1 outside a run
  let previousLength = 0;
  for (let i = 0; i < text.length; i += 1) {
    const unit = text.charCodeAt(i);
    let length = 1;
    if (unit >= 0xd800 && unit <= 0xdbff) {
      const codePoint = text.codePointAt(i)!;
      length = codePoint > 0xffff ? 2 : 1;
      if (!HAN.test(String.fromCodePoint(codePoint))) {
        previous = -1;
        i += length - 1;
        continue;
      }
    } else if (HAN_BMP[unit] !== 1) {
      previous = -1;
      continue;
    }
    // At most 3 code units written per code unit read: " x" at a run's start, " " and a bigram of two
    // BMP characters after it (a bigram of astral characters reads two units per character).
    if (previous < 0) {
      if (n > 0) {
        out[n++] = SPACE;
        out[n++] = SEPARATOR_UNIT;
      }
    } else {
      if (n > 0) out[n++] = SPACE;
      for (let k = 0; k < previousLength; k++) out[n++] = text.charCodeAt(previous + k);
      for (let k = 0; k < length; k++) out[n++] = text.charCodeAt(i + k);
    }
    previous = i;
    previousLength = length;
    i += length - 1;
  }
  return n === 0 ? '' : UTF16.decode(out.subarray(0, n));
}

/** The definition chineseBigramText follows, run by run (kept as the reference its tests compare with). */
export function chineseBigramTextByRuns(text: string): string {
  const out: string[] = [];
  for (const run of text.match(HAN_RUN) ?? []) {
    if (out.length) out.push(RUN_SEPARATOR);
    out.push(...bigramsOf(run));
  }
  return out.join(' ');
}

/** 1 for each BMP code unit that is a Han character, computed from HAN itself so the two always agree. */
const HAN_BMP = new Uint8Array(0x10000);
for (let unit = 0; unit < 0x10000; unit++) {
  if (unit < 0xd800 || unit > 0xdfff) HAN_BMP[unit] = HAN.test(String.fromCharCode(unit)) ? 1 : 0;
}
const SPACE = 0x20;
const SEPARATOR_UNIT = RUN_SEPARATOR.charCodeAt(0);
const UTF16 = new TextDecoder('utf-16le');
let buffer = new Uint16Array(4096);

/** Han runs of a search term, e.g. "5G基站" → ["基站"]. */
export function hanRuns(term: string): string[] {
  return term.match(HAN_RUN) ?? [];
}

/** The FTS5 phrase of a Han run of two characters or more. */
export function bigramPhrase(run: string): string {
  return `"${bigramsOf(run).join(' ')}"`;
}

/**
 * The text the Chinese index holds for a column: its bigrams (chineseBigramText), then, after a separator,
 * each distinct Han character once ("疫苗接种 数据" → "疫苗 苗接 接种 x 数据 x 疫 苗 接 种 数 据").
 */
export function chineseIndexText(text: string): string {
  const bigrams = chineseBigramText(text);
  let characters = '';
  const seen = new Set<number>();
  for (let i = 0; i < text.length; i += 1) {
    const unit = text.charCodeAt(i);
    if (unit >= 0xd800 && unit <= 0xdbff) {
      const codePoint = text.codePointAt(i)!;
      const character = String.fromCodePoint(codePoint);
      i += character.length - 1;
      if (!HAN.test(character) || seen.has(codePoint)) continue;
      seen.add(codePoint);
      characters += ` ${character}`;
    } else if (HAN_BMP[unit] === 1 && !seen.has(unit)) {
      seen.add(unit);
      characters += ` ${text[i]}`;
    }
  }
  if (characters === '') return bigrams;
  return bigrams === '' ? `${RUN_SEPARATOR}${characters}` : `${bigrams} ${RUN_SEPARATOR}${characters}`;
}

/** The FTS5 phrase of one Han character: its own token (see chineseIndexText). */
export function characterPhrase(character: string): string {
  return `"${character}"`;
}
