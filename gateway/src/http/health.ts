import type { ExchangeDirectory } from '../directory/ExchangeDirectory.ts';

/** GET /health: the gateway is up; each exchange's observed status. `status` is "ok" when none is offline. */
export function healthReport(directory: ExchangeDirectory) {
  const exchanges = directory.all().map((e) => ({
    id: e.id,
    status: e.health.phase.toUpperCase(),
    latencyMs: e.health.latencyMs,
    lastSeenAt: e.health.lastSeenAt?.toISOString() ?? null,
    catalogVersion: e.catalogVersion,
  }));
  return {
    status: exchanges.every((e) => e.status === 'ONLINE') ? 'ok' : 'degraded',
    cache: 'memory',
    exchanges,
  };
}
