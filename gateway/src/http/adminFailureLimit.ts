import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Cache } from '../cache/Cache.ts';
import { createRateLimiter, type SharedLimiter } from '../cache/costBudgets.ts';
import { clientAddress } from './clientAddress.ts';
import { sendRefusal, singleProblem } from './adminRefusal.ts';

/** Failed admin authentications per client IP and minute before /admin answers 429 to that IP. */
export const DEFAULT_ADMIN_AUTH_FAILURES_PER_MIN = 20;

/**
 * Against token guessing: each failed admin authentication (missing or unknown bearer token) counts for its
 * IP; past `failuresPerMin` in a minute, that IP's admin requests are refused (429) until the minute ends,
 * before any token is compared. Shared by the replicas through Redis, like the public budgets.
 */
export class AdminFailureLimit {
  private readonly limiter: SharedLimiter;

  constructor(
    cache: Cache,
    private readonly settings: { failuresPerMin: number; trustProxyHops: number },
  ) {
    this.limiter = createRateLimiter(cache, { name: 'adminfail', points: settings.failuresPerMin, durationSeconds: 60 });
  }

  /** False when the IP is blocked (the 429 has been sent). */
  async allows(req: IncomingMessage, res: ServerResponse): Promise<boolean> {
    const state = await this.limiter.get(this.ip(req)).catch(() => null);
    if (!state || state.consumedPoints < this.settings.failuresPerMin) return true;
    const retryAfter = Math.max(1, Math.ceil(state.msBeforeNext / 1000));
    sendRefusal(
      res,
      429,
      singleProblem('TOO_MANY_FAILURES', {
        field: 'authorization',
        rule: 'failed-attempts',
        message: `authorization: more than ${this.settings.failuresPerMin} failed admin authentications from this address in a minute (ADMIN_AUTH_FAILURES_PER_MIN); try again in ${retryAfter} s`,
      }),
      { 'retry-after': String(retryAfter) },
    );
    return false;
  }

  async failed(req: IncomingMessage): Promise<void> {
    await this.limiter.consume(this.ip(req), 1).catch(() => {});
  }

  private ip(req: IncomingMessage): string {
    return clientAddress(req, this.settings.trustProxyHops);
  }
}
