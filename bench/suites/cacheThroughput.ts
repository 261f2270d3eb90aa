/**
 * Cache throughput: the same query under the same bounded load (autocannon) through
 *   - our gateway with every cache layer made ineffective (the baseline),
 *   - our gateway with a warm response cache, in memory and on Redis (a redis-server of the suite's own),
 *   - our gateway with only the shard cache answering (requests carry `Authorization`, which skips the
 *     response cache), in memory and on Redis,
 *   - Hive Gateway (bench/hiveGatewayServer.ts) over the same one-exchange supergraph, without and with its
 *     response cache plugin (and without it, with distinct requests, as the like of our no-cache row),
 *   - the exchange alone, with distinct requests (the ceiling of any uncached path),
 * side by side in one run, in alternating order over several rounds; ratios are paired per round.
 *
 * "No cache": there is no switch to turn our caches off, so every request of the baseline carries an
 * `Authorization` header (no response cache) and a distinct no-op `updatedSince` (one millisecond apart
 * from 2000-01-01, before every listing: same rows, same work, but no shard-cache key repeats). The
 * exchange's own per-version caches (totalCount, statistics) miss as well, since the filter differs.
 * Every cached contender repeats the identical query.
 *
 * The /metrics counters of our gateways are read around each measured run: cache hits per layer and the
 * fetches actually sent to the exchange, per request, show which layer answered.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { availableParallelism } from 'node:os';
import { MAX_LOAD_SECONDS, runLoad } from '../lib/load.ts';
import type { Service } from '../../devkit/processes.ts';
import { freePort, REPO_ROOT } from '../../devkit/processes.ts';
import { processCpuMs, cpuMsOf } from '../lib/cpu.ts';
import { passFail } from '../lib/markdown.ts';
import { seedCatalog, startExchange, startProviders, startOurGateway, type BenchResources } from '../lib/stack.ts';
import { median, ms, ratio } from '../lib/stats.ts';
import { intFlag, type Suite, type SuiteContext, type SuiteReport, type TargetCheck } from '../lib/suite.ts';

/** The query of the brief, repeated identically by every cached contender. */
export const CACHE_QUERY = '{ datasets(first: 20, filter: { categories: [PUBLIC_HEALTH] }) { totalCount nodes { id title price { amount } } } }';

/** The same query with a no-op `updatedSince`, varied per request so that no cache answers it. */
export const CACHE_MISS_QUERY =
  'query CacheBench($since: DateTime) { datasets(first: 20, filter: { categories: [PUBLIC_HEALTH], updatedSince: $since }) { totalCount nodes { id title price { amount } } } }';

const SINCE_BASE_MS = Date.UTC(2000, 0, 1);
let sinceCounter = 0;
/** A new instant every call (one millisecond apart, from 2000-01-01; every listing is from 2015 or later). */
function missVariables(): Record<string, unknown> {
  return { since: new Date(SINCE_BASE_MS + sinceCounter++).toISOString() };
}

const AUTHORIZATION = 'Bearer x';
const WARM_TARGET = 10;
const HIVE_TARGET = 1;

export const cacheThroughputSuite: Suite = {
  name: 'cache',
  title: 'Cache throughput (autocannon): our gateway without cache, warm (memory, Redis, shard cache only), and Hive Gateway',
  flags: {
    'cache-per-exchange': { default: '20000', description: 'datasets of the one exchange of the cache suite' },
    duration: { default: '8', description: 'measured seconds per autocannon run (at most 30)' },
    'load-warmup': { default: '2', description: 'unmeasured seconds before each autocannon run' },
    connections: { default: '20', description: 'autocannon connections for throughput' },
    'cache-rounds': { default: '3', description: 'rounds of the cache suite (order alternates each round)' },
  },
  run: runCacheThroughput,
};

type Mode = 'miss' | 'anonymous' | 'authorized';

export interface Contender {
  key: string;
  label: string;
  url: string;
  /** miss: distinct variables + Authorization; anonymous: identical query; authorized: identical query + Authorization. */
  mode: Mode;
  /** Our gateways only: where /metrics is. */
  metricsUrl?: string;
  gatewayPid?: number;
  backendPids: Array<number | undefined>;
  redisPid?: number;
}

