// Research question: what does one product cost on every exchange that lists it? (graphql-request)
// Usage: npx tsx examples/recipes/productPrices.ts <productCode> [gateway GraphQL URL]
import { pathToFileURL } from 'node:url';
import { gql, request } from 'graphql-request';

const PRICES = gql`
  query ProductPrices($code: String!) {
    datasets(filter: { productCode: $code }, sort: PRICE_ASC, first: 100) {
      missingExchanges
      nodes {
        id
        exchange {
          id
          name
        }
        price {
          model
          amount
          currency
        }
      }
    }
  }
`;

export interface ProductPrice {
  exchange: string;
  id: string;
  model: string;
  amount: string | null;
  currency: string;
}

interface Answer {
  datasets: {
    missingExchanges: string[];
    nodes: Array<{ id: string; exchange: { id: string; name: string }; price: Omit<ProductPrice, 'exchange' | 'id'> }>;
  };
}

export async function pricesOfProduct(gatewayUrl: string, productCode: string): Promise<ProductPrice[]> {
  const { datasets } = await request<Answer>(gatewayUrl, PRICES, { code: productCode });
  // An exchange that did not answer might list it too: say so rather than return a partial comparison.
  if (datasets.missingExchanges.length > 0) throw new Error(`incomplete: ${datasets.missingExchanges.join(', ')} did not answer`);
  return datasets.nodes.map((n) => ({ exchange: n.exchange.id, id: n.id, ...n.price }));
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const [code, url = 'http://localhost:4000/graphql'] = process.argv.slice(2);
  console.table(await pricesOfProduct(url, code));
}
