import { parse } from 'graphql';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { LocalGraphQLDataSource } from '@apollo/gateway';
import { DateTimeScalar } from '../../../shared/graphql/scalars.ts';
import type { ExchangeDirectory, RegisteredExchange } from './ExchangeDirectory.ts';

/** What only the gateway knows about exchanges, served in-process as the `directory` subgraph. */
export const directoryTypeDefs = parse(`
extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])

"An ISO 8601 date-time in UTC, e.g. \\"2024-05-01T08:00:00.000Z\\"."
scalar DateTime

type Query {
  "Every registered exchange, by id."
  exchanges: [Exchange]!
  exchange(id: ID!): Exchange
}

enum ExchangeStatus {
  "The last health probe answered in time."
  ONLINE
  "The last health probe was slow (over 1 s), or failed (fewer than three in a row)."
  DEGRADED
  "Failed three health probes in a row: skipped at once until a probe succeeds. Only probes move the status; a failed query does not."
  OFFLINE
}

type Exchange @key(fields: "id") {
  id: ID!
  name: String!
  nameZh: String!
  city: String!
  province: String!
  divisionCode: String!
  status: ExchangeStatus!
  "Latency of the last successful call or probe."
  latencyMs: Int
  lastSeenAt: DateTime
}
`);

function toExchange(entry: RegisteredExchange) {
  return {
    ...entry.info,
    status: entry.health.phase.toUpperCase(),
    latencyMs: entry.health.latencyMs,
    lastSeenAt: entry.health.lastSeenAt?.toISOString() ?? null,
  };
}

export function createDirectoryDataSource(directory: ExchangeDirectory): LocalGraphQLDataSource {
  const schema = buildSubgraphSchema([
    {
      typeDefs: directoryTypeDefs,
      resolvers: {
        DateTime: DateTimeScalar,
        Query: {
          exchanges: () => directory.all().map(toExchange),
          exchange: (_root: unknown, { id }: { id: string }) => {
            const entry = directory.get(id);
            return entry ? toExchange(entry) : null;
          },
        },
        Exchange: {
          __resolveReference: (ref: { id: string }) => {
            const entry = directory.get(ref.id);
            return entry ? toExchange(entry) : null;
          },
        },
      } as never,
    },
  ]);
  return new LocalGraphQLDataSource(schema);
}
