import { runConformance, DEFAULT_BUDGETS, type ConformanceReport } from '../../../conformance/index.ts';
import { guardedFetch } from '../exchangeClient/guardedFetch.ts';
import type { HostAllowlist } from '../exchangeClient/hostAllowlist.ts';

/** The registration subset's time budget (REGISTRATION_CONFORMANCE_BUDGET_MS): the kit's own default, 15 s. */
export const DEFAULT_REGISTRATION_CONFORMANCE_BUDGET_MS = DEFAULT_BUDGETS.registration.timeBudgetMs;
/** Largest answer the subset reads (a page of 20 listings is a few KiB). */
export const DEFAULT_CONFORMANCE_MAX_BYTES = 1024 * 1024;

export interface RegistrationConformanceOptions {
  allowlist: HostAllowlist;
  /** The whole run. Default DEFAULT_REGISTRATION_CONFORMANCE_BUDGET_MS. */
  timeBudgetMs?: number;
  /** One request. */
  requestTimeoutMs: number;
}

export type ConformanceVerdict = { ok: true; report: ConformanceReport } | { ok: false; problems: string[]; report: ConformanceReport; unreachable: boolean };

/**
 * Runs the conformance kit's registration profile (ids prefixed, two pages per sort in order, totalCount
 * agreeing, the version header: about 17 requests) against an exchange whose URL passed the URL guard and
 * whose schema passed the SDL check. The kit's requests go through guardedFetch: the registered origin
 * only, the allow-list's address rule at every connect, no redirects, a capped body. Never throws.
 */
export async function checkRegistrationConformance(url: URL, exchange: string, options: RegistrationConformanceOptions): Promise<ConformanceVerdict> {
  const guarded = guardedFetch({ url, allowlist: options.allowlist, maxBytes: DEFAULT_CONFORMANCE_MAX_BYTES });
  let report: ConformanceReport;
  try {
    report = await runConformance({
      url: url.href,
      id: exchange,
      profile: 'registration',
      timeBudgetMs: options.timeBudgetMs ?? DEFAULT_REGISTRATION_CONFORMANCE_BUDGET_MS,
      requestTimeoutMs: options.requestTimeoutMs,
      fetch: guarded.fetch,
    });
  } finally {
    await guarded.close();
  }
  if (report.ok) return { ok: true, report };
  const problems = report.checks
    .filter((check) => check.status !== 'pass')
    .map((check) =>
      check.status === 'fail'
        ? `url: the exchange fails the conformance check "${check.name}": ${check.counterexample}`
        : `url: the conformance check "${check.name}" did not finish: ${check.reason}`,
    );
  // An exchange that stopped answering (or answers slowly) mid-run says nothing about its behaviour:
  // a configured exchange registers anyway and starts OFFLINE, as when it is down at start.
  const failed = report.checks.filter((check) => check.status === 'fail');
  const unreachable = report.budgetExhausted || (failed.length > 0 && failed.every((check) => check.counterexample?.startsWith(`POST ${url.href}:`)));
  return { ok: false, problems, report, unreachable };
}
