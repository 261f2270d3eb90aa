import type { IncomingMessage, ServerResponse } from 'node:http';
import { sendJson } from '../../../shared/http/apolloHandler.ts';
import type { ApiKeys } from '../registry/ApiKeys.ts';
import { sendRefusal, singleProblem } from './adminRefusal.ts';

const MAX_NAME_LENGTH = 200;
/** A key's budget may not exceed this (cost units per minute): beyond it, a typo more likely than a need. */
export const MAX_KEY_COST_PER_MIN = 1_000_000_000;

/**
 * POST /admin/keys `{ "name": "...", "costPerMin"?: n }` (operator only): a researcher's key, shown once,
 * with its own budget (default RATE_LIMIT_KEY_COST_PER_MIN).
 */
export async function issueApiKey(
  _req: IncomingMessage,
  res: ServerResponse,
  context: { apiKeys: ApiKeys; keyCostPerMin: number },
  body: unknown,
): Promise<void> {
  if (body === undefined) return; // the body's refusal has been sent
  const { name, costPerMin } = (typeof body === 'object' && body !== null ? body : {}) as { name?: unknown; costPerMin?: unknown };
  if (typeof name !== 'string' || name.trim() === '' || name.length > MAX_NAME_LENGTH || /\p{Cc}/u.test(name)) {
    return sendRefusal(
      res,
      400,
      singleProblem('BAD_REQUEST', {
        field: 'name',
        rule: 'key-name',
        message: `name: must say who the key is for, 1 to ${MAX_NAME_LENGTH} characters without control characters, got ${JSON.stringify(name ?? null)}`,
      }),
    );
  }
  if (costPerMin !== undefined && !(Number.isSafeInteger(costPerMin) && (costPerMin as number) >= 1 && (costPerMin as number) <= MAX_KEY_COST_PER_MIN)) {
    return sendRefusal(
      res,
      400,
      singleProblem('BAD_REQUEST', {
        field: 'costPerMin',
        rule: 'budget',
        message: `costPerMin: must be an integer from 1 to ${MAX_KEY_COST_PER_MIN} (query-cost units per minute), got ${JSON.stringify(costPerMin)}`,
      }),
    );
  }
  const { key, info } = await context.apiKeys.issue({ name: name.trim(), costPerMin: (costPerMin as number | undefined) ?? context.keyCostPerMin });
  sendJson(res, 201, { ...info, key });
}
