// Apollo Client in a React component (JavaScript with JSX; React 18, Apollo Client 4): the cheapest listings of one category, rendered to HTML on the
// server once the query has answered (prerenderStatic). In a browser app, render <CheapestListings> inside
// the same <ApolloProvider> with react-dom's createRoot instead.
import { ApolloClient, HttpLink, InMemoryCache, gql } from '@apollo/client';
import { ApolloProvider, useQuery } from '@apollo/client/react';
import { prerenderStatic } from '@apollo/client/react/ssr';
import React from 'react';
import { renderToString } from 'react-dom/server';

const CHEAPEST = gql`
  query Cheapest($category: Category!) {
    datasets(filter: { categories: [$category] }, sort: PRICE_ASC, first: 5) {
      nodes {
        id
        title
        exchange {
          id
        }
        price {
          model
          amount
          currency
        }
      }
      missingExchanges
    }
  }
`;

/** The five cheapest listings of `category`, one table row each. */
export function CheapestListings({ category }) {
  const { data, loading, error } = useQuery(CHEAPEST, { variables: { category } });
  if (loading) return <p>Loading…</p>;
  if (error || !data) return <p role="alert">{error?.message ?? 'no data'}</p>;
  return (
    <table>
      <tbody>
        {data.datasets.nodes.map((listing) => (
          <tr key={listing.id} data-id={listing.id}>
            <td>{listing.exchange.id}</td>
            <td>{listing.title}</td>
            <td>
              {listing.price.amount ?? 'negotiable'} {listing.price.currency} ({listing.price.model})
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** The component's HTML once its query has answered. `gatewayUrl`: e.g. http://localhost:4000/graphql. */
export async function renderCheapest(gatewayUrl, category) {
  const client = new ApolloClient({ link: new HttpLink({ uri: gatewayUrl }), cache: new InMemoryCache() });
  const { result } = await prerenderStatic({
    tree: (
      <ApolloProvider client={client}>
        <CheapestListings category={category} />
      </ApolloProvider>
    ),
    renderFunction: renderToString,
  });
  return result;
}
