import type { DatasetSort } from '../../../shared/domain.ts';
import { comparePositions, decodeCursor, type SortKey } from '../../../shared/datasetOrder.ts';
import { CONNECTION, PAGE_INFO } from '../../../schema/mergeRules.ts';
import { HIDDEN, type Shape } from './shardPlan.ts';

/**
 * Keyset merge of connection pages from several exchanges: sorting the union of each exchange's first N
 * after the same cursor and keeping N is exact at any depth (the proof: docs/architecture.md#keyset-merging).
 * hasNextPage is true when the merge dropped anything or any exchange had more. A part may also be a small
 * page with its refill after it (smallPages.ts): whatever any exchange may still hold comes after the
 * union's N-th row, so the same sort is exact.
 */
export interface ConnectionPart {
  exchange: string;
  value: Record<string, any>;
}

export interface ConnectionMergeInput {
  parts: ConnectionPart[];
  first: number;
  sort: DatasetSort;
  shape: Shape;
  missingExchanges: string[];
  /**
   * Listings of exchanges not called because none of their rows can be on the page (leadingPages.ts): added
   * to totalCount, and hasNextPage is true when any of them comes after the client's cursor.
   */
  elsewhere?: { count: number; hasMore: boolean };
}

interface Positioned {
  part: ConnectionPart;
  index: number;
  cursor: string;
}

/**
 * `parts` must have passed connectionProblem (answerChecks.ts), as the router's triage makes sure: cursors
 * of the request's sort, each part's edges in order and no more than it was asked for.
 */
export function mergeConnections(input: ConnectionMergeInput): Record<string, unknown> {
  const anyHasNext = input.parts.some((part) => Boolean(part.value[HIDDEN.info]?.[PAGE_INFO.hasNextPage]));
  const positioned = input.parts.length === 1 ? inPartOrder(input.parts[0]) : sortedUnion(input);
  const kept = positioned.slice(0, input.first);
  const hasNextPage = anyHasNext || positioned.length > kept.length || Boolean(input.elsewhere?.hasMore);

  return assembleConnection(input, CONNECTION, hasNextPage, kept.at(-1)?.cursor ?? null, (key) => kept.map((p) => (p.part.value[key] as unknown[])[p.index]));
}

/** The fields of a merged connection the router fills in itself (CONNECTION, CHANGE_LOG). */
export interface ConnectionFieldNames {
  type: string;
  edges: string;
  nodes?: string;
  pageInfo: string;
  totalCount: string;
  missing: string;
}

/**
 * The client's connection object from a merge's outcome, shared by every connection merge: the kept
 * edges (or nodes) under each key the client asked them by (`rows`), pageInfo, the summed totalCount and
 * (with the listings counted elsewhere) and the missing exchanges; any other field is the first part's.
 */
export function assembleConnection(
  input: { parts: Array<{ value: Record<string, unknown> }>; shape: Shape; missingExchanges: string[]; elsewhere?: { count: number } },
  names: ConnectionFieldNames,
  hasNextPage: boolean,
  endCursor: string | null,
  rows: (key: string, shape: Shape | undefined) => unknown[],
): Record<string, unknown> {
  const merged: Record<string, unknown> = {};
  for (const [key, { field, shape }] of input.shape) {
    // A field left out by @skip/@include is absent from every answer: leave it out too.
    // (A page whose parts all came from refills, which leave totalCount out, still counts what lies elsewhere.)
    if (input.parts.length > 0 && input.parts.every((part) => !(key in part.value)) && !(field === names.totalCount && input.elsewhere)) continue;
    if (field === names.edges || field === names.nodes) merged[key] = rows(key, shape);
    else if (field === names.pageInfo) merged[key] = pageInfo(shape, hasNextPage, endCursor);
    else if (field === names.totalCount)
      merged[key] = input.parts.reduce((sum, part) => sum + ((part.value[key] as number | undefined) ?? 0), input.elsewhere?.count ?? 0);
    else if (field === names.missing) merged[key] = input.missingExchanges;
    else if (field === '__typename') merged[key] = names.type;
    else merged[key] = input.parts[0]?.value[key] ?? null;
  }
  return merged;
}

/** One exchange's page is already in the global order (checked): nothing to decode or sort. */
function inPartOrder(part: ConnectionPart): Positioned[] {
  return (part.value[HIDDEN.edges] as Array<{ cursor: string }>).map((edge, index) => ({ part, index, cursor: edge.cursor }));
}

/** The union of several exchanges' pages, sorted in the one global order. */
function sortedUnion(input: ConnectionMergeInput): Positioned[] {
  const positioned: Array<Positioned & { key: SortKey; id: string }> = [];
  for (const part of input.parts) {
    (part.value[HIDDEN.edges] as Array<{ cursor: string }>).forEach((edge, index) => {
      const position = decodeCursor(edge.cursor, input.sort);
      if (typeof position === 'string') throw new Error(`exchange ${part.exchange}: ${position}`);
      positioned.push({ part, index, key: position.key, id: position.id, cursor: edge.cursor });
    });
  }
  return positioned.sort((a, b) => comparePositions(input.sort, a, b));
}

function pageInfo(shape: Shape | undefined, hasNextPage: boolean, endCursor: string | null): Record<string, unknown> {
  const info: Record<string, unknown> = {};
  for (const [key, { field }] of shape ?? []) {
    if (field === PAGE_INFO.hasNextPage) info[key] = hasNextPage;
    else if (field === PAGE_INFO.endCursor) info[key] = endCursor;
    else if (field === '__typename') info[key] = PAGE_INFO.type;
  }
  return info;
}
