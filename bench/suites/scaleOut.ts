/**
 * Scale-out (`--only exchanges`): the gateway over 4, 8, 16, 32 and 48 registered exchanges, each its own
 * HTTP server, database and store with a small catalog whose categories are spread unevenly
 * (SEED_CATEGORIES), caches off. For each
 * count: p50, p99 and gateway CPU per request of researcher queries, unfiltered and filtered, the calls
 * each query made (the gateway's own metrics), and the gateway's memory. Then, at 32, one exchange slow
 * (a FlakyProxy delaying past the exchange timeout) and one down (behind a FlakyProxy that is closed).
 * The exchanges run in P host processes (subgraphs/exchange/host.ts, exchange i in host i mod P, so the
 * first N run in min(N, P) processes), or with P = 0 each in its own process (main.ts); `--scale-processes`
 * may list several layouts, measured one after the other in one run. Targets: docs/scale-out.md.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import * as echarts from 'echarts';
import { FlakyProxy } from '../../devkit/FlakyProxy.ts';
import { CATEGORIES } from '../../shared/domain.ts';
import type { Service } from '../../devkit/processes.ts';
import { GraphqlClient } from '../lib/graphqlClient.ts';
import { processCpuMs } from '../lib/cpu.ts';
import { heapAfterGc, INSPECT_OPTION, inspectorUrlOf } from '../lib/heap.ts';
import { percentile, ms, ratio } from '../lib/stats.ts';
import { exchangeHostService, exchangeService, gatewayService, hostedExchangesOf, providersService } from '../../devkit/services.ts';
import type { BenchResources } from '../lib/stack.ts';
import { intFlag, type Suite, type TargetCheck } from '../lib/suite.ts';
import { metricsUrlOf, shardFetchesByExchange } from '../lib/gatewayMetrics.ts';

/** The category three exchanges list (the first three), and no other. */
const RARE = 'AUDIO_SAMPLES';
const COMMON = CATEGORIES.filter((c) => c !== RARE);
export const IDS = [...'abcdefghijklmnopqrstuvwxyz'].map((c) => `x${c}`).concat([...'abcdefghijklmnopqrstuv'].map((c) => `y${c}`));
const TIMEOUT_MS = 2000;
const PLOT = fileURLToPath(new URL('../scale-out.svg', import.meta.url));

export const QUERIES: Record<string, string> = {
  'datasets, unfiltered': '{ datasets(first: 20) { totalCount nodes { id title price { model amount } } } }',
  'priceStatistics by exchange': '{ priceStatistics(groupBy: [EXCHANGE]) { buckets { keys count min max } missingExchanges } }',
  'products, minExchanges 2': '{ products(filter: { minExchanges: 2 }, first: 10) { totalCount nodes { productCode exchangeCount } } }',
  [`datasets, ${RARE} (3 exchanges list it)`]: `{ datasets(first: 20, filter: { categories: [${RARE}] }) { totalCount nodes { id title } } }`,
  [`priceStatistics, ${RARE}`]: `{ priceStatistics(groupBy: [CATEGORY], filter: { categories: [${RARE}] }) { buckets { keys count } } }`,
};
const FILTERED = `datasets, ${RARE} (3 exchanges list it)`;
const UNFILTERED = 'datasets, unfiltered';

/** Exchange i's categories: the first three list the rare one; every exchange lists a rotating few others. */
export function categoriesOf(i: number): string[] {
  const few = [0, 1, 2, 3].map((k) => COMMON[(i * 3 + k) % COMMON.length]);
  return i < 3 ? [RARE, ...few] : few;
}

/** A gateway started by the suite, with its inspector (to read its heap after a forced GC). */
interface Gateway {
  service: Service;
  inspectorUrl: string | null;
}

/** Exchanges whose summary for their current version the gateway holds (gauge gateway_catalog_summaries). */
async function summariesHeld(gateway: Service): Promise<number> {
  const text = await (await fetch(metricsUrlOf(gateway.url))).text();
  return Number(/^gateway_catalog_summaries (\d+)/m.exec(text)?.[1] ?? Number.NaN);
}

