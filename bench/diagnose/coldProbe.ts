/** Temporary probe: the fast suite's ours-off rows in order, with shard fetch counts and CPU. */
import { join } from 'node:path';
import { runLoad } from '../lib/load.ts';
import { processCpuMs } from '../lib/cpu.ts';
import { BenchResources, startExchange, startProviders, startOurGateway, startPlainGateway } from '../lib/stack.ts';
import { DISTINCT_QUERY, FIXED_QUERY, distinctVariables } from '../suites/gatewayThroughput.ts';

const dir = process.argv[2] ?? '/tmp/cf-data';
const seconds = Number(process.argv[3] ?? 4);
const resources = new BenchResources();
async function fetches(url: string): Promise<number> {
  const text = await (await fetch(url.replace('/graphql', '/metrics'))).text();
  return text
    .split('\n')
    .filter((l) => l.startsWith('gateway_shard_fetches_total'))
    .reduce((n, l) => n + Number(l.split(' ').pop()), 0);
}
try {
  const [providers, exchange] = await Promise.all([startProviders(resources), startExchange(resources, 'bj', join(dir, 'bj.db'))]);
  const common = { dir: resources.tempDir('probe'), providersUrl: providers.url, exchanges: [{ id: 'bj', url: exchange.url }] };
  const ours = await startOurGateway(resources, { name: 'ours-off', ...common, env: { CACHE_DISABLED: '1' } });
  const plain = await startPlainGateway(resources, { name: 'plain', exchangeUrl: exchange.url, providersUrl: providers.url });
  const rows = (process.argv[4] ?? 'identical,distinct,plain,distinct').split(',');
  for (const row of rows) {
    const target = row === 'plain' ? plain : ours;
    const distinct = row !== 'identical';
    let cpu0 = 0, ex0 = 0, f0 = 0;
    const result = await runLoad({
      url: target.url,
      query: distinct ? DISTINCT_QUERY : FIXED_QUERY,
      variablesFor: distinct ? distinctVariables : undefined,
      connections: 20,
      durationS: seconds,
      warmupS: 1,
      beforeMeasured: async () => {
        cpu0 = processCpuMs(target.child.pid);
        ex0 = processCpuMs(exchange.child.pid);
        f0 = row === 'plain' ? 0 : await fetches(ours.url);
      },
    });
    const f1 = row === 'plain' ? 0 : await fetches(ours.url);
    console.log(
      JSON.stringify({
        row,
        reqPerSec: Math.round(result.reqPerSec),
        total: result.total,
        cpuPerReq: ((processCpuMs(target.child.pid) - cpu0) / result.total).toFixed(2),
        exchangeCpuPerReq: ((processCpuMs(exchange.child.pid) - ex0) / result.total).toFixed(2),
        shardFetches: f1 - f0,
        failed: result.errors + result.non2xx + result.graphqlErrors + result.timeouts,
      }),
    );
  }
} finally {
  await resources.cleanup();
}
