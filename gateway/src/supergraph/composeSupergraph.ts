import { fileURLToPath } from 'node:url';
import { composeServices } from '@apollo/composition';
import type { DocumentNode } from 'graphql';
import { exchangeTypeDefs, providersTypeDefs } from '../../../schema/typeDefs.ts';
import { directoryTypeDefs } from '../directory/directorySubgraph.ts';
import { listingsTypeDefs } from '../providers/listingsTypeDefs.ts';

/** The logical subgraphs. `exchanges` is every registered exchange at once, behind the shard router. */
export const SUBGRAPH = { exchanges: 'exchanges', providers: 'providers', directory: 'directory', listings: 'listings' } as const;

/**
 * Placeholder URLs written into the supergraph: the gateway never calls them, buildService routes each
 * subgraph by name (exchanges to the shard router, directory and listings in process, providers to PROVIDERS_URL).
 */
const PLACEHOLDER_URLS: Record<string, string> = {
  exchanges: 'http://exchanges.shard-router.invalid/graphql',
  providers: 'http://providers.invalid/graphql',
  directory: 'http://directory.in-process.invalid/graphql',
  listings: 'http://listings.in-process.invalid/graphql',
};

/** The checked-in supergraph (`npm run compose`); a test fails when it drifts from the schemas. */
export const SUPERGRAPH_PATH = fileURLToPath(new URL('../../../schema/supergraph.graphql', import.meta.url));

export class CompositionError extends Error {}

export function composeSupergraph(extra: { exchanges?: DocumentNode } = {}): string {
  const result = composeServices([
    { name: SUBGRAPH.exchanges, typeDefs: extra.exchanges ?? exchangeTypeDefs, url: PLACEHOLDER_URLS.exchanges },
    { name: SUBGRAPH.providers, typeDefs: providersTypeDefs, url: PLACEHOLDER_URLS.providers },
    { name: SUBGRAPH.directory, typeDefs: directoryTypeDefs, url: PLACEHOLDER_URLS.directory },
    { name: SUBGRAPH.listings, typeDefs: listingsTypeDefs, url: PLACEHOLDER_URLS.listings },
  ]);
  if (result.errors) {
    throw new CompositionError(`the supergraph does not compose:\n${result.errors.map((e) => `- ${e.message}`).join('\n')}`);
  }
  return result.supergraphSdl;
}
