import type { Cache, CacheEvents } from './Cache.ts';
import { MemoryCache, type MemoryCacheOptions } from './MemoryCache.ts';
import { RedisCache, type RedisCacheOptions, type RedisTarget } from './RedisCache.ts';

export type CreateCacheOptions = CacheEvents & {
  /** Redis (one node or a cluster), or null for process memory (one replica; nothing shared). See config.ts. */
  target: RedisTarget | null;
  /** The per-command timeout; default RedisCache's (100 ms). */
  commandTimeoutMs?: number;
  redis?: Omit<RedisCacheOptions, 'target' | keyof CacheEvents>;
  memory?: Omit<MemoryCacheOptions, keyof CacheEvents>;
};

/**
 * The cache the configuration asks for. Throws CacheConfigError, naming the option, the rule and the bad
 * value, when an option is malformed. It does not wait for Redis: the cache starts degraded and connects
 * in the background (see `whenConnected`).
 */
export function createCache(options: CreateCacheOptions): Cache {
  const events: CacheEvents = { onError: options.onError, onStatusChange: options.onStatusChange };
  if (!options.target) return new MemoryCache({ ...options.memory, ...events });
  const commandTimeout = options.commandTimeoutMs === undefined ? {} : { commandTimeoutMs: options.commandTimeoutMs };
  return new RedisCache({ ...commandTimeout, ...options.redis, ...events, target: options.target });
}
