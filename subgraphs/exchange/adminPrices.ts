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
 *
 * Answers: 200 `{ changed: true, ... }` after a change; 200 `{ changed: false, ... }` when the price already
 * is that model and amount (no history point, same catalog version); 400 naming every problem; 401 without
 * the token; 404 for an id this exchange does not list; 405 for another method; 413 for a body over 16 KiB.
 * `amount` is a JSON string written exactly by the amount rule (no number, no spaces), or null (or omitted)
 * for NEGOTIABLE.
 */
export async function handleAdminPrices(
  req: IncomingMessage,
  res: ServerResponse,
  ctx: { store: DatasetStore; adminToken?: string; path: string },
): Promise<void> {
  if (!ctx.adminToken) return sendJson(res, 404, { error: 'admin endpoints are disabled: EXCHANGE_ADMIN_TOKEN is not set' });
  const token = bearerToken(req);
  if (!token || !tokensMatch(token, ctx.adminToken)) {
    return sendJson(res, 401, { error: 'missing or wrong bearer token' }, { 'www-authenticate': 'Bearer' });
  }
  if (ctx.path !== '/admin/prices') return sendJson(res, 404, { error: `no route for ${req.method} ${ctx.path}` });
  if (req.method !== 'POST') return sendJson(res, 405, { error: `${ctx.path} takes POST, not ${req.method}` }, { allow: 'POST' });

  let body: unknown;
  try {
    body = JSON.parse(await readBody(req, MAX_ADMIN_BODY_BYTES));
  } catch (err) {
    if (err instanceof BodyTooLargeError) return sendJson(res, 413, { error: err.message });
    return sendJson(res, 400, { error: 'body must be JSON: { "datasetId": "...", "model": "PER_CALL", "amount": "0.30" }' });
  }
  const problems: string[] = [];
  const input = (typeof body === 'object' && body !== null ? body : {}) as { datasetId?: unknown; model?: unknown; amount?: unknown };
  const example = `"${ctx.store.exchangeId}:ds-000001"`;
  if (typeof input.datasetId !== 'string') {
    problems.push(`datasetId: must be a string, an id of this exchange like ${example}; got ${JSON.stringify(input.datasetId ?? null)}`);
  } else if (!input.datasetId.startsWith(`${ctx.store.exchangeId}:`)) {
    problems.push(`datasetId: must be an id of this exchange, like ${example}; got ${JSON.stringify(input.datasetId)}`);
  }
  if (typeof input.model !== 'string' || !(PRICING_MODELS as readonly string[]).includes(input.model)) {
    problems.push(`model: must be one of ${PRICING_MODELS.join(', ')}`);
  }
  const amount = input.amount === undefined || input.amount === null ? null : input.amount;
  const amountRule = `must be a JSON string, ${AMOUNT_RULE}, with nothing around it, or null for NEGOTIABLE`;
  if (amount !== null && (typeof amount !== 'string' || amount !== amount.trim() || parseAmountMicros(amount) === null)) {
    problems.push(`amount: ${amountRule}; got ${JSON.stringify(amount)}`);
  } else if (!problems.some((p) => p.startsWith('model:'))) {
    // The amount is well formed and the model known: do they agree (NEGOTIABLE has none, FREE is zero, ...)?
    try {
      priceMicrosOf('amount', input.model as PricingModel, amount as string | null);
    } catch (err) {
      if (!(err instanceof IngestError)) throw err;
      problems.push(err.message.replace(/^amount: amount /, 'amount: '));
    }
  }
  if (problems.length > 0) return sendJson(res, 400, { error: problems.join('; '), problems });

  const datasetId = input.datasetId as string;
  const model = input.model as PricingModel;
  try {
    // Read and write in the same synchronous turn: no other request runs in between.
    const current = ctx.store.session().byIds([datasetId])[0];
    if (!current) return sendJson(res, 404, { error: `datasetId: no dataset ${datasetId} on this exchange` });
    const micros = priceMicrosOf(datasetId, model, amount as string | null);
    if (current.price_model === model && (current.price_micros ?? null) === micros) {
      res.setHeader(CATALOG_VERSION_HEADER, ctx.store.catalogVersion);
      return sendJson(res, 200, {
        changed: false,
        datasetId,
        model,
        catalogVersion: ctx.store.catalogVersion,
        priceHistory: JSON.parse(current.price_history as string),
      });
    }
    const row = ctx.store.updatePrice(datasetId, model, amount as string | null);
    if (!row) return sendJson(res, 404, { error: `datasetId: no dataset ${datasetId} on this exchange` });
    res.setHeader(CATALOG_VERSION_HEADER, ctx.store.catalogVersion);
    sendJson(res, 200, {
      changed: true,
      datasetId: row.id,
      model: row.price_model,
      catalogVersion: ctx.store.catalogVersion,
      priceHistory: JSON.parse(row.price_history as string),
    });
  } catch (err) {
    if (err instanceof IngestError) return sendJson(res, 400, { error: err.message.replace(`${datasetId}: `, ''), problems: [err.message] });
    throw err;
  }
}
