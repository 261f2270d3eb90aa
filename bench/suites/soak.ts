/**
 * Soak with faults (devkit/soak/runSoak.ts): mixed load at a fixed rate for five minutes while an exchange
 * is killed and restarted, another hangs for 10 s, Redis is stopped (SIGSTOP) and resumed, and an exchange
 * registers and is removed. Reports per phase the requests, 5xx, wrong answers and p99, and the gateway's
 * RSS from minute 1 to the end. test/e2e/soak.e2e.ts runs the same for 60 s.
 */
import { ms } from '../lib/stats.ts';
import { codeBlock } from '../lib/markdown.ts';
import { intFlag, type Suite, type SuiteContext, type SuiteReport } from '../lib/suite.ts';
import { runSoak, type PhaseFigures } from '../../devkit/soak/runSoak.ts';

export const soakSuite: Suite = {
  name: 'soak',
  title: 'Soak with faults (mixed load at a fixed rate; an exchange killed, one hung, Redis stopped, one registered and removed)',
  optIn: true,
  flags: {
    'soak-seconds': { default: '300', description: 'how long the soak runs (at least 60)' },
    'soak-rate': { default: '10', description: 'requests started per second during the soak' },
    'soak-per-exchange': { default: '2000', description: 'listings seeded per exchange for the soak' },
  },
  run: runSoakSuite,
};

function row(f: PhaseFigures): string[] {
  return [f.phase, String(f.requests), String(f.http5xx), String(f.wrong), String(f.noAnswer), String(f.partial), ms(f.p50Ms), ms(f.p99Ms), ms(f.maxMs)];
}

async function runSoakSuite({ flags, log }: SuiteContext): Promise<SuiteReport> {
  const seconds = intFlag(flags, 'soak-seconds', 60, 3600);
  const rate = intFlag(flags, 'soak-rate', 1, 200);
  const perExchange = intFlag(flags, 'soak-per-exchange', 100, 250_000);
  const result = await runSoak({ durationMs: seconds * 1000, ratePerSecond: rate, perExchange, log });
  const { total, rss } = result;
  return {
    sections: [
      {
        title: `Per phase (${rate} requests/s for ${seconds} s, 4 × ${perExchange.toLocaleString('en')} listings, Redis of its own)`,
        table: {
          headers: ['phase', 'requests', '5xx', 'wrong', 'no answer', 'naming a missing exchange', 'p50 ms', 'p99 ms', 'max ms'],
          rows: [...result.phases.map(row), row(total)],
        },
        text: [
          "Mix: text search sorted by price with provider and exchange joins (3), priceStatistics by exchange and category (2), deep pages 5 and 10 of 50 (2), listings of a category with provider and exchange (3); variants drawn at random, open loop. Every answer is checked: counts and statistics against each exchange's SQLite read directly (text-search counts against each exchange's subgraph asked directly), every node against its row, order; an answer naming an exchange in `missingExchanges` is right when the rest is right without it.",
          `Gateway RSS: ${rss.baselineMb.toFixed(0)} MB at ${rss.baselineAtS} s, ${rss.endMb.toFixed(0)} MB at the end (${rss.growthPct.toFixed(1)}%).`,
          `Events:\n\n${codeBlock(result.events.join('\n'))}`,
          result.wrongSamples.length ? `Wrong answers (first ${result.wrongSamples.length}):\n\n${codeBlock(result.wrongSamples.join('\n'))}` : '',
        ]
          .filter(Boolean)
          .join('\n\n'),
      },
    ],
    targets: [
      { what: 'responses 5xx', value: String(total.http5xx), target: '0', pass: total.http5xx === 0 },
      { what: 'wrong answers (checked: every answer)', value: `${total.wrong} of ${total.requests}`, target: '0', pass: total.wrong === 0 },
      { what: 'gateway RSS growth from minute 1 to the end', value: `${rss.growthPct.toFixed(1)}%`, target: '< 20%', pass: rss.growthPct < 20 },
    ],
  };
}
