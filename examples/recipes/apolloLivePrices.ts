// Apollo Client with a split link: queries over HTTP (POST /graphql), subscriptions over graphql-ws
// (WebSocket on /graphql). In a browser, leave out `webSocketImpl`: the browser has its own WebSocket.
import { ApolloClient, HttpLink, InMemoryCache, gql, split, type TypedDocumentNode } from '@apollo/client';
import { GraphQLWsLink } from '@apollo/client/link/subscriptions';
import { getMainDefinition } from '@apollo/client/utilities';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';

interface Price {
  model: string;
  amount: string | null;
  currency: string;
}
interface PriceChange {
  dataset: { id: string; title: string };
  previous: Price | null;
  current: Price;
  changedAt: string;
}

const PRICE_CHANGED: TypedDocumentNode<{ priceChanged: PriceChange }, { exchanges: string[] }> = gql`
  subscription PriceChanged($exchanges: [ID!]) {
    priceChanged(filter: { exchanges: $exchanges }) {
      dataset {
        id
        title
      }
      previous {
        model
        amount
        currency
      }
      current {
        model
        amount
        currency
      }
      changedAt
    }
  }
`;

const DATASET_PRICE: TypedDocumentNode<{ dataset: { id: string; price: Price } | null }, { id: string }> = gql`
  query DatasetPrice($id: ID!) {
    dataset(id: $id) {
      id
      price {
        model
        amount
        currency
      }
    }
  }
`;

/** One client for both: `gatewayUrl` e.g. http://localhost:4000/graphql (the WebSocket URL is the same, ws://). */
export function catalogClient(gatewayUrl: string): { client: ApolloClient; close: () => Promise<void> } {
  const http = new HttpLink({ uri: gatewayUrl });
  const ws = createClient({ url: gatewayUrl.replace(/^http/, 'ws'), webSocketImpl: WebSocket });
  const link = split(
    ({ query }) => {
      const definition = getMainDefinition(query);
      return definition.kind === 'OperationDefinition' && definition.operation === 'subscription';
    },
    new GraphQLWsLink(ws),
    http,
  );
  return { client: new ApolloClient({ link, cache: new InMemoryCache() }), close: async () => ws.dispose() };
}

/** Calls `onChange` with every price change on these exchanges; returns a function that stops. */
export function watchPrices(client: ApolloClient, exchanges: string[], onChange: (change: PriceChange) => void): () => void {
  const subscription = client.subscribe({ query: PRICE_CHANGED, variables: { exchanges } }).subscribe({
    next: ({ data, error }) => {
      if (error) console.error(error.message);
      else if (data) onChange(data.priceChanged);
    },
  });
  return () => subscription.unsubscribe();
}

/** A listing's price as the gateway answers it now (a query: over HTTP). */
export async function priceNow(client: ApolloClient, id: string): Promise<Price | null> {
  const { data } = await client.query({ query: DATASET_PRICE, variables: { id }, fetchPolicy: 'network-only' });
  return data?.dataset?.price ?? null;
}