interface Counters {
  hits: Record<string, number>;
  misses: Record<string, number>;
  fetches: number;
}

export interface Measured {
  reqPerSec: number;
  p50: number;
  p99: number;
  total: number;
  failures: number;
  graphqlErrors: number;
  gatewayCpu: number;
  backendCpu: number;
  redisCpu: number;
  /** CPU of this (the benchmark) process, where autocannon runs. */
  loaderCpu: number;
  /** Gateway + exchange + providers + redis-server: what serving one request costs, whatever the noise. */
  serverCpu: number;
  /** Per request, from /metrics (NaN for Hive and the exchange alone). */
  responseHits: number;
  shardHits: number;
  fetches: number;
}

function headersFor(mode: Mode): Record<string, string> {
  return mode === 'anonymous' ? { 'content-type': 'application/json' } : { 'content-type': 'application/json', authorization: AUTHORIZATION };
}

/** One bounded autocannon run (after an unmeasured warm-up) with the contender's headers and bodies. */
async function load(contender: Contender, options: { connections: number; durationS: number; warmupS: number; beforeMeasured: () => Promise<void> }) {
  const miss = contender.mode === 'miss';
  const result = await runLoad({
    url: contender.url,
    query: miss ? CACHE_MISS_QUERY : CACHE_QUERY,
    variablesFor: miss ? missVariables : undefined,
    headers: headersFor(contender.mode),
    ...options,
  });
  return { ...result, failures: result.errors + result.timeouts + result.non2xx };
}

/** gateway_cache_{hits,misses}_total by layer and gateway_shard_fetches_total (all exchanges) from /metrics. */
async function readCounters(metricsUrl: string): Promise<Counters> {
  const response = await fetch(metricsUrl, { signal: AbortSignal.timeout(5_000) });
  if (!response.ok) throw new Error(`${metricsUrl} answered ${response.status}`);
  const counters: Counters = { hits: {}, misses: {}, fetches: 0 };
  for (const line of (await response.text()).split('\n')) {
    const m = /^(gateway_cache_hits_total|gateway_cache_misses_total|gateway_shard_fetches_total)\{([^}]*)\}\s+(\S+)/.exec(line);
    if (!m) continue;
    const value = Number(m[3]);
    if (m[1] === 'gateway_shard_fetches_total') counters.fetches += value;
    else {
      const layer = /layer="([^"]*)"/.exec(m[2])?.[1] ?? '?';
      (m[1] === 'gateway_cache_hits_total' ? counters.hits : counters.misses)[layer] = value;
    }
  }
  return counters;
}

export async function sideBySide(
  contenders: Contender[],
  rounds: number,
  loadOptions: { connections: number; durationS: number; warmupS: number },
  log: (m: string) => void,
): Promise<Map<string, Measured[]>> {
  const results = new Map<string, Measured[]>(contenders.map((c) => [c.key, []]));
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 === 0 ? contenders : [...contenders].reverse();
    for (const c of order) {
      let gatewayCpu = 0;
      let backendCpu = 0;
      let redisCpu = 0;
      let loaderCpu = process.cpuUsage();
      let before: Counters | undefined;
      const result = await load(c, {
        ...loadOptions,
        beforeMeasured: async () => {
          if (c.metricsUrl) before = await readCounters(c.metricsUrl);
          gatewayCpu = processCpuMs(c.gatewayPid);
          backendCpu = cpuMsOf(c.backendPids);
          redisCpu = processCpuMs(c.redisPid);
          loaderCpu = process.cpuUsage();
        },
      });
      const loaderUsage = process.cpuUsage(loaderCpu);
      const gatewayCpuAfter = processCpuMs(c.gatewayPid);
      const backendCpuAfter = cpuMsOf(c.backendPids);
      const redisCpuAfter = processCpuMs(c.redisPid);
      const after = c.metricsUrl ? await readCounters(c.metricsUrl) : undefined;
      const perRequest = (pick: (k: Counters) => number) => (before && after ? (pick(after) - pick(before)) / result.total : Number.NaN);
      const measured: Measured = {
        ...result,
        gatewayCpu: (gatewayCpuAfter - gatewayCpu) / result.total,
        backendCpu: (backendCpuAfter - backendCpu) / result.total,
        redisCpu: c.redisPid === undefined ? Number.NaN : (redisCpuAfter - redisCpu) / result.total,
        loaderCpu: (loaderUsage.user + loaderUsage.system) / 1000 / result.total,
        serverCpu: 0,
        responseHits: perRequest((k) => k.hits.response ?? 0),
        shardHits: perRequest((k) => k.hits.shard ?? 0),
        fetches: perRequest((k) => k.fetches),
      };
      measured.serverCpu = [measured.gatewayCpu, measured.backendCpu, measured.redisCpu].filter(Number.isFinite).reduce((a, b) => a + b, 0);
      log(
        `  round ${round + 1}: ${c.label}: ${result.reqPerSec.toFixed(0)} req/s, p50 ${result.p50} ms, p99 ${result.p99} ms, CPU ms/req gateway ${ms(measured.gatewayCpu)} backends ${ms(measured.backendCpu)}` +
          (c.metricsUrl
            ? `, per request: response hits ${measured.responseHits.toFixed(2)}, shard hits ${measured.shardHits.toFixed(2)}, exchange fetches ${measured.fetches.toFixed(2)}`
            : '') +
          (result.failures || result.graphqlErrors ? `, ${result.failures} failed, ${result.graphqlErrors} answers with GraphQL errors` : ''),
      );
      results.get(c.key)!.push(measured);
    }
  }
  return results;
}

