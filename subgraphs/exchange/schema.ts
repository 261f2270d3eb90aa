import type { GraphQLSchema } from 'graphql';
import { buildSubgraphSchema } from '@apollo/subgraph';
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper/resolverMap.js';
import type { DatasetSort, StatsGroup } from '../../shared/domain.ts';
import { EXCHANGE_CONTRACT_PATH, exchangeTypeDefs } from '../../schema/typeDefs.ts';
import { DecimalScalar, DateTimeScalar } from '../../shared/graphql/scalars.ts';
import { literalsCheckedByRule, scalarLiteralsRule } from '../../shared/graphql/scalarLiteralsRule.ts';
import type { DatasetStore, StoreSession } from './store/DatasetStore.ts';
import { requireTextForRelevance, type DatasetFilterInput } from './store/filterSql.ts';
import { checkPageArgs, toConnection, type PageArgs } from './connection.ts';
import { priceStatistics, priceStatsByNewGroup, isLegacyStatsGroup } from './priceStatistics.ts';
import { toDataset } from './toDataset.ts';
import { datasetColumns } from './datasetColumns.ts';
import { catalogSummary, firstCursors, tokensUnless, type CatalogSummaryValue } from './catalogSummary.ts';
import { datasetRows, type DatasetRowsArgs } from './datasetRows.ts';
import { createLoaders, type Loaders } from './loaders.ts';
import { priceChanges, type PriceChangesArgs } from './priceChanges.ts';
import { productGroups, products, withCrossListedCodes, type ProductGroupsArgs, type ProductsArgs } from './products.ts';

export const CONTRACT_PATH = EXCHANGE_CONTRACT_PATH;

/** The exchange contract (schema/exchange.graphql) as a DocumentNode. */
export const typeDefs = exchangeTypeDefs;

export interface ExchangeContext {
  session: StoreSession;
  loaders: Loaders;
}

/** A request's context; its loaders are made on first use (most shard calls of a gateway need none). */
class RequestContext implements ExchangeContext {
  readonly session: StoreSession;
  private made: Loaders | undefined;

  constructor(store: DatasetStore) {
    this.session = store.session();
  }

  get loaders(): Loaders {
    return (this.made ??= createLoaders(this.session));
  }
}

export function createContext(store: DatasetStore): ExchangeContext {
  return new RequestContext(store);
}

type ConnectionArgs = PageArgs & { filter?: DatasetFilterInput | null; crossListedCodes?: string[] | null };

/** The filter with the gateway's cross-listed codes (argument crossListedCodes) folded in. */
const filterOf = (args: { filter?: DatasetFilterInput | null; crossListedCodes?: string[] | null }) => withCrossListedCodes(args.filter, args.crossListedCodes);

/** Validation rule to serve with the schema: a bad Decimal or DateTime literal, refused naming its path. */
export const literalRule = scalarLiteralsRule([DecimalScalar, DateTimeScalar]);

export function createResolvers(store: DatasetStore): GraphQLResolverMap<ExchangeContext> {
  const ownsId = (id: string) => id.startsWith(`${store.exchangeId}:`);
  return {
    // Bad literals are refused by literalRule (served with the schema), which names their path.
    Decimal: literalsCheckedByRule(DecimalScalar),
    DateTime: literalsCheckedByRule(DateTimeScalar),
    Query: {
      datasets: (_root, rawArgs: ConnectionArgs, { session }, info) => {
        const args = { ...rawArgs, filter: filterOf(rawArgs) };
        const page = checkPageArgs(args);
        requireTextForRelevance(page.sort, args.filter);
        const rows = session.page({ filter: args.filter, sort: page.sort, limit: page.first, after: page.after, columns: datasetColumns(info) });
        return toConnection(rows, page, () => session.count(args.filter));
      },
      datasetRows: (_root, args: DatasetRowsArgs & { crossListedCodes?: string[] | null }, { session }) =>
        datasetRows(session, { ...args, filter: filterOf(args) }),
      dataset: async (_root, { id }: { id: string }, { loaders }) => {
        if (!ownsId(id)) return null;
        const row = await loaders.datasetById.load(id);
        return row ? toDataset(row) : null;
      },
      priceStats: (_root, args: { filter?: DatasetFilterInput | null; groupBy: StatsGroup; crossListedCodes?: string[] | null }, { session }) =>
        isLegacyStatsGroup(args.groupBy) ? session.statsBuckets(filterOf(args), args.groupBy) : priceStatsByNewGroup(session, filterOf(args), args.groupBy),
      priceStatistics: (_root, args: { filter?: DatasetFilterInput | null; groupBy: StatsGroup[]; crossListedCodes?: string[] | null }, { session }) =>
        priceStatistics(session, filterOf(args), args.groupBy),
      productGroups: (_root, args: ProductGroupsArgs, { session }, info) => productGroups(session, args, info),
      products: (_root, args: ProductsArgs, { session }) => products(session, args),
      providerListingCounts: (_root, args: { filter?: DatasetFilterInput | null }, { session }) => session.providerListingCounts(filterOf(args)),
      catalogSummary: () => catalogSummary(store),
      priceChanges: (_root, args: PriceChangesArgs, { loaders }) => priceChanges(store, args, loaders),
    },
    PriceChangeConnection: {
      totalCount: (connection: { totalCount: () => number }) => connection.totalCount(),
    },
    DatasetConnection: {
      totalCount: (connection: { totalCount: () => number }) => connection.totalCount(),
    },
    CatalogSummary: {
      tokens: (summary: CatalogSummaryValue, args: { unlessVersion?: string | null }) => tokensUnless(summary, args.unlessVersion),
      firstCursors: (_summary: CatalogSummaryValue, args: { sort: DatasetSort; first: number }, { session }: ExchangeContext) => firstCursors(session, args),
    },
    Dataset: {
      __resolveReference: async (ref: { id: string }, { loaders }: ExchangeContext) => {
        if (!ownsId(ref.id)) return null;
        const row = await loaders.datasetById.load(ref.id);
        return row ? toDataset(row) : null;
      },
    },
    Exchange: {
      __resolveReference: (ref: { id: string }) => (ref.id === store.exchangeId ? { id: ref.id } : null),
      datasetCount: (_exchange, _args, { session }) => store.counts(session).datasets,
      providerCount: (_exchange, _args, { session }) => store.counts(session).providers,
      catalogVersion: () => store.catalogVersion,
    },
    Provider: {
      __resolveReference: (ref: { uscc: string }) => ({ uscc: ref.uscc }),
      datasets: async (provider: { uscc: string }, rawArgs: ConnectionArgs, { loaders }) => {
        const args = { ...rawArgs, filter: filterOf(rawArgs) };
        const page = checkPageArgs(args, 'datasets.');
        requireTextForRelevance(page.sort, args.filter, 'datasets.sort');
        const rows = await loaders.providerPage.load({ uscc: provider.uscc, filter: args.filter, page });
        return toConnection(rows, page, () => loaders.providerCount.load({ uscc: provider.uscc, filter: args.filter }) as unknown as number);
      },
    },
  };
}

export function createExchangeSchema(store: DatasetStore): GraphQLSchema {
  return buildSubgraphSchema([{ typeDefs, resolvers: createResolvers(store) }]);
}
