/** The app is a plain client of the public GraphQL API: one POST to /graphql per view. */

export interface GraphQLError {
  message: string;
  path?: (string | number)[];
}

export interface Answer<T> {
  data: T;
  /** Partial failures (an exchange that did not answer) come with data; the page shows both. */
  errors: GraphQLError[];
}

export class ApiError extends Error {}

export async function graphql<T>(query: string, variables: Record<string, unknown> = {}): Promise<Answer<T>> {
  const response = await fetch('/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json' },
    body: JSON.stringify({ query, variables }),
  });
  let body: { data?: T | null; errors?: GraphQLError[] };
  try {
    body = await response.json();
  } catch {
    throw new ApiError(`the API answered HTTP ${response.status} without JSON`);
  }
  if (!body.data) throw new ApiError(body.errors?.map((e) => e.message).join('; ') || `the API answered HTTP ${response.status}`);
  return { data: body.data, errors: body.errors ?? [] };
}

export interface ExchangeInfo {
  id: string;
  name: string;
  nameZh: string;
  city: string;
  status: 'ONLINE' | 'DEGRADED' | 'OFFLINE';
  latencyMs: number | null;
  lastSeenAt: string | null;
  datasetCount: number | null;
  providerCount: number | null;
  catalogVersion: string | null;
}

let exchangeList: Promise<ExchangeInfo[]> | null = null;

/** The registered exchanges' names, fetched once per page load (for facets and banners). */
export function exchangeNames(): Promise<ExchangeInfo[]> {
  exchangeList ??= graphql<{ exchanges: (ExchangeInfo | null)[] }>(
    '{ exchanges { id name nameZh city status latencyMs lastSeenAt datasetCount providerCount catalogVersion } }',
  )
    .then((a) => a.data.exchanges.filter((e): e is ExchangeInfo => e !== null))
    .catch((err) => {
      exchangeList = null;
      throw err;
    });
  return exchangeList;
}

export const DATASET_ROW = `id title titleZh type category updatedAt
  price { model amount currency }
  exchange { id name nameZh city }
  provider { uscc name nameZh kind }`;

export interface Price {
  model: string;
  amount: string | null;
  currency: string;
}

export interface DatasetRow {
  id: string;
  title: string;
  titleZh: string;
  type: string;
  category: string;
  updatedAt: string;
  price: Price;
  exchange: { id: string; name: string; nameZh: string; city: string };
  provider: { uscc: string; name: string; nameZh: string; kind: string } | null;
}

export interface DatasetPage {
  totalCount: number;
  missingExchanges: string[];
  nodes: (DatasetRow | null)[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
}
