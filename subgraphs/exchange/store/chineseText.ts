/**
 * Chinese text search by character bigrams.
 *
 * Chinese is written without spaces, so words must be found as substrings, and most Chinese words
 * are two characters long (疫苗, 税务, 水源). SQLite's trigram tokenizer cannot match a string shorter
 * than three characters except by scanning every row (0.5 s at 250,000 rows). So each run of Han
 * characters is indexed as its overlapping bigrams ("疫苗接种" → "疫苗 苗接 接种"), and a query of n ≥ 2
 * characters is the phrase of its bigrams: consecutive positions, so exactly a substring match. A
 * separator token between runs keeps a phrase from spanning two runs. Single characters fall back to LIKE.
 */
const HAN_RUN = /\p{Script=Han}+/gu;
export const HAN = /\p{Script=Han}/u;
const RUN_SEPARATOR = 'x';

function bigramsOf(run: string): string[] {
  const chars = [...run];
  const out: string[] = [];
  for (let i = 0; i + 1 < chars.length; i++) out.push(chars[i] + chars[i + 1]);
  return out;
}

/** The indexed form of a text: bigrams of every Han run, runs kept apart. */
export function chineseBigramText(text: string): string {
  const out: string[] = [];
  for (const run of text.match(HAN_RUN) ?? []) {
    if (out.length) out.push(RUN_SEPARATOR);
    out.push(...bigramsOf(run));
  }
  return out.join(' ');
}

/** Han runs of a search term, e.g. "5G基站" → ["基站"]. */
export function hanRuns(term: string): string[] {
  return term.match(HAN_RUN) ?? [];
}

/** The FTS5 phrase of a Han run of two characters or more. */
export function bigramPhrase(run: string): string {
  return `"${bigramsOf(run).join(' ')}"`;
}
