import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_EXCHANGES } from '../../shared/domain.ts';
import { startService, stopAll, freePort, type Service } from '../../scripts/lib/processes.ts';
import { FlakyProxy } from '../services/FlakyProxy.ts';

export interface StackOptions {
  /** Datasets seeded per exchange. */
  perExchange: number;
  exchangeTimeoutMs?: number;
  healthIntervalMs?: number;
  gatewayEnv?: Record<string, string>;
  /** Put a FlakyProxy in front of every exchange (to count calls and inject faults). Default true. */
  proxies?: boolean;
  /** Extra environment for the exchange processes (e.g. EXCHANGE_ADMIN_TOKEN). */
  exchangeEnv?: Record<string, string>;
}

export interface Stack {
  gatewayUrl: string;
  gatewayBase: string;
  providersUrl: string;
  /** Direct URLs of the exchange processes (not through the proxies). */
  exchangeUrls: Record<string, string>;
  proxies: Record<string, FlakyProxy>;
  services: Record<string, Service>;
  dataDir: string;
  /** Starts one more gateway process on the same exchanges (stopped with the stack). */
  startGateway(name: string, env?: Record<string, string | undefined>): Promise<Service>;
  stop(): Promise<void>;
}

/** Providers, the four exchanges and the gateway, each a real process on a free port. */
export async function startStack(options: StackOptions): Promise<Stack> {
  const dataDir = mkdtempSync(join(tmpdir(), 'catalog-stack-'));
  const services: Record<string, Service> = {};
  const proxies: Record<string, FlakyProxy> = {};
  try {
    // NODE_ENV unset, as `npm start` runs them (the test runner sets NODE_ENV=test).
    const common = { DATA_DIR: dataDir, SEED_PER_EXCHANGE: String(options.perExchange), LOG_LEVEL: 'warn', NODE_ENV: undefined };
    const started = await Promise.all([
      startService({ name: 'providers', file: 'subgraphs/providers/main.ts', args: ['--port', String(await freePort())], env: common, readyMsg: 'providers ready', quiet: true }),
      ...DEFAULT_EXCHANGES.map(async (e) => startService({
        name: e.id, file: 'subgraphs/exchange/main.ts', args: ['--id', e.id, '--port', String(await freePort())],
        env: { ...common, ...options.exchangeEnv }, readyMsg: 'exchange ready', quiet: true,
      })),
    ]);
    for (const service of started) services[service.name] = service;
    const exchangeUrls = Object.fromEntries(DEFAULT_EXCHANGES.map((e) => [e.id, services[e.id].url]));
    const useProxies = options.proxies ?? true;
    for (const e of DEFAULT_EXCHANGES) if (useProxies) proxies[e.id] = await new FlakyProxy(exchangeUrls[e.id]).start();
    const exchangesFile = join(dataDir, 'exchanges.json');
    writeFileSync(exchangesFile, JSON.stringify({
      exchanges: DEFAULT_EXCHANGES.map((e) => ({ ...e, url: useProxies ? proxies[e.id].url : exchangeUrls[e.id] })),
    }));
    const startGateway = async (name: string, env: Record<string, string | undefined> = {}) => {
      const service = await startService({
        name, file: 'gateway/src/main.ts', readyMsg: 'gateway ready', quiet: true,
        env: {
          ...common, PORT: String(await freePort()), PROVIDERS_URL: services.providers.url, EXCHANGES_FILE: exchangesFile,
          EXCHANGE_TIMEOUT_MS: String(options.exchangeTimeoutMs ?? 1000), HEALTH_INTERVAL_MS: String(options.healthIntervalMs ?? 600_000),
          REDIS_URL: undefined, REDIS_CLUSTER_NODES: undefined, ...options.gatewayEnv, ...env,
        },
      });
      services[name] = service;
      return service;
    };
    await startGateway('gateway');
    return {
      gatewayUrl: services.gateway.url,
      gatewayBase: services.gateway.url.replace(/\/graphql$/, ''),
      providersUrl: services.providers.url,
      exchangeUrls,
      proxies,
      services,
      dataDir,
      startGateway,
      stop: async () => {
        await stopAll(Object.values(services));
        await Promise.all(Object.values(proxies).map((p) => p.close()));
        rmSync(dataDir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await stopAll(Object.values(services));
    await Promise.all(Object.values(proxies).map((p) => p.close()));
    rmSync(dataDir, { recursive: true, force: true });
    throw err;
  }
}
