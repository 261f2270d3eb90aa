/**
 * The faster paths of issue 13, side by side in one run over one exchange (bj), in alternating order over
 * several rounds, ratios paired per round:
 *   - identical query, caches off: ours (in-flight calls shared) vs Hive Gateway without its response cache;
 *   - warm path: ours answering from its response cache vs a bare node:http server (bench/bareServer.ts)
 *     answering the very bytes and headers ours answered, at the same connection count;
 *   - cold routing, caches off, distinct requests: ours vs plain @apollo/gateway (bench/plainGateway.ts);
 *   - tracing: ours with OTEL_EXPORTER_OTLP_ENDPOINT set (to bench/otlpSink.ts) vs off.
 * With `--baseline <commit>`, the gateway of that commit (exported with `git archive`, run on this
 * checkout's node_modules) runs the same rows: the "before" of each ratio, and a build without tracing.
 */
import { execFileSync } from 'node:child_process';
import { symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runLoad } from '../lib/load.ts';
import type { Service } from '../../devkit/processes.ts';
import { REPO_ROOT } from '../../devkit/processes.ts';
import { writeExchangesFile } from '../../devkit/services.ts';
import { processCpuMs } from '../lib/cpu.ts';
import { shardFetches } from '../lib/gatewayMetrics.ts';
import { GraphqlClient } from '../lib/graphqlClient.ts';
import { seedCatalog, startExchange, startOurGateway, startPlainGateway, startProviders, benchGatewayEnv, type BenchResources } from '../lib/stack.ts';
import { median, ms } from '../lib/stats.ts';
import { intFlag, type Suite, type SuiteContext, type SuiteReport, type TargetCheck } from '../lib/suite.ts';
import { FIXED_QUERY, DISTINCT_QUERY, distinctVariables } from './gatewayThroughput.ts';

export const fastPathsSuite: Suite = {
  name: 'fast',
  title:
    'Faster paths (autocannon): in-flight sharing vs Hive Gateway, response-cache hits vs bare node:http, cold routing vs plain @apollo/gateway, tracing on/off',
  flags: {
    'fast-per-exchange': { default: '20000', description: 'datasets of the one exchange of the fast-paths suite' },
    'fast-duration': { default: '5', description: 'measured seconds per run of the fast-paths suite' },
    'fast-warmup': { default: '1', description: 'unmeasured seconds before each run of the fast-paths suite' },
    'fast-rounds': { default: '3', description: 'rounds of the fast-paths suite (order alternates each round)' },
    connections: { default: '20', description: 'autocannon connections for throughput' },
    baseline: { default: '', description: 'a commit whose gateway runs the same rows beside ours (the "before"); none: no baseline rows' },
  },
  run: runFastPaths,
};

interface Contender {
  key: string;
  label: string;
  url: string;
  distinct: boolean;
  pid?: number;
  /** Our gateway: its exchange calls are counted (gateway_shard_fetches_total) during each run. */
  counted?: boolean;
}

interface Measured {
  reqPerSec: number;
  p50: number;
  p99: number;
  cpu: number;
  failures: number;
  /** Answers that were not the expected data, or carried errors. */
  wrong: number;
  /** Exchange calls per answered request (our gateways only; NaN for the others). */
  callsPerRequest: number;
}

/** The gateway of `commit`, exported next to this checkout's node_modules. */
function exportBaseline(resources: BenchResources, commit: string): string {
  const dir = resources.tempDir('baseline');
  const archive = execFileSync('git', ['archive', commit], {
    cwd: REPO_ROOT,
    maxBuffer: 256 * 1024 * 1024,
  });
  execFileSync('tar', ['-x', '-C', dir], { input: archive });
  symlinkSync(join(REPO_ROOT, 'node_modules'), join(dir, 'node_modules'));
  return dir;
}