async function until(what: string, timeoutMs: number, condition: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`gave up waiting ${timeoutMs} ms for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

/**
 * Measuring starts from the state the targets are about: every exchange ONLINE (a start-up check that
 * failed under load is probed again every HEALTH_RECOVERY_INTERVAL_MS) and its summary held (a filtered
 * query asks for those not held yet; a failed fetch is retried in the background).
 */
async function settle(gateway: Service, client: GraphqlClient, exchanges: number): Promise<void> {
  const healthUrl = gateway.url.replace(/\/graphql$/, '/health');
  await until(`${exchanges} exchanges ONLINE`, 180_000, async () => {
    const health = (await (await fetch(healthUrl)).json()) as { exchanges: Array<{ status: string }> };
    return health.exchanges.length === exchanges && health.exchanges.every((e) => e.status === 'ONLINE');
  });
  await until(`${exchanges} catalog summaries held`, 180_000, async () => {
    await client.post(QUERIES[FILTERED]);
    return (await summariesHeld(gateway)) === exchanges;
  });
}

interface Memory {
  exchanges: number;
  heapMiB: number;
  rssMiB: number;
}

async function memoryOf(gateway: Service, inspectorUrl: string | null, exchanges: number): Promise<Memory> {
  const heapMiB = inspectorUrl ? (await heapAfterGc(inspectorUrl).catch(() => Number.NaN)) / 2 ** 20 : Number.NaN;
  return { exchanges, heapMiB, rssMiB: rssMiB(gateway.child.pid) };
}

/** The least-squares slope of y against x (NaN with fewer than two distinct x). */
function slopeOf(points: Array<[number, number]>): number {
  const meanX = points.reduce((sum, [x]) => sum + x, 0) / points.length;
  const meanY = points.reduce((sum, [, y]) => sum + y, 0) / points.length;
  const sxx = points.reduce((sum, [x]) => sum + (x - meanX) ** 2, 0);
  return sxx > 0 ? points.reduce((sum, [x, y]) => sum + (x - meanX) * (y - meanY), 0) / sxx : Number.NaN;
}

function perExchangeText(mib: number): string {
  return Number.isFinite(mib) ? `${(mib * 1024).toFixed(0)} KiB (${mib.toFixed(3)} MiB)` : 'n/a';
}

function rssMiB(pid: number | undefined): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1]) / 1024;
  } catch {
    return Number.NaN;
  }
}

interface Row {
  layout: string;
  exchanges: number;
  query: string;
  p50: number;
  p99: number;
  cpuMs: number;
  /** CPU of the processes serving the registered exchanges together, per request: what 2 cores must also run. */
  exchangeCpuMs: number;
  called: string[];
}

function cpuOf(services: Service[]): number {
  return services.reduce((sum, service) => sum + processCpuMs(service.child.pid), 0);
}

async function measure(
  client: GraphqlClient,
  gateway: Service,
  /** The processes serving the registered exchanges (their CPU is read from /proc). */
  processes: Service[],
  query: string,
  counts: { warmup: number; samples: number },
): Promise<Omit<Row, 'layout' | 'exchanges' | 'query'>> {
  const { warmup, samples } = counts;
  // Unmeasured first: every exchange process (and the gateway) JIT-compiles its request path on its first
  // calls, which a long-running exchange has long done; with 3, the 28 exchanges a count of 32 adds over 4
  // were measured on their first ~20 calls (about 1.7 ms of CPU a call against 1.1 ms warm).
  for (let i = 0; i < warmup; i++) await client.post(query);
  const before = await shardFetchesByExchange(gateway.url);
  const cpuBefore = processCpuMs(gateway.child.pid);
  const exchangeCpuBefore = cpuOf(processes);
  const durations: number[] = [];
  for (let i = 0; i < samples; i++) {
    const answer = await client.post(query);
    if (answer.status !== 200 || !answer.body.data) throw new Error(`gateway answered ${answer.status}: ${JSON.stringify(answer.body).slice(0, 300)}`);
    durations.push(answer.ms);
  }
  const cpuMs = (processCpuMs(gateway.child.pid) - cpuBefore) / samples;
  const exchangeCpuMs = (cpuOf(processes) - exchangeCpuBefore) / samples;
  const after = await shardFetchesByExchange(gateway.url);
  const called = [...after].filter(([id, n]) => n - (before.get(id) ?? 0) > 0).map(([id]) => id);
  return { p50: percentile(durations, 0.5), p99: percentile(durations, 0.99), cpuMs, exchangeCpuMs, called: called.sort() };
}

async function startGatewayOver(
  resources: BenchResources,
  options: { dir: string; name: string; providersUrl: string; exchanges: Array<Record<string, unknown>> },
): Promise<Gateway> {
  const file = join(options.dir, `${options.name}.exchanges.json`);
  writeFileSync(file, JSON.stringify({ exchanges: options.exchanges }));
  let inspectorUrl: string | null = null;
  const service = await resources.start({
    ...gatewayService(),
    name: options.name,
    timeoutMs: 300_000,
    onLine: (line) => void (inspectorUrl ??= inspectorUrlOf(line)),
    env: {
      NODE_OPTIONS: INSPECT_OPTION,
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      PROVIDERS_URL: options.providersUrl,
      EXCHANGES_FILE: file,
      CACHE_DISABLED: '1',
      EXCHANGE_TIMEOUT_MS: String(TIMEOUT_MS),
      HEALTH_INTERVAL_MS: '600000',
      REDIS_URL: undefined,
      REDIS_CLUSTER_NODES: undefined,
      NODE_ENV: undefined,
    },
  });
  return { service, inspectorUrl };
}

function plot(rows: Row[], counts: number[]): string {
  const chart = echarts.init(null, null, { renderer: 'svg', ssr: true, width: 900, height: 420 });
  const queries = [...new Set(rows.map((r) => r.query))];
  chart.setOption({
    animation: false,
    title: { text: 'Gateway p50 (ms) and CPU per request (ms) vs registered exchanges (caches off)', textStyle: { fontSize: 13 } },
    legend: { top: 24, textStyle: { fontSize: 10 } },
    grid: { top: 90, left: 50, right: 20, bottom: 40 },
    xAxis: { type: 'category', name: 'exchanges', data: counts.map(String) },
    yAxis: { type: 'value', name: 'ms' },
    series: [
      ...queries.map((query) => ({
        name: `p50 ${query}`,
        type: 'line',
        data: counts.map((n) => rows.find((r) => r.exchanges === n && r.query === query)?.p50 ?? null),
      })),
      {
        name: `CPU/request ${UNFILTERED}`,
        type: 'line',
        lineStyle: { type: 'dashed' },
        data: counts.map((n) => rows.find((r) => r.exchanges === n && r.query === UNFILTERED)?.cpuMs ?? null),
      },
    ],
  });
  const svg = chart.renderToSVGString();
  chart.dispose();
  return svg;
}

/** How the exchanges run: in `processes` host processes (exchange i in host i mod processes), or 0: each its own. */
interface Layout {
  processes: number;
  /** Shown in tables and logs. */
  name: string;
}

function layoutOf(processes: number): Layout {
  return { processes, name: processes === 0 ? 'one process per exchange' : `${processes} host processes` };
}

/** What the gateway registers for an exchange: its identity from its /health and its URL. */
type ExchangeEntry = Record<string, unknown> & { id: string; url: string };

/** The exchanges of one layout, running. */
interface RunningExchanges {
  infos: ExchangeEntry[];
  /** The processes serving the first n exchanges. */
  processesOf(n: number): Service[];
  stop(): Promise<void>;
}

async function startExchanges(
  resources: BenchResources,
  options: { layout: Layout; most: number; perExchange: number; dir: string; log(message: string): void },
): Promise<RunningExchanges> {
  const { layout, most, perExchange, dir, log } = options;
  const env = { LOG_LEVEL: 'warn', DATA_DIR: dir, SEED_PER_EXCHANGE: String(perExchange), EXCHANGE_ADMIN_TOKEN: undefined };
  const args = (i: number) => ['--division-code', '440300', ...(layout.processes === 0 ? [] : ['--id', IDS[i], '--port', '0'])];
  const processes: Service[] = [];
  /** For exchange i, the index of its process in `processes`. */
  const processIndex: number[] = [];
  const urls: string[] = [];
  if (layout.processes === 0) {
    log(`starting ${most} exchanges (${perExchange} listings each), each its own process, six at a time`);
    for (let i = 0; i < most; i += 6) {
      const batch = IDS.slice(i, Math.min(i + 6, most)).map((id, k) =>
        resources.start(exchangeService(id, { args: args(i + k), timeoutMs: 300_000, env: { ...env, SEED_CATEGORIES: categoriesOf(i + k).join(',') } })),
      );
      for (const service of await Promise.all(batch)) {
        processIndex.push(processes.length);
        processes.push(service);
        urls.push(service.url);
      }
    }
  } else {
    const hosts = Math.min(layout.processes, most);
    log(`starting ${most} exchanges (${perExchange} listings each) in ${hosts} host processes`);
    const members = Array.from({ length: hosts }, (_, h) => IDS.slice(0, most).flatMap((_id, i) => (i % hosts === h ? [i] : [])));
    const started = await Promise.all(
      members.map((indexes, h) => {
        const file = join(dir, `host-${layout.processes}-${h}.json`);
        writeFileSync(file, JSON.stringify({ exchanges: indexes.map((i) => ({ args: args(i), env: { SEED_CATEGORIES: categoriesOf(i).join(',') } })) }));
        return resources.start(exchangeHostService(`host-${h}`, file, { timeoutMs: 300_000, env }));
      }),
    );
    processes.push(...started);
    const hosted = started.map((host) => new Map(hostedExchangesOf(host.readyRecord).map((e) => [e.id, e.url])));
    for (let i = 0; i < most; i++) {
      const url = hosted[i % hosts].get(IDS[i]);
      if (!url) throw new Error(`host-${i % hosts} does not serve ${IDS[i]}`);
      processIndex.push(i % hosts);
      urls.push(url);
    }
  }
  const infos = await Promise.all(
    urls.map(async (url, i) => {
      const health = (await (await fetch(url.replace(/\/graphql$/, '/health'))).json()) as Record<string, unknown>;
      if (health.exchange !== IDS[i]) throw new Error(`${url} is exchange ${String(health.exchange)}, not ${IDS[i]}`);
      return { id: IDS[i], name: health.name, nameZh: health.nameZh, city: health.city, province: health.province, divisionCode: health.divisionCode, url };
    }),
  );
  return {
    infos,
    processesOf: (n) => [...new Set(processIndex.slice(0, n))].map((index) => processes[index]),
    stop: () => resources.stop(...processes),
  };
}

interface FaultRow {
  layout: string;
  /** The exchanges made slow and down: two holding rows of the unfiltered page. */
  slow: string;
  down: string;
  p50: number;
  p99: number;
  missing: string[];
  totalCount: number;
  expectedTotal: number;
}

/**
 * 32 exchanges, one slow (its FlakyProxy delays 5 s, past the 2 s timeout) and one down: its FlakyProxy is
 * closed, so its address refuses connections, as a stopped exchange process's does (in any layout: a host
 * serves other exchanges besides it). An unfiltered page calls only the exchanges holding its rows
 * (docs/scale-out.md#leading-cursors), so the two are chosen among those, read from the healthy answer:
 * every exchange is behind a forwarding FlakyProxy until then.
 */
async function measureFaults(
  resources: BenchResources,
  options: { layout: Layout; infos: ExchangeEntry[]; dir: string; providersUrl: string; samples: number },
): Promise<FaultRow> {
  const { layout } = options;
  const infos = options.infos.slice(0, 32);
  const proxies = await Promise.all(infos.map((info) => new FlakyProxy(info.url).start()));
  for (const proxy of proxies) proxy.recordBodies = false;
  const faulty = infos.map((info, i) => ({ ...info, url: proxies[i].url }));
  const { service: gateway } = await startGatewayOver(resources, {
    dir: options.dir,
    name: 'gateway-faults',
    providersUrl: options.providersUrl,
    exchanges: faulty,
  });
  const client = new GraphqlClient(gateway.url);
  try {
    await settle(gateway, client, faulty.length);
    const page = await client.data<{ datasets: { totalCount: number; nodes: Array<{ id: string }> } }>(FAULT_QUERY);
    const holders = [...new Set(page.datasets.nodes.map((node) => node.id.slice(0, node.id.indexOf(':'))))];
    if (holders.length < 2) throw new Error(`the unfiltered page holds rows of ${holders.length} exchange(s); two are needed`);
    const [slowId, downId] = holders;
    const ofTwo = (
      await client.data<{ datasets: { totalCount: number } }>(`{ datasets(first: 0, filter: { exchanges: ["${slowId}", "${downId}"] }) { totalCount } }`)
    ).datasets.totalCount;
    proxies[infos.findIndex((info) => info.id === slowId)].delayMs = 5000;
    await proxies[infos.findIndex((info) => info.id === downId)].close();
    const durations: number[] = [];
    let missing: string[] = [];
    let totalCount = 0;
    const faultSamples = Math.max(5, Math.floor(options.samples / 4));
    for (let i = 0; i < faultSamples; i++) {
      const answer = await client.post(FAULT_QUERY);
      durations.push(answer.ms);
      missing = answer.body.data?.datasets.missingExchanges ?? [];
      totalCount = answer.body.data?.datasets.totalCount ?? -1;
    }
    return {
      layout: layout.name,
      slow: slowId,
      down: downId,
      p50: percentile(durations, 0.5),
      p99: percentile(durations, 0.99),
      missing,
      totalCount,
      expectedTotal: page.datasets.totalCount - ofTwo,
    };
  } finally {
    client.close();
    await resources.stop(gateway);
    await Promise.all(proxies.map((proxy) => proxy.close().catch(() => undefined)));
  }
}

const FAULT_QUERY = '{ datasets(first: 20) { totalCount missingExchanges nodes { id } } }';

function targetsOf(layout: string, rows: Row[], faultRow: FaultRow | undefined, small: number): TargetCheck[] {
  const at = (n: number, query: string) => rows.find((r) => r.layout === layout && r.exchanges === n && r.query === query);
  const holders = IDS.slice(0, 3);
  const filtered32 = at(32, FILTERED);
  const filteredSmall = at(small, FILTERED);
  const unfiltered32 = at(32, UNFILTERED);
  const unfilteredSmall = at(small, UNFILTERED);
  const cpuGrowth = unfiltered32 && unfilteredSmall ? unfiltered32.cpuMs / unfilteredSmall.cpuMs : Number.NaN;
  const of = `(${layout})`;
  return [
    {
      what: `filter ${RARE} at 32 exchanges: exchanges called ${of}`,
      value: filtered32?.called.join(', ') ?? 'n/a',
      target: `exactly ${holders.join(', ')}`,
      pass: filtered32 ? filtered32.called.join(',') === holders.join(',') : null,
    },
    {
      what: `filter ${RARE}: p50 at 32 / p50 at ${small} ${of}`,
      value: filtered32 && filteredSmall ? ratio(filtered32.p50 / filteredSmall.p50) : 'n/a',
      target: '≤ 1.3×',
      pass: filtered32 && filteredSmall ? filtered32.p50 / filteredSmall.p50 <= 1.3 : null,
    },
    {
      what: `unfiltered: p50 at 32 / p50 at ${small} ${of}`,
      value: unfiltered32 && unfilteredSmall ? ratio(unfiltered32.p50 / unfilteredSmall.p50) : 'n/a',
      target: '≤ 3×',
      pass: unfiltered32 && unfilteredSmall ? unfiltered32.p50 / unfilteredSmall.p50 <= 3 : null,
    },
    {
      what: `unfiltered: CPU/request at 32 / at ${small} ${of}`,
      value: ratio(cpuGrowth),
      target: `≤ ${32 / small}× (linear in exchanges)`,
      pass: Number.isFinite(cpuGrowth) ? cpuGrowth <= 32 / small : null,
    },
    {
      what: `one of 32 slow, one down (both on the page): p99 of unfiltered datasets ${of}`,
      value: faultRow ? `${ms(faultRow.p99)} ms` : 'n/a',
      target: `≤ timeout ${TIMEOUT_MS} ms + 250 ms`,
      pass: faultRow ? faultRow.p99 <= TIMEOUT_MS + 250 : null,
    },
    {
      what: `one of 32 slow, one down: every other part present ${of}`,
      value: faultRow ? `missing ${faultRow.missing.join(', ')}; totalCount ${faultRow.totalCount} of the others' ${faultRow.expectedTotal}` : 'n/a',
      target: faultRow
        ? `missing exactly ${faultRow.slow}, ${faultRow.down}; totalCount of the other 30`
        : 'missing exactly the two; totalCount of the other 30',
      pass: faultRow
        ? faultRow.missing.slice().sort().join(',') === [faultRow.slow, faultRow.down].sort().join(',') && faultRow.totalCount === faultRow.expectedTotal
        : null,
    },
  ];
}

