/**
 * Gateway throughput: the same query under the same load (autocannon, bounded) through
 *   (a) plain @apollo/gateway with the exchange contract as an ordinary subgraph at one exchange,
 *   (b) our gateway over that one exchange,
 *   (c) our gateway over four exchanges,
 * side by side in one run, in alternating order over several rounds; then fan-out latency: our gateway
 * over four exchanges each delayed 50 ms (FlakyProxy) against one delayed exchange.
 *
 * Our gateway caches answers (response cache, shard-fetch cache); plain @apollo/gateway does not. So
 * that the comparison measures the routing path and not the cache, every measured request carries a
 * distinct `updatedSince` far before any listing: same work, same rows, different cache key. The
 * repeated identical query is measured too, as information (ours answers it from its cache).
 */
import { join } from 'node:path';
import { availableParallelism } from 'node:os';
import { DEFAULT_EXCHANGES } from '../../shared/domain.ts';
import type { Service } from '../../devkit/processes.ts';
import { GraphqlClient } from '../lib/graphqlClient.ts';
import { runLoad, type LoadResult } from '../lib/load.ts';
import { processCpuMs, cpuMsOf } from '../lib/cpu.ts';
import { passFail } from '../lib/markdown.ts';
import { seedCatalog, startExchange, startProviders, startOurGateway, startPlainGateway, startDelayProxies } from '../lib/stack.ts';
import { median, timeSequential, ms, ratio } from '../lib/stats.ts';
import { intFlag, type Suite, type SuiteContext, type SuiteReport, type TargetCheck } from '../lib/suite.ts';

/** The query of the brief, as sent for the "identical query" runs. */
export const FIXED_QUERY = '{ datasets(first: 20, filter: { categories: [PUBLIC_HEALTH] }) { totalCount nodes { id title price { amount } } } }';

/** The same query with a no-op `updatedSince` (before every listing), varied per request so no cache answers it. */
export const DISTINCT_QUERY =
  'query Bench($since: DateTime) { datasets(first: 20, filter: { categories: [PUBLIC_HEALTH], updatedSince: $since }) { totalCount nodes { id title price { amount } } } }';

const SINCE_BASE_MS = Date.UTC(2000, 0, 1);
let sinceCounter = 0;
/** A new instant every call (one millisecond apart, from 2000-01-01; every listing is from 2015 or later). */
export function distinctVariables(): Record<string, unknown> {
  return { since: new Date(SINCE_BASE_MS + sinceCounter++).toISOString() };
}

const THROUGHPUT_TARGET = 0.9;
const FANOUT_TARGET = 1.3;

export const gatewayThroughputSuite: Suite = {
  name: 'gateway',
  title: 'Gateway throughput (autocannon): plain @apollo/gateway vs ours',
  flags: {
    'gateway-per-exchange': { default: '20000', description: 'datasets per exchange for the gateway suite' },
    duration: { default: '8', description: 'measured seconds per autocannon run (at most 30)' },
    'load-warmup': { default: '2', description: 'unmeasured seconds before each autocannon run' },
    connections: { default: '20', description: 'autocannon connections for throughput' },
    'fanout-connections': { default: '5', description: 'autocannon connections for the fan-out latency runs (the target is checked at this load)' },
    'fanout-connections-low': { default: '1', description: 'connections of the second fan-out pass, reported beside it (0: none)' },
    rounds: { default: '4', description: 'rounds of the side-by-side runs (order alternates each round)' },
    'delay-ms': { default: '50', description: 'delay of each exchange in the fan-out runs' },
  },
  run: runGatewayThroughput,
};

interface Contender {
  key: string;
  label: string;
  url: string;
  /** false: the fixed query, repeated identically (cacheable). */
  distinct: boolean;
  /** The gateway process (none for the exchange alone) and the processes behind it, for CPU per request. */
  gatewayPid?: number;
  backendPids: Array<number | undefined>;
  /** Delay proxies in front of the exchanges, counted apart. */
  proxyPids?: Array<number | undefined>;
}

