import { describe, it, expect, vi } from 'vitest';
import { MemoryCache } from '../../gateway/src/cache/MemoryCache.ts';
import { catalogSummaryKey, tokenFilterKey } from '../../gateway/src/cache/cacheKeys.ts';
import type { CatalogVersions } from '../../gateway/src/cache/CatalogVersions.ts';
import { summaryCache } from '../../gateway/src/shards/summaryCache.ts';

/**
 * Catalog summaries in the gateway's cache keep the token filter once per tokensVersion, not once per
 * catalog version (docs/scale-out.md): what is written is read back whole, and a summary whose filter is
 * gone is a miss.
 */

const EPOCH = 3;
const versions = { epochOf: async () => EPOCH } as unknown as CatalogVersions;
const tokens = { bits: 4096, hashes: 7, base64: Buffer.alloc(512, 0x5a).toString('base64') };
const summaryAt = (catalogVersion: string, extra: Record<string, unknown> = {}) => ({
  catalogVersion,
  datasetCount: 12,
  counts: [{ field: 'categories', value: 'FINANCE', count: 12 }],
  prices: [],
  updatedFrom: null,
  updatedTo: null,
  tokensVersion: 'tv1',
  tokens,
  ...extra,
});

describe('summaries in the cache', () => {
  it('write the token filter once per tokensVersion and read every summary back whole', async () => {
    const cache = new MemoryCache();
    const store = summaryCache(cache, versions);
    const sets = vi.spyOn(cache, 'set');
    const tokensKey = tokenFilterKey({ exchangeId: 'bj', tokensVersion: 'tv1', epoch: EPOCH });
    for (const version of ['a.1', 'a.2', 'a.3']) await store.set('bj', version, summaryAt(version));
    const keys = sets.mock.calls.map(([key]) => key);
    expect(keys.filter((key) => key === tokensKey)).toHaveLength(1);
    expect(keys.filter((key) => key.startsWith('summary:'))).toHaveLength(3);
    // Each version's entry is small: the filter is not in it.
    const raw = (await cache.get(catalogSummaryKey({ exchangeId: 'bj', catalogVersion: 'a.2', epoch: EPOCH })))!;
    expect(JSON.parse(raw).tokens).toBeNull();
    expect(raw.length).toBeLessThan(tokens.base64.length);
    for (const version of ['a.1', 'a.2', 'a.3']) expect(await store.get('bj', version)).toEqual(summaryAt(version));

    // A new filter (a load): written under its own version, read with the summaries naming it.
    const other = { ...tokens, base64: Buffer.alloc(512, 0x11).toString('base64') };
    await store.set('bj', 'a.4', summaryAt('a.4', { tokensVersion: 'tv2', tokens: other }));
    expect(await store.get('bj', 'a.4')).toEqual(summaryAt('a.4', { tokensVersion: 'tv2', tokens: other }));
    expect(await store.get('bj', 'a.3')).toEqual(summaryAt('a.3'));
  });

  it('is a miss when the filter a summary names is gone, and keeps a summary of an older contract as it is', async () => {
    const cache = new MemoryCache();
    const store = summaryCache(cache, versions);
    await store.set('sh', 'b.1', summaryAt('b.1'));
    await cache.delete(tokenFilterKey({ exchangeId: 'sh', tokensVersion: 'tv1', epoch: EPOCH }));
    expect(await store.get('sh', 'b.1')).toBeNull();

    const older = summaryAt('b.2', { tokensVersion: undefined });
    delete (older as Record<string, unknown>).tokensVersion;
    await store.set('sh', 'b.2', older);
    expect(await store.get('sh', 'b.2')).toEqual(older);
    expect(await store.get('sh', 'b.9')).toBeNull();
  });
});
