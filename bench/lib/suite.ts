/**
 * What a benchmark suite is. run.ts holds the list of suites; a new one (a cache suite, say) is a
 * module under bench/suites/ exporting a Suite, added to that list.
 */
import type { BenchResources } from './stack.ts';
import type { Table } from './markdown.ts';

/** A command-line flag a suite reads (always a string; the suite parses it). */
export interface SuiteFlag {
  default: string;
  description: string;
}

export interface SuiteContext {
  resources: BenchResources;
  /** Every flag of every suite, parsed, with defaults filled in. */
  flags: Record<string, string>;
  log(message: string): void;
}

/** A measured figure with its target. `pass` is null when the target does not apply (e.g. a smaller catalog). */
export interface TargetCheck {
  what: string;
  value: string;
  target: string;
  pass: boolean | null;
}

export interface SuiteSection {
  title: string;
  table?: Table;
  /** Markdown shown under the table. */
  text?: string;
}

export interface SuiteReport {
  sections: SuiteSection[];
  targets: TargetCheck[];
  /** Markdown details kept at the end of the suite's part of RESULTS.md (plans of missed targets...). */
  details?: string[];
}

export interface Suite {
  /** Used by --only. */
  name: string;
  title: string;
  flags: Record<string, SuiteFlag>;
  /** Runs only when named in --only (a long suite: the soak's five minutes, the scale suite's million listings). */
  optIn?: boolean;
  run(context: SuiteContext): Promise<SuiteReport>;
}

export function intFlag(flags: Record<string, string>, name: string, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  const value = Number(flags[name]);
  if (!Number.isInteger(value) || value < min || value > max)
    throw new Error(`--${name} must be an integer from ${min} to ${max}, got ${JSON.stringify(flags[name])}`);
  return value;
}
