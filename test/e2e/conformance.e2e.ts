import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runConformance, type ConformanceReport } from '../../conformance/index.ts';
import { freePort, REPO_ROOT, startService, stopAll, type Service } from '../../devkit/processes.ts';
import { FAULTS, type Fault } from '../services/FaultyExchange.ts';
import { dataOf, graphql } from '../helpers/graphql.ts';

const run = promisify(execFile);
const ADMIN_TOKEN = 'conformance-test-token';
/** More listings than the kit walks whole (200), so it samples: a filtered subset and the first pages. */
const SEEDED = 400;

function check(report: ConformanceReport, name: string) {
  const found = report.checks.find((c) => c.name === name);
  if (!found) throw new Error(`no check named ${name} in ${report.checks.map((c) => c.name).join(', ')}`);
  return found;
}

describe('conformance kit', () => {
  const services: Service[] = [];
  const faulty = new Map<Fault, string>();
  let exchangeUrl = '';
  let dataDir = '';

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'conformance-'));
    const exchange = await startService({
      name: 'sh',
      file: 'subgraphs/exchange/main.ts',
      args: ['--id', 'sh', '--port', String(await freePort())],
      readyMsg: 'exchange ready',
      quiet: true,
      env: { DATA_DIR: dataDir, SEED_PER_EXCHANGE: String(SEEDED), EXCHANGE_ADMIN_TOKEN: ADMIN_TOKEN, LOG_LEVEL: 'warn' },
    });
    services.push(exchange);
    exchangeUrl = exchange.url;
    // Each broken exchange is its own process in front of the real one.
    const started = await Promise.all(
      FAULTS.map((fault) =>
        startService({
          name: `faulty-${fault}`,
          file: 'test/services/FaultyExchange.ts',
          args: ['--upstream', exchangeUrl, '--fault', fault],
          readyMsg: 'faulty exchange ready',
          quiet: true,
        }),
      ),
    );
    for (const [i, service] of started.entries()) {
      services.push(service);
      faulty.set(FAULTS[i], service.url);
    }
  });

  afterAll(async () => {
    await stopAll(services);
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('passes every check against our exchange, and puts back the price it changed', async () => {
    const before = dataOf(
      await graphql<{ datasets: { nodes: Array<{ id: string; price: unknown }> } }>(
        exchangeUrl,
        '{ datasets(first: 100) { nodes { id price { model amount } } } }',
      ),
    ).datasets.nodes;
    const report = await runConformance({ url: exchangeUrl, id: 'sh', profile: 'full', adminToken: ADMIN_TOKEN });
    expect(report.checks.length).toBeGreaterThan(0);
    for (const c of report.checks)
      expect({ name: c.name, status: c.status, counterexample: c.counterexample }).toEqual({ name: c.name, status: 'pass', counterexample: undefined });
    expect(report.ok).toBe(true);
    expect(report.checks.map((c) => c.name)).toEqual(
      expect.arrayContaining([
        'sdl implements the contract',
        'ids carry the exchange prefix',
        'sort UPDATED_DESC',
        'sort PRICE_ASC',
        'sort PRICE_DESC',
        'sort TITLE_ASC',
        'sort RELEVANCE',
        'totalCount',
        'paging edges',
        'filters',
        'text search',
        'priceStats',
        'providerListingCounts',
        'catalogSummary',
        'datasetRows',
        '_entities',
        'catalog version header',
        'catalog version moves',
        'bad input',
      ]),
    );
    expect(report.requests).toBe(report.checks.reduce((sum, c) => sum + c.requests, 0));
    expect(report.requests).toBeLessThanOrEqual(2000);
    const after = dataOf(
      await graphql<{ datasets: { nodes: Array<{ id: string; price: unknown }> } }>(
        exchangeUrl,
        '{ datasets(first: 100) { nodes { id price { model amount } } } }',
      ),
    ).datasets.nodes;
    const prices = (nodes: typeof before) => Object.fromEntries(nodes.map((n) => [n.id, n.price]));
    expect(prices(after)).toEqual(prices(before));
  });

  it('is read-only without the admin token: the version check that writes is skipped, the rest pass', async () => {
    const version = async () => (await graphql(exchangeUrl, '{ __typename }')).headers.get('x-catalog-version');
    const versionBefore = await version();
    const report = await runConformance({ url: exchangeUrl, id: 'sh', profile: 'full' });
    expect(check(report, 'catalog version moves')).toMatchObject({ status: 'skip', requests: 0, reason: expect.stringContaining('--admin-token') });
    expect(report.checks.filter((c) => c.status === 'fail')).toEqual([]);
    expect(report.ok).toBe(true);
    expect(await version()).toBe(versionBefore);
  });

  it('runs the short registration subset: ids, two pages per sort, totalCount, datasetRows, the version header', async () => {
    const report = await runConformance({ url: exchangeUrl, id: 'sh', profile: 'registration' });
    expect(report.checks.map((c) => [c.name, c.status])).toEqual([
      ['ids carry the exchange prefix', 'pass'],
      ['sort UPDATED_DESC', 'pass'],
      ['sort PRICE_ASC', 'pass'],
      ['sort PRICE_DESC', 'pass'],
      ['sort TITLE_ASC', 'pass'],
      ['sort RELEVANCE', 'pass'],
      ['totalCount', 'pass'],
      ['datasetRows', 'pass'],
      ['catalog version header', 'pass'],
    ]);
    // A sample page, two pages per sort, and first: 0 per walked (sort, filter): a couple of dozen requests.
    expect(report.requests).toBeLessThanOrEqual(25);
  });

  it('judges the exchange code: ids of sh are not ids of bj', async () => {
    const report = await runConformance({ url: exchangeUrl, id: 'bj', profile: 'registration' });
    expect(report.ok).toBe(false);
    expect(check(report, 'ids carry the exchange prefix').counterexample).toMatch(/^"sh:ds-\d+" \(in datasets\(.*\)\) does not start with "bj:"$/);
  });

  const caughtBy: Array<{ fault: Fault; check: string; counterexample: RegExp }> = [
    {
      fault: 'tie-order',
      check: 'sort PRICE_ASC',
      counterexample: /(sh:ds-\d+) \(.+\) comes before (sh:ds-\d+) \(.+\) at position \d+ \(page \d+\); equal keys are ordered by id, ascending/,
    },
    { fault: 'repeated-item', check: 'sort UPDATED_DESC', counterexample: /(sh:ds-\d+) appears twice, at positions (\d+) \(page 1\) and (\d+) \(page 2\)/ },
    { fault: 'skipped-item', check: 'sort UPDATED_DESC', counterexample: /at position (\d+), pages of 100 give (sh:ds-\d+), pages of 7 give (sh:ds-\d+)/ },
    { fault: 'unprefixed-id', check: 'ids carry the exchange prefix', counterexample: /^"ds-\d+" \(in datasets\(.*\)\) does not start with "sh:"$/ },
    { fault: 'total-off-by-one', check: 'totalCount', counterexample: /totalCount (\d+), the walk returned (\d+) listings/ },
    { fault: 'stats-off', check: 'priceStats', counterexample: /priceStats\(groupBy: \w+\): counts add up to (\d+) .*, datasets totalCount is (\d+)/ },
    { fault: 'entities-out-of-order', check: '_entities', counterexample: /_entities: item 1 is (sh:ds-\d+), expected (sh:ds-\d+); asked/ },
    { fault: 'bulk-title-mixed', check: 'datasetRows', counterexample: /^datasetRows\(sort: UPDATED_DESC.*\): row 0 is \[.*, datasets gives \[/ },
    {
      fault: 'summary-empty-tokens',
      check: 'catalogSummary',
      counterexample: /^catalogSummary\.tokens lacks key "u:[0-9A-HJ-NPQRTUWXY]{18}", the USCC of listing sh:ds-\d+'s provider$/,
    },
    {
      fault: 'summary-stale-cursors',
      check: 'catalogSummary',
      counterexample:
        /^catalogSummary\.firstCursors\(sort: UPDATED_DESC, first: 20\) differs from the cursors of datasets\(sort: UPDATED_DESC, first: 20\) at position 0: "[\w-]+", datasets gives "[\w-]+"$/,
    },
  ];

  it.each(caughtBy)('catches a broken exchange ($fault) in the check "$check", with a counterexample', async ({ fault, check: name, counterexample }) => {
    const report = await runConformance({ url: faulty.get(fault)!, id: 'sh', profile: 'full' });
    expect(report.ok).toBe(false);
    const result = check(report, name);
    expect(result.status).toBe('fail');
    const match = counterexample.exec(result.counterexample ?? '');
    expect(match, result.counterexample).not.toBeNull();
    if (fault === 'tie-order' || fault === 'entities-out-of-order') expect(match![1]).not.toBe(match![2]);
    if (fault === 'repeated-item') expect(Number(match![3])).toBe(Number(match![2]) + 1);
    // Pages of 7: the first listing of page 2 (position 8) is the one lost.
    if (fault === 'skipped-item') expect([Number(match![1]), match![2] !== match![3]]).toEqual([8, true]);
    if (fault === 'total-off-by-one') expect(Number(match![1])).toBe(Number(match![2]) + 1);
    if (fault === 'stats-off') expect(Number(match![1])).toBe(Number(match![2]) + 1);
  });

  it('covers every fault the faulty exchange knows', () => {
    expect(caughtBy.map((c) => c.fault).sort()).toEqual([...FAULTS].sort());
  });

  it('stops at its request budget and says the report is incomplete', async () => {
    const report = await runConformance({ url: exchangeUrl, id: 'sh', profile: 'full', maxRequests: 15 });
    expect(report.requests).toBe(15);
    expect(report.ok).toBe(false);
    expect(report.budgetExhausted).toBe(true);
    const skipped = report.checks.filter((c) => c.status === 'skip');
    expect(skipped.length).toBeGreaterThan(0);
    for (const c of skipped) expect(c.reason).toMatch(/request budget \(15 requests\)|admin token/);
    expect(report.checks.filter((c) => c.status === 'fail')).toEqual([]);
  });

  it('reports an exchange it cannot reach as failed checks, without throwing', async () => {
    const report = await runConformance({ url: `http://127.0.0.1:${await freePort()}/graphql`, id: 'sh', profile: 'registration', timeBudgetMs: 5000 });
    expect(report.ok).toBe(false);
    expect(report.checks.length).toBeGreaterThan(0);
    for (const c of report.checks) expect(c.status).toBe('fail');
    expect(check(report, 'sort UPDATED_DESC').counterexample).toMatch(/^POST http:\/\/127\.0\.0\.1:\d+\/graphql: fetch failed/);
  });

  it('refuses bad options naming the option and the rule', async () => {
    await expect(runConformance({ url: 'ftp://x', id: 'SH', profile: 'full', maxRequests: 0 })).rejects.toThrow(
      'runConformance: url: must be http or https, got "ftp://x"; id: must be the exchange code, 2 to 8 lowercase letters (e.g. "sh"), got "SH"; maxRequests: must be a positive integer, got 0',
    );
  });

  describe('the command line (npm run conformance)', () => {
    const cli = (args: string[]) =>
      run(process.execPath, ['--import', 'tsx', 'conformance/cli.ts', ...args], { cwd: REPO_ROOT }).then(
        ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
        (err: { code: number; stdout: string; stderr: string }) => ({ code: err.code, stdout: err.stdout, stderr: err.stderr }),
      );

    it('prints a table and exits 0 for a conforming exchange', async () => {
      const { code, stdout } = await cli(['--url', exchangeUrl, '--id', 'sh', '--profile', 'registration']);
      expect(code).toBe(0);
      expect(stdout).toMatch(/^check +result +requests +ms +first counterexample$/m);
      expect(stdout).toMatch(/^sort TITLE_ASC +PASS +\d+ +\d+$/m);
      expect(stdout).toMatch(/^CONFORMS; 9 passed, 0 failed, 0 skipped; \d+ requests in \d+ ms$/m);
    });

    it('prints the JSON report and exits 1 when a check fails', async () => {
      const { code, stdout } = await cli([
        '--url',
        faulty.get('entities-out-of-order')!,
        '--id',
        'sh',
        '--json',
        '--max-requests',
        '1500',
        '--time-budget-ms',
        '50000',
      ]);
      expect(code).toBe(1);
      const report = JSON.parse(stdout) as ConformanceReport;
      expect(report.ok).toBe(false);
      expect(check(report, '_entities')).toMatchObject({ status: 'fail', counterexample: expect.stringMatching(/^_entities: item 1 is/) });
      expect(check(report, 'filters').status).toBe('pass');
    });

    it('exits 2 naming the argument when one is bad', async () => {
      const { code, stderr } = await cli(['--url', exchangeUrl, '--id', 'sh', '--max-requests', 'many']);
      expect(code).toBe(2);
      expect(stderr).toContain('--max-requests: must be a positive integer, got "many"');
    });
  });
});
