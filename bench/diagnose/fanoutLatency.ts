/**
 * Where the milliseconds of one fan-out request go: `npx tsx bench/diagnose/fanoutLatency.ts [--samples 60]
 * [--per-exchange 20000] [--delay-ms 50] [--data-dir DIR] [--connections 1,5] [--seconds 5] [--only seq|load]`
 *
 * Starts the four exchanges, two delay-proxy processes (bench/delayProxies.ts: one with the delay, one
 * forwarding at once) and our gateway over one and over four exchanges behind each. Then, one request at a
 * time (the benchmark's distinct-variable query), it times every hop alone and stacked:
 *   the exchange alone (the query a client sends, and the query the gateway sends it), an exchange through
 *   a proxy, the gateway over one and four exchanges; with and without the delay;
 * and reads from the gateway's /metrics the time it spent per request and waiting for each exchange call,
 * and from /proc the CPU of every process per request. With `--connections`, the same under autocannon.
 * Everything is removed at the end.
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_EXCHANGES } from '../../shared/domain.ts';
import type { Service } from '../../devkit/processes.ts';
import { FlakyProxy } from '../../devkit/FlakyProxy.ts';
import { GraphqlClient } from '../lib/graphqlClient.ts';
import { processCpuMs, cpuMsOf } from '../lib/cpu.ts';
import { runLoad } from '../lib/load.ts';
import { markdownTable } from '../lib/markdown.ts';
import { median, percentile, ms } from '../lib/stats.ts';
import { BenchResources, seedCatalog, startExchange, startProviders, startOurGateway, startDelayProxies } from '../lib/stack.ts';
import { DISTINCT_QUERY, distinctVariables } from '../suites/gatewayThroughput.ts';

const { values } = parseArgs({
  options: {
    samples: { type: 'string', default: '60' },
    'per-exchange': { type: 'string', default: '20000' },
    'delay-ms': { type: 'string', default: '50' },
    'data-dir': { type: 'string' },
    connections: { type: 'string', default: '' },
    seconds: { type: 'string', default: '5' },
    only: { type: 'string', default: '' },
  },
});
const samples = Number(values.samples);
const delayMs = Number(values['delay-ms']);
const ids = DEFAULT_EXCHANGES.map((e) => e.id);
const one = 'bj';

/** Sum and count of a Prometheus histogram in a /metrics text, over the lines matching `labels`. */
function histogram(text: string, name: string, labels = ''): { sum: number; count: number } {
  let sum = 0;
  let count = 0;
  for (const line of text.split('\n')) {
    if (!line.includes(labels)) continue;
    if (line.startsWith(`${name}_sum`)) sum += Number(line.slice(line.lastIndexOf(' ') + 1));
    if (line.startsWith(`${name}_count`)) count += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return { sum, count };
}

async function metricsOf(graphqlUrl: string): Promise<string> {
  return (await fetch(graphqlUrl.replace(/\/graphql$/, '/metrics'))).text();
}

interface Row {
  label: string;
  url: string;
  query?: string;
  variables?: () => Record<string, unknown>;
  gateway?: Service;
  pids: Record<string, Array<number | undefined>>;
}

const resources = new BenchResources();
const stopping = () => void resources.cleanup().then(() => process.exit(130));
process.on('SIGINT', stopping);
process.on('SIGTERM', stopping);

try {
  const dataDir = values['data-dir'] ?? resources.tempDir('fanout-data');
  if (!values['data-dir']) {
    console.error(`seeding 4 x ${values['per-exchange']} ...`);
    await seedCatalog(resources, { perExchange: Number(values['per-exchange']), dataDir, timeoutMs: 600_000 });
  }
  const [providers, ...exchangeList] = await Promise.all([
    startProviders(resources),
    ...ids.map((id) => startExchange(resources, id, join(dataDir, `${id}.db`))),
  ]);
  const exchanges = Object.fromEntries(exchangeList.map((s) => [s.name, s])) as Record<string, Service>;
  const upstreams = Object.fromEntries(ids.map((id) => [id, exchanges[id].url]));
  const [slow, fast] = await Promise.all([
    startDelayProxies(resources, { name: 'proxies-delayed', upstreams, delayMs }),
    startDelayProxies(resources, { name: 'proxies-0', upstreams, delayMs: 0 }),
  ]);
  const slowUrls = slow.readyRecord!.urls as Record<string, string>;
  const fastUrls = fast.readyRecord!.urls as Record<string, string>;
  const gateway = (name: string, urls: Record<string, string>, which: string[]) =>
    startOurGateway(resources, {
      name,
      dir: dataDir,
      providersUrl: providers.url,
      exchanges: which.map((id) => ({ id, url: urls[id] })),
    });
  const [g1slow, g4slow, g1fast, g4fast] = await Promise.all([
    gateway('g1-delayed', slowUrls, [one]),
    gateway('g4-delayed', slowUrls, ids),
    gateway('g1-0', fastUrls, [one]),
    gateway('g4-0', fastUrls, ids),
  ]);

  // The query the gateway sends each exchange: seen by an in-process proxy in front of bj.
  const spy = await new FlakyProxy(exchanges[one].url).start();
  const spyGateway = await gateway('g-spy', { [one]: spy.url }, [one]);
  await new GraphqlClient(spyGateway.url).data(DISTINCT_QUERY, distinctVariables());
  const routed = spy.bodies.at(-1)!;
  await resources.stop(spyGateway);
  await spy.close();
  console.log(`query the gateway sends each exchange:\n  ${routed.query}\n  variables ${JSON.stringify(routed.variables)}`);
  const routedVariables = () => ({ ...routed.variables, ...distinctVariables() });

  const exchangePids = ids.map((id) => exchanges[id].child.pid);
  const rows: Row[] = [
    { label: `exchange ${one} alone, client query`, url: exchanges[one].url, pids: { exchanges: [exchanges[one].child.pid] } },
    {
      label: `exchange ${one} alone, gateway's query`,
      url: exchanges[one].url,
      query: routed.query,
      variables: routedVariables,
      pids: { exchanges: [exchanges[one].child.pid] },
    },
    {
      label: `proxy (0 ms) -> ${one}, gateway's query`,
      url: fastUrls[one],
      query: routed.query,
      variables: routedVariables,
      pids: { exchanges: [exchanges[one].child.pid], proxies: [fast.child.pid] },
    },
    {
      label: `proxy (${delayMs} ms) -> ${one}, gateway's query`,
      url: slowUrls[one],
      query: routed.query,
      variables: routedVariables,
      pids: { exchanges: [exchanges[one].child.pid], proxies: [slow.child.pid] },
    },
    {
      label: 'gateway -> proxy (0 ms) -> 1 exchange',
      url: g1fast.url,
      gateway: g1fast,
      pids: { gateway: [g1fast.child.pid], exchanges: [exchanges[one].child.pid], proxies: [fast.child.pid] },
    },
    {
      label: 'gateway -> proxies (0 ms) -> 4 exchanges',
      url: g4fast.url,
      gateway: g4fast,
      pids: { gateway: [g4fast.child.pid], exchanges: exchangePids, proxies: [fast.child.pid] },
    },
    {
      label: `gateway -> proxy (${delayMs} ms) -> 1 exchange`,
      url: g1slow.url,
      gateway: g1slow,
      pids: { gateway: [g1slow.child.pid], exchanges: [exchanges[one].child.pid], proxies: [slow.child.pid] },
    },
    {
      label: `gateway -> proxies (${delayMs} ms) -> 4 exchanges`,
      url: g4slow.url,
      gateway: g4slow,
      pids: { gateway: [g4slow.child.pid], exchanges: exchangePids, proxies: [slow.child.pid] },
    },
  ];
  const bench = process.pid;

  // Idle cost: CPU per second of each process with no requests (timers: version polls, health probes, metrics).
  const idle: Record<string, number | undefined> = {
    [`exchange ${one}`]: exchanges[one].child.pid,
    'proxies (delayed)': slow.child.pid,
    'proxies (0 ms)': fast.child.pid,
    'gateway, 1 exchange delayed': g1slow.child.pid,
    'gateway, 4 exchanges delayed': g4slow.child.pid,
  };
  const idleBefore = Object.fromEntries(Object.entries(idle).map(([k, pid]) => [k, processCpuMs(pid)]));
  await new Promise((resolve) => setTimeout(resolve, 5000));
  console.log(
    `\nIdle CPU (ms per second, over 5 s): ${Object.entries(idle)
      .map(([k, pid]) => `${k} ${((processCpuMs(pid) - idleBefore[k]) / 5).toFixed(1)}`)
      .join(', ')}`,
  );

  if (values.only !== 'load') {
    const table: string[][] = [];
    for (const row of rows) {
      const client = new GraphqlClient(row.url);
      const send = () => client.data(row.query ?? DISTINCT_QUERY, (row.variables ?? distinctVariables)());
      for (let i = 0; i < 10; i++) await send();
      const before = row.gateway ? await metricsOf(row.url) : '';
      const cpuBefore = Object.fromEntries(Object.entries(row.pids).map(([k, pids]) => [k, cpuMsOf(pids)]));
      const benchBefore = processCpuMs(bench);
      const times: number[] = [];
      for (let i = 0; i < samples; i++) {
        const started = performance.now();
        await send();
        times.push(performance.now() - started);
      }
      const benchCpu = (processCpuMs(bench) - benchBefore) / samples;
      const cpu = Object.fromEntries(Object.entries(row.pids).map(([k, pids]) => [k, (cpuMsOf(pids) - cpuBefore[k]) / samples]));
      let inGateway = Number.NaN;
      let waiting = Number.NaN;
      if (row.gateway) {
        const after = await metricsOf(row.url);
        const r0 = histogram(before, 'gateway_request_duration_seconds');
        const r1 = histogram(after, 'gateway_request_duration_seconds');
        inGateway = ((r1.sum - r0.sum) / (r1.count - r0.count)) * 1000;
        const e0 = histogram(before, 'gateway_exchange_duration_seconds', 'outcome="ok"');
        const e1 = histogram(after, 'gateway_exchange_duration_seconds', 'outcome="ok"');
        waiting = ((e1.sum - e0.sum) / (e1.count - e0.count)) * 1000;
      }
      client.close();
      table.push([
        row.label,
        ms(median(times)),
        ms(percentile(times, 0.1)),
        ms(percentile(times, 0.9)),
        ms(inGateway),
        ms(waiting),
        ms(cpu.gateway ?? Number.NaN),
        ms(cpu.exchanges ?? Number.NaN),
        ms(cpu.proxies ?? Number.NaN),
        ms(benchCpu),
      ]);
      console.error(`${row.label}: median ${ms(median(times))} ms`);
    }
    console.log(`\nOne request at a time, ${samples} samples after 10 (ms):\n`);
    console.log(
      markdownTable({
        headers: [
          'path',
          'median',
          'p10',
          'p90',
          'in gateway (its /metrics)',
          'each exchange call as the gateway waits for it',
          'gateway CPU/req',
          'exchanges CPU/req',
          'proxies CPU/req',
          'client CPU/req',
        ],
        rows: table,
      }),
    );
  }

  const connectionsList = values.connections ? values.connections.split(',').map(Number) : [];
  if (connectionsList.length && values.only !== 'seq') {
    const table: string[][] = [];
    for (const connections of connectionsList) {
      for (const row of rows.slice(4)) {
        const cpuBefore: Record<string, number> = {};
        let benchBefore = 0;
        const result = await runLoad({
          url: row.url,
          query: DISTINCT_QUERY,
          variablesFor: distinctVariables,
          connections,
          durationS: Number(values.seconds),
          warmupS: 1,
          beforeMeasured: () => {
            for (const [k, pids] of Object.entries(row.pids)) cpuBefore[k] = cpuMsOf(pids);
            benchBefore = processCpuMs(bench);
          },
        });
        const per = (k: string) => (cpuMsOf(row.pids[k]) - cpuBefore[k]) / result.total;
        table.push([
          String(connections),
          row.label,
          String(result.p50),
          ms(result.mean),
          String(result.p99),
          result.reqPerSec.toFixed(0),
          ms(per('gateway')),
          ms(per('exchanges')),
          ms(per('proxies')),
          ms((processCpuMs(bench) - benchBefore) / result.total),
        ]);
        console.error(`${connections} connections, ${row.label}: p50 ${result.p50}`);
      }
    }
    console.log(`\nUnder autocannon, ${values.seconds} s after 1 s:\n`);
    console.log(
      markdownTable({
        headers: ['connections', 'path', 'p50', 'mean', 'p99', 'req/s', 'gateway CPU/req', 'exchanges CPU/req', 'proxies CPU/req', 'client CPU/req'],
        rows: table,
      }),
    );
  }
} finally {
  await resources.cleanup();
}
