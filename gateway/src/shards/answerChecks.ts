import { decodeCursor, comparePositions, cursorIdOf, type CursorPosition } from '../../../shared/datasetOrder.ts';
import { parseAmountMicros } from '../../../shared/money.ts';
import type { DatasetSort } from '../../../shared/domain.ts';
import { ID_PREFIX_SEPARATOR, CONNECTION, PAGE_INFO, STATS_BUCKET, STATISTICS } from '../../../schema/mergeRules.ts';
import { keysId } from '../../../shared/priceStatistics.ts';
import { HIDDEN, HIDDEN_PREFIX, type Shape } from './shardPlan.ts';
import { bucketSketch } from './bucketSketch.ts';

/** Deeper answers are refused: the contract's deepest honest answer is far shallower, and deep JSON costs stack. */
export const MAX_ANSWER_DEPTH = 48;

/**
 * Every problem these checks return is shown to clients after "exchange gy gave a bad response: ", so it
 * holds no text of the exchange's own (no ids, messages or addresses), only what kind of lie it is and,
 * when an id bears another exchange's code, that code.
 */
const EXCHANGE_CODE = /^[a-z]{2,8}$/;

/** The problem of an id that does not bear `exchange`'s prefix, naming the other exchange when the id names one. */
function foreignId(id: unknown, exchange: string, what = 'ids'): string {
  const at = typeof id === 'string' ? id.indexOf(ID_PREFIX_SEPARATOR) : -1;
  const code = at > 0 ? (id as string).slice(0, at) : '';
  return EXCHANGE_CODE.test(code) && code !== exchange
    ? `returned ${what} of another exchange (${code})`
    : `returned ${what} without its prefix "${exchange}${ID_PREFIX_SEPARATOR}"`;
}

/**
 * What the keyset merge will read from one exchange's connection, checked before any of it is used:
 * every cursor decodes in the request's sort and carries the exchange's prefix, the edges are in order
 * and no more than asked for, and counts are integers.
 */
export function connectionProblem(value: unknown, page: { first: number; sort: DatasetSort }, shape: Shape, exchange: string): string | null {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return 'is not a connection';
  const connection = value as Record<string, unknown>;
  const edges = connection[HIDDEN.edges];
  if (!Array.isArray(edges)) return 'has no edges';
  if (edges.length > page.first) return `returned ${edges.length} edges for first: ${page.first}`;
  let previous: CursorPosition | null = null;
  for (const edge of edges) {
    const position = decodeCursor(String((edge as { cursor?: unknown } | null)?.cursor ?? ''), page.sort);
    if (typeof position === 'string')
      return position.startsWith('cursor belongs to sort') ? 'returned a cursor of another sort' : 'returned a cursor that is not a cursor';
    if (!position.id.startsWith(`${exchange}${ID_PREFIX_SEPARATOR}`)) return foreignId(position.id, exchange);
    if (previous && comparePositions(page.sort, previous, position) >= 0) return 'returned edges out of order';
    previous = position;
  }
  for (const [key, { field }] of shape) {
    if (field === CONNECTION.totalCount && key in connection && !(Number.isInteger(connection[key]) && (connection[key] as number) >= 0)) {
      return `returned a totalCount that is not a count`;
    }
  }
  return null;
}

/** What the sketch merge will read from one exchange's statistics. */
export function statsProblem(value: unknown, groupBy: string, exchange: string): string | null {
  if (!Array.isArray(value)) return 'is not a list';
  for (const bucket of value as Array<Record<string, unknown> | null>) {
    if (bucket === null) continue;
    for (const field of STATS_BUCKET.counts) {
      const n = bucket[HIDDEN.stats[field]];
      if (!Number.isInteger(n) || (n as number) < 0) return `returned a ${field} that is not a count`;
    }
    for (const field of STATS_BUCKET.amounts) {
      const amount = bucket[HIDDEN.stats[field]];
      if (amount !== null && (typeof amount !== 'string' || parseAmountMicros(amount) === null)) return `returned a ${field} that is not a decimal string`;
    }
    if (groupBy === STATS_BUCKET.byExchange && bucket[HIDDEN.stats.key] !== exchange) {
      const key = bucket[HIDDEN.stats.key];
      return typeof key === 'string' && EXCHANGE_CODE.test(key)
        ? `returned statistics of another exchange (${key})`
        : 'returned statistics of another exchange';
    }
  }
  return null;
}

/**
 * What the statistics merge will read from one exchange's priceStatistics: every bucket list holds
 * buckets with one string key per dimension of `groupBy` (an EXCHANGE key being the exchange's own id),
 * each combination once, counts that are counts, decimal amounts, a readable sketch and a list of USCCs.
 */