async function startGatewayAt(
  resources: BenchResources,
  options: { name: string; root: string; dir: string; providersUrl: string; exchanges: Array<{ id: string; url: string }>; env?: Record<string, string> },
): Promise<Service> {
  const file = join(options.dir, `${options.name}.exchanges.json`);
  writeExchangesFile(file, options.exchanges);
  return resources.start({
    name: options.name,
    file: join(options.root, 'gateway/src/main.ts'),
    readyMsg: 'gateway ready',
    env: {
      ...benchGatewayEnv(options.providersUrl, file),
      ...options.env,
    },
  });
}

async function answerOf(url: string): Promise<{ status: number; headers: Record<string, string>; body: string }> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: FIXED_QUERY, variables: {} }),
  });
  const headers: Record<string, string> = {};
  response.headers.forEach((value, name) => {
    if (!['date', 'connection', 'keep-alive', 'content-length', 'transfer-encoding'].includes(name)) headers[name] = value;
  });
  return { status: response.status, headers, body: await response.text() };
}

/** The query's data as the exchange itself answers it: what every contender must answer. */
async function expectedData(exchangeUrl: string): Promise<unknown> {
  const client = new GraphqlClient(exchangeUrl);
  try {
    const data = await client.data<{ datasets: { nodes: unknown[] } }>(FIXED_QUERY);
    if (data.datasets.nodes.length !== 20) throw new Error(`the exchange answered ${data.datasets.nodes.length} nodes, expected 20`);
    return data;
  } finally {
    client.close();
  }
}

/** A body is right when it is JSON, carries no errors, and its data is exactly `expected` (JSON text). */
function isExpected(body: string, expected: string): boolean {
  try {
    const parsed = JSON.parse(body) as { data?: unknown; errors?: unknown };
    return parsed.errors === undefined && JSON.stringify(parsed.data) === expected;
  } catch {
    return false;
  }
}

/** One run of one contender: throughput, its own CPU per request, and (ours) its exchange calls per request. */
async function measure(
  c: Contender,
  options: { connections: number; durationS: number; warmupS: number; acceptBody: (body: string) => boolean },
): Promise<Measured> {
  let cpuBefore = 0;
  let callsBefore = 0;
  const result = await runLoad({
    url: c.url,
    query: c.distinct ? DISTINCT_QUERY : FIXED_QUERY,
    variablesFor: c.distinct ? distinctVariables : undefined,
    ...options,
    beforeMeasured: async () => {
      if (c.counted) callsBefore = await shardFetches(c.url);
      cpuBefore = processCpuMs(c.pid);
    },
  });
  const cpu = (processCpuMs(c.pid) - cpuBefore) / result.total;
  const callsPerRequest = c.counted ? ((await shardFetches(c.url)) - callsBefore) / result.total : Number.NaN;
  const failures = result.errors + result.timeouts + result.non2xx + result.graphqlErrors;
  return { reqPerSec: result.reqPerSec, p50: result.p50, p99: result.p99, cpu, failures, wrong: result.graphqlErrors, callsPerRequest };
}

/** CPU ms per request: three decimals below 1 ms (a cache hit costs tens of microseconds), else as `ms`. */
function cpuText(cpuMs: number): string {
  return Number.isFinite(cpuMs) && cpuMs < 1 ? cpuMs.toFixed(3) : ms(cpuMs);
}

function callsText(callsPerRequest: number): string {
  return Number.isNaN(callsPerRequest) ? 'n/a' : callsPerRequest.toFixed(2);
}

/**
 * Why a row may not be read as a result: wrong answers, or a distinct-request row of ours that made fewer
 * exchange calls than it answered requests (something other than the routing path answered), or a cache
 * hit row that called the exchange.
 */
function trustProblems(contenders: Contender[], results: Map<string, Measured[]>): string[] {
  const problems: string[] = [];
  for (const c of contenders) {
    results.get(c.key)!.forEach((m, round) => {
      const run = `${c.label}, round ${round + 1}`;
      if (m.wrong > 0) problems.push(`${run}: ${m.wrong} answers were not the exchange's data or carried errors`);
      if (c.counted && c.distinct && !(m.callsPerRequest >= 1))
        problems.push(`${run}: ${callsText(m.callsPerRequest)} exchange calls per distinct request (expected at least 1)`);
      if (c.counted && c.key.endsWith('warm') && !(m.callsPerRequest < 0.01))
        problems.push(`${run}: a response-cache hit row called the exchange (${callsText(m.callsPerRequest)} per request)`);
    });
  }
  return problems;
}

