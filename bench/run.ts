/**
 * `npm run bench [-- --only exchange,gateway] [--per-exchange 250000] [--gateway-per-exchange 20000] ...`
 *
 * Runs the selected suites one after the other (default: all), each starting its own processes, and
 * writes bench/RESULTS.md: machine info, then per suite its tables and the targets with pass/fail. The
 * tables are printed too. Every process started and every temporary file is removed at the end, also
 * on failure or Ctrl-C. `--help` lists every suite's flags.
 *
 * To add a suite: a module under bench/suites/ exporting a Suite (bench/lib/suite.ts), added to SUITES.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { mergeSuiteSections } from './mergeResults.ts';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { machineInfo, loadAverageText } from './lib/machine.ts';
import { markdownTable, passFail } from './lib/markdown.ts';
import { BenchResources } from './lib/stack.ts';
import type { Suite, SuiteFlag, SuiteReport } from './lib/suite.ts';
import { exchangeSpeedSuite } from './suites/exchangeSpeed.ts';
import { gatewayThroughputSuite } from './suites/gatewayThroughput.ts';
import { cacheThroughputSuite } from './suites/cacheThroughput.ts';
import { scaleOutSuite } from './suites/scaleOut.ts';
import { rateLimitCostSuite } from './suites/rateLimitCost.ts';
import { fastPathsSuite } from './suites/fastPaths.ts';
import { scaleSuite } from './suites/scale.ts';
import { soakSuite } from './suites/soak.ts';
import { livePricesSuite } from './suites/livePrices.ts';
import { exportSpeedSuite } from './suites/exportSpeed.ts';

const SUITES: Suite[] = [
  exchangeSpeedSuite,
  gatewayThroughputSuite,
  cacheThroughputSuite,
  scaleOutSuite,
  rateLimitCostSuite,
  fastPathsSuite,
  scaleSuite,
  soakSuite,
  livePricesSuite,
  exportSpeedSuite,
];

const DEFAULT_OUT = fileURLToPath(new URL('./RESULTS.md', import.meta.url));

const COMMON_FLAGS: Record<string, SuiteFlag> = {
  only: {
    default: SUITES.filter((s) => !s.optIn)
      .map((s) => s.name)
      .join(','),
    description: `suites to run, comma-separated (${SUITES.map((s) => s.name).join(', ')}; soak and scale only when named)`,
  },
  out: { default: DEFAULT_OUT, description: 'where to write the results (markdown)' },
  merge: { default: 'false', description: "true: replace only the run suites' sections of --out, keep the others" },
};

function allFlags(): Record<string, SuiteFlag> {
  const flags: Record<string, SuiteFlag> = { ...COMMON_FLAGS };
  for (const suite of SUITES) {
    for (const [name, flag] of Object.entries(suite.flags)) {
      if (flags[name] && flags[name].default !== flag.default) throw new Error(`flag --${name} is declared twice with different defaults`);
      flags[name] ??= flag;
    }
  }
  return flags;
}

function usage(flags: Record<string, SuiteFlag>): string {
  return `usage: npm run bench -- [flags]\n${Object.entries(flags)
    .map(([name, f]) => `  --${name.padEnd(22)} ${f.description} (default: ${f.default || 'none'})`)
    .join('\n')}`;
}

interface SuiteOutcome {
  suite: Suite;
  report?: SuiteReport;
  error?: string;
  seconds: number;
}

function renderSuite(outcome: SuiteOutcome, heading = '##'): string {
  const { suite, report, error } = outcome;
  const parts = [`${heading} ${suite.title}`, `_suite \`${suite.name}\`, ${outcome.seconds.toFixed(0)} s_`];
  if (error) parts.push(`**The suite failed:**\n\n\`\`\`\n${error}\n\`\`\``);
  if (report) {
    for (const section of report.sections) {
      parts.push(`${heading}# ${section.title}`);
      if (section.table) parts.push(markdownTable(section.table));
      if (section.text) parts.push(section.text);
    }
    if (report.targets.length) {
      parts.push(`${heading}# Targets`);
      parts.push(
        markdownTable({
          headers: ['what', 'measured', 'target', 'result'],
          rows: report.targets.map((t) => [t.what, t.value, t.target, passFail(t.pass)]),
        }),
      );
    }
    if (report.details?.length) {
      parts.push(`${heading}# Details of misses`);
      parts.push(...report.details);
    }
  }
  return parts.join('\n\n');
}

async function main(): Promise<number> {
  const declared = allFlags();
  const { values } = parseArgs({
    args: process.argv.slice(2),
    options: { ...Object.fromEntries(Object.keys(declared).map((name) => [name, { type: 'string' as const }])), help: { type: 'boolean', short: 'h' } },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) {
    console.log(usage(declared));
    return 0;
  }
  const flags = Object.fromEntries(
    Object.entries(declared).map(([name, f]) => [name, ((values as Record<string, unknown>)[name] as string | undefined) ?? f.default]),
  );
  const only = flags.only
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const unknown = only.filter((name) => !SUITES.some((s) => s.name === name));
  if (unknown.length || only.length === 0) {
    console.error(`bench: --only must name suites among ${SUITES.map((s) => s.name).join(', ')}, got ${JSON.stringify(flags.only)}\n${usage(declared)}`);
    return 2;
  }
  if (flags.merge !== 'true' && flags.merge !== 'false') {
    console.error(`bench: --merge must be true or false, got ${JSON.stringify(flags.merge)}`);
    return 2;
  }
  const selected = SUITES.filter((s) => only.includes(s.name));

  const machine = machineInfo();
  const started = performance.now();
  const resources = new BenchResources();
  const onSignal = (signal: NodeJS.Signals) => {
    console.error(`bench: ${signal}, stopping every process started ...`);
    void resources.cleanup().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  const outcomes: SuiteOutcome[] = [];
  try {
    for (const suite of selected) {
      const suiteStarted = performance.now();
      console.log(`\n== ${suite.title} (load average ${loadAverageText()})`);
      try {
        const report = await suite.run({ resources, flags, log: (m) => console.log(m) });
        outcomes.push({ suite, report, seconds: (performance.now() - suiteStarted) / 1000 });
      } catch (err) {
        const error = err instanceof Error ? (err.stack ?? err.message) : String(err);
        console.error(`bench: suite ${suite.name} failed: ${error}`);
        outcomes.push({ suite, error, seconds: (performance.now() - suiteStarted) / 1000 });
      }
    }
  } finally {
    await resources.cleanup();
  }

  const header = [
    '# Benchmark results',
    `Written by \`npm run bench\` (bench/run.ts). The machine is shared and noisy: compare figures of the same run, and read ratios rather than absolute numbers.`,
    markdownTable({
      headers: ['machine', ''],
      rows: [
        ['date', machine.date],
        ['node', machine.node],
        ['cores', `${machine.cores} (${machine.cpuModel})`],
        ['memory', `${machine.memoryGiB} GiB`],
        ['platform', machine.platform],
        ['load average at start (1/5/15 min)', loadAverageText(machine.loadAverage)],
        ['load average at end', loadAverageText()],
        ['command', `npm run bench -- ${process.argv.slice(2).join(' ')}`.trim()],
        ['total time', `${((performance.now() - started) / 1000).toFixed(0)} s`],
      ],
      align: ['left', 'left'],
    }),
  ].join('\n\n');
  let markdown = `${[header, ...outcomes.map((o) => renderSuite(o))].join('\n\n')}\n`;
  if (flags.merge === 'true' && existsSync(flags.out)) {
    // The file's header describes another run: each merged section says its own date, load and command.
    const run = `_run ${machine.date}, load average ${loadAverageText(machine.loadAverage)} at start, ${loadAverageText()} at end: \`npm run bench -- ${process.argv.slice(2).join(' ')}\`_`;
    markdown = mergeSuiteSections(
      readFileSync(flags.out, 'utf8'),
      outcomes.map((o) => ({ title: o.suite.title, markdown: renderSuite(o).replace('\n\n', `\n\n${run}\n\n`) })),
    );
  }
  writeFileSync(flags.out, markdown);
  console.log(`\n${markdown}`);
  console.log(`bench: wrote ${flags.out}`);
  return outcomes.some((o) => o.error) ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
