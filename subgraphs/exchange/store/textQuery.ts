/**
 * The text half of a DatasetFilter: `text`, `textFields` and `synonyms` as FTS5 queries of the two text
 * indexes (see chineseText.ts for the Chinese one and shared/synonyms.ts for the synonym table).
 */
import { TEXT_FIELDS, type TextField } from '../../../shared/domain.ts';
import { badUserInput } from '../../../shared/errors.ts';
import { synonymGroupOf, type SynonymGroup } from '../../../shared/synonyms.ts';
import { hanRuns, bigramPhrase, characterPhrase, HAN } from './chineseText.ts';

export type FtsTable = 'datasets_fts_zh' | 'datasets_fts_en';

export interface FtsMatch {
  table: FtsTable;
  query: string;
  /**
   * English index only: `query` as clauses of phrases, kept so the store may rewrite a word prefix into
   * the few whole words it stands for (DatasetStore), and build the same query again (englishQuery).
   */
  english?: EnglishQuery;
  /**
   * Matches a row may satisfy instead of this one (a row matches when it matches any): a term of a synonym
   * group whose members are written in both languages, one match per index. Absent for every other match.
   */
  alternatives?: FtsMatch[];
}

/** One phrase of the English index: consecutive words, the last one a prefix when `prefix`. */
export interface EnglishPhrase {
  words: string[];
  prefix: boolean;
}

/** An English index query: every clause must match; a clause matches when any of its phrases does; only in `columns` (FTS5 names) when set. */
export interface EnglishQuery {
  clauses: EnglishPhrase[][];
  columns: string | null;
}

/** The FTS5 text of an English query, each phrase written by `phraseText` (by default as it stands). */
export function englishQuery(query: EnglishQuery, phraseText: (phrase: EnglishPhrase) => string = englishPhraseText): string {
  return inColumns(query.columns, query.clauses.map((clause) => anyOf(clause.map(phraseText))).join(' AND '));
}

export function englishPhraseText(phrase: EnglishPhrase): string {
  return `${ftsPhrase(phrase.words.join(' '))}${phrase.prefix ? '*' : ''}`;
}

/** A match and its alternatives: the pieces of which a row must match one. */
export function matchParts(match: FtsMatch): FtsMatch[] {
  return match.alternatives ? [match, ...match.alternatives] : [match];
}

/** A key of a match with its alternatives, for caches. */
export function matchKey(match: FtsMatch): string {
  return matchParts(match)
    .map((m) => `${m.table}\u0000${m.query}`)
    .join('\u0001');
}

function anyOf(phrases: readonly string[]): string {
  return phrases.length === 1 ? phrases[0] : `(${phrases.join(' OR ')})`;
}

function inColumns(columns: string | null, query: string): string {
  return columns ? `{${columns}} : (${query})` : query;
}

/** The columns of each text index that hold each text field: a title is the English and the Chinese one. */
const FIELD_COLUMNS: Record<FtsTable, Record<TextField, string>> = {
  datasets_fts_zh: { TITLE: 'title_zh', DESCRIPTION: 'description_zh', KEYWORDS: 'keywords' },
  datasets_fts_en: { TITLE: 'title', DESCRIPTION: 'description', KEYWORDS: 'keywords' },
};

/** The fields of filter.textFields, checked, or null for every field (absent, empty or all of them). */
export function textFieldsOf(fields: readonly string[] | null | undefined, argumentPath: string): TextField[] | null {
  if (!fields || fields.length === 0) return null;
  for (const field of fields) {
    if (!(TEXT_FIELDS as readonly string[]).includes(field)) {
      throw badUserInput(`${argumentPath}.textFields`, `must be ${TEXT_FIELDS.join(', ')}, got ${JSON.stringify(field)}`);
    }
  }
  const unique = TEXT_FIELDS.filter((f) => fields.includes(f));
  return unique.length === TEXT_FIELDS.length ? null : unique;
}

function columnsOf(table: FtsTable, fields: TextField[] | null): string | null {
  return fields ? fields.map((f) => FIELD_COLUMNS[table][f]).join(' ') : null;
}

/** The phrase of the Chinese index for one Han run: its bigrams, or the character's own token. */
function chinesePhrase(run: string): string {
  return [...run].length >= 2 ? bigramPhrase(run) : characterPhrase(run);
}

/** The synonym group of a term that is one word or one Han run, and nothing else; the term's own word is left out. */
function groupOfTerm(runs: string[], words: string[]): SynonymGroup | undefined {
  if (runs.length === 1 && words.length === 0) return synonymGroupOf(runs[0]);
  if (runs.length === 0 && words.length === 1) return synonymGroupOf(words[0]);
  return undefined;
}

interface TextOptions {
  fields: TextField[] | null;
  synonyms: boolean;
  text: string;
  argumentPath: string;
}

