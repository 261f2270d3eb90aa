import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startService, freePort, type Service } from '../../devkit/processes.ts';
import { startRedisServer, type RedisServer } from '../helpers/redisServer.ts';
import { startSeededExchange, type ExchangeFixture } from '../helpers/exchangeFixture.ts';
import { graphql, dataOf } from '../helpers/graphql.ts';

// A gateway process in Redis mode must exit on SIGTERM, promptly and with code 0, whether its Redis is up
// or gone. (It used to log "stopping" and then stay alive: see the comment on stopOnTerminationSignals in
// gateway/src/server/startApolloServer.ts.)

const GRACE_MS = 8000; // the test's SIGKILL: far beyond what a clean stop needs
let redis: RedisServer;
let exchange: ExchangeFixture;
let dir: string;
let exchangesFile: string;

beforeAll(async () => {
  redis = await startRedisServer();
  exchange = await startSeededExchange({ id: 'bj', count: 5 });
  dir = mkdtempSync(join(tmpdir(), 'gateway-shutdown-'));
  exchangesFile = join(dir, 'exchanges.json');
  writeFileSync(
    exchangesFile,
    JSON.stringify({
      exchanges: [{ id: 'bj', name: 'Beijing', nameZh: '北京', city: 'Beijing', province: 'Beijing', divisionCode: '110000', url: exchange.url }],
    }),
  );
}, 60_000);
afterAll(async () => {
  await exchange?.close();
  await redis?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function startGateway(): Promise<Service> {
  const gateway = await startService({
    name: 'gateway',
    file: 'gateway/src/main.ts',
    readyMsg: 'gateway ready',
    quiet: true,
    env: {
      PORT: String(await freePort()),
      EXCHANGES_FILE: exchangesFile,
      REDIS_URL: redis.url,
      REDIS_CLUSTER_NODES: undefined,
      PROVIDERS_URL: 'http://127.0.0.1:9/graphql',
      LOG_LEVEL: 'warn',
      HEALTH_INTERVAL_MS: '200',
      VERSION_POLL_MS: '200',
      // As deployed: vitest sets NODE_ENV=test, under which Apollo Server installs no signal handlers of its
      // own, and those were what kept the process alive.
      NODE_ENV: undefined,
    },
  });
  // It serves, through Redis: a real query, so every connection and pool a request opens is open.
  const data: any = dataOf(await graphql(gateway.url, '{ datasets(first: 1) { totalCount } }'));
  expect(data.datasets.totalCount).toBe(5);
  return gateway;
}

async function timedStop(gateway: Service) {
  const started = performance.now();
  const status = await gateway.stop(GRACE_MS);
  return { status, ms: performance.now() - started };
}

describe('gateway process shutdown in Redis mode', () => {
  it('exits with code 0 within a few seconds of SIGTERM while Redis is up', async () => {
    const gateway = await startGateway();
    const { status, ms } = await timedStop(gateway);
    expect(status, gateway.tail().join('\n')).toEqual({ code: 0, signal: null });
    expect(ms).toBeLessThan(3000);
    expect(gateway.tail().some((line) => line.includes('"msg":"stopping"'))).toBe(true);
  });

  it('exits with code 0 within a few seconds of SIGTERM after its Redis died', async () => {
    const gateway = await startGateway();
    await redis.kill();
    try {
      await new Promise((r) => setTimeout(r, 500)); // the gateway notices, and starts reconnecting
      const { status, ms } = await timedStop(gateway);
      expect(status, gateway.tail().join('\n')).toEqual({ code: 0, signal: null });
      expect(ms).toBeLessThan(3000);
    } finally {
      await redis.restart();
    }
  });
});
