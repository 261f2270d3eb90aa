// urql (@urql/core, the client under urql's React, Vue and Svelte bindings): one provider's listings on
// every exchange, page after page with the cursor.
import { Client, cacheExchange, fetchExchange, gql, type OperationResult } from '@urql/core';

interface Page {
  datasets: {
    totalCount: number;
    missingExchanges: string[];
    pageInfo: { hasNextPage: boolean; endCursor: string | null };
    nodes: Array<{ id: string; title: string }>;
  };
}

const LISTINGS = gql`
  query ProviderListings($uscc: ID!, $after: String) {
    datasets(filter: { providerUscc: $uscc }, first: 50, after: $after) {
      totalCount
      missingExchanges
      pageInfo {
        hasNextPage
        endCursor
      }
      nodes {
        id
        title
      }
    }
  }
`;

/** Every listing of the provider with this USCC. `gatewayUrl`: e.g. http://localhost:4000/graphql. */
export async function listingsOfProvider(gatewayUrl: string, uscc: string): Promise<{ totalCount: number; ids: string[] }> {
  // POST: urql sends short queries as GET by default, which the gateway's CSRF guard refuses unless the
  // request carries a header like apollo-require-preflight.
  const client = new Client({ url: gatewayUrl, exchanges: [cacheExchange, fetchExchange], preferGetMethod: false });
  const ids: string[] = [];
  let after: string | null = null;
  for (;;) {
    const result: OperationResult<Page> = await client.query<Page>(LISTINGS, { uscc, after }).toPromise();
    if (result.error || !result.data) throw result.error ?? new Error('no data');
    const page = result.data.datasets;
    if (page.missingExchanges.length > 0) throw new Error(`incomplete: ${page.missingExchanges.join(', ')} did not answer`);
    ids.push(...page.nodes.map((n) => n.id));
    if (!page.pageInfo.hasNextPage) return { totalCount: page.totalCount, ids };
    after = page.pageInfo.endCursor;
  }
}
