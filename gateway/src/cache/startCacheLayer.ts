import type { Logger } from '../logger.ts';
import type { ExchangeDirectory } from '../directory/ExchangeDirectory.ts';
import type { Cache, CacheStatus } from './Cache.ts';
import { createCache, type CreateCacheOptions } from './createCache.ts';
import { CatalogVersions } from './CatalogVersions.ts';
import { VersionWatcher } from './VersionWatcher.ts';

export interface CacheLayer {
  cache: Cache;
  versions: CatalogVersions;
  /**
   * Calls `listener` at every later change of the store's status, after the change is logged. Parts built
   * after the cache subscribe here, so the cache never needs to know them.
   */
  onStatusChange(listener: (status: CacheStatus) => void): void;
}

/** How long start-up waits for Redis before it goes on degraded (answering from the exchanges). */
const CONNECT_WAIT_MS = 2000;

/**
 * The store every cache, the registry and the tokens use (Redis, or process memory without REDIS_URL),
 * and the exchanges' catalog versions kept in it. A cache passed in (tests) is used as it is.
 */
export async function startCacheLayer(options: {
  logger: Logger;
  cache?: Cache;
  settings: Omit<CreateCacheOptions, 'onError' | 'onStatusChange'>;
}): Promise<CacheLayer> {
  const logger = options.logger.child({ component: 'cache' });
  const listeners: Array<(status: CacheStatus) => void> = [];
  const cache =
    options.cache ??
    createCache({
      ...options.settings,
      onError: (err, operation) => logger.debug({ err: err.message, operation }, 'cache operation failed'),
      onStatusChange: (status) => {
        if (status === 'degraded') logger.warn({ status }, 'cache status changed');
        else logger.info({ status }, 'cache status changed');
        for (const listener of listeners) listener(status);
      },
    });
  await cache.whenConnected(CONNECT_WAIT_MS);
  const versions = new CatalogVersions(cache);
  await versions.start([]);
  return { cache, versions, onStatusChange: (listener) => void listeners.push(listener) };
}

/**
 * Starts the loop that asks every exchange for its catalog version, after one round: the first requests
 * then know every version and can use the caches (bounded by the exchange timeout when one is down).
 */
export async function startVersionWatcher(options: { directory: ExchangeDirectory; versions: CatalogVersions; intervalMs: number }): Promise<VersionWatcher> {
  const watcher = new VersionWatcher(options);
  await watcher.poll();
  watcher.start();
  return watcher;
}
