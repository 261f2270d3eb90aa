import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import type { Cache, RateLimitStore } from './Cache.ts';

/** What the budgets and the admin failure limit ask of a limiter. */
export interface SharedLimiter {
  /** Resolves when allowed; rejects with a RateLimiterRes when over the limit. */
  consume(key: string, points: number): Promise<RateLimiterRes>;
  get(key: string): Promise<RateLimiterRes | null>;
}

/**
 * A rate-limiter-flexible limiter on the gateway's store: shared by every replica through Redis, with a
 * per-replica in-memory limiter at the same limits counting instead while Redis does not answer; in memory
 * only without Redis. Every Redis call goes through the store's `run` (the cache's circuit breaker and
 * command timeout): a Redis that hangs costs a call at most that timeout, and none once the breaker is open.
 */
export function createRateLimiter(cache: Cache, options: { name: string; points: number; durationSeconds: number }): SharedLimiter {
  const memory = new RateLimiterMemory({ keyPrefix: options.name, points: options.points, duration: options.durationSeconds });
  const store = cache.rateLimitStore?.();
  if (!store) return memory;
  const redis = new RateLimiterRedis({
    storeClient: store.client,
    keyPrefix: `${store.keyPrefix}:${options.name}`,
    points: options.points,
    duration: options.durationSeconds,
  });
  return {
    consume: (key, points) =>
      inStoreOrMemory(
        store,
        'rate limit',
        () => redis.consume(key, points),
        () => memory.consume(key, points),
      ),
    get: (key) =>
      inStoreOrMemory(
        store,
        'rate limit read',
        () => redis.get(key),
        () => memory.get(key),
      ),
  };
}

/** `viaRedis` through the store, or `viaMemory` when Redis did not answer; a refusal Redis gave is thrown as it came. */
async function inStoreOrMemory<T>(store: RateLimitStore, operation: string, viaRedis: () => Promise<T>, viaMemory: () => Promise<T>): Promise<T> {
  const outcome = await store.run(operation, () =>
    viaRedis().then(
      (value) => ({ value }),
      (err: unknown) => {
        if (err instanceof RateLimiterRes) return { refusal: err };
        throw err;
      },
    ),
  );
  if (!outcome.ok) return viaMemory();
  if ('refusal' in outcome.value) throw outcome.value.refusal;
  return outcome.value.value;
}

export interface BudgetDecision {
  allowed: boolean;
  /** The budget per window. */
  limit: number;
  /** What is left of it (this replica's view). */
  remaining: number;
  /** Seconds until the window restarts. */
  resetSeconds: number;
}

export interface CostBudgetsOptions {
  /** The window of every budget. Default 60 s. */
  windowSeconds?: number;
  /** The share of a budget a replica takes from the store at once. Default 0.05. */
  leaseShare?: number;
}

interface Lease {
  /** Taken from the store and not spent yet. */
  left: number;
  /** The store's count after the last lease (every replica's leases). */
  consumedInStore: number;
  windowEndsAt: number;
  blockedUntil: number;
  inFlight?: Promise<void>;
}

const MAX_LEASES = 50_000;

/**
 * Budgets in query cost per client and window, spent without a Redis round trip per request: a replica
 * takes a lease (5% of the budget, or the request's cost if larger) from the shared counter and spends it
 * locally, going back to the store only when the lease runs out. The store's counter is therefore never
 * over the budget by more than one refused lease; what a client can be refused early is the unspent part
 * of the other replicas' leases (at most leaseShare of the budget per replica). docs/rate-limits.md.
 */
export class CostBudgets {
  private readonly limiters = new Map<number, SharedLimiter>();
  private readonly leases = new Map<string, Lease>();
  private readonly windowSeconds: number;
  private readonly leaseShare: number;

  constructor(
    private readonly cache: Cache,
    options: CostBudgetsOptions = {},
  ) {
    this.windowSeconds = options.windowSeconds ?? 60;
    this.leaseShare = options.leaseShare ?? 0.05;
  }

