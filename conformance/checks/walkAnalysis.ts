import { comparePositions, decodeCursor, describeKey, keyOfNode, DESCENDING, type Sort } from '../contractOrder.ts';
import { describeWalk, type Walk } from '../walkPages.ts';

/**
 * The first way a walk breaks the contract's order, or null: every cursor reads as [sort, key, id] of
 * its own node with the key the contract derives from the node, no listing comes twice, each listing
 * comes after the one before it (key, then id in the same direction), and pageInfo agrees with the edges.
 */
export function orderProblem(walk: Walk): string | null {
  const where = describeWalk(walk);
  const firstPosition = new Map<string, number>();
  let previous: { key: number | string; id: string; label: string } | null = null;
  for (const [index, edge] of walk.edges.entries()) {
    const node = edge.node;
    const cursor = decodeCursor(edge.cursor);
    if (typeof cursor === 'string') return `${where}: ${node.id}: ${cursor}`;
    if (cursor.sort !== walk.sort) return `${where}: the cursor of ${node.id} names sort ${cursor.sort}`;
    if (cursor.id !== node.id) return `${where}: the cursor of ${node.id} holds id ${cursor.id}`;
    const expectedKey = keyOfNode(walk.sort, node);
    if (expectedKey === null ? typeof cursor.key !== 'number' || !Number.isFinite(cursor.key) : cursor.key !== expectedKey) {
      return `${where}: the cursor of ${node.id} holds key ${JSON.stringify(cursor.key)}, expected ${expectedKey === null ? 'a finite number' : JSON.stringify(expectedKey)} (${describeKey(walk.sort, node)})`;
    }
    const seenAt = firstPosition.get(node.id);
    if (seenAt !== undefined) {
      return `${where}: ${node.id} appears twice, at positions ${seenAt + 1} (page ${walk.edges[seenAt].page}) and ${index + 1} (page ${edge.page})`;
    }
    firstPosition.set(node.id, index);
    const label = `${node.id} (${walk.sort === 'RELEVANCE' ? `key ${cursor.key}` : describeKey(walk.sort, node)})`;
    const position = { key: cursor.key, id: node.id, label };
    if (previous && comparePositions(walk.sort, previous, position) >= 0) {
      const tie = previous.key === position.key;
      const rule = tie
        ? `equal keys are ordered by id, ${DESCENDING[walk.sort] ? 'descending' : 'ascending'}`
        : `${walk.sort} orders by key ${DESCENDING[walk.sort] ? 'descending' : 'ascending'}`;
      return `${where}: ${previous.label} comes before ${label} at position ${index + 1} (page ${edge.page}); ${rule}`;
    }
    previous = position;
  }
  let seen = 0;
  for (const [n, page] of walk.pages.entries()) {
    seen += page.edgeCount;
    const last = walk.edges[seen - 1];
    if (page.edgeCount > walk.pageSize) return `${where}: page ${n + 1} has ${page.edgeCount} edges for first: ${walk.pageSize}`;
    if (page.edgeCount > 0 && page.endCursor !== last?.cursor) return `${where}: page ${n + 1}: endCursor is not the cursor of its last edge`;
    const isLast = n === walk.pages.length - 1;
    if (!isLast && page.edgeCount < walk.pageSize)
      return `${where}: page ${n + 1} has ${page.edgeCount} edges for first: ${walk.pageSize}, yet hasNextPage is true`;
    if (page.hasNextPage && page.edgeCount === 0) return `${where}: page ${n + 1} has no edges, yet hasNextPage is true`;
  }
  return null;
}

/** Walks of one filter and sort with different page sizes must list the same listings in the same order. */
export function agreementProblem(a: Walk, b: Walk): string | null {
  const n = Math.min(a.edges.length, b.edges.length);
  for (let i = 0; i < n; i++) {
    if (a.edges[i].node.id !== b.edges[i].node.id) {
      return `sort ${a.sort}${Object.keys(a.filter).length ? ` filter ${JSON.stringify(a.filter)}` : ''}: at position ${i + 1}, pages of ${a.pageSize} give ${a.edges[i].node.id}, pages of ${b.pageSize} give ${b.edges[i].node.id}`;
    }
  }
  if (a.complete && b.complete && a.edges.length !== b.edges.length) {
    return `sort ${a.sort}: pages of ${a.pageSize} list ${a.edges.length} listings, pages of ${b.pageSize} list ${b.edges.length}`;
  }
  return null;
}

export function sortFilter(sort: Sort, term: string): Record<string, unknown> {
  return sort === 'RELEVANCE' ? { text: term } : {};
}