interface Measured extends LoadResult {
  gatewayCpuMsPerRequest: number;
  backendCpuMsPerRequest: number;
  proxyCpuMsPerRequest: number;
}

/** Runs every contender once per round, alternating the order, so drifts of a noisy machine spread evenly. */
async function sideBySide(
  contenders: Contender[],
  rounds: number,
  load: { connections: number; durationS: number; warmupS: number },
  log: (m: string) => void,
): Promise<Map<string, Measured[]>> {
  const results = new Map<string, Measured[]>(contenders.map((c) => [c.key, []]));
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 === 0 ? contenders : [...contenders].reverse();
    for (const contender of order) {
      let gatewayCpu = 0;
      let backendCpu = 0;
      let proxyCpu = 0;
      const result = await runLoad({
        url: contender.url,
        ...load,
        ...(contender.distinct ? { query: DISTINCT_QUERY, variablesFor: distinctVariables } : { query: FIXED_QUERY }),
        beforeMeasured: () => {
          gatewayCpu = contender.gatewayPid === undefined ? 0 : processCpuMs(contender.gatewayPid);
          backendCpu = cpuMsOf(contender.backendPids);
          proxyCpu = cpuMsOf(contender.proxyPids ?? []);
        },
      });
      const measured: Measured = {
        ...result,
        gatewayCpuMsPerRequest: contender.gatewayPid === undefined ? Number.NaN : (processCpuMs(contender.gatewayPid) - gatewayCpu) / result.total,
        backendCpuMsPerRequest: (cpuMsOf(contender.backendPids) - backendCpu) / result.total,
        proxyCpuMsPerRequest: (cpuMsOf(contender.proxyPids ?? []) - proxyCpu) / result.total,
      };
      log(
        `  round ${round + 1}: ${contender.label}: ${result.reqPerSec.toFixed(0)} req/s, p50 ${result.p50} ms, p99 ${result.p99} ms, CPU ms/req gateway ${ms(measured.gatewayCpuMsPerRequest)} backends ${ms(measured.backendCpuMsPerRequest)}${result.non2xx || result.errors || result.graphqlErrors ? `, ${result.non2xx} non-2xx, ${result.errors} errors, ${result.graphqlErrors} answers with GraphQL errors` : ''}`,
      );
      results.get(contender.key)!.push(measured);
    }
  }
  return results;
}

/** Per round, a figure of `a` over the same figure of `b` (runs of one round are close in time): the median and each. */
function pairedRatio(a: Measured[], b: Measured[], pick: (m: Measured) => number): { median: number; each: number[] } {
  const each = a.map((m, i) => pick(m) / pick(b[i]));
  return { median: median(each), each };
}

/** Sequential latency (one request at a time, after a warm-up) of each contender: median ms. */
async function sequentialLatency(contenders: Contender[], samples: number): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const c of contenders) {
    const client = new GraphqlClient(c.url);
    try {
      const send = c.distinct ? () => client.data(DISTINCT_QUERY, distinctVariables()) : () => client.data(FIXED_QUERY);
      out[c.key] = median(await timeSequential(send, { warmup: 5, samples }));
    } finally {
      client.close();
    }
  }
  return out;
}

/** Median over rounds of each figure. */
function combine(results: Measured[]) {
  return {
    gatewayCpu: median(results.map((r) => r.gatewayCpuMsPerRequest)),
    backendCpu: median(results.map((r) => r.backendCpuMsPerRequest)),
    proxyCpu: median(results.map((r) => r.proxyCpuMsPerRequest)),
    reqPerSec: median(results.map((r) => r.reqPerSec)),
    p50: median(results.map((r) => r.p50)),
    p99: median(results.map((r) => r.p99)),
    mean: median(results.map((r) => r.mean)),
    failures: results.reduce((n, r) => n + r.non2xx + r.errors + r.timeouts, 0),
    graphqlErrors: results.reduce((n, r) => n + r.graphqlErrors, 0),
    total: results.reduce((n, r) => n + r.total, 0),
    perRound: results.map((r) => r.reqPerSec.toFixed(0)).join(' / '),
  };
}