async function runFastPaths({ resources, flags, log }: SuiteContext): Promise<SuiteReport> {
  const perExchange = intFlag(flags, 'fast-per-exchange', 20, 250_000);
  const durationS = intFlag(flags, 'fast-duration', 1, 30);
  const warmupS = intFlag(flags, 'fast-warmup', 0, 30);
  const rounds = intFlag(flags, 'fast-rounds', 1, 10);
  const connections = intFlag(flags, 'connections', 1, 500);
  const baseline = flags.baseline?.trim() ?? '';
  const id = 'bj';
  const dataDir = resources.tempDir('fast-data');
  log(`seeding exchange ${id} with ${perExchange} datasets ...`);
  await seedCatalog(resources, { perExchange, dataDir, exchanges: [id], timeoutMs: 10 * 60_000 });
  const baselineRoot = baseline ? exportBaseline(resources, baseline) : null;

  const [providers, exchange] = await Promise.all([startProviders(resources), startExchange(resources, id, join(dataDir, `${id}.db`))]);
  const exchanges = [{ id, url: exchange.url }];
  const common = { dir: dataDir, providersUrl: providers.url, exchanges };
  const sink = await resources.start({ name: 'otlp-sink', file: 'bench/otlpSink.ts', readyMsg: 'otlp sink ready' });
  const sinkUrl = String(sink.readyRecord?.url);
  // One at a time: several gateways checking the exchange's schema at once on a loaded machine can take
  // longer than the registration's own time limit.
  const oursOff = await startOurGateway(resources, { name: 'ours-off', ...common, env: { CACHE_DISABLED: '1' } });
  const oursWarm = await startOurGateway(resources, { name: 'ours-warm', ...common });
  const oursTraced = await startOurGateway(resources, { name: 'ours-traced', ...common, env: { CACHE_DISABLED: '1', OTEL_EXPORTER_OTLP_ENDPOINT: sinkUrl } });
  const plain = await startPlainGateway(resources, { name: 'plain', exchangeUrl: exchange.url, providersUrl: providers.url });
  const hive = await resources.start({
    name: 'hive',
    file: 'bench/hiveGatewayServer.ts',
    readyMsg: 'hive gateway ready',
    env: { PORT: '0', EXCHANGE_URL: exchange.url, PROVIDERS_URL: providers.url, RESPONSE_CACHE: '0', NODE_ENV: undefined },
  });
  const baseOff = baselineRoot ? await startGatewayAt(resources, { name: 'base-off', root: baselineRoot, ...common, env: { CACHE_DISABLED: '1' } }) : undefined;
  const baseWarm = baselineRoot ? await startGatewayAt(resources, { name: 'base-warm', root: baselineRoot, ...common }) : undefined;

  // The bare server answers exactly what our response cache answered (a miss first fills it).
  await answerOf(oursWarm.url);
  const hit = await answerOf(oursWarm.url);
  if (hit.headers['x-response-cache'] !== 'hit') throw new Error(`ours-warm did not answer from its cache: ${JSON.stringify(hit.headers)}`);
  if (baseWarm) {
    await answerOf(baseWarm.url);
    const baseHit = await answerOf(baseWarm.url);
    if (baseHit.headers['x-response-cache'] !== 'hit')
      log(`  note: baseline ${baseline} did not answer from its cache: ${JSON.stringify(baseHit.headers['x-response-cache'])}`);
  }
  const bodyFile = join(dataDir, 'bare-answer.json');
  writeFileSync(bodyFile, JSON.stringify({ headers: hit.headers, body: hit.body }));
  const bare = await resources.start({ name: 'bare', file: 'bench/bareServer.ts', readyMsg: 'bare server ready', env: { BODY_FILE: bodyFile, PORT: '0' } });
  const bareAnswer = await answerOf(bare.url);
  if (bareAnswer.body !== hit.body) throw new Error('the bare server does not answer the bytes of the cached answer');

  const contenders: Contender[] = [
    { key: 'hive', label: 'Hive Gateway, no response cache, identical query', url: hive.url, distinct: false, pid: hive.child.pid },
    {
      key: 'off-identical',
      label: 'ours, caches off, identical query (in-flight calls shared)',
      url: oursOff.url,
      distinct: false,
      pid: oursOff.child.pid,
      counted: true,
    },
    { key: 'bare', label: 'bare node:http server, the same bytes', url: bare.url, distinct: false, pid: bare.child.pid },
    { key: 'warm', label: 'ours, response-cache hit (memory)', url: oursWarm.url, distinct: false, pid: oursWarm.child.pid, counted: true },
    { key: 'plain', label: 'plain @apollo/gateway, distinct requests', url: plain.url, distinct: true, pid: plain.child.pid },
    {
      key: 'off-distinct',
      label: 'ours, caches off, distinct requests (routing path), tracing off',
      url: oursOff.url,
      distinct: true,
      pid: oursOff.child.pid,
      counted: true,
    },
    {
      key: 'traced',
      label: 'ours, caches off, distinct requests, tracing on (OTLP/HTTP to a sink)',
      url: oursTraced.url,
      distinct: true,
      pid: oursTraced.child.pid,
      counted: true,
    },
  ];
  if (baseOff && baseWarm) {
    contenders.push(
      {
        key: 'base-off-identical',
        label: `baseline ${baseline}, caches off, identical query`,
        url: baseOff.url,
        distinct: false,
        pid: baseOff.child.pid,
        counted: true,
      },
      {
        key: 'base-warm',
        label: `baseline ${baseline}, response-cache hit (memory)`,
        url: baseWarm.url,
        distinct: false,
        pid: baseWarm.child.pid,
        counted: true,
      },
      {
        key: 'base-off-distinct',
        label: `baseline ${baseline} (no tracing code), caches off, distinct requests`,
        url: baseOff.url,
        distinct: true,
        pid: baseOff.child.pid,
        counted: true,
      },
    );
  }

  // Every answer of every run is checked against the exchange's own answer to the query (the no-op
  // `updatedSince` of the distinct requests changes nothing), and every run of our gateways counts its
  // exchange calls: a distinct request no cache can answer must cost one call of its own.
  const expected = JSON.stringify(await expectedData(exchange.url));
  const rightAnswer = (body: string) => isExpected(body, expected);
  log(`fast paths: ${rounds} rounds x ${contenders.length} runs x (${warmupS} s warm-up + ${durationS} s), ${connections} connections`);
  const results = new Map<string, Measured[]>(contenders.map((c) => [c.key, []]));
  for (let round = 0; round < rounds; round++) {
    for (const c of round % 2 === 0 ? contenders : [...contenders].reverse()) {
      const measured = await measure(c, { connections, durationS, warmupS, acceptBody: rightAnswer });
      results.get(c.key)!.push(measured);
      log(
        `  round ${round + 1}: ${c.label}: ${measured.reqPerSec.toFixed(0)} req/s, p99 ${measured.p99} ms, server CPU ${cpuText(measured.cpu)} ms/req, ` +
          `${callsText(measured.callsPerRequest)} exchange calls/req, ${measured.failures} failed (${measured.wrong} wrong answers)`,
      );
    }
  }
  const problems = trustProblems(contenders, results);
  for (const problem of problems) log(`  NOT TRUSTWORTHY: ${problem}`);

  const med = (key: string, pick: (m: Measured) => number) => median(results.get(key)!.map(pick));
  const paired = (a: string, b: string) => {
    const each = results.get(a)!.map((m, i) => m.reqPerSec / results.get(b)![i].reqPerSec);
    return { median: median(each), each };
  };
  const show = (r: { median: number; each: number[] }) => `${r.median.toFixed(2)}× (${r.each.map((x) => x.toFixed(2)).join(', ')})`;
  const ratios: Array<{ what: string; a: string; b: string; target?: number }> = [
    { what: 'identical query, caches off: ours / Hive Gateway', a: 'off-identical', b: 'hive', target: 1.2 },
    { what: 'response-cache hit: ours / bare node:http', a: 'warm', b: 'bare', target: 0.8 },
    { what: 'cold routing, one exchange: ours / plain @apollo/gateway', a: 'off-distinct', b: 'plain', target: 1.1 },
    { what: 'tracing on / off (information)', a: 'traced', b: 'off-distinct' },
  ];
  if (baseOff) {
    ratios.push(
      { what: `before: baseline identical query, caches off / Hive Gateway`, a: 'base-off-identical', b: 'hive' },
      { what: `before: baseline response-cache hit / bare node:http`, a: 'base-warm', b: 'bare' },
      { what: `before: baseline cold routing / plain @apollo/gateway`, a: 'base-off-distinct', b: 'plain' },
      { what: 'tracing off / a build without tracing code (baseline), distinct requests', a: 'off-distinct', b: 'base-off-distinct' },
    );
  }
  const targets: TargetCheck[] = ratios
    .filter((r) => r.target !== undefined)
    .map((r) => {
      const value = paired(r.a, r.b);
      return {
        what: `${r.what} (req/s, median of per-round ratios)`,
        value: `${value.median.toFixed(2)}×`,
        target: `≥ ${r.target}×`,
        pass: value.median >= r.target!,
      };
    });
  targets.push({
    what: "every answer was the exchange's data; every distinct request of ours made its own exchange call; no cache hit called the exchange",
    value: problems.length === 0 ? 'yes' : problems.join('; '),
    target: 'yes',
    pass: problems.length === 0,
  });
  return {
    sections: [
      {
        title: `Throughput, one exchange (${perExchange.toLocaleString('en-US')} datasets), ${connections} connections, ${durationS} s per run after ${warmupS} s, median of ${rounds} rounds`,
        table: {
          headers: ['contender', 'req/s', 'req/s per round', 'p50 ms', 'p99 ms', 'server CPU ms/req', 'exchange calls/req', 'failed'],
          rows: contenders.map((c) => [
            c.label,
            med(c.key, (m) => m.reqPerSec).toFixed(0),
            results
              .get(c.key)!
              .map((m) => m.reqPerSec.toFixed(0))
              .join(' / '),
            String(med(c.key, (m) => m.p50)),
            String(med(c.key, (m) => m.p99)),
            cpuText(med(c.key, (m) => m.cpu)),
            callsText(med(c.key, (m) => m.callsPerRequest)),
            String(results.get(c.key)!.reduce((n, m) => n + m.failures, 0)),
          ]),
        },
        text: [
          '| ratio | req/s, median of per-round ratios (each round) |',
          '| :--- | ---: |',
          ...ratios.map((r) => `| ${r.what} | ${show(paired(r.a, r.b))} |`),
          '',
          `Query: \`${FIXED_QUERY}\`; "distinct requests" send it with a no-op \`updatedSince\` varied per request (no cache can answer). Every answer of every run is compared with the data the exchange itself answers to the query (*failed* counts the wrong ones too). *exchange calls/req*: our gateway's \`gateway_shard_fetches_total\` over the measured seconds per answered request: at least 1 on a distinct-request row, or the suite flags the row (slightly above 1 from requests still in flight when a run stops); below 1 on the identical-query row, whose calls in flight are shared; 0 on the cache-hit row. *server CPU*: user + system CPU of the contender's own process (from /proc) over the requests answered (the exchange and providers are shared by all). The bare server answers the bytes and headers our response cache answered (checked). Every process shares 2 cores with autocannon and with other work: compare ratios of one run.`,
        ].join('\n'),
      },
    ],
    targets,
  };
}
