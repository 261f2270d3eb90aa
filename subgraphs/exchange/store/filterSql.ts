import type { DatasetSort } from '../../../shared/domain.ts';
import { parseAmountMicros, AMOUNT_RULE } from '../../../shared/money.ts';
import { badUserInput } from '../../../shared/errors.ts';
import { validateUscc, USCC_RULE_NAMES } from '../../../shared/uscc.ts';
import type { ColumnarFilter } from './FilterColumns.ts';
import { MAX_TEXT_TERMS, textFieldsOf, textMatches, type FtsMatch } from './textQuery.ts';

// The text half of a filter lives in textQuery.ts; these were exported from here before it, and still are.
export { FTS_RANK, MAX_TEXT_TERMS, MIN_PREFIX_LENGTH, ftsPhrase, type FtsMatch, type FtsTable } from './textQuery.ts';

export interface DatasetFilterInput {
  text?: string | null;
  /** Fields the text must match in (TextField values); absent or empty: every field. */
  textFields?: readonly string[] | null;
  /** False: text terms match literally; otherwise a term of a synonym group matches any member (shared/synonyms.ts). */
  synonyms?: boolean | null;
  exchanges?: readonly string[] | null;
  categories?: readonly string[] | null;
  types?: readonly string[] | null;
  providerUscc?: string | null;
  providerKinds?: readonly string[] | null;
  securityLevels?: readonly string[] | null;
  personalInfo?: readonly string[] | null;
  dataOrigins?: readonly string[] | null;
  pricingModels?: readonly string[] | null;
  minPrice?: string | null;
  maxPrice?: string | null;
  delivery?: readonly string[] | null;
  productCode?: string | null;
  updatedSince?: string | null;
  containsMinorsData?: boolean | null;
  crossListed?: boolean | null;
  /** Not a GraphQL field: the codes listed on two or more exchanges, from the gateway (argument crossListedCodes). */
  crossListedCodes?: readonly string[] | null;
}

/** The SQL of a filter: conditions on `d` (the datasets table) and an optional FTS5 MATCH expression. */
export interface FilterSql {
  conditions: string[];
  params: unknown[];
  /** FTS5 queries, at most one per text index; each row must match all of them. */
  matches: FtsMatch[];
  /** True when the filter excludes this exchange: answer empty without touching the database. */
  matchesNothing: boolean;
  /** The enum list filters, each also one of `conditions` (with one of `params`): a page may read them value by value. */
  lists: ListFilter[];
  /** An equality on a column of few rows per value (provider, product code): its own index finds them best. */
  hasEquality: boolean;
  /**
   * The filter's conditions other than text, as FilterColumns tests them in memory; null when it holds a
   * condition FilterColumns does not know (an equality).
   */
  columnar: ColumnarFilter | null;
}

/** `d.<column> IN (values)`: `conditions[condition]` with its one parameter `params[param]`. */
export interface ListFilter {
  column: string;
  values: string[];
  condition: number;
  param: number;
}

/** The conditions and parameters of a filter without one of its list filters. */
export function withoutList(where: FilterSql, list: ListFilter): { conditions: string[]; params: unknown[] } {
  return {
    conditions: where.conditions.filter((_, i) => i !== list.condition),
    params: where.params.filter((_, i) => i !== list.param),
  };
}

export const MAX_TEXT_LENGTH = 200;

function inList(column: string, values: readonly string[] | null | undefined, out: FilterSql): void {
  if (!values || values.length === 0) return;
  out.lists.push({ column, values: [...new Set(values)], condition: out.conditions.length, param: out.params.length });
  out.conditions.push(`d.${column} IN (SELECT value FROM json_each(?))`);
  out.params.push(JSON.stringify(values));
}

function priceBound(argument: string, value: string | null | undefined): number | null {
  if (value === null || value === undefined) return null;
  const micros = parseAmountMicros(value);
  if (micros === null) throw badUserInput(argument, `must be ${AMOUNT_RULE}, got ${JSON.stringify(value)}`);
  return micros;
}

/**
 * Turns a DatasetFilter into SQL. Every value is a bound parameter. Text becomes quoted FTS5 phrases: Han
 * runs of 2+ characters as phrases of character bigrams over the Chinese index (an exact substring match,
 * see chineseText.ts), other words as word-prefix phrases over the English word index; a Han character
 * standing alone is its own token in the Chinese index; textFields and synonyms shape them (textQuery.ts).
 * Text that is empty or only whitespace does not filter; text with no letter, digit or Han character is refused. `argumentPath` prefixes error messages ("filter" or
 * "datasets.filter").
 */