interface Checked {
  data: any;
  /** x-response-cache of two distinct requests and of a repeated identical one (empty when the gateway sends none). */
  cacheHeaders: string[];
}

/** One answer of each kind, checked: 20 nodes, no errors; the cache header seen on distinct and repeated requests. */
async function checkAnswer(url: string, label: string): Promise<Checked> {
  const client = new GraphqlClient(url);
  try {
    const answers = [
      await client.post(DISTINCT_QUERY, distinctVariables()),
      await client.post(DISTINCT_QUERY, distinctVariables()),
      await client.post(FIXED_QUERY),
      await client.post(FIXED_QUERY),
    ];
    for (const answer of answers) {
      const nodes = answer.body.data?.datasets?.nodes;
      if (answer.status !== 200 || answer.body.errors?.length || !Array.isArray(nodes) || nodes.length !== 20) {
        throw new Error(`${label}: expected 20 nodes and no errors, got ${answer.status} ${JSON.stringify(answer.body).slice(0, 400)}`);
      }
    }
    if (JSON.stringify(answers[0].body.data) !== JSON.stringify(answers[2].body.data)) throw new Error(`${label}: the no-op updatedSince changed the answer`);
    return { data: answers[0].body.data, cacheHeaders: answers.map((a) => String(a.headers['x-response-cache'] ?? '')) };
  } finally {
    client.close();
  }
}

/** gateway_cache_* counters from /metrics, e.g. "hits response=123 shard=4; misses ...". */
async function cacheCounters(graphqlUrl: string): Promise<string> {
  try {
    const response = await fetch(graphqlUrl.replace(/\/graphql$/, '/metrics'), { signal: AbortSignal.timeout(5_000) });
    if (!response.ok) return `(/metrics answered ${response.status})`;
    const lines = (await response.text()).split('\n').filter((l) => l.startsWith('gateway_cache_'));
    return lines.map((l) => l.replace('gateway_cache_', '').replace('_total', '')).join(', ') || '(no cache counters)';
  } catch (err) {
    return `(no /metrics: ${(err as Error).message})`;
  }
}

