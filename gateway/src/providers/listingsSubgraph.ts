import { execute, parse, responsePathAsArray, type GraphQLResolveInfo } from 'graphql';
import { buildSubgraphSchema } from '@apollo/subgraph';
import type { GraphQLDataSource, GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import type { GatewayGraphQLResponse } from '@apollo/server-gateway-interface';
import type { GraphQLErrorJson } from '../shards/ShardRouter.ts';
import { listingsTypeDefs } from './listingsTypeDefs.ts';
import type { ProviderListings } from './ProviderListings.ts';

/** One execution of the listings subgraph: the gateway's request context, and errors added beside the data. */
interface ListingsContext {
  gatewayContext: unknown;
  errors: GraphQLErrorJson[];
}

interface ProviderRef {
  uscc: string;
}

/**
 * The data source of the `listings` subgraph (listingsTypeDefs.ts): Provider.listingsByExchange and
 * exchangeCount from every exchange's listing counts. A failed exchange leaves the lists without it and
 * adds an error (once per request) with the path of the first field that lacks it.
 */
export class ListingsDataSource implements GraphQLDataSource {
  private readonly schema;

  constructor(private readonly listings: ProviderListings) {
    this.schema = buildSubgraphSchema([{ typeDefs: listingsTypeDefs, resolvers: this.resolvers() as never }]);
  }

  async process(options: GraphQLDataSourceProcessOptions): Promise<GatewayGraphQLResponse> {
    const context: ListingsContext = { gatewayContext: options.context, errors: [] };
    const result = await execute({
      schema: this.schema,
      document: 'document' in options && options.document ? options.document : parse(options.request.query ?? ''),
      variableValues: options.request.variables,
      contextValue: context,
    });
    const errors = [...(result.errors ?? []).map((e) => e.toJSON()), ...context.errors];
    return { data: result.data ?? null, ...(errors.length ? { errors } : {}) } as GatewayGraphQLResponse;
  }

  private async countsOf(
    provider: ProviderRef,
    context: ListingsContext,
    info: GraphQLResolveInfo,
  ): Promise<Array<{ exchange: { id: string }; count: number }>> {
    const answer = await this.listings.counts(context.gatewayContext);
    const path = responsePathAsArray(info.path);
    for (const error of answer.unreportedErrors.splice(0)) context.errors.push({ ...error, path });
    return [...answer.byExchange.keys()]
      .sort()
      .map((id) => ({ exchange: { id }, count: answer.byExchange.get(id)!.get(provider.uscc) ?? 0 }))
      .filter((entry) => entry.count > 0);
  }

  private resolvers() {
    return {
      Provider: {
        __resolveReference: (ref: ProviderRef) => ({ uscc: ref.uscc }),
        listingsByExchange: (provider: ProviderRef, _args: unknown, context: ListingsContext, info: GraphQLResolveInfo) =>
          this.countsOf(provider, context, info),
        exchangeCount: async (provider: ProviderRef, _args: unknown, context: ListingsContext, info: GraphQLResolveInfo) =>
          (await this.countsOf(provider, context, info)).length,
      },
    };
  }
}