/**
 * The FTS5 matches of text terms (all required). In a term, each Han run is a phrase of the Chinese index
 * (bigrams: any substring of 2+ characters; a character standing alone is its own token), and its other
 * words (letters and digits), in order, one phrase of the English index whose last word is a prefix
 * ("vaccin" finds "vaccination"). A term that is one word or Han run of a synonym group (with synonyms
 * on) matches as written or as any other member of the group: Chinese members as substrings, English
 * ones as whole words. Clauses of one index are joined into one query per index (AND); a group written in
 * both languages is one match whose alternatives cover the other index. textFields become an FTS5 column
 * filter on every query. FTS syntax never reaches SQLite from the user: every piece is rebuilt from
 * letters and digits.
 */
export function textMatches(terms: string[], options: TextOptions): FtsMatch[] {
  const { fields, argumentPath } = options;
  const chinese = new Map<string, string[]>();
  const singles = new Map<string, string[]>();
  const english = new Map<string, EnglishPhrase[]>();
  const both = new Map<string, { zh: string[]; en: EnglishPhrase[] }>();
  let pieces = 0;
  const own = new Set<string>();
  const count = (key: string) => {
    if (!own.has(key)) pieces++;
    own.add(key);
  };
  for (const term of terms) {
    const runs = hanRuns(term);
    const words = term.split(HAN).join(' ').match(WORD) ?? [];
    for (const run of runs) count(chinesePhrase(run));
    // A last word of one letter is a whole word: as a prefix it would stand for a good part of the vocabulary.
    const phrase: EnglishPhrase | null = words.length > 0 ? { words, prefix: words[words.length - 1].length >= MIN_PREFIX_LENGTH } : null;
    if (phrase) count(englishPhraseText(phrase));
    const group = options.synonyms ? groupOfTerm(runs, words) : undefined;
    if (!group) {
      for (const run of runs) {
        const text = chinesePhrase(run);
        ([...run].length >= 2 ? chinese : singles).set(text, [text]);
      }
      if (phrase) english.set(englishPhraseText(phrase), [phrase]);
      continue;
    }
    // The term as written (its prefix too), then the other members: one clause, any member matching.
    const written = runs[0] ?? words[0]!.toLowerCase();
    const zh = [...new Set([...runs.map(chinesePhrase), ...group.zh.filter((m) => m !== written).map(chinesePhrase)])];
    const en = [...(phrase ? [phrase] : []), ...group.en.filter((m) => m !== written).map((m) => ({ words: [m], prefix: false }))];
    const key = `${zh.join('|')}\u0000${en.map(englishPhraseText).join('|')}`;
    if (en.length === 0) chinese.set(key, zh);
    else if (zh.length === 0) english.set(key, en);
    else both.set(key, { zh, en });
  }
  // Text with something in it but nothing to search for ("%", "()", a lone quote) must not silently
  // drop the filter and answer the whole catalog.
  if (terms.length > 0 && pieces === 0) {
    throw badUserInput(`${argumentPath}.text`, `must contain a letter, digit or Chinese character, got ${JSON.stringify(options.text)}`);
  }
  // Every piece costs an index lookup: bounded (a synonym group adds a bounded number: the table's).
  if (pieces > MAX_TEXT_TERMS) {
    throw badUserInput(`${argumentPath}.text`, `must have at most ${MAX_TEXT_TERMS} words or Chinese runs, got ${pieces}`);
  }
  const matches: FtsMatch[] = [];
  const englishMatch = (clauses: EnglishPhrase[][]): FtsMatch => {
    const query: EnglishQuery = { clauses, columns: columnsOf('datasets_fts_en', fields) };
    return { table: 'datasets_fts_en', query: englishQuery(query), english: query };
  };
  const chineseMatch = (clauses: string[][]): FtsMatch => ({
    table: 'datasets_fts_zh',
    query: inColumns(columnsOf('datasets_fts_zh', fields), clauses.map(anyOf).join(' AND ')),
  });
  if (english.size > 0) matches.push(englishMatch([...english.values()]));
  // A character standing alone is a token of its own in the Chinese index (chineseIndexText), after the runs.
  if (chinese.size + singles.size > 0) matches.push(chineseMatch([...chinese.values(), ...singles.values()]));
  for (const { zh, en } of both.values()) matches.push({ ...chineseMatch([zh]), alternatives: [englishMatch([en])] });
  return matches;
}

/** bm25 column weights per index: titles count most, then keywords, then descriptions. */
export const FTS_RANK: Record<FtsTable, string> = {
  datasets_fts_zh: 'bm25(datasets_fts_zh, 10.0, 1.0, 5.0)',
  datasets_fts_en: 'bm25(datasets_fts_en, 10.0, 1.0, 5.0)',
};

export const MAX_TEXT_TERMS = 12;
/** A word shorter than this matches whole words only, not as a prefix. */
export const MIN_PREFIX_LENGTH = 2;
const WORD = /[\p{L}\p{N}]+/gu;

/** An FTS5 phrase: the term in double quotes with inner quotes doubled, so no FTS operator survives. */
export function ftsPhrase(term: string): string {
  return `"${term.replace(/"/g, '""')}"`;
}
