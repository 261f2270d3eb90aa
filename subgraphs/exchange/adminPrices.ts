import type { IncomingMessage, ServerResponse } from 'node:http';
import { PRICING_MODELS, type PricingModel } from '../../shared/domain.ts';
import { readBody, sendJson, BodyTooLargeError } from '../../shared/http/apolloHandler.ts';
import { IngestError, priceMicrosOf, type DatasetStore } from './store/DatasetStore.ts';
import { AMOUNT_RULE, parseAmountMicros } from '../../shared/money.ts';
import { CATALOG_VERSION_HEADER } from '../../shared/headers.ts';
import { bearerToken, tokensMatch } from '../../shared/http/auth.ts';

const MAX_ADMIN_BODY_BYTES = 16 * 1024;

/**
 * POST /admin/prices { datasetId, model, amount }: an exchange operator changes a price. The change is
 * appended to priceHistory and bumps the catalog version, which is how every cache learns of it.
 */
export async function handleAdminPrices(req: IncomingMessage, res: ServerResponse, ctx: { store: DatasetStore; adminToken?: string; path: string }): Promise<void> {
  if (!ctx.adminToken) return sendJson(res, 404, { error: 'admin endpoints are disabled: EXCHANGE_ADMIN_TOKEN is not set' });
  const token = bearerToken(req);
  if (!token || !tokensMatch(token, ctx.adminToken)) {
    return sendJson(res, 401, { error: 'missing or wrong bearer token' }, { 'www-authenticate': 'Bearer' });
  }
  if (ctx.path !== '/admin/prices' || req.method !== 'POST') return sendJson(res, 404, { error: `no route for ${req.method} ${ctx.path}` });

  let body: unknown;
  try {
    body = JSON.parse(await readBody(req, MAX_ADMIN_BODY_BYTES));
  } catch (err) {
    if (err instanceof BodyTooLargeError) return sendJson(res, 413, { error: err.message });
    return sendJson(res, 400, { error: 'body must be JSON: { "datasetId": "...", "model": "PER_CALL", "amount": "0.30" }' });
  }
  const problems: string[] = [];
  const input = (body ?? {}) as { datasetId?: unknown; model?: unknown; amount?: unknown };
  if (typeof input.datasetId !== 'string' || !input.datasetId.startsWith(`${ctx.store.exchangeId}:`)) {
    problems.push(`datasetId: must be an id of this exchange, like "${ctx.store.exchangeId}:ds-000001"`);
  }
  if (typeof input.model !== 'string' || !(PRICING_MODELS as readonly string[]).includes(input.model)) {
    problems.push(`model: must be one of ${PRICING_MODELS.join(', ')}`);
  }
  const amount = input.amount === undefined || input.amount === null ? null
    : typeof input.amount === 'number' || typeof input.amount === 'string' ? String(input.amount) : undefined;
  if (amount === undefined) problems.push('amount: must be a decimal string like "1200.00", or null for NEGOTIABLE');
  else if (amount !== null && parseAmountMicros(amount) === null) problems.push(`amount: must be ${AMOUNT_RULE}, or null for NEGOTIABLE; got ${JSON.stringify(amount)}`);
  else if (!problems.some((p) => p.startsWith('model:'))) {
    // The amount is well formed and the model known: do they agree (NEGOTIABLE has none, FREE is zero, ...)?
    try {
      priceMicrosOf('amount', input.model as PricingModel, amount);
    } catch (err) {
      if (!(err instanceof IngestError)) throw err;
      problems.push(err.message.replace(/^amount: amount /, 'amount: '));
    }
  }
  if (problems.length > 0) return sendJson(res, 400, { error: problems.join('; '), problems });

  try {
    const row = ctx.store.updatePrice(input.datasetId as string, input.model as PricingModel, amount ?? null);
    if (!row) return sendJson(res, 404, { error: `datasetId: no dataset ${input.datasetId as string} on this exchange` });
    res.setHeader(CATALOG_VERSION_HEADER, ctx.store.catalogVersion);
    sendJson(res, 200, { datasetId: row.id, model: row.price_model, catalogVersion: ctx.store.catalogVersion, priceHistory: JSON.parse(row.price_history as string) });
  } catch (err) {
    if (err instanceof IngestError) return sendJson(res, 400, { error: err.message.replace(`${input.datasetId as string}: `, ''), problems: [err.message] });
    throw err;
  }
}
