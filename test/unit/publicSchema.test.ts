import { describe, expect, it } from 'vitest';
import { ApolloGateway } from '@apollo/gateway';
import { buildSchema, parse, type DocumentNode } from 'graphql';
import { PublicSchema } from '../../gateway/src/server/PublicSchema.ts';
import { composeSupergraph } from '../../gateway/src/supergraph/composeSupergraph.ts';
import { exchangeTypeDefs } from '../../schema/typeDefs.ts';

/** The exchange contract with one more query field: a supergraph that differs from today's. */
function contractWithExtraField(): DocumentNode {
  const extra = parse('extend type Query { catalogNotice: String }');
  return { ...exchangeTypeDefs, definitions: [...exchangeTypeDefs.definitions, ...extra.definitions] };
}

describe('the public schema (GET /schema.graphql)', () => {
  it("follows the gateway's supergraph: a new supergraph gives a new document and a new ETag", async () => {
    let update: ((supergraphSdl: string) => void) | undefined;
    // A supergraph manager that hands over today's supergraph, then a changed one (as a hot swap would).
    const gateway = new ApolloGateway({
      supergraphSdl: async (hooks) => {
        update = hooks.update;
        return { supergraphSdl: composeSupergraph() };
      },
    });
    const publicSchema = new PublicSchema();
    publicSchema.follow(gateway);
    expect(publicSchema.document()).toBeNull();
    await gateway.load();
    try {
      const first = publicSchema.document()!;
      expect(Object.keys(buildSchema(first.sdl).getQueryType()!.getFields())).not.toContain('catalogNotice');
      expect(first.etag).toMatch(/^"[A-Za-z0-9_-]{43}"$/);

      update!(composeSupergraph({ exchanges: contractWithExtraField() }));
      const second = publicSchema.document()!;
      expect(Object.keys(buildSchema(second.sdl).getQueryType()!.getFields())).toContain('catalogNotice');
      expect(second.etag).not.toBe(first.etag);

      update!(composeSupergraph());
      expect(publicSchema.document()).toEqual(first);
    } finally {
      await gateway.stop();
    }
  });
});
