/**
 * `exchange-conformance --url <exchange graphql url> --id <code> [--admin-token T] [--json]
 *  [--max-requests N] [--time-budget-ms N] [--profile full|registration]`
 * Prints the table (or, with --json, the report); exits 0 when the exchange conforms, 1 when it does
 * not, 2 for bad arguments.
 */
import { parseArgs } from 'node:util';
import { printReport } from './printReport.ts';
import { optionProblems, runConformance } from './runConformance.ts';
import type { ConformanceOptions } from './report.ts';

const USAGE =
  'usage: exchange-conformance --url <exchange graphql url> --id <code> [--admin-token T] [--json] [--max-requests N] [--time-budget-ms N] [--profile full|registration]';

/** A positive integer flag; a bad one is added to `problems` (and left out of the options). */
function integer(flag: string, text: string | undefined, problems: string[]): number | undefined {
  if (text === undefined) return undefined;
  if (/^\d+$/.test(text) && Number(text) >= 1) return Number(text);
  problems.push(`--${flag}: must be a positive integer, got ${JSON.stringify(text)}`);
  return undefined;
}

async function main(): Promise<number> {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: process.argv.slice(2),
      options: {
        url: { type: 'string' },
        id: { type: 'string' },
        'admin-token': { type: 'string' },
        json: { type: 'boolean' },
        'max-requests': { type: 'string' },
        'time-budget-ms': { type: 'string' },
        profile: { type: 'string' },
        help: { type: 'boolean' },
      },
      strict: true,
    }));
  } catch (err) {
    console.error(`${(err as Error).message}\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const problems: string[] = [];
  const options: ConformanceOptions = {
    url: values.url as string,
    id: values.id as string,
    profile: ((values.profile as string | undefined) ?? 'full') as ConformanceOptions['profile'],
    adminToken: (values['admin-token'] as string | undefined) ?? (process.env.CONFORMANCE_ADMIN_TOKEN || undefined),
    maxRequests: integer('max-requests', values['max-requests'] as string | undefined, problems),
    timeBudgetMs: integer('time-budget-ms', values['time-budget-ms'] as string | undefined, problems),
  };
  problems.push(
    ...optionProblems(options).map((p) => `--${p.replace(/^(\w+):/, (_, name: string) => `${name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}:`)}`),
  );
  if (problems.length > 0) {
    console.error(`${problems.join('\n')}\n${USAGE}`);
    return 2;
  }
  const report = await runConformance(options);
  console.log(values.json ? JSON.stringify(report, null, 2) : printReport(report));
  return report.ok ? 0 : 1;
}

process.exitCode = await main();
