import { CheckContext } from './CheckContext.ts';
import { SORTS } from './contractOrder.ts';
import { BudgetExhausted, CheckFailure, GraphQLClient } from './GraphQLClient.ts';
import { DEFAULT_BUDGETS, type CheckResult, type ConformanceOptions, type ConformanceProfile, type ConformanceReport } from './report.ts';
import { checkBadInput } from './checks/badInputCheck.ts';
import { checkVersionHeader, checkVersionMoves } from './checks/catalogVersionChecks.ts';
import { checkEntities } from './checks/entitiesCheck.ts';
import { checkFilters, checkTextSearch } from './checks/filterChecks.ts';
import { checkPriceStats } from './checks/priceStatsCheck.ts';
import { checkProviderListingCounts } from './checks/providerListingCountsCheck.ts';
import { checkCatalogSummary } from './checks/catalogSummaryCheck.ts';
import { checkDatasetRows } from './checks/datasetRowsCheck.ts';
import { checkIdPrefix, checkSdl } from './checks/sdlCheck.ts';
import { checkPaging, checkSort, checkTotalCount } from './checks/sortChecks.ts';

export type { CheckResult, ConformanceOptions, ConformanceReport } from './report.ts';
export { DEFAULT_BUDGETS } from './report.ts';

export const DEFAULT_REQUEST_TIMEOUT_MS = 15_000;

interface Check {
  name: string;
  profiles: ConformanceProfile[];
  /** Runs after the others (it judges what they saw) but is listed in this place. */
  last?: boolean;
  run(ctx: CheckContext): Promise<'skip' | void>;
}

const BOTH: ConformanceProfile[] = ['full', 'registration'];

/** The checks, in the order of the report. */
export const CHECKS: Check[] = [
  { name: 'sdl implements the contract', profiles: ['full'], run: checkSdl },
  { name: 'ids carry the exchange prefix', profiles: BOTH, last: true, run: checkIdPrefix },
  ...SORTS.map((sort): Check => ({ name: `sort ${sort}`, profiles: BOTH, run: (ctx) => checkSort(ctx, sort) })),
  { name: 'totalCount', profiles: BOTH, run: checkTotalCount },
  { name: 'paging edges', profiles: ['full'], run: checkPaging },
  { name: 'filters', profiles: ['full'], run: checkFilters },
  { name: 'text search', profiles: ['full'], run: checkTextSearch },
  { name: 'priceStats', profiles: ['full'], run: checkPriceStats },
  { name: 'providerListingCounts', profiles: ['full'], run: checkProviderListingCounts },
  { name: 'catalogSummary', profiles: ['full'], run: checkCatalogSummary },
  { name: 'datasetRows', profiles: BOTH, run: checkDatasetRows },
  { name: '_entities', profiles: ['full'], run: checkEntities },
  { name: 'catalog version header', profiles: BOTH, run: checkVersionHeader },
  { name: 'catalog version moves', profiles: ['full'], run: checkVersionMoves },
  { name: 'bad input', profiles: ['full'], run: checkBadInput },
];

/**
 * Runs the conformance checks against a live exchange subgraph and reports each one. Never throws for
 * a problem of the exchange (unreachable, errors, wrong answers): those are failed checks. Read-only
 * unless `adminToken` is given. Bounded: stops sending at maxRequests or timeBudgetMs, and the checks
 * it could not finish are skipped, which makes the report not ok.
 */
export async function runConformance(options: ConformanceOptions): Promise<ConformanceReport> {
  const problems = optionProblems(options);
  if (problems.length > 0) throw new TypeError(`runConformance: ${problems.join('; ')}`);
  const budget = DEFAULT_BUDGETS[options.profile];
  const client = new GraphQLClient({
    url: options.url,
    maxRequests: options.maxRequests ?? budget.maxRequests,
    timeBudgetMs: options.timeBudgetMs ?? budget.timeBudgetMs,
    requestTimeoutMs: options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
    fetch: options.fetch ?? fetch,
  });
  const ctx = new CheckContext(client, options.id, options.profile, { url: options.url, adminToken: options.adminToken });
  const started = Date.now();
  const checks = CHECKS.filter((c) => c.profiles.includes(options.profile));
  const results = new Map<Check, CheckResult>();
  let budgetExhausted = false;
  for (const check of [...checks.filter((c) => !c.last), ...checks.filter((c) => c.last)]) {
    const requestsBefore = client.requests;
    const checkStarted = Date.now();
    const result: CheckResult = { name: check.name, status: 'pass', requests: 0, ms: 0 };
    try {
      if ((await check.run(ctx)) === 'skip') {
        result.status = 'skip';
        result.reason = 'needs the exchange admin token (--admin-token): the kit changes one price and puts it back';
      }
    } catch (err) {
      if (err instanceof BudgetExhausted) {
        budgetExhausted = true;
        result.status = 'skip';
        result.reason = `${err.message}; raise --max-requests or --time-budget-ms`;
      } else if (err instanceof CheckFailure) {
        result.status = 'fail';
        result.counterexample = err.message;
      } else {
        result.status = 'fail';
        result.counterexample = `unexpected answer: ${(err as Error)?.message ?? String(err)}`;
      }
    }
    result.requests = client.requests - requestsBefore;
    result.ms = Date.now() - checkStarted;
    results.set(check, result);
  }
  const ordered = checks.map((c) => results.get(c)!);
  return {
    ok: !budgetExhausted && ordered.every((r) => r.status !== 'fail'),
    url: options.url,
    id: options.id,
    profile: options.profile,
    checks: ordered,
    requests: client.requests,
    ms: Date.now() - started,
    budgetExhausted,
  };
}

/** Every problem with the options, each naming the option and the rule. */
export function optionProblems(options: Partial<ConformanceOptions>): string[] {
  const problems: string[] = [];
  let url: URL | null = null;
  try {
    url = new URL(String(options.url ?? ''));
  } catch {
    problems.push(`url: must be an http or https URL of the exchange's GraphQL endpoint, got ${JSON.stringify(options.url ?? '')}`);
  }
  if (url && url.protocol !== 'http:' && url.protocol !== 'https:') problems.push(`url: must be http or https, got ${JSON.stringify(options.url)}`);
  if (typeof options.id !== 'string' || !/^[a-z]{2,8}$/.test(options.id))
    problems.push(`id: must be the exchange code, 2 to 8 lowercase letters (e.g. "sh"), got ${JSON.stringify(options.id ?? '')}`);
  if (options.profile !== 'full' && options.profile !== 'registration')
    problems.push(`profile: must be "full" or "registration", got ${JSON.stringify(options.profile)}`);
  for (const name of ['maxRequests', 'timeBudgetMs', 'requestTimeoutMs'] as const) {
    const value = options[name];
    if (value !== undefined && (!Number.isInteger(value) || value < 1)) problems.push(`${name}: must be a positive integer, got ${JSON.stringify(value)}`);
  }
  return problems;
}