export function statisticsProblem(value: unknown, groupBy: readonly string[], exchange: string, shape: Shape): string | null {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return 'is not a statistics object';
  const hidden = HIDDEN.statistics;
  for (const [key, { field }] of shape) {
    if (field !== STATISTICS.buckets) continue;
    const buckets = (value as Record<string, unknown>)[key];
    if (!Array.isArray(buckets)) return 'returned buckets that are not a list';
    const seen = new Set<string>();
    for (const bucket of buckets as Array<Record<string, unknown> | null>) {
      if (bucket === null) continue;
      if (typeof bucket !== 'object') return 'returned a bucket that is not an object';
      const keys = bucket[hidden.keys];
      if (!Array.isArray(keys) || keys.length !== groupBy.length || !keys.every((k) => typeof k === 'string'))
        return `returned a bucket without one key per groupBy dimension (${groupBy.length})`;
      const exchangeAt = groupBy.indexOf(STATISTICS.byExchange);
      if (exchangeAt >= 0 && keys[exchangeAt] !== exchange) {
        return EXCHANGE_CODE.test(keys[exchangeAt])
          ? `returned statistics of another exchange (${keys[exchangeAt]})`
          : 'returned statistics of another exchange';
      }
      const id = keysId(keys);
      if (seen.has(id)) return 'returned the same bucket twice';
      seen.add(id);
      for (const field of STATISTICS.counts) {
        const n = bucket[hidden[field]];
        if (!Number.isInteger(n) || (n as number) < 0) return `returned a ${field} that is not a count`;
      }
      if ((bucket[hidden.pricedCount] as number) > (bucket[hidden.count] as number)) return 'returned a pricedCount above its count';
      for (const field of STATISTICS.amounts) {
        const amount = bucket[hidden[field]];
        if (amount !== null && (typeof amount !== 'string' || parseAmountMicros(amount) === null)) return `returned a ${field} that is not a decimal string`;
      }
      try {
        bucketSketch(bucket, hidden.sketch);
      } catch {
        return 'returned a statistics bucket with a bad sketch';
      }
      const providers = bucket[hidden.providers];
      if (providers !== undefined && (!Array.isArray(providers) || !providers.every((p) => typeof p === 'string')))
        return 'returned providers that are not a list of USCCs';
    }
  }
  return null;
}

/**
 * Checks an exchange's answer before any of it is used: every prefixed id and every cursor must carry
 * the exchange's own prefix, connection lists must line up with their cursors, and statistics must carry
 * a readable sketch. Returns what is wrong, or null. A lying exchange is dropped whole.
 */
export function findAnswerProblem(data: unknown, exchange: string, alignedListKeys: ReadonlySet<string>): string | null {
  const prefix = `${exchange}${ID_PREFIX_SEPARATOR}`;
  const stack: Array<[unknown, number]> = [[data, 0]];
  while (stack.length > 0) {
    const [value, depth] = stack.pop()!;
    if (depth > MAX_ANSWER_DEPTH) return `answered JSON nested deeper than ${MAX_ANSWER_DEPTH} levels`;
    if (Array.isArray(value)) {
      for (const item of value) if (item !== null && typeof item === 'object') stack.push([item, depth + 1]);
      continue;
    }
    if (value === null || typeof value !== 'object') continue;
    const object = value as Record<string, unknown>;
    if (HIDDEN.id in object) {
      const id = object[HIDDEN.id];
      if (typeof id !== 'string' || !id.startsWith(prefix)) return foreignId(id, exchange);
    }
    if (HIDDEN.edges in object) {
      const edges = object[HIDDEN.edges];
      if (!Array.isArray(edges)) return 'returned a connection without edges';
      for (const edge of edges) {
        const id = cursorIdOf(edge?.cursor);
        if (id === null) return 'returned a cursor that is not a cursor';
        if (!id.startsWith(prefix)) return foreignId(id, exchange, 'cursors');
      }
      for (const key of alignedListKeys) {
        const list = object[key];
        if (list !== undefined && (!Array.isArray(list) || list.length !== edges.length)) return `returned ${key} out of line with its cursors`;
      }
      if (typeof (object[HIDDEN.info] as Record<string, unknown> | null)?.[PAGE_INFO.hasNextPage] !== 'boolean')
        return 'returned a connection without pageInfo';
    }
    if (HIDDEN.stats.sketch in object) {
      try {
        bucketSketch(object, HIDDEN.stats.sketch);
      } catch {
        return 'returned a statistics bucket with a bad sketch';
      }
      if (!Number.isInteger(object[HIDDEN.stats.count]) || typeof object[HIDDEN.stats.key] !== 'string')
        return 'returned a statistics bucket without key or count';
    }
    for (const child of Object.values(object)) if (child !== null && typeof child === 'object') stack.push([child, depth + 1]);
  }
  return null;
}

/** Removes the router's hidden fields from a merged answer, in place. */
export function stripHidden(value: unknown): void {
  if (Array.isArray(value)) {
    for (const item of value) stripHidden(item);
    return;
  }
  if (value === null || typeof value !== 'object') return;
  for (const key of Object.keys(value)) {
    if (key.startsWith(HIDDEN_PREFIX)) delete (value as Record<string, unknown>)[key];
    else stripHidden((value as Record<string, unknown>)[key]);
  }
}
