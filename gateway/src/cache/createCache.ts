import { CacheConfigError, type Cache, type CacheEvents } from './Cache.ts';
import { MemoryCache, type MemoryCacheOptions } from './MemoryCache.ts';
import { RedisCache, type RedisCacheOptions, type RedisTarget } from './RedisCache.ts';

/** Everything but the target, which comes from the environment. */
export type CreateCacheOptions = CacheEvents & {
  redis?: Omit<RedisCacheOptions, 'target' | keyof CacheEvents>;
  memory?: Omit<MemoryCacheOptions, keyof CacheEvents>;
};

/**
 * The cache the environment asks for:
 * - `REDIS_URL` (redis:// or rediss://): one Redis node;
 * - `REDIS_CLUSTER_NODES` (`host:port,host:port`, IPv6 as `[::1]:7000`): a Redis Cluster, from these seed nodes;
 * - neither: process memory (one replica; nothing shared).
 * `REDIS_COMMAND_TIMEOUT_MS` overrides the per-command timeout (default 100). Throws CacheConfigError, naming
 * the variable, the rule and the bad value, when a value is malformed or both targets are set.
 * It does not wait for Redis: the cache starts degraded and connects in the background (see `whenConnected`).
 */
export function createCache(env: NodeJS.ProcessEnv = process.env, options: CreateCacheOptions = {}): Cache {
  const events: CacheEvents = { onError: options.onError, onStatusChange: options.onStatusChange };
  const target = redisTarget(env);
  if (!target) return new MemoryCache({ ...options.memory, ...events });
  const commandTimeoutMs = positiveInteger(env, 'REDIS_COMMAND_TIMEOUT_MS');
  return new RedisCache({ commandTimeoutMs, ...options.redis, ...events, target });
}

export function redisTarget(env: NodeJS.ProcessEnv): RedisTarget | null {
  const url = env.REDIS_URL?.trim();
  const nodes = env.REDIS_CLUSTER_NODES?.trim();
  if (url && nodes) {
    throw new CacheConfigError(`set REDIS_URL (one node) or REDIS_CLUSTER_NODES (a cluster), not both; got REDIS_URL=${JSON.stringify(url)} and REDIS_CLUSTER_NODES=${JSON.stringify(nodes)}`);
  }
  if (url) return { mode: 'single', url: checkedRedisUrl(url) };
  if (nodes) return { mode: 'cluster', nodes: parseClusterNodes(nodes) };
  return null;
}

function checkedRedisUrl(text: string): string {
  let url: URL | undefined;
  try {
    url = new URL(text);
  } catch {
    // reported below
  }
  if (!url || (url.protocol !== 'redis:' && url.protocol !== 'rediss:') || !url.hostname) {
    throw new CacheConfigError(`REDIS_URL must be a redis:// or rediss:// URL with a host, like redis://127.0.0.1:6379, got ${JSON.stringify(text)}`);
  }
  return text;
}

/** Parses `host:port,host:port` (whitespace around entries allowed; IPv6 hosts in brackets). */
export function parseClusterNodes(text: string): Array<{ host: string; port: number }> {
  const entries = text.split(',').map((entry) => entry.trim()).filter(Boolean);
  if (entries.length === 0) throw new CacheConfigError(`REDIS_CLUSTER_NODES must list host:port pairs separated by commas, got ${JSON.stringify(text)}`);
  return entries.map((entry) => {
    const match = /^(?:\[([0-9a-fA-F:.]+)\]|([^\s:/[\]]+)):(\d{1,5})$/.exec(entry);
    const port = match ? Number(match[3]) : NaN;
    if (!match || port < 1 || port > 65535) {
      throw new CacheConfigError(`REDIS_CLUSTER_NODES must list host:port pairs (port 1-65535) separated by commas, got ${JSON.stringify(entry)} in ${JSON.stringify(text)}`);
    }
    return { host: match[1] ?? match[2], port };
  });
}

function positiveInteger(env: NodeJS.ProcessEnv, name: string): number | undefined {
  const text = env[name]?.trim();
  if (!text) return undefined;
  const value = Number(text);
  if (!Number.isInteger(value) || value <= 0) throw new CacheConfigError(`${name} must be a positive integer (milliseconds), got ${JSON.stringify(text)}`);
  return value;
}
