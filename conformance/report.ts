/** What `runConformance` takes and returns: the kit's public types. */

export type ConformanceProfile = 'full' | 'registration';

export interface ConformanceOptions {
  /** The exchange's GraphQL endpoint, e.g. `http://127.0.0.1:4012/graphql`. */
  url: string;
  /** The exchange code every dataset id must start with (`sh` for `sh:ds-000123`). */
  id: string;
  /** `full` runs every check; `registration` the short subset the gateway runs when an exchange registers. */
  profile: ConformanceProfile;
  /** The exchange's EXCHANGE_ADMIN_TOKEN. Without it the kit only reads; with it, it changes one price and restores it. */
  adminToken?: string;
  /** Most requests the whole run may send. Default 2 000 (full), 200 (registration). */
  maxRequests?: number;
  /** Longest the whole run may take. Default 60 000 ms (full), 15 000 ms (registration). */
  timeBudgetMs?: number;
  /** Longest one request may take. Default 15 000 ms. */
  requestTimeoutMs?: number;
  /** The fetch to use (a registry may pass its own, with its URL guard). Default the global fetch. */
  fetch?: typeof fetch;
}

export type CheckStatus = 'pass' | 'fail' | 'skip';

export interface CheckResult {
  name: string;
  status: CheckStatus;
  /** For a failure: the first counterexample found, e.g. `sh:ds-000012 appears twice: at 5 and 21`. */
  counterexample?: string;
  /** For a skip: why the check did not run (no admin token, the budget ran out). */
  reason?: string;
  /** Requests this check sent. */
  requests: number;
  ms: number;
}

export interface ConformanceReport {
  /** True when no check failed and the budget did not cut any check short. */
  ok: boolean;
  url: string;
  id: string;
  profile: ConformanceProfile;
  checks: CheckResult[];
  requests: number;
  ms: number;
  /** True when a check stopped because the run reached maxRequests or timeBudgetMs. */
  budgetExhausted: boolean;
}

export const DEFAULT_BUDGETS: Record<ConformanceProfile, { maxRequests: number; timeBudgetMs: number }> = {
  full: { maxRequests: 2000, timeBudgetMs: 60_000 },
  registration: { maxRequests: 200, timeBudgetMs: 15_000 },
};
