import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { freePort, startService, stopAll, type Service } from '../../devkit/processes.ts';
import { exchangeService, gatewayService, providersService, writeExchangesFile } from '../../devkit/services.ts';

// Status changes (ONLINE, DEGRADED, OFFLINE) in the gateway's log: one line per change, with its cause,
// read from the gateway process's own output while a real exchange process is stopped and started again.

const HEALTH_INTERVAL_MS = 150;
let dataDir = '';
let providers: Service;
let exchange: Service;
let gateway: Service;
let exchangePort = 0;
const lines: string[] = [];

/** The gateway's status lines so far, parsed. */
function statusLines(): Array<Record<string, any>> {
  return lines.filter((l) => l.includes('"exchange-status"')).map((l) => JSON.parse(l));
}

async function until(want: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!want() && performance.now() < deadline) await new Promise((r) => setTimeout(r, 50));
}

function startExchange(): Promise<Service> {
  return startService(exchangeService('sh', { port: exchangePort, quiet: true, env: { DATA_DIR: dataDir, SEED_PER_EXCHANGE: '20', LOG_LEVEL: 'warn' } }));
}

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'status-log-'));
  exchangePort = await freePort();
  [providers, exchange] = await Promise.all([
    startService(providersService({ args: ['--port', '0'], quiet: true, env: { DATA_DIR: dataDir, LOG_LEVEL: 'warn' } })),
    startExchange(),
  ]);
  const exchangesFile = join(dataDir, 'exchanges.json');
  writeExchangesFile(exchangesFile, [{ id: 'sh', url: exchange.url }]);
  gateway = await startService(
    gatewayService({
      quiet: true,
      onLine: (line) => lines.push(line),
      env: {
        PORT: '0',
        PROVIDERS_URL: providers.url,
        EXCHANGES_FILE: exchangesFile,
        HEALTH_INTERVAL_MS: String(HEALTH_INTERVAL_MS),
        EXCHANGE_TIMEOUT_MS: '1000',
        LOG_LEVEL: 'info',
        REDIS_URL: undefined,
        REDIS_CLUSTER_NODES: undefined,
      },
    }),
  );
}, 180_000);

afterAll(async () => {
  await stopAll([gateway, exchange, providers]);
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

describe('exchange status changes in the gateway log', () => {
  it('logs nothing while the exchange stays ONLINE', async () => {
    // Several probe rounds pass.
    await new Promise((r) => setTimeout(r, HEALTH_INTERVAL_MS * 5));
    expect(lines.length).toBeGreaterThan(0);
    expect(statusLines()).toEqual([]);
  });

  it('logs DEGRADED, then OFFLINE, each once with the failed probe as its cause, when the exchange is stopped; then ONLINE once when it is back', async () => {
    await exchange.stop();
    await until(() => statusLines().some((l) => l.status === 'OFFLINE'));
    // Several more probe rounds fail: none of them is a change.
    await new Promise((r) => setTimeout(r, HEALTH_INTERVAL_MS * 5));
    const down = statusLines();
    expect(down.map((l) => [l.exchange, l.from, l.status])).toEqual([
      ['sh', 'ONLINE', 'DEGRADED'],
      ['sh', 'DEGRADED', 'OFFLINE'],
    ]);
    expect(down[0]).toMatchObject({
      level: 40,
      failuresInRow: 1,
      url: exchange.url,
      cause: expect.stringMatching(/^1 failed probe in a row, the last: exchange sh is unavailable \(ECONNREFUSED\) \(EXCHANGE_UNAVAILABLE\)$/),
    });
    expect(down[1]).toMatchObject({
      level: 40,
      failuresInRow: 3,
      cause: expect.stringMatching(/^3 failed probes in a row, the last: exchange sh is unavailable/),
    });
    expect(down[1].msg).toMatch(/^exchange sh is OFFLINE \(was DEGRADED\): 3 failed probes in a row/);

    exchange = await startExchange();
    await until(() => statusLines().some((l) => l.status === 'ONLINE'));
    await new Promise((r) => setTimeout(r, HEALTH_INTERVAL_MS * 5));
    const up = statusLines().slice(2);
    expect(up.map((l) => [l.exchange, l.from, l.status])).toEqual([['sh', 'OFFLINE', 'ONLINE']]);
    expect(up[0]).toMatchObject({ level: 30, cause: expect.stringMatching(/^probe answered in \d+ ms$/) });
  }, 60_000);
});
