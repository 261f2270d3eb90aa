/**
 * Where a gateway's CPU goes, per request: `npx tsx bench/diagnose/gatewayProfile.ts [--seconds 8] [--connections 10]
 * [--per-exchange 20000] [--exchanges 1|4] [--warm] [--caches-off]` (--warm: the identical query our response cache answers)
 *
 * Starts providers and the exchanges, then plain @apollo/gateway (over one exchange) and our gateway (over
 * one or four), each under the V8 CPU profiler (bench/diagnose/profiledEntry.ts). Each is loaded in turn with
 * the benchmark's distinct-variable query (no cache hits); the profile covers only the measured seconds.
 * Prints CPU milliseconds per request by component (our cache layer, the shard router, @apollo/gateway,
 * graphql-js, HTTP, GC...) side by side, and each one's heaviest functions. Everything is removed at the end.
 *
 * The profiler samples the thread whenever it is not idle, including while the OS has it waiting for a core:
 * on a busy machine the absolute figures overstate CPU time (bench/lib/cpu.ts reads the true CPU time from
 * /proc). Read the shares.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_EXCHANGES } from '../../shared/domain.ts';
import type { Service } from '../../devkit/processes.ts';
import { runLoad } from '../lib/load.ts';
import { markdownTable } from '../lib/markdown.ts';
import { BenchResources, seedCatalog, startExchange, startProviders, startOurGateway, startPlainGateway } from '../lib/stack.ts';
import { DISTINCT_QUERY, distinctVariables } from '../suites/gatewayThroughput.ts';
import { CACHE_QUERY } from '../suites/cacheThroughput.ts';

interface CpuProfile {
  nodes: Array<{ id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] }>;
  samples: number[];
  timeDeltas: number[];
}

/** Component of a stack frame, from its script URL (order matters: first match wins). */
const COMPONENTS: Array<[RegExp, string]> = [
  [/\/gateway\/src\/cache\//, 'ours: cache layer (gateway/src/cache)'],
  [/\/gateway\/src\/shards\//, 'ours: shard router (gateway/src/shards)'],
  [/\/gateway\/src\/|\/shared\//, 'ours: other (http, directory, metrics, shared)'],
  [/@apollo\/(gateway|federation-internals|query-planner)\//, '@apollo/gateway + query planner'],
  [/@apollo\/server\//, '@apollo/server'],
  [/node_modules\/graphql\//, 'graphql-js'],
  [/node_modules\/undici\//, 'undici (calls to exchanges)'],
  [/node_modules\/(node-fetch|make-fetch-happen|minipass)/, 'node-fetch (calls to subgraphs)'],
  [/node_modules\/(pino|prom-client|lru-cache)\//, 'pino, prom-client, lru-cache'],
  [/node_modules\/@opentelemetry\//, 'opentelemetry (no-op)'],
  [/node_modules\//, 'other packages'],
  [/^node:/, 'node core (http, net, streams, crypto)'],
];

function componentOf(url: string, functionName: string): string {
  if (functionName === '(garbage collector)') return 'garbage collector';
  if (functionName === '(idle)') return '(idle)';
  if (functionName === '(program)' || functionName === '(root)') return 'V8 / native (program)';
  for (const [pattern, name] of COMPONENTS) if (pattern.test(url)) return name;
  return url === '' ? `native builtins (JSON, writev, ...)` : 'other';
}

interface Breakdown {
  /** Self CPU ms by component, whole profile. */
  components: Map<string, number>;
  /** Self CPU ms by function. */
  functions: Map<string, number>;
  busyMs: number;
}

function analyse(profile: CpuProfile): Breakdown {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const components = new Map<string, number>();
  const functions = new Map<string, number>();
  let busyMs = 0;
  profile.samples.forEach((id, i) => {
    const ms = (profile.timeDeltas[i] ?? 0) / 1000;
    const node = byId.get(id);
    if (!node) return;
    const { functionName, url, lineNumber } = node.callFrame;
    const component = componentOf(url, functionName);
    if (component === '(idle)') return;
    busyMs += ms;
    components.set(component, (components.get(component) ?? 0) + ms);
    const where = url.replace(/^.*node_modules\//, '').replace(/^file:\/\/.*?\/(gateway|shared|bench)\//, '$1/');
    const key = `${functionName || '(anonymous)'} ${where}${url ? `:${lineNumber + 1}` : ''}`;
    functions.set(key, (functions.get(key) ?? 0) + ms);
  });
  return { components, functions, busyMs };
}

async function waitForFile(path: string, timeoutMs = 10_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!existsSync(path)) {
    if (Date.now() > until) throw new Error(`no profile at ${path}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  await new Promise((r) => setTimeout(r, 300)); // let the write finish
}

async function main(): Promise<void> {
  // Output piped into `head` must not kill the script before it removes what it started.
  process.stdout.on('error', () => {});
  const { values } = parseArgs({
    options: {
      seconds: { type: 'string', default: '8' },
      'caches-off': { type: 'boolean', default: false },
      connections: { type: 'string', default: '10' },
      'per-exchange': { type: 'string', default: '20000' },
      exchanges: { type: 'string', default: '1' },
      warm: { type: 'boolean', default: false },
    },
  });
  const seconds = Number(values.seconds);
  const connections = Number(values.connections);
  const ourExchanges = Number(values.exchanges) === 4 ? DEFAULT_EXCHANGES.map((e) => e.id) : ['bj'];
  const resources = new BenchResources();
  const onSignal = () => void resources.cleanup().finally(() => process.exit(130));
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const dir = resources.tempDir('profile');
    await seedCatalog(resources, { perExchange: Number(values['per-exchange']), dataDir: dir, exchanges: ourExchanges, timeoutMs: 10 * 60_000 });
    const [providers, ...exchangeList] = await Promise.all([
      startProviders(resources),
      ...ourExchanges.map((id) => startExchange(resources, id, join(dir, `${id}.db`))),
    ]);
    const exchanges = Object.fromEntries(exchangeList.map((s) => [s.name, s])) as Record<string, Service>;
    const contenders = [
      {
        label: 'plain @apollo/gateway (1 exchange)',
        out: join(dir, 'plain.cpuprofile'),
        service: await startPlainGateway(resources, {
          name: 'plain',
          exchangeUrl: exchanges.bj.url,
          providersUrl: providers.url,
          profileOut: join(dir, 'plain.cpuprofile'),
        }),
      },
      {
        label: `our gateway (${ourExchanges.length} exchange${ourExchanges.length > 1 ? 's' : ''})`,
        out: join(dir, 'ours.cpuprofile'),
        service: await startOurGateway(resources, {
          name: 'ours',
          dir,
          providersUrl: providers.url,
          exchanges: ourExchanges.map((id) => ({ id, url: exchanges[id].url })),
          profileOut: join(dir, 'ours.cpuprofile'),
          // --caches-off: the fast suite's cold routing row (CACHE_DISABLED=1) rather than cache misses.
          ...(values['caches-off'] ? { env: { CACHE_DISABLED: '1' } } : {}),
        }),
      },
    ];
    const results: Array<{ label: string; requests: number; breakdown: Breakdown }> = [];
    for (const c of contenders) {
      const pid = c.service.child.pid!;
      const load = await runLoad({
        // --warm: the cache suite's identical anonymous query, answered by our response cache after the first.
        url: c.service.url,
        query: values.warm ? CACHE_QUERY : DISTINCT_QUERY,
        variablesFor: values.warm ? undefined : distinctVariables,
        connections,
        durationS: seconds,
        warmupS: 3,
        beforeMeasured: () => void process.kill(pid, 'SIGUSR2'),
      });
      process.kill(pid, 'SIGUSR2');
      await waitForFile(c.out);
      const breakdown = analyse(JSON.parse(readFileSync(c.out, 'utf8')) as CpuProfile);
      results.push({ label: c.label, requests: load.total, breakdown });
      console.error(
        `${c.label}: ${load.total} requests, ${load.reqPerSec.toFixed(0)} req/s, ${(breakdown.busyMs / load.total).toFixed(2)} CPU ms/request (profiled)`,
      );
    }

    const names = [...new Set(results.flatMap((r) => [...r.breakdown.components.keys()]))].sort(
      (a, b) => (results[1].breakdown.components.get(b) ?? 0) - (results[1].breakdown.components.get(a) ?? 0),
    );
    const perRequest = (r: (typeof results)[number], name: string) => (r.breakdown.components.get(name) ?? 0) / r.requests;
    console.log(`# Gateway CPU per request, by component\n`);
    console.log(
      `${connections} connections, ${seconds} s each, distinct variables (no cache hits); sampled time of the gateway process only (not idle; on a busy machine this includes time spent waiting for a core, so read the shares).\n`,
    );
    console.log(
      markdownTable({
        headers: ['component', ...results.map((r) => `${r.label} ms/req (share)`), 'difference ms/req'],
        rows: [
          ...names.map((name) => [
            name,
            ...results.map((r) => `${perRequest(r, name).toFixed(3)} (${(((r.breakdown.components.get(name) ?? 0) / r.breakdown.busyMs) * 100).toFixed(0)}%)`),
            (perRequest(results[1], name) - perRequest(results[0], name)).toFixed(3),
          ]),
          [
            '**total**',
            ...results.map((r) => (r.breakdown.busyMs / r.requests).toFixed(3)),
            (results[1].breakdown.busyMs / results[1].requests - results[0].breakdown.busyMs / results[0].requests).toFixed(3),
          ],
        ],
      }),
    );
    for (const r of results) {
      console.log(`\n## Heaviest functions (self time): ${r.label}\n`);
      console.log(
        markdownTable({
          headers: ['function', 'ms/req'],
          rows: [...r.breakdown.functions]
            .sort((a, b) => b[1] - a[1])
            .slice(0, 20)
            .map(([name, msTotal]) => [name, (msTotal / r.requests).toFixed(3)]),
        }),
      );
    }
  } finally {
    await resources.cleanup();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