/** Per round, a figure of `a` over the same of `b` (runs of one round are close in time): the median and each. */
export function pairedRatio(a: Measured[], b: Measured[], pick: (m: Measured) => number): { median: number; each: number[] } {
  const each = a.map((m, i) => pick(m) / pick(b[i]));
  return { median: median(each), each };
}

export function combine(results: Measured[]) {
  const med = (pick: (m: Measured) => number) => median(results.map(pick));
  return {
    reqPerSec: med((r) => r.reqPerSec),
    p50: med((r) => r.p50),
    p99: med((r) => r.p99),
    gatewayCpu: med((r) => r.gatewayCpu),
    backendCpu: med((r) => r.backendCpu),
    redisCpu: med((r) => r.redisCpu),
    loaderCpu: med((r) => r.loaderCpu),
    serverCpu: med((r) => r.serverCpu),
    responseHits: med((r) => r.responseHits),
    shardHits: med((r) => r.shardHits),
    fetches: med((r) => r.fetches),
    failures: results.reduce((n, r) => n + r.failures, 0),
    graphqlErrors: results.reduce((n, r) => n + r.graphqlErrors, 0),
    perRound: results.map((r) => r.reqPerSec.toFixed(0)).join(' / '),
  };
}

/** A redis-server of the suite's own on a free port (nothing persisted), in its own process group. */
export async function startRedis(resources: BenchResources): Promise<{ url: string; child: ChildProcess; stop(): Promise<void> }> {
  const port = await freePort();
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--maxmemory-policy', 'noeviction'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  resources.trackChild(child);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => reject(new Error(`redis-server on port ${port} did not start within 10 s:\n${output}`)), 10_000);
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(new Error(`cannot start redis-server: ${err.message}`));
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`redis-server on port ${port} exited with ${code}:\n${output}`));
    });
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('Ready to accept connections')) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
  child.stdout!.resume();
  child.stderr!.resume();
  return {
    url: `redis://127.0.0.1:${port}`,
    child,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

function startHiveGateway(
  resources: BenchResources,
  options: { name: string; exchangeUrl: string; providersUrl: string; responseCache: boolean },
): Promise<Service> {
  return resources.start({
    name: options.name,
    file: 'bench/hiveGatewayServer.ts',
    readyMsg: 'hive gateway ready',
    env: {
      PORT: '0',
      EXCHANGE_URL: options.exchangeUrl,
      PROVIDERS_URL: options.providersUrl,
      RESPONSE_CACHE: options.responseCache ? '1' : '0',
      NODE_ENV: undefined,
    },
  });
}

function hiveVersion(): string {
  try {
    return (JSON.parse(readFileSync(join(REPO_ROOT, 'bench/node_modules/@graphql-hive/gateway/package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return '(version unknown)';
  }
}

interface Answer {
  status: number;
  body: any;
  cacheHeader: string;
}

export async function post(url: string, mode: Mode): Promise<Answer> {
  const query = mode === 'miss' ? CACHE_MISS_QUERY : CACHE_QUERY;
  const response = await fetch(url, {
    method: 'POST',
    headers: headersFor(mode),
    body: JSON.stringify({ query, variables: mode === 'miss' ? missVariables() : {} }),
    signal: AbortSignal.timeout(30_000),
  });
  return { status: response.status, body: await response.json(), cacheHeader: response.headers.get('x-response-cache') ?? '' };
}

/** Three answers in the contender's mode: 200, 20 nodes, no errors, the same data as the exchange alone. */
export async function checkContender(c: Contender, expected: unknown): Promise<string[]> {
  const headers: string[] = [];
  for (let i = 0; i < 3; i++) {
    const answer = await post(c.url, c.mode);
    const nodes = answer.body?.data?.datasets?.nodes;
    if (answer.status !== 200 || answer.body.errors?.length || !Array.isArray(nodes) || nodes.length !== 20) {
      throw new Error(`${c.label}: expected 20 nodes and no errors, got ${answer.status} ${JSON.stringify(answer.body).slice(0, 400)}`);
    }
    if (JSON.stringify(answer.body.data) !== JSON.stringify(expected)) {
      throw new Error(
        `${c.label} answers differently from the exchange alone:\n${JSON.stringify(answer.body.data).slice(0, 400)}\n${JSON.stringify(expected).slice(0, 400)}`,
      );
    }
    headers.push(answer.cacheHeader || '-');
  }
  return headers;
}

async function healthCache(graphqlUrl: string): Promise<string> {
  const response = await fetch(graphqlUrl.replace(/\/graphql$/, '/health'), { signal: AbortSignal.timeout(5_000) });
  return String(((await response.json()) as { cache?: { status?: unknown } }).cache?.status);
}

async function runCacheThroughput({ resources, flags, log }: SuiteContext): Promise<SuiteReport> {
  const perExchange = intFlag(flags, 'cache-per-exchange', 20, 250_000);
  const durationS = intFlag(flags, 'duration', 1, MAX_LOAD_SECONDS);
  const warmupS = intFlag(flags, 'load-warmup', 0, MAX_LOAD_SECONDS);
  const connections = intFlag(flags, 'connections', 1, 500);
  const rounds = intFlag(flags, 'cache-rounds', 1, 10);
  const id = 'bj';

  const dataDir = resources.tempDir('cache-data');
  log(`seeding exchange ${id} with ${perExchange} datasets ...`);
  const seeded = await seedCatalog(resources, { perExchange, dataDir, exchanges: [id], timeoutMs: 10 * 60_000 });
  log(`seeded in ${(seeded.wallMs / 1000).toFixed(1)} s`);

  const started: Service[] = [];
  let redis: Awaited<ReturnType<typeof startRedis>> | undefined;
  const contenders: Contender[] = [];
  const cacheHeaders: Record<string, string[]> = {};
  let results: Map<string, Measured[]>;
  let redisHealth: string;
  let memoryHealth: string;
  try {
    const [providers, exchange] = await Promise.all([startProviders(resources), startExchange(resources, id, join(dataDir, `${id}.db`))]);
    started.push(providers, exchange);
    redis = await startRedis(resources);
    const exchanges = [{ id, url: exchange.url }];
    const [oursDisabled, oursMemory, oursRedis, hive, hiveCached] = await Promise.all([
      startOurGateway(resources, { name: 'ours-disabled', dir: dataDir, providersUrl: providers.url, exchanges, env: { CACHE_DISABLED: '1' } }),
      startOurGateway(resources, { name: 'ours-memory', dir: dataDir, providersUrl: providers.url, exchanges }),
      startOurGateway(resources, { name: 'ours-redis', dir: dataDir, providersUrl: providers.url, exchanges, env: { REDIS_URL: redis.url } }),
      startHiveGateway(resources, { name: 'hive', exchangeUrl: exchange.url, providersUrl: providers.url, responseCache: false }),
      startHiveGateway(resources, { name: 'hive-cached', exchangeUrl: exchange.url, providersUrl: providers.url, responseCache: true }),
    ]);
    started.push(oursDisabled, oursMemory, oursRedis, hive, hiveCached);
    const backends = [exchange.child.pid, providers.child.pid];
    const metrics = (s: Service) => s.url.replace(/\/graphql$/, '/metrics');
    contenders.push(
      { key: 'exchange', label: `exchange ${id} alone, no gateway, distinct requests`, url: exchange.url, mode: 'miss', backendPids: backends },
      {
        key: 'disabled',
        label: 'ours, caches off (CACHE_DISABLED=1), identical query',
        url: oursDisabled.url,
        mode: 'anonymous',
        metricsUrl: metrics(oursDisabled),
        gatewayPid: oursDisabled.child.pid,
        backendPids: backends,
      },
      {
        key: 'nocache',
        label: 'ours, cold: every layer misses (memory store; Authorization + distinct variables)',
        url: oursMemory.url,
        mode: 'miss',
        metricsUrl: metrics(oursMemory),
        gatewayPid: oursMemory.child.pid,
        backendPids: backends,
      },
      {
        key: 'warm-memory',
        label: 'ours, warm response cache, memory (anonymous)',
        url: oursMemory.url,
        mode: 'anonymous',
        metricsUrl: metrics(oursMemory),
        gatewayPid: oursMemory.child.pid,
        backendPids: backends,
      },
      {
        key: 'shard-memory',
        label: 'ours, shard cache only, memory (Authorization)',
        url: oursMemory.url,
        mode: 'authorized',
        metricsUrl: metrics(oursMemory),
        gatewayPid: oursMemory.child.pid,
        backendPids: backends,
      },
      {
        key: 'nocache-redis',
        label: 'ours, cold: every layer misses, Redis store (Authorization + distinct variables)',
        url: oursRedis.url,
        mode: 'miss',
        metricsUrl: metrics(oursRedis),
        gatewayPid: oursRedis.child.pid,
        backendPids: backends,
        redisPid: redis.child.pid,
      },
      {
        key: 'warm-redis',
        label: 'ours, warm response cache, Redis (anonymous)',
        url: oursRedis.url,
        mode: 'anonymous',
        metricsUrl: metrics(oursRedis),
        gatewayPid: oursRedis.child.pid,
        backendPids: backends,
        redisPid: redis.child.pid,
      },
      {
        key: 'shard-redis',
        label: 'ours, shard cache only, Redis (Authorization)',
        url: oursRedis.url,
        mode: 'authorized',
        metricsUrl: metrics(oursRedis),
        gatewayPid: oursRedis.child.pid,
        backendPids: backends,
        redisPid: redis.child.pid,
      },
      { key: 'hive', label: 'Hive Gateway, no response cache', url: hive.url, mode: 'anonymous', gatewayPid: hive.child.pid, backendPids: backends },
      {
        key: 'hive-distinct',
        label: 'Hive Gateway, no response cache, distinct requests',
        url: hive.url,
        mode: 'miss',
        gatewayPid: hive.child.pid,
        backendPids: backends,
      },
      {
        key: 'hive-cached',
        label: 'Hive Gateway, response cache plugin',
        url: hiveCached.url,
        mode: 'anonymous',
        gatewayPid: hiveCached.child.pid,
        backendPids: backends,
      },
    );

    // Every contender returns the exchange's own answer (the no-op updatedSince changes nothing).
    const expected = (await post(exchange.url, 'anonymous')).body.data;
    if (!expected?.datasets?.nodes || expected.datasets.nodes.length !== 20)
      throw new Error(`exchange ${id} did not return 20 nodes: ${JSON.stringify(expected).slice(0, 300)}`);
    for (const c of contenders) cacheHeaders[c.key] = await checkContender(c, expected);
    memoryHealth = await healthCache(oursMemory.url);
    redisHealth = await healthCache(oursRedis.url);
    if (redisHealth !== 'redis') throw new Error(`the Redis gateway reports its cache as ${JSON.stringify(redisHealth)}, not "redis"`);

    log(`cache throughput: ${rounds} rounds x ${contenders.length} runs x (${warmupS} s warm-up + ${durationS} s), ${connections} connections`);
    results = await sideBySide(contenders, rounds, { connections, durationS, warmupS }, log);
  } finally {
    await resources.stop(...started);
    await redis?.stop();
  }

  const combined = Object.fromEntries(contenders.map((c) => [c.key, combine(results.get(c.key)!)]));
  const base = combined.disabled;
  const rows = contenders.map((c) => {
    const r = combined[c.key];
    const perReq = (v: number) => (Number.isFinite(v) ? v.toFixed(2) : 'n/a');
    return [
      c.label,
      r.reqPerSec.toFixed(0),
      r.perRound,
      String(r.p50),
      String(r.p99),
      ratio(r.reqPerSec / base.reqPerSec),
      ms(r.gatewayCpu),
      ms(r.backendCpu),
      ms(r.redisCpu),
      ms(r.serverCpu),
      ms(r.loaderCpu),
      `${perReq(r.responseHits)} / ${perReq(r.shardHits)} / ${perReq(r.fetches)}`,
      `${r.failures} / ${r.graphqlErrors}`,
    ];
  });

  const pair = (a: string, b: string) => pairedRatio(results.get(a)!, results.get(b)!, (m) => m.reqPerSec);
  /** How many times less server CPU a request of `a` costs than one of `b`. */
  const cpuSaving = (a: string, b: string) => pairedRatio(results.get(b)!, results.get(a)!, (m) => m.serverCpu).median;
  const ratios: Array<{ what: string; a: string; b: string; target?: number }> = [
    { what: 'warm response cache, memory / caches off', a: 'warm-memory', b: 'disabled', target: WARM_TARGET },
    { what: 'warm response cache, Redis / caches off', a: 'warm-redis', b: 'disabled', target: WARM_TARGET },
    { what: 'warm response cache, memory / cold (every layer misses)', a: 'warm-memory', b: 'nocache' },
    { what: 'warm response cache, Redis / cold (every layer misses), Redis', a: 'warm-redis', b: 'nocache-redis' },
    { what: 'shard cache only, memory / caches off', a: 'shard-memory', b: 'disabled' },
    { what: 'shard cache only, Redis / caches off', a: 'shard-redis', b: 'disabled' },
    { what: 'caches off / cold (the cost of missing every layer)', a: 'disabled', b: 'nocache' },
    { what: 'ours warm (memory) / Hive, no response cache', a: 'warm-memory', b: 'hive', target: HIVE_TARGET },
    { what: 'ours warm (memory) / Hive, response cache', a: 'warm-memory', b: 'hive-cached', target: HIVE_TARGET },
    { what: 'ours warm (Redis) / Hive, no response cache', a: 'warm-redis', b: 'hive' },
    { what: 'ours warm (Redis) / Hive, response cache', a: 'warm-redis', b: 'hive-cached' },
    { what: 'ours caches off / Hive no response cache, identical query', a: 'disabled', b: 'hive' },
    { what: 'ours cold / Hive no response cache, both distinct requests', a: 'nocache', b: 'hive-distinct' },
    { what: 'Hive response cache / Hive without', a: 'hive-cached', b: 'hive' },
  ];
  const targets: TargetCheck[] = [];
  const ratioRows = ratios.map((r) => {
    const p = pair(r.a, r.b);
    const pass = r.target === undefined ? null : r.target === HIVE_TARGET ? p.median > r.target : p.median >= r.target;
    if (r.target !== undefined) {
      targets.push({
        what: `throughput ${r.what} (median of per-round ratios)`,
        value: ratio(p.median),
        target: r.target === HIVE_TARGET ? `> ${r.target}× (faster)` : `≥ ${r.target}×`,
        pass,
      });
    }
    return [r.what, ratio(p.median), p.each.map(ratio).join(', '), ratio(cpuSaving(r.a, r.b)), r.target === undefined ? 'info' : passFail(pass)];
  });

  return {
    sections: [
      {
        title: `Throughput, one exchange (${perExchange.toLocaleString('en')} datasets), ${connections} connections, median of ${rounds} rounds`,
        table: {
          headers: [
            'contender',
            'req/s',
            'req/s per round',
            'p50 ms',
            'p99 ms',
            '× caches off',
            'gateway CPU ms/req',
            'exchange+providers CPU ms/req',
            'redis CPU ms/req',
            'all servers CPU ms/req',
            'autocannon CPU ms/req',
            'per request: response hits / shard hits / exchange fetches',
            'failed / GraphQL errors',
          ],
          rows,
        },
        text: [
          `Query: \`${CACHE_QUERY}\`, repeated identically by every contender but the "cold" and "distinct requests" rows, which send \`${CACHE_MISS_QUERY}\` with a different \`$since\` on every request (one millisecond apart from 2000-01-01, before every listing: the same rows and work, no repeated cache key) and, for our gateway, \`Authorization: ${AUTHORIZATION}\` (no response cache): every layer misses and pays its lookups and writes (shard fetch, response; the exchange's own per-version totalCount cache misses too). The baseline of the targets is "caches off": a gateway started with \`CACHE_DISABLED=1\` (no response, shard, entity cache) asked the identical query, as is Hive Gateway without its response cache; with the identical query the exchange's own cache answers \`totalCount\` for both (see the exchange CPU column). "Shard cache only" sends the identical query with \`Authorization\`: the response cache is skipped, the gateway plans and executes, and the shard cache answers the exchange fetch.`,
          `Our gateways: \`gateway/src/main.ts\` over the one exchange, one with the in-process store (health: cache \`${memoryHealth}\`), one with \`REDIS_URL\` on a redis-server of the suite's own (health: cache \`${redisHealth}\`), default \`CACHE_TTL_SECONDS\`. Hive Gateway ${hiveVersion()}: \`bench/hiveGatewayServer.ts\`, \`createGatewayRuntime\` on node:http over a supergraph composed by @apollo/composition from the exchange contract at the exchange's URL and the providers subgraph; "response cache plugin" is \`responseCaching: { session: () => null }\` (its in-memory store).`,
          `Columns: req/s and latency from autocannon (${durationS} s measured after ${warmupS} s unmeasured, ${connections} connections, in the benchmark process); *CPU ms/req*: user + system CPU of the processes (from /proc) during the measured seconds over the requests answered (*autocannon*: the benchmark process itself, which shares the cores); *per request*: deltas of our gateway's /metrics counters (\`gateway_cache_hits_total{layer}\`, \`gateway_shard_fetches_total\`) over the measured seconds, divided by the requests answered (n/a for Hive and the exchange; slightly above 1 when requests still in flight at the end of a run are not counted by autocannon); *failed*: non-2xx, socket errors and timeouts; *GraphQL errors*: 200 answers that carry \`errors\`.`,
          `Checked before loading: each contender answered three times, each time 200 with 20 nodes and exactly the exchange's data. x-response-cache seen on those three answers: ${contenders
            .filter((c) => c.metricsUrl)
            .map((c) => `${c.key} ${cacheHeaders[c.key].join(', ')}`)
            .join('; ')}.`,
          `All processes (exchange, providers, four gateways, all idle but the one loaded, redis-server, autocannon) share ${availableParallelism()} cores of a machine shared with other work: compare the ratios, paired per round, not the absolute figures.`,
        ].join('\n\n'),
      },
      {
        title: 'Ratios of throughput (req/s), median of the per-round ratios',
        table: {
          headers: ['ratio', 'req/s ratio, median', 'req/s ratio per round', 'server CPU per request, inverse ratio (median)', 'target'],
          rows: ratioRows,
        },
        text: `Targets (on req/s): warm response cache ≥ ${WARM_TARGET}× the no-cache baseline (memory and Redis); our warm path (in-process store, as Hive's response cache is in-process) faster than Hive Gateway with and without its response cache. The other ratios are information. *Server CPU per request, inverse ratio*: the CPU all server processes (gateway, exchange, providers, redis-server) spent per request of the second contender over that of the first, paired per round: how many times cheaper the first one's request is, a figure the machine's noise disturbs less than req/s (autocannon, in the benchmark process, not counted).`,
      },
    ],
    targets,
  };
}
