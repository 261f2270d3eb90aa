import type { Cache } from './Cache.ts';
import { exchangeEpochName, exchangeHashTag } from './cacheKeys.ts';

/**
 * What every cache key of an exchange is scoped by: the catalog version it reports and the gateway's own
 * epoch for it. How they move, and why an unknown scope bypasses the cache:
 * docs/caching.md#invalidation-by-version-and-the-bound-on-staleness and docs/caching.md#failure-semantics.
 */
export interface ExchangeScope {
  catalogVersion: string;
  epoch: number;
}

interface Known {
  catalogVersion: string | null;
  epoch: number | null;
  /** When the current version was adopted: answers to requests sent before that cannot replace it. */
  adoptedAt: number;
}

export const VERSIONS_CHANNEL = 'catalog-versions';
const VERSION_TTL_SECONDS = 7 * 24 * 3600;

type VersionMessage = { exchange: string; catalogVersion?: string; epoch?: number };

/** "k3j9x.12" → created "k3j9x", counter 12; a version of the same database with a lower counter is older. */
export function isOlderVersion(candidate: string, current: string): boolean {
  const [createdA, counterA] = candidate.split('.');
  const [createdB, counterB] = current.split('.');
  return createdA === createdB && Number(counterA) < Number(counterB);
}

export class CatalogVersions {
  private readonly known = new Map<string, Known>();
  private unsubscribe: (() => Promise<void>) | null = null;
  private readonly moveListeners = new Set<(exchange: string) => void>();
  /**
   * Moves whenever any exchange's catalog version or epoch changes or is forgotten: the response cache's
   * catalog token is rebuilt only then (catalogToken.ts), not on every request.
   */
  generation = 0;

  constructor(private readonly cache: Cache) {}

  async start(exchanges: string[]): Promise<void> {
    this.unsubscribe = await this.cache.subscribe(VERSIONS_CHANNEL, (message) => this.apply(message));
    await this.refresh(exchanges);
  }

  private entry(exchange: string): Known {
    let entry = this.known.get(exchange);
    if (!entry) this.known.set(exchange, (entry = { catalogVersion: null, epoch: null, adoptedAt: 0 }));
    return entry;
  }

  private apply(message: string): void {
    let parsed: VersionMessage;
    try {
      parsed = JSON.parse(message) as VersionMessage;
    } catch {
      return;
    }
    if (typeof parsed.exchange !== 'string') return;
    if (typeof parsed.catalogVersion === 'string') this.setVersion(parsed.exchange, parsed.catalogVersion);
    if (Number.isSafeInteger(parsed.epoch)) {
      const entry = this.entry(parsed.exchange);
      if (entry.epoch === null || parsed.epoch! > entry.epoch) [entry.epoch, this.generation] = [parsed.epoch!, this.generation + 1];
    }
  }

  private setVersion(exchange: string, catalogVersion: string, sentAt = Date.now()): boolean {
    const entry = this.entry(exchange);
    if (entry.catalogVersion === catalogVersion || (entry.catalogVersion && isOlderVersion(catalogVersion, entry.catalogVersion))) return false;
    // A slow answer to a request sent before the current version was adopted must not bring an old one back.
    if (sentAt < entry.adoptedAt) return false;
    entry.catalogVersion = catalogVersion;
    entry.adoptedAt = Date.now();
    this.generation++;
    for (const listener of this.moveListeners) listener(exchange);
    return true;
  }

  /** The newest catalog version known for the exchange (answers, the version watcher, other replicas), or null. */
  versionOf(exchange: string): string | null {
    return this.known.get(exchange)?.catalogVersion ?? null;
  }

  /** The scope for cache keys, or null: then bypass the cache (and re-read the epoch soon, in the background). */
  scope(exchange: string): ExchangeScope | null {
    const entry = this.known.get(exchange);
    if (entry && entry.epoch === null) this.refreshSoon(exchange);
    if (!entry || entry.catalogVersion === null || entry.epoch === null) return null;
    return { catalogVersion: entry.catalogVersion, epoch: entry.epoch };
  }

  /**
   * The exchange's epoch, read from the shared store first when this replica does not know it yet (a
   * replica just started), or null when it cannot be read.
   */
  async epochOf(exchange: string): Promise<number | null> {
    const known = this.known.get(exchange)?.epoch;
    if (known !== undefined && known !== null) return known;
    await this.refresh([exchange]);
    return this.known.get(exchange)?.epoch ?? null;
  }

  private lastRetryAt = 0;
  /** An unknown epoch is retried at most once a second, without holding up the request that noticed. */
  private refreshSoon(exchange: string): void {
    const now = Date.now();
    if (now - this.lastRetryAt < 1000) return;
    this.lastRetryAt = now;
    void this.refresh([...new Set([exchange, ...this.known.keys()])]);
  }

  /** Calls `listener` with the exchange whenever its version moves, however the gateway learnt it (the live feed pulls then). */
  onMove(listener: (exchange: string) => void): () => void {
    this.moveListeners.add(listener);
    return () => this.moveListeners.delete(listener);
  }

  /** Records a version an exchange reported to a request sent at `sentAt`; a new one is shared with every replica. */
  observe(exchange: string, catalogVersion: string | null, sentAt = Date.now()): void {
    if (!catalogVersion || !this.setVersion(exchange, catalogVersion, sentAt)) return;
    void this.cache.set(versionKey(exchange), catalogVersion, VERSION_TTL_SECONDS);
    void this.cache.publish(VERSIONS_CHANNEL, JSON.stringify({ exchange, catalogVersion }));
  }

  /** Bumps the exchange's epoch in the shared store: every replica's keys for it change at once. */
  async invalidate(exchange: string): Promise<number> {
    const epoch = await this.cache.bumpVersion(exchangeEpochName(exchange));
    // The bump's answer is the truth, even when lower than what we held (a Redis that restarted empty).
    this.entry(exchange).epoch = epoch;
    this.generation++;
    await this.cache.publish(VERSIONS_CHANNEL, JSON.stringify({ exchange, epoch }));
    return epoch;
  }

  /**
   * Re-reads epochs (and versions not yet known) from the shared store, which is the truth: its value is
   * taken even when lower (a Redis restarted empty). An unreadable epoch makes the scope unknown.
   */
  async refresh(exchanges: string[]): Promise<void> {
    if (exchanges.length === 0) return;
    const [epochs, versions] = await Promise.all([this.cache.readVersions(exchanges.map(exchangeEpochName)), this.cache.getMany(exchanges.map(versionKey))]);
    exchanges.forEach((exchange, i) => {
      const entry = this.entry(exchange);
      const epoch = epochs[i];
      if (entry.epoch !== epoch) [entry.epoch, this.generation] = [epoch, this.generation + 1];
      if (versions[i] && entry.catalogVersion === null) this.setVersion(exchange, versions[i]!);
    });
  }

  forget(exchange: string): void {
    this.known.delete(exchange);
    this.generation++;
  }

  async stop(): Promise<void> {
    await this.unsubscribe?.();
    this.unsubscribe = null;
  }
}

function versionKey(exchange: string): string {
  return `catalog-version:${exchangeHashTag(exchange)}`;
}
