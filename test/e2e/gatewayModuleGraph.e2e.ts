import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const HELPER = fileURLToPath(new URL('../helpers/loadedPackages.mjs', import.meta.url));

/** The node_modules packages a fresh Node process loads when it imports `entries` (paths from the repo root). */
async function packagesLoadedBy(...entries: string[]): Promise<Set<string>> {
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', HELPER, ...entries], { cwd: ROOT, timeout: 60_000 });
  const files = JSON.parse(stdout) as string[];
  const packages = files.map((file) => /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(file)?.[1]).filter((name): name is string => name !== undefined);
  return new Set(packages);
}

describe('the gateway process', () => {
  it('loads no better-sqlite3: the gateway runs no subgraph code', async () => {
    // The gateway's start-up and its configuration: everything gateway/src/main.ts imports but runService.
    const packages = await packagesLoadedBy('gateway/src/createGateway.ts', 'gateway/src/config.ts');
    // The probe sees the gateway's own packages, so an empty answer cannot pass for a clean one.
    expect(packages.has('@apollo/gateway')).toBe(true);
    expect(packages.has('ioredis')).toBe(true);
    expect(packages.has('better-sqlite3')).toBe(false);
  }, 90_000);

  it('loads no OpenTelemetry SDK while tracing is off: only the API, whose calls are skipped', async () => {
    // What a gateway process imports before and after runService decides (OTEL_EXPORTER_OTLP_ENDPOINT unset).
    const packages = await packagesLoadedBy('shared/runService.ts', 'shared/tracing/tracing.ts', 'gateway/src/createGateway.ts');
    expect(packages.has('@opentelemetry/api')).toBe(true);
    for (const sdk of ['@opentelemetry/sdk-trace', '@opentelemetry/exporter-trace-otlp-http', '@opentelemetry/context-async-hooks']) {
      expect(packages.has(sdk), sdk).toBe(false);
    }
  }, 90_000);

  it("would see better-sqlite3 if gateway code imported the exchange's store", async () => {
    // gateway/src/shards/statsMerge.ts once imported the exchange's price statistics, which reached the
    // store (their folding now lives apart from it): the same probe must catch an import of the store.
    const packages = await packagesLoadedBy('subgraphs/exchange/store/DatasetStore.ts');
    expect(packages.has('better-sqlite3')).toBe(true);
  }, 90_000);
});
