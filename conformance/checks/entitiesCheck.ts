import type { CheckContext } from '../CheckContext.ts';

const ENTITIES_QUERY = `query($r: [_Any!]!) { _entities(representations: $r) { ... on Dataset { id title } } }`;

/** `_entities` answers in the order asked, with null for an id the exchange does not list. */
export async function checkEntities(ctx: CheckContext): Promise<void> {
  const { nodes } = await ctx.sample();
  const known = nodes.slice(0, 12).map((n) => n.id);
  const unknown = `${ctx.exchangeId}:conformance-no-such-listing`;
  // Reversed, with an unknown id inside: an exchange that answers in its own order (by id, by row) shows it.
  const asked = [...known].reverse();
  asked.splice(Math.min(2, asked.length), 0, unknown);
  const answer = await ctx.client.data<{ _entities: Array<{ id: string } | null> }>(ENTITIES_QUERY, { r: asked.map((id) => ({ __typename: 'Dataset', id })) });
  const got = answer._entities ?? [];
  for (const entity of got) if (entity?.id) ctx.seenIds.push({ id: entity.id, where: '_entities' });
  if (got.length !== asked.length) ctx.fail(`_entities: asked for ${asked.length} representations, got ${got.length} items`);
  for (const [i, id] of asked.entries()) {
    const item = got[i];
    const expected = id === unknown ? null : id;
    if ((item?.id ?? null) !== expected) {
      ctx.fail(
        `_entities: item ${i + 1} is ${item ? item.id : 'null'}, expected ${expected ?? 'null (unknown id)'}; asked [${asked.slice(0, 5).join(', ')}${asked.length > 5 ? ', ...' : ''}], got [${got
          .slice(0, 5)
          .map((g) => g?.id ?? 'null')
          .join(', ')}${got.length > 5 ? ', ...' : ''}]`,
      );
    }
  }
}
