/**
 * The CSV export of the whole catalog through the gateway (docs/exports.md): four exchanges seeded with
 * `npm run seed` (250,000 each by default), providers, our gateway; one client streams
 * GET /export/datasets.csv and counts the rows while the gateway's resident memory is sampled from /proc.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_EXCHANGES } from '../../shared/domain.ts';
import type { Suite, TargetCheck } from '../lib/suite.ts';
import { intFlag } from '../lib/suite.ts';
import { seedCatalog, startExchange, startOurGateway, startProviders } from '../lib/stack.ts';
import { cpuMsOf, processCpuMs } from '../lib/cpu.ts';

const FULL_SIZE = 250_000;
const ROWS_PER_SECOND_TARGET = 20_000;
const RSS_GROWTH_TARGET_MB = 100;
const SAMPLE_INTERVAL_MS = 200;

/** Resident memory of a process we started, in MB (VmRSS of /proc/<pid>/status). */
function rssMb(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8')
    .split('\n')
    .find((l) => l.startsWith('VmRSS:'));
  return line ? Number(line.replace(/\D+/g, '')) / 1024 : NaN;
}

interface ExportRun {
  rows: number;
  bytes: number;
  seconds: number;
  firstByteMs: number;
  rssBeforeMb: number;
  rssPeakMb: number;
  rssAfterMb: number;
  gatewayCpuMs: number;
  /** CPU of the exchanges and the providers subgraph during the export. */
  backendCpuMs: number;
}

/** Streams one export, counting its records (one LF per record: the seed writes no line breaks in fields). */
async function runExport(url: string, gatewayPid: number, backendPids: number[] = []): Promise<ExportRun> {
  const rssBeforeMb = rssMb(gatewayPid);
  let rssPeakMb = rssBeforeMb;
  const sampler = setInterval(() => (rssPeakMb = Math.max(rssPeakMb, rssMb(gatewayPid))), SAMPLE_INTERVAL_MS);
  const cpuBefore = processCpuMs(gatewayPid);
  const backendBefore = cpuMsOf(backendPids);
  const started = performance.now();
  try {
    const response = await fetch(url);
    if (response.status !== 200) throw new Error(`${url} answered ${response.status}: ${(await response.text()).slice(0, 500)}`);
    const firstByteMs = performance.now() - started;
    let lines = 0;
    let bytes = 0;
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
      bytes += chunk.byteLength;
      for (let at = chunk.indexOf(10); at !== -1; at = chunk.indexOf(10, at + 1)) lines++;
    }
    const seconds = (performance.now() - started) / 1000;
    return {
      rows: lines - 1,
      bytes,
      seconds,
      firstByteMs,
      rssBeforeMb,
      rssPeakMb: Math.max(rssPeakMb, rssMb(gatewayPid)),
      rssAfterMb: rssMb(gatewayPid),
      gatewayCpuMs: processCpuMs(gatewayPid) - cpuBefore,
      backendCpuMs: cpuMsOf(backendPids) - backendBefore,
    };
  } finally {
    clearInterval(sampler);
  }
}

