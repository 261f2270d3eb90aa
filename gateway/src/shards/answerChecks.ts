import { QuantileSketch } from '../../../shared/sketch.ts';
import { ID_PREFIX_SEPARATOR } from '../../../schema/mergeRules.ts';
import { HIDDEN, HIDDEN_PREFIX } from './shardPlan.ts';

/**
 * Checks an exchange's answer before any of it is used: every prefixed id and every cursor must carry
 * the exchange's own prefix, connection lists must line up with their cursors, and statistics must carry
 * a readable sketch. Returns what is wrong, or null. A lying exchange is dropped whole.
 */
export function findAnswerProblem(data: unknown, exchange: string, alignedListKeys: ReadonlySet<string>): string | null {
  const prefix = `${exchange}${ID_PREFIX_SEPARATOR}`;
  const stack: unknown[] = [data];
  while (stack.length > 0) {
    const value = stack.pop();
    if (Array.isArray(value)) {
      for (const item of value) if (item !== null && typeof item === 'object') stack.push(item);
      continue;
    }
    if (value === null || typeof value !== 'object') continue;
    const object = value as Record<string, unknown>;
    if (HIDDEN.id in object) {
      const id = object[HIDDEN.id];
      if (typeof id !== 'string' || !id.startsWith(prefix)) return `returned id ${JSON.stringify(id)} without its prefix "${prefix}"`;
    }
    if (HIDDEN.edges in object) {
      const edges = object[HIDDEN.edges];
      if (!Array.isArray(edges)) return 'returned a connection without edges';
      for (const edge of edges) {
        const id = cursorId(edge?.cursor);
        if (id === null) return 'returned a cursor that is not a cursor';
        if (!id.startsWith(prefix)) return `returned cursor of id ${JSON.stringify(id)} without its prefix "${prefix}"`;
      }
      for (const key of alignedListKeys) {
        const list = object[key];
        if (list !== undefined && (!Array.isArray(list) || list.length !== edges.length)) return `returned ${key} out of line with its cursors`;
      }
      if (typeof (object[HIDDEN.info] as { hasNextPage?: unknown } | null)?.hasNextPage !== 'boolean') return 'returned a connection without pageInfo';
    }
    if (HIDDEN.stats.sketch in object) {
      try {
        QuantileSketch.fromJSON(String(object[HIDDEN.stats.sketch]));
      } catch (err) {
        return `returned a statistics bucket with a bad sketch (${(err as Error).message})`;
      }
      if (!Number.isInteger(object[HIDDEN.stats.count]) || typeof object[HIDDEN.stats.key] !== 'string') return 'returned a statistics bucket without key or count';
    }
    for (const child of Object.values(object)) if (child !== null && typeof child === 'object') stack.push(child);
  }
  return null;
}

function cursorId(cursor: unknown): string | null {
  if (typeof cursor !== 'string') return null;
  try {
    const parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    return Array.isArray(parsed) && typeof parsed[2] === 'string' ? parsed[2] : null;
  } catch {
    return null;
  }
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
