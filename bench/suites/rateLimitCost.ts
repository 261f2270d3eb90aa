/**
 * What public rate limiting costs: two gateways on one exchange and one redis-server of the suite's own,
 * identical but for rate limiting (on, with budgets no load here reaches, vs RATE_LIMIT_DISABLED=true),
 * each loaded on the warm path (the identical anonymous query: a response-cache hit) and the cold path
 * (distinct variables and Authorization: every cache layer misses), side by side in one run, in
 * alternating order over several rounds; the on/off ratios are paired per round. Target: rate limiting
 * costs at most 5% of the requests per second on each path (docs/rate-limits.md, "What it costs").
 */
import { join } from 'node:path';
import { availableParallelism } from 'node:os';
import { MAX_LOAD_SECONDS } from '../lib/load.ts';
import type { Service } from '../../devkit/processes.ts';
import { passFail } from '../lib/markdown.ts';
import { seedCatalog, startExchange, startProviders, startOurGateway } from '../lib/stack.ts';
import { ratio } from '../lib/stats.ts';
import { intFlag, type SuiteContext, type Suite, type SuiteReport, type TargetCheck } from '../lib/suite.ts';
import { CACHE_QUERY, checkContender, combine, pairedRatio, post, sideBySide, startRedis, type Contender, type Measured } from './cacheThroughput.ts';

/** Rate limiting may cost at most 5% of the requests per second: on/off ≥ 0.95. */
const TARGET = 0.95;

export const rateLimitCostSuite: Suite = {
  name: 'ratelimit',
  title: 'Rate limiting on vs off (autocannon): warm and cold paths, side by side',
  flags: {
    'ratelimit-per-exchange': { default: '5000', description: 'datasets of the one exchange of the rate-limit suite' },
    'ratelimit-rounds': { default: '3', description: 'rounds of the rate-limit suite (order alternates each round)' },
  },
  run: runRateLimitCost,
};

