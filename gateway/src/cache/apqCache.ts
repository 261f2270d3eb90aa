import type { GatewayMetrics } from '../metrics.ts';
import type { Cache } from './Cache.ts';
import { toKeyValueCache, type KeyValueCache } from './toKeyValueCache.ts';

/** Apollo Server's automatic persisted queries, kept in the shared store and counted as the `apq` cache layer. */
export function apqCache(cache: Cache, metrics: GatewayMetrics): KeyValueCache {
  const store = toKeyValueCache(cache, { prefix: 'apq:' });
  return {
    get: async (key: string) => {
      const value = await store.get(key);
      if (value === undefined) metrics.miss('apq');
      else metrics.hit('apq');
      return value;
    },
    set: (key: string, value: string, setOptions?: { ttl?: number | null }) => store.set(key, value, setOptions),
    delete: (key: string) => store.delete(key),
  };
}
