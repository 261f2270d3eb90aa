import type { CheckContext } from '../CheckContext.ts';

const COUNTS_QUERY = `query($f: DatasetFilter) { providerListingCounts(filter: $f) { uscc count } }`;

/**
 * providerListingCounts (gateway-only: the gateway filters providers by exchange with it): rows in strictly
 * ascending USCC order, each count at least 1, adding up to the catalog's totalCount; a provider's count
 * equals datasets(filter: { providerUscc }) totalCount, and filtered by that USCC it is the only row.
 */
export async function checkProviderListingCounts(ctx: CheckContext): Promise<void> {
  const { total, nodes } = await ctx.sample();
  const rows = (await ctx.client.data<{ providerListingCounts: Array<{ uscc: string; count: number }> }>(COUNTS_QUERY, { f: null })).providerListingCounts;
  let previous = '';
  let sum = 0;
  for (const row of rows) {
    if (row.uscc <= previous)
      ctx.fail(`providerListingCounts: ${JSON.stringify(row.uscc)} follows ${JSON.stringify(previous)}; rows must be in strictly ascending USCC order`);
    if (!Number.isInteger(row.count) || row.count < 1)
      ctx.fail(`providerListingCounts: ${row.uscc} has count ${row.count}; every row counts at least 1 listing`);
    previous = row.uscc;
    sum += row.count;
  }
  if (sum !== total) ctx.fail(`providerListingCounts: counts add up to ${sum}, datasets totalCount is ${total}`);
  const byUscc = new Map(rows.map((r) => [r.uscc, r.count]));
  const usccs = [...new Set(nodes.map((n) => n.provider?.uscc).filter((u): u is string => typeof u === 'string'))].slice(0, 3);
  for (const uscc of usccs) {
    const count = (await ctx.page({ sort: 'UPDATED_DESC', filter: { providerUscc: uscc }, first: 0 })).totalCount;
    if (byUscc.get(uscc) !== count)
      ctx.fail(`providerListingCounts: ${uscc} has count ${byUscc.get(uscc) ?? 'none'}, datasets(filter: { providerUscc: "${uscc}" }) totalCount ${count}`);
    const alone = (await ctx.client.data<{ providerListingCounts: Array<{ uscc: string; count: number }> }>(COUNTS_QUERY, { f: { providerUscc: uscc } }))
      .providerListingCounts;
    if (alone.length !== 1 || alone[0].uscc !== uscc || alone[0].count !== count)
      ctx.fail(
        `providerListingCounts(filter: { providerUscc: "${uscc}" }): expected [{ uscc: "${uscc}", count: ${count} }], got ${JSON.stringify(alone).slice(0, 200)}`,
      );
  }
}
