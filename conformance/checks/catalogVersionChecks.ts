import { formatMicros, microsOf } from '../contractOrder.ts';
import type { CheckContext } from '../CheckContext.ts';

export const CATALOG_VERSION_HEADER = 'x-catalog-version';

async function versionNow(ctx: CheckContext): Promise<string> {
  const answer = await ctx.client.query(`query($r: [_Any!]!) { _entities(representations: $r) { ... on Exchange { catalogVersion } } }`, {
    r: [{ __typename: 'Exchange', id: ctx.exchangeId }],
  });
  const header = answer.headers.get(CATALOG_VERSION_HEADER);
  if (!header) ctx.fail(`the answer to a query carries no ${CATALOG_VERSION_HEADER} header`);
  const field = (answer.data as any)?._entities?.[0]?.catalogVersion;
  if (field !== undefined && field !== null && field !== header)
    ctx.fail(`${CATALOG_VERSION_HEADER} is ${header}, Exchange.catalogVersion is ${field} in the same answer`);
  return header;
}

/** Every answer carries x-catalog-version, equal to Exchange.catalogVersion. */
export async function checkVersionHeader(ctx: CheckContext): Promise<void> {
  await versionNow(ctx);
}

/**
 * With the exchange's admin token: a price change (POST /admin/prices) moves the catalog version and
 * shows in the listing; the old price is then put back (which moves the version again).
 */
export async function checkVersionMoves(ctx: CheckContext): Promise<'skip' | void> {
  if (!ctx.options.adminToken) return 'skip';
  const { nodes } = await ctx.sample();
  const listing = nodes.find((n) => n.price.amount !== null && n.price.model !== 'FREE' && microsOf(n.price.amount)! < 900_000_000_000_000);
  if (!listing) ctx.fail('no listing of the newest has a price that can be changed (all FREE or NEGOTIABLE)');
  const adminUrl = new URL('/admin/prices', ctx.options.url).toString();
  const auth = { authorization: `Bearer ${ctx.options.adminToken}` };
  const before = await versionNow(ctx);
  const changed = formatMicros(microsOf(listing.price.amount!)! + 10_000);
  const change = await ctx.client.post(adminUrl, { datasetId: listing.id, model: listing.price.model, amount: changed }, auth);
  try {
    if (change.status !== 200)
      ctx.fail(`POST ${adminUrl} (${listing.id} to ${changed}) answered ${change.status}: ${JSON.stringify(change.json).slice(0, 200)}`);
    const after = await versionNow(ctx);
    if (after === before)
      ctx.fail(`after a price change of ${listing.id} (${listing.price.amount} to ${changed}), ${CATALOG_VERSION_HEADER} is still ${before}`);
    const shown = await ctx.client.data<{ dataset: { price: { amount: string | null } } | null }>(`query($id: ID!) { dataset(id: $id) { price { amount } } }`, {
      id: listing.id,
    });
    const amount = shown.dataset?.price.amount;
    if (amount == null || microsOf(amount) !== microsOf(changed))
      ctx.fail(`after the price of ${listing.id} changed to ${changed}, dataset(id:) answers ${amount}`);
  } finally {
    if (change.status === 200) await ctx.client.post(adminUrl, { datasetId: listing.id, model: listing.price.model, amount: listing.price.amount }, auth);
  }
}
