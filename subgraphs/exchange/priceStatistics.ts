import type { StatsGroup } from '../../shared/domain.ts';
import { badUserInput } from '../../shared/errors.ts';
import { groupByProblem, GROUP_BY_ARGUMENT } from '../../shared/priceStatistics.ts';
import type { PriceStatsBucket } from '../../shared/priceStatsSummary.ts';
import type { StoreSession } from './store/DatasetStore.ts';
import type { DatasetFilterInput } from './store/filterSql.ts';
import { GROUP_COLUMNS, type ColumnStatsGroup } from './store/UnfilteredStats.ts';

/** The resolver of priceStatistics: groupBy checked, buckets from the store; an exchange misses no exchange. */
export function priceStatistics(session: StoreSession, filter: DatasetFilterInput | null | undefined, groupBy: StatsGroup[]) {
  const problem = groupByProblem(groupBy);
  if (problem) throw badUserInput(GROUP_BY_ARGUMENT, problem);
  return { buckets: session.statistics(filter, groupBy), missingExchanges: [] };
}

/** The groupings priceStats had before priceStatistics; they keep their own path (StoreSession.stats). */
export function isLegacyStatsGroup(group: StatsGroup): group is ColumnStatsGroup {
  return group === 'EXCHANGE' || group in GROUP_COLUMNS;
}

/** priceStats by a grouping added with priceStatistics: its one-dimension buckets, with `key` for `keys`. */
export function priceStatsByNewGroup(session: StoreSession, filter: DatasetFilterInput | null | undefined, group: StatsGroup): PriceStatsBucket[] {
  return session
    .statistics(filter, [group])
    .map(({ keys, count, pricedCount, min, p50, p90, max, currency, sketch }) => ({ key: keys[0], count, pricedCount, min, p50, p90, max, currency, sketch }));
}