export const scaleOutSuite: Suite = {
  name: 'exchanges',
  title: 'Scale-out: 4 to 48 registered exchanges',
  flags: {
    'scale-counts': { default: '4,8,16,32,48', description: 'registered exchange counts to measure' },
    'scale-per-exchange': { default: '200', description: 'listings per exchange (small catalogs)' },
    'scale-samples': { default: '40', description: 'sequential requests per query and count' },
    'scale-warmup': { default: '30', description: 'unmeasured requests per query and count before the samples' },
    'scale-processes': {
      default: '2',
      description: 'exchange host processes (N exchanges run in min(N, P)); 0: each exchange its own process; a list (4,0) measures each layout in turn',
    },
  },
  async run({ resources, flags, log }) {
    const counts = flags['scale-counts'].split(',').map((n) => Number(n.trim()));
    if (counts.some((n) => !Number.isInteger(n) || n < 4 || n > IDS.length)) throw new Error(`--scale-counts must be integers from 4 to ${IDS.length}`);
    const layouts = flags['scale-processes'].split(',').map((p) => Number(p.trim()));
    if (layouts.length === 0 || layouts.some((p) => !Number.isInteger(p) || p < 0 || p > IDS.length) || new Set(layouts).size !== layouts.length)
      throw new Error(
        `--scale-processes must be distinct integers from 0 (one process per exchange) to ${IDS.length}, got ${JSON.stringify(flags['scale-processes'])}`,
      );
    const perExchange = intFlag(flags, 'scale-per-exchange', 10, 5000);
    const samples = intFlag(flags, 'scale-samples', 5, 10_000);
    const warmup = intFlag(flags, 'scale-warmup', 0, 10_000);
    const most = Math.max(...counts, 32);
    const dir = resources.tempDir('scale-out');
    const providers = await resources.start(providersService({ args: ['--port', '0', '--host', '127.0.0.1'], env: { LOG_LEVEL: 'warn' } }));

    const rows: Row[] = [];
    const memory: Array<Memory & { layout: string }> = [];
    const faults: FaultRow[] = [];
    for (const layout of layouts.map(layoutOf)) {
      const exchanges = await startExchanges(resources, { layout, most, perExchange, dir, log });
      try {
        for (const n of counts) {
          log(`gateway over ${n} exchanges (${layout.name})`);
          const { service: gateway, inspectorUrl } = await startGatewayOver(resources, {
            dir,
            name: `gateway-${n}`,
            providersUrl: providers.url,
            exchanges: exchanges.infos.slice(0, n),
          });
          const client = new GraphqlClient(gateway.url);
          try {
            await settle(gateway, client, n);
            for (const [query, text] of Object.entries(QUERIES)) {
              const row = {
                layout: layout.name,
                exchanges: n,
                query,
                ...(await measure(client, gateway, exchanges.processesOf(n), text, { warmup, samples })),
              };
              rows.push(row);
              log(
                `  ${query}: p50 ${ms(row.p50)} ms, p99 ${ms(row.p99)} ms, CPU ${ms(row.cpuMs)} ms/request (exchanges ${ms(row.exchangeCpuMs)}), ${row.called.length} exchanges called`,
              );
            }
            const used = { layout: layout.name, ...(await memoryOf(gateway, inspectorUrl, n)) };
            memory.push(used);
            log(`  heap after GC ${used.heapMiB.toFixed(1)} MiB, RSS ${used.rssMiB.toFixed(0)} MiB`);
          } finally {
            client.close();
            await resources.stop(gateway);
          }
        }
        log(`32 exchanges (${layout.name}), one slow (5000 ms at its proxy, timeout ${TIMEOUT_MS} ms) and one down`);
        faults.push(await measureFaults(resources, { layout, infos: exchanges.infos, dir, providersUrl: providers.url, samples }));
      } finally {
        await exchanges.stop();
      }
    }

    const first = layoutOf(layouts[0]).name;
    writeFileSync(
      PLOT,
      plot(
        rows.filter((r) => r.layout === first),
        counts,
      ),
    );
    const small = Math.min(...counts);
    const targets = layouts.map(layoutOf).flatMap((layout) =>
      targetsOf(
        layout.name,
        rows,
        faults.find((f) => f.layout === layout.name),
        small,
      ),
    );
    const memoryText = layouts.map(layoutOf).map((layout) => {
      const own = memory.filter((m) => m.layout === layout.name);
      const heapSlope = slopeOf(own.map((m) => [m.exchanges, m.heapMiB]));
      const rssSlope = slopeOf(own.map((m) => [m.exchanges, m.rssMiB]));
      return `${layout.name}: per registered exchange ${perExchangeText(heapSlope)} of heap, RSS ${perExchangeText(rssSlope)}.`;
    });
    const layoutText = layouts
      .map(layoutOf)
      .map((layout) =>
        layout.processes === 0
          ? `"${layout.name}": each exchange its own process (main.ts)`
          : `"${layout.name}": exchange i in host process i mod ${layout.processes} (subgraphs/exchange/host.ts), so the first N run in min(N, ${layout.processes}) processes, each exchange still its own HTTP server, port, database and store`,
      )
      .join('; ');
    return {
      sections: [
        {
          title: 'Latency and CPU per request against registered exchanges (caches off)',
          table: {
            headers: ['layout', 'exchanges', 'query', 'p50 ms', 'p99 ms', 'gateway CPU ms/request', 'exchanges CPU ms/request', 'exchanges called'],
            rows: rows.map((r) => [r.layout, String(r.exchanges), r.query, ms(r.p50), ms(r.p99), ms(r.cpuMs), ms(r.exchangeCpuMs), String(r.called.length)]),
          },
          text: `Layouts (--scale-processes ${flags['scale-processes']}, measured one after the other in this run): ${layoutText}. ${samples} sequential requests per row after ${warmup} unmeasured, ${perExchange} listings per exchange; the first three list ${RARE}, every exchange a rotating four other categories. "Exchanges called": from the gateway's gateway_shard_fetches_total. "Exchanges CPU": the CPU of the processes serving the registered exchanges together (/proc), which the same two cores run: on 2 cores a request's latency cannot fall below (gateway + exchanges CPU) / 2. Measured after every exchange is ONLINE and its summary held (gauge gateway_catalog_summaries). Plot (${first}): ![scale-out](scale-out.svg)`,
        },
        {
          title: 'Gateway memory against registered exchanges',
          table: {
            headers: ['layout', 'exchanges', 'gateway heap after GC MiB', 'gateway RSS MiB'],
            rows: memory.map((m) => [m.layout, String(m.exchanges), m.heapMiB.toFixed(1), m.rssMiB.toFixed(0)]),
          },
          text: `${memoryText.join(' ')} Heap: least-squares slope of the heap used after two forced full collections, read through the gateway's inspector, after every query of the count, every summary held; RSS, which the allocator gives back when it pleases, for reference only.`,
        },
        {
          title: 'One of 32 slow, one down',
          text: faults.length
            ? faults
                .map(
                  (f) =>
                    `${f.layout}: ${f.slow} slow and ${f.down} down, two exchanges holding rows of the unfiltered page (read from the healthy answer); unfiltered datasets p50 ${ms(f.p50)} ms, p99 ${ms(f.p99)} ms (exchange timeout ${TIMEOUT_MS} ms); missingExchanges ${f.missing.join(', ')}.`,
                )
                .join(' ')
            : 'not measured',
        },
      ],
      targets,
    };
  },
};
