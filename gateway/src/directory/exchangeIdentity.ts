import { decodeCursor } from '../../../shared/datasetOrder.ts';
import { ID_PREFIX_SEPARATOR } from '../../../schema/mergeRules.ts';

/**
 * Whose catalog an endpoint serves. Registered under id `sz`, an endpoint must hand out `sz:` ids and
 * answer as the Exchange entity `sz`; one that serves another exchange's catalog (a wrong URL, a copied
 * deployment) would otherwise go live and then spoil every query with EXCHANGE_BAD_RESPONSE while its
 * status stayed ONLINE. The registration probe and the health probe both ask these fields and check the
 * answer with `identityProblem`. An exchange with no datasets yet has no ids to show: the entity answers
 * for it.
 */
export const IDENTITY_FIELDS =
  'datasets(first: 1, sort: UPDATED_DESC) { totalCount edges { cursor node { id } } } ' + 'self: _entities(representations: $self) { ... on Exchange { id } }';
export const IDENTITY_VARIABLES_DECLARATION = '$self: [_Any!]!';

export function identityVariables(exchange: string): { self: Array<{ __typename: 'Exchange'; id: string }> } {
  return { self: [{ __typename: 'Exchange', id: exchange }] };
}

/**
 * What is wrong with the identity an answer to IDENTITY_FIELDS shows for `exchange`, or null. Only what
 * the answer holds is judged: a missing connection or entity list is another check's business (the
 * registration probe checks the connection's shape first).
 */
export function identityProblem(data: unknown, exchange: string): string | null {
  const prefix = `${exchange}${ID_PREFIX_SEPARATOR}`;
  const answer = (data ?? {}) as { datasets?: { edges?: unknown }; self?: unknown };
  const edges = Array.isArray(answer.datasets?.edges) ? answer.datasets.edges : [];
  for (const edge of edges as Array<{ cursor?: unknown; node?: { id?: unknown } | null } | null>) {
    if (edge === null || typeof edge !== 'object') continue;
    const nodeId = edge.node?.id;
    if (edge.node !== undefined && edge.node !== null && (typeof nodeId !== 'string' || nodeId === '')) {
      return `answers a dataset id that is not a non-empty string: ${JSON.stringify(nodeId ?? null).slice(0, 100)}`;
    }
    // Cursors are opaque to clients, but the merge reads them: they carry the id too.
    const position = typeof edge.cursor === 'string' ? decodeCursor(edge.cursor, 'UPDATED_DESC') : null;
    const cursorId = position && typeof position === 'object' ? position.id : undefined;
    for (const id of [nodeId, cursorId]) {
      if (typeof id === 'string' && !id.startsWith(prefix)) return foreignIds(id, exchange);
    }
  }
  if (Array.isArray(answer.self)) {
    const entity = answer.self[0] as { id?: unknown } | null | undefined;
    if (!entity || entity.id !== exchange) {
      return `does not answer as exchange ${exchange} (the Exchange entity ${JSON.stringify(exchange)} came back as ${JSON.stringify(entity ?? null).slice(0, 100)})`;
    }
  }
  return null;
}

function foreignIds(id: string, exchange: string): string {
  const separator = id.indexOf(ID_PREFIX_SEPARATOR);
  const owner = separator > 0 ? `of exchange ${id.slice(0, separator)}` : 'without an exchange prefix';
  return `serves ids ${owner} (${id}), not ${exchange}${ID_PREFIX_SEPARATOR}…`;
}
