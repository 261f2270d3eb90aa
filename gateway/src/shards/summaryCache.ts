import type { Cache } from '../cache/Cache.ts';
import type { CatalogVersions } from '../cache/CatalogVersions.ts';
import { catalogSummaryKey, tokenFilterKey } from '../cache/cacheKeys.ts';
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
  /** Token filter keys written, and when: written again after half the TTL, so one never expires under the summaries naming it. */
  const written = new Map<string, number>();
  const parse = (text: string | null): { tokens?: unknown; tokensVersion?: unknown } | null => {
    if (text === null) return null;
    try {
      return JSON.parse(text) as { tokens?: unknown; tokensVersion?: unknown } | null;
    } catch {
      return null;
    }
  };
  return {
    async get(exchange, catalogVersion) {
      const key = await keyOf(exchange, catalogVersion);
      const summary = parse(key ? await cache.get(key) : null);
      // A summary kept without its token filter names it by tokensVersion: both are read, or neither.
      if (summary?.tokens !== null || typeof summary?.tokensVersion !== 'string') return summary;
      const epoch = await versions.epochOf(exchange);
      const tokens = epoch === null ? null : parse(await cache.get(tokenFilterKey({ exchangeId: exchange, tokensVersion: summary.tokensVersion, epoch })));
      return tokens ? { ...summary, tokens } : null;
    },
    async set(exchange, catalogVersion, summary) {
      const epoch = await versions.epochOf(exchange);
      if (epoch === null) return;
      const key = catalogSummaryKey({ exchangeId: exchange, catalogVersion, epoch });
      const { tokens, tokensVersion } = (summary ?? {}) as { tokens?: unknown; tokensVersion?: unknown };
      if (!tokens || typeof tokensVersion !== 'string') return cache.set(key, JSON.stringify(summary), SUMMARY_TTL_SECONDS);
      // The token filter (~420 KB at 250,000 listings) once per tokensVersion; each version's summary without it.
      const tokensKey = tokenFilterKey({ exchangeId: exchange, tokensVersion, epoch });
      const at = written.get(tokensKey);
      if (at === undefined || Date.now() - at > (SUMMARY_TTL_SECONDS * 1000) / 2) {
        await cache.set(tokensKey, JSON.stringify(tokens), SUMMARY_TTL_SECONDS);
        written.delete(tokensKey);
        written.set(tokensKey, Date.now());
        if (written.size > MAX_WRITTEN_TOKEN_KEYS) written.delete(written.keys().next().value!);
      }
      await cache.set(key, JSON.stringify({ ...(summary as object), tokens: null }), SUMMARY_TTL_SECONDS);
    },
  };
}

/** Token filter keys remembered as written (the oldest forgotten first, then written again when met). */
const MAX_WRITTEN_TOKEN_KEYS = 1024;
