// graphql-request: a minimal client (one function, typed answers). The catalog's exchanges and their status.
import { gql, request } from 'graphql-request';

const EXCHANGES = gql`
  {
    exchanges {
      id
      nameZh
      status
      datasetCount
    }
  }
`;

export interface ExchangeRow {
  id: string;
  nameZh: string;
  status: string;
  datasetCount: number | null;
}

/** `gatewayUrl`: e.g. http://localhost:4000/graphql. */
export async function exchangeTable(gatewayUrl: string): Promise<ExchangeRow[]> {
  const { exchanges } = await request<{ exchanges: ExchangeRow[] }>(gatewayUrl, EXCHANGES);
  return exchanges;
}
