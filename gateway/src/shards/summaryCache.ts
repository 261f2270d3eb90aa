import type { Cache } from '../cache/Cache.ts';
import type { CatalogVersions } from '../cache/CatalogVersions.ts';
import { catalogSummaryKey } from '../cache/cacheKeys.ts';
import type { SummaryStore } from './CatalogSummaries.ts';

/**
 * How long a summary stays in the cache: its key names the catalog version it describes (and the
 * exchange's epoch), so it can never be read for another one; the TTL only frees the space of versions
 * that have moved on.
 */
export const SUMMARY_TTL_SECONDS = 24 * 3600;

/**
 * Catalog summaries in the gateway's cache (Redis, shared by every replica and kept over restarts; or
 * process memory), keyed like every other answer by exchange, catalog version and epoch. An unknown
 * epoch, a miss or a failing cache reads as nothing: the summary is then fetched from the exchange.
 */
export function summaryCache(cache: Cache, versions: CatalogVersions): SummaryStore {
  const keyOf = async (exchange: string, catalogVersion: string): Promise<string | null> => {
    const epoch = await versions.epochOf(exchange);
    return epoch === null ? null : catalogSummaryKey({ exchangeId: exchange, catalogVersion, epoch });
  };
  return {
    async get(exchange, catalogVersion) {
      const key = await keyOf(exchange, catalogVersion);
      const text = key ? await cache.get(key) : null;
      if (text === null) return null;
      try {
        return JSON.parse(text) as unknown;
      } catch {
        return null;
      }
    },
    async set(exchange, catalogVersion, summary) {
      const key = await keyOf(exchange, catalogVersion);
      if (key) await cache.set(key, JSON.stringify(summary), SUMMARY_TTL_SECONDS);
    },
  };
}
