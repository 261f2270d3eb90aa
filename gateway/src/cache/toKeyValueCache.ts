import type { Cache } from './Cache.ts';

/**
 * Apollo's `KeyValueCache<string>` (from @apollo/utils.keyvaluecache), restated structurally because that
 * package is only a transitive dependency; Apollo Server accepts anything of this shape.
 */
export interface KeyValueCache {
  get(key: string): Promise<string | undefined>;
  set(key: string, value: string, options?: { ttl?: number | null }): Promise<void>;
  delete(key: string): Promise<boolean | void>;
}

export interface KeyValueCacheOptions {
  /** Separates this user's keys from the others in the same store, e.g. 'apq:'. */
  prefix: string;
  /** TTL when Apollo passes none. Default 300 s. */
  defaultTtlSeconds?: number;
  /** Upper bound, also applied when Apollo asks for no expiry (`ttl: null`): TTLs bound everything. Default 86 400 s. */
  maxTtlSeconds?: number;
}

export const DEFAULT_KEY_VALUE_TTL_SECONDS = 300;
export const DEFAULT_KEY_VALUE_MAX_TTL_SECONDS = 86_400;

/**
 * Apollo Server's KeyValueCache (APQ, response cache, `cache` option) over our Cache, so they share the
 * gateway's store, its namespace and its failure semantics (a failing Redis is a miss).
 */
export function toKeyValueCache(cache: Cache, options: KeyValueCacheOptions): KeyValueCache {
  const defaultTtlSeconds = options.defaultTtlSeconds ?? DEFAULT_KEY_VALUE_TTL_SECONDS;
  const maxTtlSeconds = options.maxTtlSeconds ?? DEFAULT_KEY_VALUE_MAX_TTL_SECONDS;
  return {
    async get(key: string) {
      return (await cache.get(options.prefix + key)) ?? undefined;
    },
    async set(key: string, value: string, setOptions?: { ttl?: number | null }) {
      const ttl = setOptions?.ttl;
      const ttlSeconds = ttl === null ? maxTtlSeconds : Math.min(ttl ?? defaultTtlSeconds, maxTtlSeconds);
      await cache.set(options.prefix + key, value, ttlSeconds);
    },
    async delete(key: string) {
      await cache.delete(options.prefix + key);
    },
  };
}
