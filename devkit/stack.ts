/**
 * The whole stack for end-to-end tests: providers, the four exchanges (each seeding its own database) and
 * the gateway, each a real process on a port of its own choosing, optionally with a FlakyProxy in front of
 * every exchange to count calls and inject faults. Services are described in devkit/services.ts.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_EXCHANGES } from '../shared/domain.ts';
import { startService, stopAll, type Service } from './processes.ts';
import { FlakyProxy } from './FlakyProxy.ts';
import { exchangeService, gatewayService, providersService, writeExchangesFile } from './services.ts';

export interface StackOptions {
  /** Datasets seeded per exchange. */
  perExchange: number;
  exchangeTimeoutMs?: number;
  healthIntervalMs?: number;
  /** A value of `undefined` removes the variable (e.g. one the test runner set). */
  gatewayEnv?: Record<string, string | undefined>;
  /** Put a FlakyProxy in front of every exchange (to count calls and inject faults). Default true. */
  proxies?: boolean;
  /** Extra environment for the exchange processes (e.g. EXCHANGE_ADMIN_TOKEN). */
  exchangeEnv?: Record<string, string>;
  /** Extra environment for every process: providers, exchanges and gateway (e.g. OTEL_EXPORTER_OTLP_ENDPOINT). */
  commonEnv?: Record<string, string>;
  /** How long each process may take to be ready (default: the launcher's 120 s; a crowded machine may need more). */
  readyTimeoutMs?: number;
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
  const teardown = async () => {
    await stopAll(Object.values(services));
    await Promise.all(Object.values(proxies).map((p) => p.close()));
    rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    // NODE_ENV unset, as `npm start` runs them (the test runner sets NODE_ENV=test).
    const common = { DATA_DIR: dataDir, SEED_PER_EXCHANGE: String(options.perExchange), LOG_LEVEL: 'warn', NODE_ENV: undefined, ...options.commonEnv };
    // Port 0 everywhere: each service binds a free port itself and logs it, so no other process can take it first.
    const started = await Promise.all([
      startService(providersService({ args: ['--port', '0'], env: common, quiet: true, timeoutMs: options.readyTimeoutMs })),
      ...DEFAULT_EXCHANGES.map((e) =>
        startService(exchangeService(e.id, { env: { ...common, ...options.exchangeEnv }, quiet: true, timeoutMs: options.readyTimeoutMs })),
      ),
    ]);
    for (const service of started) services[service.name] = service;
    const exchangeUrls = Object.fromEntries(DEFAULT_EXCHANGES.map((e) => [e.id, services[e.id].url]));
    const useProxies = options.proxies ?? true;
    for (const e of DEFAULT_EXCHANGES) if (useProxies) proxies[e.id] = await new FlakyProxy(exchangeUrls[e.id]).start();
    const exchangesFile = join(dataDir, 'exchanges.json');
    writeExchangesFile(
      exchangesFile,
      DEFAULT_EXCHANGES.map((e) => ({ id: e.id, url: useProxies ? proxies[e.id].url : exchangeUrls[e.id] })),
    );
    const startGateway = async (name: string, env: Record<string, string | undefined> = {}) => {
      const service = await startService(
        gatewayService({
          name,
          quiet: true,
          timeoutMs: options.readyTimeoutMs,
          env: {
            ...common,
            PORT: '0',
            PROVIDERS_URL: services.providers.url,
            EXCHANGES_FILE: exchangesFile,
            EXCHANGE_TIMEOUT_MS: String(options.exchangeTimeoutMs ?? 1000),
            HEALTH_INTERVAL_MS: String(options.healthIntervalMs ?? 600_000),
            REDIS_URL: undefined,
            REDIS_CLUSTER_NODES: undefined,
            ...options.gatewayEnv,
            ...env,
          },
        }),
      );
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
      stop: teardown,
    };
  } catch (err) {
    await teardown();
    throw err;
  }
}