/** The export covers the registered exchanges: on a loaded machine one can take a while to pass its start-up check. */
async function waitForExchanges(graphqlUrl: string, count: number, timeoutMs = 300_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const response = await fetch(graphqlUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ exchanges { id status } }' }),
    });
    const exchanges = ((await response.json()) as { data?: { exchanges?: Array<{ status: string }> } }).data?.exchanges ?? [];
    if (exchanges.filter((e) => e.status !== 'OFFLINE').length >= count) return;
    if (performance.now() > deadline) throw new Error(`the gateway has ${exchanges.length} of ${count} exchanges after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}

export const exportSpeedSuite: Suite = {
  name: 'export',
  title: 'Export speed (the whole catalog as CSV through the gateway)',
  flags: {
    'export-per-exchange': { default: String(FULL_SIZE), description: 'datasets per exchange for the export suite (targets are defined at 250000)' },
    'export-data-dir': { default: '', description: 'reuse exchange databases already seeded in this directory (skips seeding)' },
  },
  async run({ resources, flags, log }) {
    const perExchange = intFlag(flags, 'export-per-exchange', 1, FULL_SIZE);
    let dataDir = flags['export-data-dir'];
    if (!dataDir) {
      dataDir = resources.tempDir('export-data');
      log(`seeding 4 exchanges x ${perExchange} datasets into ${dataDir} ...`);
      const seeded = await seedCatalog(resources, { perExchange, dataDir, timeoutMs: 20 * 60_000 });
      log(`seeded in ${(seeded.wallMs / 1000).toFixed(1)} s`);
    }
    const exchanges = await Promise.all(DEFAULT_EXCHANGES.map((e) => startExchange(resources, e.id, join(dataDir, `${e.id}.db`))));
    const providers = await startProviders(resources);
    const gateway = await startOurGateway(resources, {
      name: 'export-gateway',
      dir: resources.tempDir('export-gateway'),
      providersUrl: providers.url,
      exchanges: DEFAULT_EXCHANGES.map((e, i) => ({ id: e.id, url: exchanges[i].url })),
      env: { EXCHANGE_TIMEOUT_MS: '30000', REGISTRATION_CONFORMANCE_BUDGET_MS: '300000' },
    });
    const base = gateway.url.replace(/\/graphql$/, '');
    await waitForExchanges(gateway.url, DEFAULT_EXCHANGES.length);
    const pid = gateway.child.pid!;
    // A small export first: the gateway's code paths are loaded and compiled before the measured run.
    await runExport(`${base}/export/datasets.csv?filter=${encodeURIComponent('{"categories":["FINANCE"]}')}`, pid);
    const expected = perExchange * DEFAULT_EXCHANGES.length;
    log(`exporting ${expected} rows as CSV ...`);
    const run = await runExport(
      `${base}/export/datasets.csv`,
      pid,
      [...exchanges, providers].map((s) => s.child.pid!),
    );
    const rowsPerSecond = run.rows / run.seconds;
    const growth = run.rssPeakMb - run.rssBeforeMb;
    const full = perExchange === FULL_SIZE;
    const targets: TargetCheck[] = [
      { what: 'rows exported', value: run.rows.toLocaleString('en'), target: `= ${expected.toLocaleString('en')} (every row)`, pass: run.rows === expected },
      {
        what: 'rows per second (whole export, first request to last byte)',
        value: Math.round(rowsPerSecond).toLocaleString('en'),
        target: `≥ ${ROWS_PER_SECOND_TARGET.toLocaleString('en')}`,
        pass: full ? rowsPerSecond >= ROWS_PER_SECOND_TARGET : null,
      },
      {
        what: 'gateway RSS growth (peak during the export − before it)',
        value: `${growth.toFixed(1)} MB`,
        target: `< ${RSS_GROWTH_TARGET_MB} MB`,
        pass: full ? growth < RSS_GROWTH_TARGET_MB : null,
      },
    ];
    return {
      sections: [
        {
          title: 'GET /export/datasets.csv, every exchange, default sort (UPDATED_DESC)',
          table: {
            headers: [
              'rows',
              'MB',
              'seconds',
              'rows/s',
              'first byte ms',
              'gateway RSS before MB',
              'peak MB',
              'after MB',
              'gateway CPU s',
              'exchanges + providers CPU s',
              'rows per CPU s (all processes)',
            ],
            rows: [
              [
                run.rows.toLocaleString('en'),
                (run.bytes / 1e6).toFixed(0),
                run.seconds.toFixed(1),
                Math.round(rowsPerSecond).toLocaleString('en'),
                run.firstByteMs.toFixed(0),
                run.rssBeforeMb.toFixed(0),
                run.rssPeakMb.toFixed(0),
                run.rssAfterMb.toFixed(0),
                (run.gatewayCpuMs / 1000).toFixed(1),
                (run.backendCpuMs / 1000).toFixed(1),
                Math.round(run.rows / ((run.gatewayCpuMs + run.backendCpuMs) / 1000)).toLocaleString('en'),
              ],
            ],
          },
          text: [
            `- ${DEFAULT_EXCHANGES.length} exchanges × ${perExchange.toLocaleString('en')} datasets, each its own process over its seeded SQLite file; providers and our gateway (in-memory cache, which the exports bypass) their own processes; one client in the benchmark process reads the stream as fast as it comes.`,
            `- RSS sampled from /proc every ${SAMPLE_INTERVAL_MS} ms; *before* is after a small warm-up export. CPU seconds from /proc (user + system) during the export: on a loaded machine they show what the export costs, where wall-clock rows/s show the load.`,
            ...(full
              ? []
              : [
                  `- Targets are defined at ${FULL_SIZE.toLocaleString('en')} per exchange; this run used ${perExchange.toLocaleString('en')}, so no pass/fail.`,
                ]),
          ].join('\n'),
        },
      ],
      targets,
    };
  },
};
