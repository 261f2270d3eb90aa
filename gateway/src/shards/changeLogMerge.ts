import { CHANGE_LOG, PAGE_INFO } from '../../../schema/mergeRules.ts';
import { decodeChangeCursor, encodeChangeCursor, type ChangePositions, type LogPosition } from '../../../shared/priceChangeCursor.ts';
import { HIDDEN, type Shape } from './shardPlan.ts';
import { assembleConnection } from './keysetMerge.ts';

/**
 * Merge of price change pages (docs/live-prices.md#the-merged-history). Each exchange answers its first N
 * changes after its own entry of the cursor, in its log's order; the union sorted by (changedAt,
 * exchange, sequence) and cut at N is exact for the same reason as the keyset merge (a change an
 * exchange did not send comes after its Nth, so after the cut). Each kept edge's cursor is the cursor
 * given, moved forward by every kept change up to and including that edge: resuming from it skips
 * exactly what was returned before it, on every exchange.
 */
export interface ChangeLogPart {
  exchange: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- an exchange's JSON answer, checked by changeLogProblem before use
  value: Record<string, any>;
}

export interface ChangeLogMergeInput {
  parts: ChangeLogPart[];
  first: number;
  /** The client's `after` (already checked), or null. */
  after: string | null;
  shape: Shape;
  missingExchanges: string[];
}

interface Positioned {
  part: ChangeLogPart;
  index: number;
  changedMs: number;
  position: LogPosition;
}

/** A gateway cursor's positions; a cursor that does not decode was refused before any exchange was asked. */
export function positionsOf(after: string | null): ChangePositions {
  if (after === null) return {};
  const decoded = decodeChangeCursor(after);
  return typeof decoded === 'string' ? {} : decoded;
}

export function mergeChangeLogs(input: ChangeLogMergeInput): Record<string, unknown> {
  const positioned: Positioned[] = [];
  let anyHasNext = false;
  for (const part of input.parts) {
    const edges = part.value[HIDDEN.changes] as Array<{ cursor: string; node: { changedAt: string } }>;
    if (part.value[HIDDEN.changesInfo]?.[PAGE_INFO.hasNextPage]) anyHasNext = true;
    edges.forEach((edge, index) => {
      const own = (decodeChangeCursor(edge.cursor) as ChangePositions)[part.exchange]!;
      positioned.push({ part, index, changedMs: Date.parse(edge.node.changedAt), position: own });
    });
  }
  positioned.sort(
    (a, b) =>
      a.changedMs - b.changedMs ||
      (a.part.exchange < b.part.exchange ? -1 : a.part.exchange > b.part.exchange ? 1 : 0) ||
      a.position.sequence - b.position.sequence,
  );
  const kept = positioned.slice(0, input.first);
  const hasNextPage = anyHasNext || positioned.length > kept.length;
  const running: ChangePositions = { ...positionsOf(input.after) };
  const cursors = kept.map((p) => {
    running[p.part.exchange] = p.position;
    return encodeChangeCursor(running);
  });
  const endCursor = cursors.at(-1) ?? input.after ?? null;

  return assembleConnection(input, CHANGE_LOG, hasNextPage, endCursor, (key, shape) =>
    kept.map((p, i) => withCursor((p.part.value[key] as Array<Record<string, unknown>>)[p.index], shape, cursors[i]!)),
  );
}

/** The client's edge with the composed cursor in place of the exchange's, under every key it asked it by. */
function withCursor(edge: Record<string, unknown>, shape: Shape | undefined, cursor: string): Record<string, unknown> {
  const copy = { ...edge };
  for (const [key, { field }] of shape ?? []) if (field === CHANGE_LOG.cursor) copy[key] = cursor;
  return copy;
}

/**
 * What the merge will read from one exchange's page, checked before any of it is used: no more edges than
 * asked for, each cursor holding this exchange's entry only, sequences rising, changedAt a date that
 * never goes back, and the client's edges lined up with the hidden ones.
 */
export function changeLogProblem(value: unknown, first: number, shape: Shape, exchange: string): string | null {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return 'is not a price change connection';
  const connection = value as Record<string, unknown>;
  const edges = connection[HIDDEN.changes];
  if (!Array.isArray(edges)) return 'has no edges';
  if (edges.length > first) return `returned ${edges.length} edges for first: ${first}`;
  if (typeof (connection[HIDDEN.changesInfo] as Record<string, unknown> | null)?.[PAGE_INFO.hasNextPage] !== 'boolean') return 'returned no pageInfo';
  let previous: { sequence: number; ms: number } | null = null;
  for (const edge of edges as Array<{ cursor?: unknown; node?: { changedAt?: unknown } } | null>) {
    const positions = typeof edge?.cursor === 'string' ? decodeChangeCursor(edge.cursor) : 'none';
    if (typeof positions === 'string') return 'returned a cursor that is not a price change cursor';
    const entries = Object.keys(positions);
    if (entries.length !== 1 || entries[0] !== exchange) return 'returned a cursor of another exchange';
    const ms = Date.parse(String(edge?.node?.changedAt ?? ''));
    if (!Number.isFinite(ms)) return 'returned a change without changedAt';
    const sequence = positions[exchange]!.sequence;
    if (previous && (sequence <= previous.sequence || ms < previous.ms)) return 'returned changes out of order';
    previous = { sequence, ms };
  }
  for (const [key, { field }] of shape) {
    const list = connection[key];
    if (field === CHANGE_LOG.edges && list !== undefined && (!Array.isArray(list) || list.length !== edges.length))
      return `returned ${key} out of line with its cursors`;
    if (field === CHANGE_LOG.totalCount && key in connection && !(Number.isInteger(list) && (list as number) >= 0))
      return 'returned a totalCount that is not a count';
  }
  return null;
}