export function filterSql(filter: DatasetFilterInput | null | undefined, exchangeId: string, argumentPath = 'filter'): FilterSql {
  const columnar: ColumnarFilter = { lists: [], minMicros: null, maxMicros: null, updatedSinceMs: null, containsMinors: null };
  const out: FilterSql = { conditions: [], params: [], matches: [], matchesNothing: false, lists: [], hasEquality: false, columnar };
  if (!filter) return out;
  if (filter.exchanges && filter.exchanges.length > 0 && !filter.exchanges.includes(exchangeId)) out.matchesNothing = true;

  if (filter.text !== null && filter.text !== undefined) {
    if (filter.text.length > MAX_TEXT_LENGTH) {
      throw badUserInput(`${argumentPath}.text`, `must be at most ${MAX_TEXT_LENGTH} characters, got ${filter.text.length}`);
    }
    const terms = filter.text.trim().split(/\s+/u).filter(Boolean);
    if (terms.length > MAX_TEXT_TERMS) {
      throw badUserInput(`${argumentPath}.text`, `must have at most ${MAX_TEXT_TERMS} terms, got ${terms.length}`);
    }
    out.matches.push(
      ...textMatches(terms, {
        fields: textFieldsOf(filter.textFields, argumentPath),
        synonyms: filter.synonyms !== false,
        text: filter.text,
        argumentPath,
      }),
    );
  }

  inList('category', filter.categories, out);
  inList('type', filter.types, out);
  inList('provider_kind', filter.providerKinds, out);
  inList('security_level', filter.securityLevels, out);
  inList('personal_info', filter.personalInfo, out);
  inList('data_origin', filter.dataOrigins, out);
  inList('price_model', filter.pricingModels, out);
  inList('delivery', filter.delivery, out);
  columnar.lists = out.lists;
  // Exact matches, the empty string included. A USCC that breaks a rule can match nothing: refused,
  // naming the rule, as the providers subgraph does.
  if (filter.providerUscc !== null && filter.providerUscc !== undefined) {
    const uscc = validateUscc(filter.providerUscc);
    if (!uscc.ok) {
      throw badUserInput(`${argumentPath}.providerUscc`, `${uscc.message.replace(/^uscc /, '')} (fails the ${USCC_RULE_NAMES[uscc.rule]} rule)`);
    }
    out.hasEquality = true;
    out.columnar = null;
    out.conditions.push('d.provider_uscc = ?');
    out.params.push(filter.providerUscc);
  }
  if (filter.productCode !== null && filter.productCode !== undefined) {
    out.hasEquality = true;
    out.columnar = null;
    out.conditions.push('d.product_code = ?');
    out.params.push(filter.productCode);
  }
  const minMicros = priceBound(`${argumentPath}.minPrice`, filter.minPrice);
  const maxMicros = priceBound(`${argumentPath}.maxPrice`, filter.maxPrice);
  columnar.minMicros = minMicros;
  columnar.maxMicros = maxMicros;
  if (minMicros !== null) {
    out.conditions.push('d.price_micros >= ?');
    out.params.push(minMicros);
  }
  if (maxMicros !== null) {
    out.conditions.push('d.price_micros <= ?');
    out.params.push(maxMicros);
  }
  if (filter.updatedSince) {
    const ms = Date.parse(filter.updatedSince);
    if (Number.isNaN(ms)) throw badUserInput(`${argumentPath}.updatedSince`, `must be an ISO 8601 date-time, got ${JSON.stringify(filter.updatedSince)}`);
    out.conditions.push('d.updated_ms >= ?');
    out.params.push(ms);
    columnar.updatedSinceMs = ms;
  }
  if (filter.containsMinorsData !== null && filter.containsMinorsData !== undefined) {
    out.conditions.push('d.contains_minors = ?');
    out.params.push(filter.containsMinorsData ? 1 : 0);
    columnar.containsMinors = filter.containsMinorsData ? 1 : 0;
  }
  crossListedSql(filter, out);
  return out;
}

/** An exchange alone knows no other exchange: without the gateway's codes, nothing it lists is cross-listed. */
function crossListedSql(filter: DatasetFilterInput, out: FilterSql): void {
  if (filter.crossListed === null || filter.crossListed === undefined) return;
  out.columnar = null;
  out.conditions.push(`d.product_code ${filter.crossListed ? '' : 'NOT '}IN (SELECT value FROM json_each(?))`);
  out.params.push(JSON.stringify(filter.crossListedCodes ?? []));
}

export function requireTextForRelevance(sort: DatasetSort, filter: DatasetFilterInput | null | undefined, argumentPath = 'sort'): void {
  if (sort === 'RELEVANCE' && !filter?.text?.trim()) {
    throw badUserInput(argumentPath, 'RELEVANCE needs filter.text');
  }
}
