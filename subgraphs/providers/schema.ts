/**
 * The providers subgraph: schema, resolvers and per-request context. The resolvers hold no data:
 * each request's context carries the directory (the seed registry, in memory) and a DataLoader.
 */
import DataLoader from 'dataloader';
import { GraphQLError, type GraphQLSchema } from 'graphql';
import { buildSubgraphSchema } from '@apollo/subgraph';
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper/resolverMap.js';
import type { ProviderRecord } from '../../shared/domain.ts';
import { USCC_RULE_NAMES, validateUscc } from '../../shared/uscc.ts';
import { providerRegistry } from '../../seed/providers.ts';
import { PROVIDERS_SCHEMA_PATH, providersTypeDefs } from '../../schema/typeDefs.ts';
import { encodeProviderCursor, ProviderDirectory, type ProviderPageArgs } from './ProviderDirectory.ts';

export const SCHEMA_PATH = PROVIDERS_SCHEMA_PATH;

/** schema/providers.graphql as a DocumentNode. */
export const typeDefs = providersTypeDefs;

/** The directory of the seed registry, built once. */
let defaultDirectory: ProviderDirectory | undefined;
export function seedProviderDirectory(): ProviderDirectory {
  return (defaultDirectory ??= new ProviderDirectory(providerRegistry()));
}

export interface ProvidersContext {
  directory: ProviderDirectory;
  /** Batches the providers the gateway asks for by reference within one request. */
  providerByUscc: DataLoader<string, ProviderRecord | null>;
}

export interface ProvidersContextHooks {
  /** Called with the keys of every batch; tests use it to see that references are loaded together. */
  onBatch?: (usccs: readonly string[]) => void;
}

export function createProvidersContext(directory: ProviderDirectory = seedProviderDirectory(), hooks: ProvidersContextHooks = {}): ProvidersContext {
  return {
    directory,
    providerByUscc: new DataLoader<string, ProviderRecord | null>(async (usccs) => {
      hooks.onBatch?.(usccs);
      return usccs.map((uscc) => directory.get(uscc));
    }),
  };
}

/** A malformed USCC is the client's mistake: say which rule it broke and how to fix it. */
function badUscc(uscc: string): GraphQLError | null {
  const result = validateUscc(uscc);
  if (result.ok) return null;
  return new GraphQLError(`${result.message} (fails the ${USCC_RULE_NAMES[result.rule]} rule)`, {
    extensions: { code: 'BAD_USER_INPUT', argument: 'uscc', rule: result.rule },
  });
}

export const resolvers: GraphQLResolverMap<ProvidersContext> = {
  Query: {
    provider: (_root, { uscc }: { uscc: string }, { providerByUscc }: ProvidersContext) => {
      const error = badUscc(uscc);
      if (error) throw error;
      return providerByUscc.load(uscc);
    },
    providers: (_root, args: ProviderPageArgs, { directory }: ProvidersContext) => {
      const page = directory.page(args);
      const edges = page.providers.map((node) => ({ cursor: encodeProviderCursor(node.uscc), node }));
      return {
        edges,
        nodes: page.providers,
        pageInfo: { hasNextPage: page.hasNextPage, endCursor: edges.at(-1)?.cursor ?? null },
        totalCount: page.totalCount,
        // Only the gateway looks at listings, and fills this when it does.
        missingExchanges: [],
      };
    },
  },
  Provider: {
    // A representation with a malformed USCC resolves to null rather than failing the whole batch.
    __resolveReference: (ref: { uscc: string }, { providerByUscc }: ProvidersContext) => (validateUscc(ref.uscc).ok ? providerByUscc.load(ref.uscc) : null),
  },
};

/** The subgraph schema; serve it with a context from createProvidersContext. */
export function createProvidersSchema(): GraphQLSchema {
  return buildSubgraphSchema([{ typeDefs, resolvers }]);
}
