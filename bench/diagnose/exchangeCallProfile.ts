/**
 * What one exchange call costs the exchange, as the scale-out benchmark calls it:
 * `npx tsx bench/diagnose/exchangeCallProfile.ts [--exchanges 32] [--per-exchange 200] [--samples 300]
 * [--query "datasets, unfiltered"] [--interval-us 100] [--profile host|gateway]` (`gateway`: the same load,
 * with the gateway profiled instead of the host: what each exchange call costs the gateway)
 *
 * Starts providers, one exchange host process (subgraphs/exchange/host.ts) serving the first N exchanges of
 * the scale-out suite's catalogs under the V8 CPU profiler (bench/diagnose/profiledEntry.ts), the first
 * exchange behind a FlakyProxy that records the bodies the gateway sends it, and a gateway over the N,
 * caches off. After a warm-up it sends the query `--samples` times and prints: the host's CPU per gateway
 * request and per exchange call (from /proc), one shard body as sent, and the profile's heaviest functions
 * (self time) and callers' shares by package. Everything is removed at the end.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { FlakyProxy } from '../../devkit/FlakyProxy.ts';
import { exchangeHostService, gatewayService, hostedExchangesOf } from '../../devkit/services.ts';
import { GraphqlClient } from '../lib/graphqlClient.ts';
import { processCpuMs } from '../lib/cpu.ts';
import { BenchResources, startProviders } from '../lib/stack.ts';
import { QUERIES, IDS, categoriesOf } from '../suites/scaleOut.ts';

interface CpuProfile {
  nodes: Array<{ id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] }>;
  samples: number[];
  timeDeltas: number[];
}

function packageOf(url: string, name: string): string {
  if (name === '(garbage collector)' || name === '(program)' || name === '(idle)') return name;
  const pkg = /node_modules\/((@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1];
  if (url.startsWith('node:')) return 'node core';
  const own = /\/work\/[^/]+\/(.*)$/.exec(url);
  return own ? `ours: ${own[1].split('/').slice(0, 2).join('/')}` : url || '(native)';
}

function report(profile: CpuProfile, calls: number): void {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<string, number>();
  const packages = new Map<string, number>();
  let busy = 0;
  profile.samples.forEach((id, i) => {
    const node = byId.get(id);
    if (!node || node.callFrame.functionName === '(idle)') return;
    const ms = (profile.timeDeltas[i] ?? 0) / 1000;
    busy += ms;
    const { functionName, url, lineNumber } = node.callFrame;
    const key = `${functionName || '(anonymous)'} ${url.replace(/^.*node_modules\//, '').replace(/^file:\/\/\/work\/[^/]+\//, '')}:${lineNumber + 1}`;
    self.set(key, (self.get(key) ?? 0) + ms);
    const pkg = packageOf(url, functionName);
    packages.set(pkg, (packages.get(pkg) ?? 0) + ms);
  });
  const top = (map: Map<string, number>, n: number) =>
    [...map]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([k, v]) => `  ${((v / calls) * 1000).toFixed(0).padStart(5)} µs/call ${((100 * v) / busy).toFixed(1).padStart(5)}%  ${k}`)
      .join('\n');
  console.log(`profiled busy time: ${((busy / calls) * 1000).toFixed(0)} µs per exchange call (the profiler also counts time waiting for a core)`);
  console.log(`\nself time by package:\n${top(packages, 25)}`);
  console.log(`\nheaviest functions (self time):\n${top(self, 45)}`);
}

async function main(): Promise<void> {
  process.stdout.on('error', () => {});
  const { values } = parseArgs({
    options: {
      exchanges: { type: 'string', default: '32' },
      'per-exchange': { type: 'string', default: '200' },
      samples: { type: 'string', default: '300' },
      query: { type: 'string', default: 'datasets, unfiltered' },
      'interval-us': { type: 'string', default: '100' },
      profile: { type: 'string', default: 'host' },
    },
  });
  if (values.profile !== 'host' && values.profile !== 'gateway') throw new Error(`--profile must be host | gateway, got ${values.profile}`);
  const profileGateway = values.profile === 'gateway';
  const n = Number(values.exchanges);
  const samples = Number(values.samples);
  const query = QUERIES[values.query!];
  if (!query) throw new Error(`--query must be one of ${Object.keys(QUERIES).join(' | ')}`);
  const resources = new BenchResources();
  const onSignal = () => void resources.cleanup().finally(() => process.exit(130));
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const dir = resources.tempDir('exchange-profile');
    const providers = await startProviders(resources);
    const hostFile = join(dir, 'host.json');
    const out = join(dir, 'host.cpuprofile');
    writeFileSync(
      hostFile,
      JSON.stringify({
        exchanges: IDS.slice(0, n).map((id, i) => ({
          args: ['--id', id, '--port', '0', '--division-code', '440300'],
          env: { SEED_CATEGORIES: categoriesOf(i).join(',') },
        })),
      }),
    );
    const profiled = (entry: string) => ({
      file: 'bench/diagnose/profiledEntry.ts',
      env: { PROFILE_ENTRY: entry, PROFILE_OUT: out, PROFILE_INTERVAL_US: values['interval-us'] },
    });
    const hostService = exchangeHostService('host', hostFile, { timeoutMs: 300_000 });
    const hostProfiled = profileGateway ? { file: hostService.file, env: {} } : profiled('subgraphs/exchange/host.ts');
    const host = await resources.start({
      ...hostService,
      file: hostProfiled.file,
      env: { LOG_LEVEL: 'warn', DATA_DIR: dir, SEED_PER_EXCHANGE: values['per-exchange'], ...hostProfiled.env },
    });
    const hosted = hostedExchangesOf(host.readyRecord);
    const proxy = await new FlakyProxy(hosted[0].url).start();
    const exchanges = await Promise.all(
      hosted.map(async (e, i) => {
        const health = (await (await fetch(e.url.replace(/\/graphql$/, '/health'))).json()) as Record<string, unknown>;
        const { status: _s, exchange: _e, catalogVersion: _c, ...info } = health;
        return { ...info, id: e.id, url: i === 0 ? proxy.url : e.url };
      }),
    );
    const exchangesFile = join(dir, 'exchanges.json');
    writeFileSync(exchangesFile, JSON.stringify({ exchanges }));
    const gatewayBase = gatewayService({ timeoutMs: 300_000 });
    const gatewayProfiled = profileGateway ? profiled(gatewayBase.file) : { file: gatewayBase.file, env: {} };
    const gateway = await resources.start({
      ...gatewayService({
        timeoutMs: 300_000,
        env: {
          ...gatewayProfiled.env,
          PORT: '0',
          HOST: '127.0.0.1',
          LOG_LEVEL: 'warn',
          PROVIDERS_URL: providers.url,
          EXCHANGES_FILE: exchangesFile,
          CACHE_DISABLED: '1',
          HEALTH_INTERVAL_MS: '600000',
          REDIS_URL: undefined,
          REDIS_CLUSTER_NODES: undefined,
          NODE_ENV: undefined,
        },
      }),
      file: gatewayProfiled.file,
    });
    const client = new GraphqlClient(gateway.url);
    for (let i = 0; i < 100; i++) {
      const answer = await client.post(query);
      if (answer.status !== 200 || answer.body.errors) throw new Error(`gateway answered ${answer.status}: ${JSON.stringify(answer.body).slice(0, 300)}`);
    }
    proxy.bodies = [];
    const before = { calls: proxy.calls, probes: proxy.probes, summaries: proxy.summaries };
    const measured = profileGateway ? gateway : host;
    measured.child.kill('SIGUSR2');
    const cpuBefore = processCpuMs(measured.child.pid);
    for (let i = 0; i < samples; i++) await client.post(query);
    const cpu = processCpuMs(measured.child.pid) - cpuBefore;
    measured.child.kill('SIGUSR2');
    const callsOfFirst = (proxy.calls - before.calls) / samples;
    console.log(`query: ${query}`);
    console.log(
      `per request at the first exchange: ${callsOfFirst.toFixed(2)} calls, ${((proxy.probes - before.probes) / samples).toFixed(2)} probes, ${((proxy.summaries - before.summaries) / samples).toFixed(2)} summary calls; one call as sent:\n${JSON.stringify(proxy.bodies[0])}`,
    );
    const calls = samples * n * callsOfFirst;
    console.log(
      `${values.profile} CPU (/proc): ${(cpu / samples).toFixed(1)} ms per gateway request, ${((cpu / calls) * 1000).toFixed(0)} µs per exchange call (${n} exchanges)`,
    );
    const until = Date.now() + 10_000;
    while (!existsSync(out) && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
    await new Promise((r) => setTimeout(r, 300));
    report(JSON.parse(readFileSync(out, 'utf8')) as CpuProfile, calls);
    client.close();
    await proxy.close();
  } finally {
    await resources.cleanup();
  }
}

await main();