async function runGatewayThroughput({ resources, flags, log }: SuiteContext): Promise<SuiteReport> {
  const perExchange = intFlag(flags, 'gateway-per-exchange', 20, 250_000);
  const durationS = intFlag(flags, 'duration', 1, 30);
  const warmupS = intFlag(flags, 'load-warmup', 0, 30);
  const connections = intFlag(flags, 'connections', 1, 500);
  const fanoutConnections = intFlag(flags, 'fanout-connections', 1, 500);
  const fanoutConnectionsLow = intFlag(flags, 'fanout-connections-low', 0, 500);
  const rounds = intFlag(flags, 'rounds', 1, 10);
  const delayMs = intFlag(flags, 'delay-ms', 0, 10_000);
  const targets: TargetCheck[] = [];
  const sections: SuiteReport['sections'] = [];
  const ids = DEFAULT_EXCHANGES.map((e) => e.id);

  const dataDir = resources.tempDir('gateway-data');
  log(`seeding 4 exchanges x ${perExchange} datasets ...`);
  const seeded = await seedCatalog(resources, { perExchange, dataDir, timeoutMs: 10 * 60_000 });
  log(`seeded in ${(seeded.wallMs / 1000).toFixed(1)} s`);

  const [providers, ...exchangeList] = await Promise.all([
    startProviders(resources),
    ...ids.map((id) => startExchange(resources, id, join(dataDir, `${id}.db`))),
  ]);
  const exchanges = Object.fromEntries(exchangeList.map((s) => [s.name, s])) as Record<string, Service>;
  const one = 'bj';

  // (a), (b), (c), with the exchange alone as the ceiling.
  const started: Service[] = [];
  let throughput: Map<string, Measured[]>;
  let throughputSequential: Record<string, number> = {};
  const contenders: Contender[] = [];
  const checks: Record<string, Checked> = {};
  const counters: Record<string, string> = {};
  try {
    const [plain, ours1, ours4, ours1Off] = await Promise.all([
      startPlainGateway(resources, { name: 'plain-1', exchangeUrl: exchanges[one].url, providersUrl: providers.url }),
      startOurGateway(resources, { name: 'ours-1', dir: dataDir, providersUrl: providers.url, exchanges: [{ id: one, url: exchanges[one].url }] }),
      startOurGateway(resources, { name: 'ours-4', dir: dataDir, providersUrl: providers.url, exchanges: ids.map((id) => ({ id, url: exchanges[id].url })) }),
      startOurGateway(resources, {
        name: 'ours-1-off',
        dir: dataDir,
        providersUrl: providers.url,
        exchanges: [{ id: one, url: exchanges[one].url }],
        env: { CACHE_DISABLED: '1' },
      }),
    ]);
    started.push(plain, ours1, ours4, ours1Off);
    const backends1 = [exchanges[one].child.pid, providers.child.pid];
    const backends4 = [...ids.map((id) => exchanges[id].child.pid), providers.child.pid];
    contenders.push(
      { key: 'direct', label: `exchange ${one} alone, no gateway (ceiling)`, url: exchanges[one].url, distinct: true, backendPids: backends1 },
      {
        key: 'plain-1',
        label: `(a) plain @apollo/gateway, 1 exchange (${one})`,
        url: plain.url,
        distinct: true,
        gatewayPid: plain.child.pid,
        backendPids: backends1,
      },
      {
        key: 'ours-1-off',
        label: `(b) our gateway, 1 exchange (${one}), caches off: the routing path`,
        url: ours1Off.url,
        distinct: true,
        gatewayPid: ours1Off.child.pid,
        backendPids: backends1,
      },
      {
        key: 'ours-1',
        label: `(b') our gateway, 1 exchange (${one}), caches on, every request a miss`,
        url: ours1.url,
        distinct: true,
        gatewayPid: ours1.child.pid,
        backendPids: backends1,
      },
      { key: 'ours-4', label: '(c) our gateway, 4 exchanges', url: ours4.url, distinct: true, gatewayPid: ours4.child.pid, backendPids: backends4 },
      {
        key: 'plain-1-fixed',
        label: '(a) plain, identical query repeated',
        url: plain.url,
        distinct: false,
        gatewayPid: plain.child.pid,
        backendPids: backends1,
      },
      {
        key: 'ours-1-fixed',
        label: '(b) ours(1), identical query repeated (its cache answers)',
        url: ours1.url,
        distinct: false,
        gatewayPid: ours1.child.pid,
        backendPids: backends1,
      },
    );

    // Same data through (a) and (b) and the exchange; (c) counts the four catalogs.
    for (const c of contenders.filter((c) => c.distinct)) checks[c.key] = await checkAnswer(c.url, c.label);
    for (const key of ['plain-1', 'ours-1', 'ours-1-off']) {
      if (JSON.stringify(checks[key].data) !== JSON.stringify(checks.direct.data)) {
        throw new Error(
          `${key} answers differently from exchange ${one}:\n${JSON.stringify(checks[key].data).slice(0, 400)}\n${JSON.stringify(checks.direct.data).slice(0, 400)}`,
        );
      }
    }
    let sum = 0;
    for (const id of ids) sum += (await checkAnswer(exchanges[id].url, id)).data.datasets.totalCount;
    if (checks['ours-4'].data.datasets.totalCount !== sum)
      throw new Error(`our gateway over 4 exchanges counts ${checks['ours-4'].data.datasets.totalCount}, the exchanges ${sum}`);

    log(`throughput: ${rounds} rounds x ${contenders.length} runs x (${warmupS} s warm-up + ${durationS} s), ${connections} connections`);
    throughput = await sideBySide(contenders, rounds, { connections, durationS, warmupS }, log);
    throughputSequential = await sequentialLatency(contenders, 40);
    counters['ours-1'] = await cacheCounters(ours1.url);
    counters['ours-4'] = await cacheCounters(ours4.url);
  } finally {
    await resources.stop(...started);
  }

  const plain1 = combine(throughput.get('plain-1')!);
  const rows = contenders.map((c) => {
    const r = combine(throughput.get(c.key)!);
    return [
      c.label,
      r.reqPerSec.toFixed(0),
      r.perRound,
      String(r.p50),
      String(r.p99),
      ratio(r.reqPerSec / plain1.reqPerSec),
      ms(throughputSequential[c.key]),
      ms(r.gatewayCpu),
      ms(r.backendCpu),
      `${r.failures} / ${r.graphqlErrors}`,
    ];
  });
  // The target compares routing paths: plain @apollo/gateway has no cache, so ours runs with its caches off.
  // With them on, every request here is a miss that also writes its answers (response and shard entries):
  // reported beside it, the cost of caching traffic that never repeats.
  const paired = pairedRatio(throughput.get('ours-1-off')!, throughput.get('plain-1')!, (m) => m.reqPerSec);
  const throughputRatio = paired.median;
  const throughputPass = throughputRatio >= THROUGHPUT_TARGET;
  targets.push({
    what: 'throughput ours(1) / plain(1), routing path (caches off), distinct requests, median of per-round ratios',
    value: ratio(throughputRatio),
    target: `≥ ${THROUGHPUT_TARGET}×`,
    pass: throughputPass,
  });
  const missPaired = pairedRatio(throughput.get('ours-1')!, throughput.get('plain-1')!, (m) => m.reqPerSec);
  targets.push({
    what: 'throughput ours(1) with caches on, every request a miss / plain(1) (information)',
    value: ratio(missPaired.median),
    target: '',
    pass: null,
  });
  const fixedRatio = pairedRatio(throughput.get('ours-1-fixed')!, throughput.get('plain-1-fixed')!, (m) => m.reqPerSec).median;
  const cpuRatio = pairedRatio(throughput.get('ours-1')!, throughput.get('plain-1')!, (m) => m.gatewayCpuMsPerRequest).median;
  const ours4Ratio = pairedRatio(throughput.get('ours-4')!, throughput.get('ours-1')!, (m) => m.reqPerSec).median;
  sections.push({
    title: `Throughput, ${connections} connections, ${durationS} s per run (after ${warmupS} s warm-up), median of ${rounds} rounds`,
    table: {
      headers: [
        'gateway',
        'req/s',
        'req/s per round',
        'p50 ms',
        'p99 ms',
        'req/s vs (a)',
        'sequential median ms',
        'gateway CPU ms/req',
        'exchanges + providers CPU ms/req',
        'failed / GraphQL errors',
      ],
      rows,
    },
    text: [
      `**ours(1) / plain(1) = ${ratio(throughputRatio)}**, the routing path with caches off (median of the per-round ratios ${paired.each.map(ratio).join(', ')}; target ≥ ${THROUGHPUT_TARGET}×): ${passFail(throughputPass)}. With caches on and every request a miss (each writes a response entry and a shard entry that nothing reads again): ${ratio(missPaired.median)} (per round ${missPaired.each.map(ratio).join(', ')}). Gateway CPU per request, ours(1) caches on / plain(1): ${ratio(cpuRatio)}. With the identical query repeated, where our response cache answers: ${ratio(fixedRatio)}. ours(4) / ours(1): ${ratio(ours4Ratio)}.`,
      `Columns: req/s and latency from autocannon (${connections} connections); *sequential*: one request at a time, median of 40 after 5; *CPU ms/req*: user + system CPU of the processes (from /proc) during the measured seconds, divided by the requests answered; *failed*: non-2xx, socket errors and timeouts; *GraphQL errors*: 200 answers that carry \`errors\` (e.g. an exchange timeout).`,
      `Query: \`${FIXED_QUERY}\`. The rows without "identical" send it as \`${DISTINCT_QUERY}\` with a different \`$since\` on every request (one millisecond apart from 2000-01-01, while every listing is from 2015 or later): the same rows and the same work, but no cache (response or shard fetch) can answer, so the routing path is what is measured. Plain @apollo/gateway has no cache.`,
      `Checked before loading: (a), (b) and the exchange alone return the same data; (c)'s totalCount equals the sum of the four exchanges'. x-response-cache of ours(1) on two distinct requests and the identical one twice: ${checks['ours-1'].cacheHeaders.map((h) => h || '(none)').join(', ')}. Cache counters after the runs: ours(1) ${counters['ours-1']}; ours(4) ${counters['ours-4']}.`,
      `Catalog: 4 exchanges × ${perExchange.toLocaleString('en')} datasets (seeded in ${(seeded.wallMs / 1000).toFixed(1)} s). Every process (exchanges, providers, the gateway under test, autocannon in the benchmark process) shares the machine's cores, and the machine is shared with other work (see the load average above): req/s is that of the whole chain under that noise, which is why rounds alternate and ratios are paired per round.`,
    ].join('\n\n'),
  });

  // (d) fan-out latency: four delayed exchanges vs one.
  const fanStarted: Service[] = [];
  let fanout: Map<string, Measured[]>;
  let fanoutLow: Map<string, Measured[]> | null = null;
  let sequential: Record<string, number> = {};
  const fanContenders: Contender[] = [];
  try {
    const proxies = await startDelayProxies(resources, {
      name: 'delay-proxies',
      upstreams: Object.fromEntries(ids.map((id) => [id, exchanges[id].url])),
      delayMs,
    });
    fanStarted.push(proxies);
    const proxyUrls = (proxies.readyRecord?.urls ?? {}) as Record<string, string>;
    const [delayed1, delayed4] = await Promise.all([
      startOurGateway(resources, { name: 'ours-delayed-1', dir: dataDir, providersUrl: providers.url, exchanges: [{ id: one, url: proxyUrls[one] }] }),
      startOurGateway(resources, {
        name: 'ours-delayed-4',
        dir: dataDir,
        providersUrl: providers.url,
        exchanges: ids.map((id) => ({ id, url: proxyUrls[id] })),
      }),
    ]);
    fanStarted.push(delayed1, delayed4);
    fanContenders.push(
      {
        key: 'd1',
        label: `our gateway, 1 exchange delayed ${delayMs} ms`,
        url: delayed1.url,
        distinct: true,
        gatewayPid: delayed1.child.pid,
        backendPids: [exchanges[one].child.pid],
        proxyPids: [proxies.child.pid],
      },
      {
        key: 'd4',
        label: `our gateway, 4 exchanges each delayed ${delayMs} ms`,
        url: delayed4.url,
        distinct: true,
        gatewayPid: delayed4.child.pid,
        backendPids: ids.map((id) => exchanges[id].child.pid),
        proxyPids: [proxies.child.pid],
      },
    );
    for (const c of fanContenders) await checkAnswer(c.url, c.label);
    log(`fan-out: ${rounds} rounds x 2 gateways x (${warmupS} s warm-up + ${durationS} s), ${fanoutConnections} connections`);
    fanout = await sideBySide(fanContenders, rounds, { connections: fanoutConnections, durationS, warmupS }, log);
    if (fanoutConnectionsLow > 0 && fanoutConnectionsLow !== fanoutConnections) {
      log(`fan-out: ${rounds} rounds x 2 gateways x (${warmupS} s warm-up + ${durationS} s), ${fanoutConnectionsLow} connection(s)`);
      fanoutLow = await sideBySide(fanContenders, rounds, { connections: fanoutConnectionsLow, durationS, warmupS }, log);
    }
    // One client, one request at a time: the latency without queueing, to the tenth of a ms.
    sequential = await sequentialLatency(fanContenders, 40);
  } finally {
    await resources.stop(...fanStarted);
  }

  const fanPaired = pairedRatio(fanout.get('d4')!, fanout.get('d1')!, (m) => m.p50);
  const fanRatio = fanPaired.median;
  const seqRatio = sequential.d4 / sequential.d1;
  const fanPass = fanRatio <= FANOUT_TARGET;
  const lowPaired = fanoutLow ? pairedRatio(fanoutLow.get('d4')!, fanoutLow.get('d1')!, (m) => m.p50) : null;
  targets.push({
    what: `fan-out p50 latency, 4 delayed / 1 delayed (${fanoutConnections} connections, distinct requests, median of per-round ratios)`,
    value: ratio(fanRatio),
    target: `≤ ${FANOUT_TARGET}×`,
    pass: fanPass,
  });
  if (lowPaired) {
    targets.push({
      what: `fan-out p50 latency, 4 delayed / 1 delayed at ${fanoutConnectionsLow} connection(s) (information: the target is checked at ${fanoutConnections})`,
      value: ratio(lowPaired.median),
      target: `(≤ ${FANOUT_TARGET}×)`,
      pass: null,
    });
  }
  const fanRow = (c: Contender, results: Map<string, Measured[]>, connections: number, withSequential: boolean) => {
    const r = combine(results.get(c.key)!);
    const perRound = results
      .get(c.key)!
      .map((m) => String(m.p50))
      .join(' / ');
    return [
      c.label,
      String(connections),
      String(r.p50),
      perRound,
      ms(r.mean),
      String(r.p99),
      r.reqPerSec.toFixed(0),
      withSequential ? ms(sequential[c.key]) : '',
      ms(r.gatewayCpu),
      ms(r.backendCpu),
      ms(r.proxyCpu),
      `${r.failures} / ${r.graphqlErrors}`,
    ];
  };
  sections.push({
    title: `Fan-out latency: exchanges behind FlakyProxy with delayMs = ${delayMs}, ${fanoutConnections} connections`,
    table: {
      headers: [
        'gateway',
        'connections',
        'p50 ms',
        'p50 per round',
        'mean ms',
        'p99 ms',
        'req/s',
        'sequential median ms',
        'gateway CPU ms/req',
        'exchanges CPU ms/req',
        'proxies CPU ms/req',
        'failed / GraphQL errors',
      ],
      rows: [
        ...fanContenders.map((c) => fanRow(c, fanout, fanoutConnections, true)),
        ...(fanoutLow ? fanContenders.map((c) => fanRow(c, fanoutLow!, fanoutConnectionsLow, false)) : []),
      ],
    },
    text: [
      `**p50 ratio 4 / 1 = ${ratio(fanRatio)}** at ${fanoutConnections} connections (median of the per-round ratios ${fanPaired.each.map(ratio).join(', ')}; target ≤ ${FANOUT_TARGET}×): ${passFail(fanPass)}.${lowPaired ? ` At ${fanoutConnectionsLow} connection(s): ${ratio(lowPaired.median)} (per round ${lowPaired.each.map(ratio).join(', ')}).` : ''} One request at a time (40 sequential, median): ${ratio(seqRatio)}.`,
      `The target line is the one at ${fanoutConnections} connections, as this suite has always checked it: the target names no load, and a few concurrent clients is the ordinary case for a catalog. The pass at ${fanoutConnectionsLow || 'fewer'} connection(s) shows the latency of the fan-out itself, with (almost) no queueing behind other requests; the difference between the two is how much of the latency is waiting for a core: at ${fanoutConnections} connections a 4-exchange request costs the CPU of 4 exchange queries, 4 proxied calls and 4 answers merged, and every process (4 exchanges, the proxies, the gateway, autocannon) shares ${availableParallelism()} cores.`,
      `Distinct requests as above (no cache hits). The proxies (devkit/FlakyProxy.ts, one per exchange) run in one process of their own and forward each call after ${delayMs} ms. A request over four exchanges costs four exchange queries and four proxied calls: compare the CPU columns, on a machine of ${availableParallelism()} cores.`,
    ].join('\n\n'),
  });
  return { sections, targets };
}
