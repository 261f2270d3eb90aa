import { EventEmitter } from 'node:events';
import { LRUCache } from 'lru-cache';
import { CacheUnavailableError, isStorableTtl, type Cache, type CacheEntry, type CacheEvents, type CacheStatus } from './Cache.ts';

export interface MemoryCacheOptions extends CacheEvents {
  /** Most entries kept; the least recently used go first. Default 50 000. */
  maxEntries?: number;
  /** Approximate memory bound: 2 bytes per character of key and value (UTF-16). Default 128 MiB. */
  maxSizeBytes?: number;
}

export const DEFAULT_MEMORY_CACHE_MAX_ENTRIES = 50_000;
export const DEFAULT_MEMORY_CACHE_MAX_SIZE_BYTES = 128 * 1024 * 1024;

/**
 * The cache of a single gateway without Redis: an LRU bounded by entries and size, each entry with its
 * own TTL; versions and records in Maps (they last as long as the process); pub/sub on an in-process emitter, so callers use one code path with or
 * without Redis. Nothing here can fail, so the failure semantics of `Cache` never come into play.
 */
export class MemoryCache implements Cache {
  readonly kind = 'memory';
  private readonly entries: LRUCache<string, string>;
  private readonly versions = new Map<string, number>();
  private readonly records = new Map<string, Map<string, string>>();
  private readonly bus = new EventEmitter();
  private closed = false;

  constructor(private readonly options: MemoryCacheOptions = {}) {
    this.entries = new LRUCache<string, string>({
      max: options.maxEntries ?? DEFAULT_MEMORY_CACHE_MAX_ENTRIES,
      maxSize: options.maxSizeBytes ?? DEFAULT_MEMORY_CACHE_MAX_SIZE_BYTES,
      sizeCalculation: (value, key) => 2 * (key.length + value.length),
    });
    // Every replica-level listener is one subscription; do not warn at the default of 10.
    this.bus.setMaxListeners(0);
  }

  async get(key: string): Promise<string | null> {
    return this.entries.get(key) ?? null;
  }

  getNow(key: string): string | null {
    return this.entries.get(key) ?? null;
  }

  async getMany(keys: string[]): Promise<Array<string | null>> {
    return keys.map((key) => this.entries.get(key) ?? null);
  }

  async set(key: string, value: string, ttlSeconds: number): Promise<void> {
    if (this.closed || !isStorableTtl(ttlSeconds)) return;
    // An entry larger than maxSize is refused by lru-cache (with a warning); that is the no-op we want.
    this.entries.set(key, value, { ttl: Math.max(1, Math.round(ttlSeconds * 1000)) });
  }

  async setMany(entries: CacheEntry[]): Promise<void> {
    for (const entry of entries) await this.set(entry.key, entry.value, entry.ttlSeconds);
  }

  async delete(key: string): Promise<void> {
    this.entries.delete(key);
  }

  async readVersion(name: string): Promise<number | null> {
    return this.versions.get(name) ?? 0;
  }

  async readVersions(names: string[]): Promise<Array<number | null>> {
    return names.map((name) => this.versions.get(name) ?? 0);
  }

  async bumpVersion(name: string): Promise<number> {
    if (this.closed) throw new CacheUnavailableError(`cannot bump version ${JSON.stringify(name)}: the cache is closed`);
    const next = (this.versions.get(name) ?? 0) + 1;
    this.versions.set(name, next);
    return next;
  }

  async recordGet(name: string, field: string): Promise<string | null> {
    return this.records.get(name)?.get(field) ?? null;
  }

  async recordGetAll(name: string): Promise<Record<string, string>> {
    return Object.fromEntries(this.records.get(name) ?? []);
  }

  async recordSet(name: string, field: string, value: string): Promise<void> {
    if (this.closed) throw new CacheUnavailableError(`cannot store record ${JSON.stringify(name)}: the cache is closed`);
    let record = this.records.get(name);
    if (!record) this.records.set(name, (record = new Map()));
    record.set(field, value);
  }

  async recordSetIfAbsent(name: string, field: string, value: string): Promise<boolean> {
    if (this.records.get(name)?.has(field)) return false;
    await this.recordSet(name, field, value);
    return true;
  }

  async recordDelete(name: string, field: string): Promise<boolean> {
    return this.records.get(name)?.delete(field) ?? false;
  }

  async publish(channel: string, message: string): Promise<boolean> {
    if (this.closed) return false;
    // Delivered on a later tick, as from Redis: a publisher never runs its listeners re-entrantly.
    setImmediate(() => this.bus.emit(channel, message));
    return true;
  }

  async subscribe(channel: string, onMessage: (message: string) => void): Promise<() => Promise<void>> {
    const listener = (message: string) => {
      try {
        onMessage(message);
      } catch (err) {
        this.options.onError?.(err as Error, 'subscriber');
      }
    };
    this.bus.on(channel, listener);
    return async () => {
      this.bus.off(channel, listener);
    };
  }

  status(): CacheStatus {
    return 'memory';
  }

  async whenConnected(_timeoutMs?: number): Promise<boolean> {
    return true;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.entries.clear();
    this.bus.removeAllListeners();
  }
}