  /** The refusal a client still has to wait out, without spending: for routes whose cost is known later. */
  blocked(client: string, limit: number, now = Date.now()): BudgetDecision | null {
    const lease = this.leases.get(client);
    return lease && lease.blockedUntil > now ? this.decision(false, limit, lease, now) : null;
  }

  /**
   * The decision when this replica can make it without the store (a lease that covers the cost, or a
   * refusal still running); null when a lease has to be taken (then `spend`). Lets a response-cache hit
   * spend without a promise.
   */
  spendNow(client: string, limit: number, cost: number, now = Date.now()): BudgetDecision | null {
    const lease = this.leases.get(client);
    if (!lease || lease.inFlight || lease.windowEndsAt <= now) return null;
    if (lease.blockedUntil > now) return this.decision(false, limit, lease, now);
    if (lease.left < cost) return null;
    lease.left -= cost;
    return this.decision(true, limit, lease, now);
  }

  async spend(client: string, limit: number, cost: number, now = Date.now()): Promise<BudgetDecision> {
    for (;;) {
      let lease = this.leases.get(client);
      if (lease && lease.windowEndsAt <= now && !lease.inFlight) {
        this.leases.delete(client);
        lease = undefined;
      }
      if (lease && lease.blockedUntil > now) return this.decision(false, limit, lease, now);
      if (lease && lease.left >= cost) {
        lease.left -= cost;
        return this.decision(true, limit, lease, now);
      }
      if (lease?.inFlight) {
        await lease.inFlight;
        now = Date.now();
        continue;
      }
      return this.takeLease(client, limit, cost, lease);
    }
  }

  private async takeLease(client: string, limit: number, cost: number, previous: Lease | undefined): Promise<BudgetDecision> {
    if (this.leases.size >= MAX_LEASES) this.prune(Date.now());
    const lease: Lease = previous ?? { left: 0, consumedInStore: 0, windowEndsAt: Infinity, blockedUntil: 0 };
    this.leases.set(client, lease);
    const needed = cost - lease.left;
    // Never lease past what the store said was left, so a lease does not by itself use up the budget.
    const size = Math.max(needed, Math.min(Math.ceil(limit * this.leaseShare), limit - lease.consumedInStore - lease.left));
    let allowed = false;
    let settle!: () => void;
    lease.inFlight = new Promise<void>((resolve) => (settle = resolve));
    try {
      const result = await this.limiter(limit).consume(client, size);
      lease.left += size - cost;
      lease.consumedInStore = result.consumedPoints;
      lease.windowEndsAt = Date.now() + result.msBeforeNext;
      allowed = true;
    } catch (err) {
      if (!(err instanceof RateLimiterRes)) throw err;
      lease.consumedInStore = err.consumedPoints;
      lease.windowEndsAt = Date.now() + err.msBeforeNext;
      lease.blockedUntil = lease.windowEndsAt;
    } finally {
      lease.inFlight = undefined;
      settle();
    }
    return this.decision(allowed, limit, lease, Date.now());
  }

  private decision(allowed: boolean, limit: number, lease: Lease, now: number): BudgetDecision {
    const remaining = allowed ? Math.max(0, limit - lease.consumedInStore + lease.left) : 0;
    const resetSeconds = Number.isFinite(lease.windowEndsAt) ? Math.max(1, Math.ceil((lease.windowEndsAt - now) / 1000)) : this.windowSeconds;
    return { allowed, limit, remaining, resetSeconds };
  }

  private limiter(points: number): SharedLimiter {
    let limiter = this.limiters.get(points);
    if (!limiter) this.limiters.set(points, (limiter = createRateLimiter(this.cache, { name: `cost${points}`, points, durationSeconds: this.windowSeconds })));
    return limiter;
  }

  private prune(now: number): void {
    for (const [client, lease] of this.leases) if (lease.windowEndsAt <= now && !lease.inFlight) this.leases.delete(client);
    if (this.leases.size >= MAX_LEASES) this.leases.clear();
  }
}
