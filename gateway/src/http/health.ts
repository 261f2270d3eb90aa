import type { ExchangeDirectory } from '../directory/ExchangeDirectory.ts';
import type { Cache } from '../cache/Cache.ts';
import type { Durability } from '../cache/redisDurability.ts';

/** GET /health: the gateway is up; each exchange's observed status. `status` is "ok" when none is offline. */
export function healthReport(directory: ExchangeDirectory, cache: Cache, durability: Durability) {
  const exchanges = directory.all().map((e) => ({
    id: e.id,
    status: e.health.phase.toUpperCase(),
    latencyMs: e.health.latencyMs,
    lastSeenAt: e.health.lastSeenAt?.toISOString() ?? null,
    catalogVersion: e.catalogVersion,
  }));
  return {
    status: exchanges.every((e) => e.status === 'ONLINE') ? 'ok' : 'degraded',
    cache: {
      /** 'redis', 'memory' (no REDIS_URL), or 'degraded' (Redis configured but unreachable: answers come from the exchanges). */
      status: cache.status(),
      /** 'ok', 'at-risk' (a restart or eviction could lose registrations, tokens, API keys) or 'unknown', with `reasons`. */
      ...durability,
    },
    exchanges,
  };
}
