/**
 * Where the CPU of one scale-suite query goes, gateway and one exchange (bj) under the V8 CPU profiler:
 * `npx tsx bench/diagnose/statsProfile.ts --data-dir /work/data/scale/big [--samples 40] [--case category|since|exchange] [--keep DIR]`
 * (--keep: copy the two .cpuprofile files there).
 * Each sample moves every exchange's catalog version (as the scale suite does) and then sends the query;
 * the profile covers the samples (the version moves included: their frames are updatePrice's).
 * Prints self ms per request of the heaviest functions of each process.
 */
import { randomBytes } from 'node:crypto';
import { copyFileSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_EXCHANGES } from '../../shared/domain.ts';
import { exchangeService } from '../../devkit/services.ts';
import { GraphqlClient } from '../lib/graphqlClient.ts';
import { BenchResources, startExchange, startOurGateway, startProviders } from '../lib/stack.ts';
import { versionBumper } from '../suites/exchangeSpeed.ts';
import { cpuMsOf } from '../lib/cpu.ts';

interface CpuProfile {
  nodes: Array<{ id: number; callFrame: { functionName: string; url: string; lineNumber: number } }>;
  samples: number[];
  timeDeltas: number[];
}

const STATS = `query Stats($filter: DatasetFilter, $groupBy: StatsGroup!) { priceStats(filter: $filter, groupBy: $groupBy) { key count pricedCount min p50 p90 max } }`;
const CASES: Record<string, Record<string, unknown>> = {
  category: { groupBy: 'CATEGORY', filter: null },
  since: { groupBy: 'CATEGORY', filter: { updatedSince: '2024-01-01T00:00:00Z' } },
  exchange: { groupBy: 'EXCHANGE', filter: { updatedSince: '2024-01-01T00:00:00Z' } },
};

function selfTimes(profile: CpuProfile, samples: number): Array<[string, number]> {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<string, number>();
  profile.samples.forEach((id, i) => {
    const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
    if (functionName === '(idle)') return;
    const where = url.replace(/^.*\/(node_modules\/)?/, '');
    const key = `${functionName || '(anonymous)'} ${where}${url ? `:${lineNumber + 1}` : ''}`;
    self.set(key, (self.get(key) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000);
  });
  return [...self].map(([k, ms]) => [k, ms / samples] as [string, number]).sort((a, b) => b[1] - a[1]);
}

async function waitForFile(path: string): Promise<void> {
  for (let i = 0; i < 100 && !existsSync(path); i++) await new Promise((r) => setTimeout(r, 100));
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      keep: { type: 'string' },
      'data-dir': { type: 'string' },
      samples: { type: 'string', default: '40' },
      case: { type: 'string', default: 'category' },
    },
  });
  const dir = values['data-dir']!;
  const samples = Number(values.samples);
  const variables = CASES[values.case!];
  const resources = new BenchResources();
  const outDir = resources.tempDir('statsprof');
  const token = randomBytes(8).toString('hex');
  try {
    const providers = await startProviders(resources);
    const exchanges = await Promise.all(
      DEFAULT_EXCHANGES.map((e, i) =>
        i === 0
          ? resources.start({
              ...exchangeService(e.id, {
                dbPath: join(dir, `${e.id}.db`),
                env: {
                  LOG_LEVEL: 'warn',
                  EXCHANGE_ADMIN_TOKEN: token,
                  PROFILE_ENTRY: 'subgraphs/exchange/main.ts',
                  PROFILE_OUT: join(outDir, 'exchange.cpuprofile'),
                },
                timeoutMs: 300_000,
              }),
              file: 'bench/diagnose/profiledEntry.ts',
            })
          : startExchange(resources, e.id, join(dir, `${e.id}.db`), { EXCHANGE_ADMIN_TOKEN: token }),
      ),
    );
    const gateway = await startOurGateway(resources, {
      name: 'prof-gateway',
      dir: outDir,
      providersUrl: providers.url,
      exchanges: exchanges.map((s, i) => ({ id: DEFAULT_EXCHANGES[i].id, url: s.url })),
      env: { CACHE_DISABLED: '1', EXCHANGE_TIMEOUT_MS: '30000' },
      profileOut: join(outDir, 'gateway.cpuprofile'),
    });
    const client = new GraphqlClient(gateway.url);
    const bumps = await Promise.all(exchanges.map((s) => versionBumper(s.url, token, new GraphqlClient(s.url))));
    for (let i = 0; i < 5; i++) {
      await Promise.all(bumps.map((b) => b()));
      await client.post(STATS, variables, 60_000);
    }
    const profiled = [gateway.child, exchanges[0].child];
    for (const c of profiled) c.kill('SIGUSR2');
    const pids = [gateway, ...exchanges].map((s) => s.child.pid);
    let cpu = 0;
    const times: number[] = [];
    for (let i = 0; i < samples; i++) {
      await Promise.all(bumps.map((b) => b()));
      const before = cpuMsOf(pids);
      const answer = await client.post(STATS, variables, 60_000);
      cpu += cpuMsOf(pids) - before;
      times.push(answer.ms);
      if (answer.body.errors) throw new Error(JSON.stringify(answer.body.errors));
    }
    for (const c of profiled) c.kill('SIGUSR2');
    times.sort((a, b) => a - b);
    console.log(`median ${times[times.length >> 1].toFixed(1)} ms, CPU ${(cpu / samples).toFixed(1)} ms per request (gateway + 4 exchanges)`);
    for (const name of ['gateway', 'exchange']) {
      const path = join(outDir, `${name}.cpuprofile`);
      await waitForFile(path);
      if (values.keep) copyFileSync(path, join(values.keep, `${name}.cpuprofile`));
      const rows = selfTimes(JSON.parse(readFileSync(path, 'utf8')) as CpuProfile, samples);
      const total = rows.reduce((s, [, ms]) => s + ms, 0);
      console.log(`\n## ${name}: ${total.toFixed(2)} ms busy per sample (version move included)`);
      for (const [k, ms] of rows.slice(0, 30)) console.log(`${ms.toFixed(3).padStart(8)}  ${k}`);
    }
    client.close();
  } finally {
    await resources.cleanup();
  }
}

await main();
