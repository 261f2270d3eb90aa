// The kit as a library: the registry (and CI scripts) call runConformance and read the report.
export { runConformance, optionProblems, CHECKS, DEFAULT_BUDGETS, DEFAULT_REQUEST_TIMEOUT_MS } from './runConformance.ts';
export { printReport } from './printReport.ts';
export { checkContract, CONTRACT_SDL } from './contractCheck.ts';
export type { CheckResult, CheckStatus, ConformanceOptions, ConformanceProfile, ConformanceReport } from './report.ts';