async function runRateLimitCost({ resources, flags, log }: SuiteContext): Promise<SuiteReport> {
  const perExchange = intFlag(flags, 'ratelimit-per-exchange', 20, 250_000);
  const durationS = intFlag(flags, 'duration', 1, MAX_LOAD_SECONDS);
  const warmupS = intFlag(flags, 'load-warmup', 0, MAX_LOAD_SECONDS);
  const connections = intFlag(flags, 'connections', 1, 500);
  const rounds = intFlag(flags, 'ratelimit-rounds', 1, 10);
  const id = 'bj';
  const dataDir = resources.tempDir('ratelimit-data');
  log(`seeding exchange ${id} with ${perExchange} datasets ...`);
  await seedCatalog(resources, { perExchange, dataDir, exchanges: [id], timeoutMs: 10 * 60_000 });

  const started: Service[] = [];
  let redis: Awaited<ReturnType<typeof startRedis>> | undefined;
  const contenders: Contender[] = [];
  let results: Map<string, Measured[]>;
  try {
    const [providers, exchange] = await Promise.all([startProviders(resources), startExchange(resources, id, join(dataDir, `${id}.db`))]);
    started.push(providers, exchange);
    redis = await startRedis(resources);
    const common = { dir: dataDir, providersUrl: providers.url, exchanges: [{ id, url: exchange.url }] };
    // One after the other: the second finds the exchange's registration in Redis. The conformance run at
    // registration gets time to spare on a loaded machine.
    const env = { REDIS_URL: redis.url, REGISTRATION_CONFORMANCE_BUDGET_MS: '120000' };
    const on = await startOurGateway(resources, { ...common, name: 'limits-on', env });
    started.push(on);
    const off = await startOurGateway(resources, { ...common, name: 'limits-off', env: { ...env, RATE_LIMIT_DISABLED: 'true' } });
    started.push(off);
    const backends = [exchange.child.pid, providers.child.pid];
    const contender = (key: string, label: string, gateway: Service, mode: Contender['mode']): Contender => ({
      key,
      label,
      url: gateway.url,
      mode,
      metricsUrl: gateway.url.replace(/\/graphql$/, '/metrics'),
      gatewayPid: gateway.child.pid,
      backendPids: backends,
      redisPid: redis!.child.pid,
    });
    contenders.push(
      contender('warm-off', 'warm (response-cache hit), rate limiting off', off, 'anonymous'),
      contender('warm-on', 'warm (response-cache hit), rate limiting on', on, 'anonymous'),
      contender('cold-off', 'cold (every layer misses), rate limiting off', off, 'miss'),
      contender('cold-on', 'cold (every layer misses), rate limiting on', on, 'miss'),
    );
    const expected = (await post(exchange.url, 'anonymous')).body.data;
    for (const c of contenders) await checkContender(c, expected);
    const headers = (await fetch(on.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: CACHE_QUERY }) }))
      .headers;
    if (!headers.get('ratelimit')) throw new Error('the gateway with rate limiting on answered without a RateLimit header');
    log(`rate-limit cost: ${rounds} rounds x ${contenders.length} runs x (${warmupS} s warm-up + ${durationS} s), ${connections} connections`);
    results = await sideBySide(contenders, rounds, { connections, durationS, warmupS }, log);
  } finally {
    await resources.stop(...started);
    await redis?.stop();
  }

  const combined = Object.fromEntries(contenders.map((c) => [c.key, combine(results.get(c.key)!)]));
  const targets: TargetCheck[] = [];
  const rows = (['warm', 'cold'] as const).map((path) => {
    const paired = pairedRatio(results.get(`${path}-on`)!, results.get(`${path}-off`)!, (m) => m.reqPerSec);
    const cpu = pairedRatio(results.get(`${path}-on`)!, results.get(`${path}-off`)!, (m) => m.gatewayCpu);
    const pass = paired.median >= TARGET;
    targets.push({
      what: `throughput with rate limiting on / off, ${path} path (median of per-round ratios)`,
      value: ratio(paired.median),
      target: `≥ ${TARGET}×`,
      pass,
    });
    const off = combined[`${path}-off`];
    const on = combined[`${path}-on`];
    return [
      path,
      `${off.reqPerSec.toFixed(0)} (${off.perRound})`,
      `${on.reqPerSec.toFixed(0)} (${on.perRound})`,
      ratio(paired.median),
      paired.each.map(ratio).join(', '),
      ratio(cpu.median),
      `${off.failures + on.failures} / ${off.graphqlErrors + on.graphqlErrors}`,
      passFail(pass),
    ];
  });
  return {
    sections: [
      {
        title: `Rate limiting on vs off, one exchange (${perExchange.toLocaleString('en')} datasets), ${connections} connections, ${rounds} rounds`,
        table: {
          headers: [
            'path',
            'off: req/s (per round)',
            'on: req/s (per round)',
            'on / off, median',
            'on / off per round',
            'gateway CPU per request, on / off',
            'failed / GraphQL errors',
            'target ≥ 0.95×',
          ],
          rows,
        },
        text: [
          `Both gateways: \`gateway/src/main.ts\` on one redis-server of the suite's own; "on" as shipped (budgets in Redis, leases of 5% of the budget spent in process) with \`RATE_LIMIT_ANON_COST_PER_MIN\` set out of reach, "off" with \`RATE_LIMIT_DISABLED=true\`. Warm: \`${CACHE_QUERY}\` repeated, answered from the response cache (the hit spends the cost this replica remembered for the query). Cold: the same query with a distinct \`$since\` per request and \`Authorization\`, so every cache layer misses; the cost is computed and spent before execution.`,
          `autocannon: ${durationS} s measured after ${warmupS} s unmeasured per run; ${availableParallelism()} cores shared with other work: compare the paired ratios, not the absolute figures.`,
        ].join('\n\n'),
      },
    ],
    targets,
  };
}
