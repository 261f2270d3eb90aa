import type { ExchangeInfo } from '../../../shared/domain.ts';
import { ExchangeClient, type ExchangeClientOptions, type ExchangeResult, type GraphQLRequestBody } from '../exchangeClient/ExchangeClient.ts';
import type { ShardTarget, ShardTargets } from '../exchangeClient/ShardFetcher.ts';

/** What the gateway has observed of an exchange; a discriminated union, not a bag of booleans. */
export type ExchangeHealth =
  | { phase: 'online'; latencyMs: number | null; lastSeenAt: Date | null }
  | { phase: 'degraded'; latencyMs: number | null; lastSeenAt: Date | null; failuresInRow: number }
  | { phase: 'offline'; latencyMs: number | null; lastSeenAt: Date | null; since: Date; failuresInRow: number };

export const OFFLINE_AFTER_FAILURES = 3;
/** A probe slower than this marks the exchange DEGRADED. */
export const SLOW_PROBE_MS = 1000;

export interface RegisteredExchange extends ShardTarget {
  info: ExchangeInfo;
  url: string;
  health: ExchangeHealth;
  catalogVersion: string | null;
}

class Registered implements RegisteredExchange {
  health: ExchangeHealth = { phase: 'online', latencyMs: null, lastSeenAt: null };
  catalogVersion: string | null = null;
  readonly id: string;

  constructor(
    readonly info: ExchangeInfo,
    readonly url: string,
    private readonly client: ExchangeClient,
  ) {
    this.id = info.id;
  }

  isAvailable(): boolean {
    return this.health.phase !== 'offline';
  }

  send(body: GraphQLRequestBody): Promise<ExchangeResult> {
    return this.client.send(body);
  }

  close(): Promise<void> {
    return this.client.close();
  }
}

export interface ExchangeDirectoryOptions {
  /** Per-call timeout for every exchange (EXCHANGE_TIMEOUT_MS). */
  timeoutMs: number;
  /** Keep-alive connections per exchange (EXCHANGE_POOL_CONNECTIONS). Default: the client's (DEFAULT_EXCHANGE_CONNECTIONS). */
  connections?: number;
  /** Applied again at every connect of every exchange's pool (see ExchangeClientOptions.allowlist). Default: none. */
  allowlist?: ExchangeClientOptions['allowlist'];
  /** Receives connections refused by the allow-list's address rule. Default: none. */
  logger?: ExchangeClientOptions['logger'];
  /** Hears every change of an exchange's status (ONLINE, DEGRADED, OFFLINE), once per change. Default: none. */
  onStatusChange?: (change: StatusChange) => void;
}

/** An exchange's status moved: from what, to what, and the observation that moved it. */
export interface StatusChange {
  exchange: string;
  url: string;
  from: ExchangeHealth['phase'];
  to: ExchangeHealth['phase'];
  /** What moved it, for a person: `exchange sz is unavailable (ECONNREFUSED)`, `probe answered in 1520 ms, over 1000 ms`. */
  cause: string;
  failuresInRow: number;
}

/**
 * The set of registered exchanges. It is a value that changes while the gateway runs (registration is
 * a later feature); the shard router reads it at every fetch.
 */
export class ExchangeDirectory implements ShardTargets {
  private readonly exchanges = new Map<string, Registered>();
  /** Moves whenever an exchange is added, replaced or removed (catalogToken.ts rebuilds its token only then). */
  generation = 0;

  constructor(private readonly options: ExchangeDirectoryOptions) {}

  get(id: string): RegisteredExchange | undefined {
    return this.exchanges.get(id);
  }

  all(): RegisteredExchange[] {
    return [...this.exchanges.values()].sort((a, b) => (a.id < b.id ? -1 : 1));
  }

  /**
   * Adds or replaces an exchange. A replaced or removed exchange's connections close gracefully: calls in
   * flight finish first (undici's Pool.close waits for them).
   */
  upsert(info: ExchangeInfo, url: string): RegisteredExchange {
    const previous = this.exchanges.get(info.id);
    const { timeoutMs, connections, allowlist, logger } = this.options;
    const entry = new Registered(info, url, new ExchangeClient({ exchange: info.id, url, timeoutMs, connections, allowlist, logger }));
    this.exchanges.set(info.id, entry);
    this.generation++;
    if (previous) void previous.close();
    return entry;
  }

  /** An exchange registered while unreachable starts OFFLINE: skipped until a probe succeeds. */
  markOffline(id: string, now = new Date()): void {
    const entry = this.exchanges.get(id);
    if (!entry) return;
    const from = entry.health.phase;
    entry.health = { phase: 'offline', latencyMs: null, lastSeenAt: null, since: now, failuresInRow: OFFLINE_AFTER_FAILURES };
    this.changed(entry, from, 'unreachable when it was registered');
  }

  private changed(entry: Registered, from: ExchangeHealth['phase'], cause: string): void {
    const to = entry.health.phase;
    if (from === to) return;
    this.options.onStatusChange?.({
      exchange: entry.id,
      url: entry.url,
      from,
      to,
      cause,
      failuresInRow: to === 'online' ? 0 : (entry.health as { failuresInRow: number }).failuresInRow,
    });
  }

  remove(id: string): boolean {
    const previous = this.exchanges.get(id);
    this.exchanges.delete(id);
    this.generation++;
    if (previous) void previous.close();
    return Boolean(previous);
  }

  /**
   * Records what a call learnt; `from`, when given, is the entry that was called. Status moves on probes only: a query that fails already costs only its
   * own part, and a probe every HEALTH_INTERVAL_MS decides ONLINE, DEGRADED or OFFLINE. Queries still
   * report catalog versions and latency.
   */
  observe(result: ExchangeResult, source: 'probe' | 'query', now = new Date(), from?: RegisteredExchange): void {
    const entry = this.exchanges.get(result.exchange);
    // A call to the entry this id had before an update says nothing about the current one.
    if (!entry || (from && from !== entry)) return;
    const { health } = entry;
    if (source === 'query') {
      if (result.ok && result.catalogVersion) entry.catalogVersion = result.catalogVersion;
      if (result.ok && health.phase !== 'offline') entry.health = { ...health, latencyMs: Math.round(result.latencyMs), lastSeenAt: now };
      return;
    }
    if (result.ok) {
      if (result.catalogVersion) entry.catalogVersion = result.catalogVersion;
      const latencyMs = Math.round(result.latencyMs);
      const slow = result.latencyMs > SLOW_PROBE_MS;
      entry.health = slow ? { phase: 'degraded', latencyMs, lastSeenAt: now, failuresInRow: 0 } : { phase: 'online', latencyMs, lastSeenAt: now };
      this.changed(entry, health.phase, slow ? `probe answered in ${latencyMs} ms, over ${SLOW_PROBE_MS} ms` : `probe answered in ${latencyMs} ms`);
      return;
    }
    const failuresInRow = (health.phase === 'online' ? 0 : health.failuresInRow) + 1;
    entry.health =
      failuresInRow >= OFFLINE_AFTER_FAILURES
        ? {
            phase: 'offline',
            latencyMs: health.latencyMs,
            lastSeenAt: health.lastSeenAt,
            since: health.phase === 'offline' ? health.since : now,
            failuresInRow,
          }
        : { phase: 'degraded', latencyMs: health.latencyMs, lastSeenAt: health.lastSeenAt, failuresInRow };
    this.changed(entry, health.phase, `${failuresInRow} failed probe${failuresInRow === 1 ? '' : 's'} in a row, the last: ${result.message} (${result.code})`);
  }

  async close(): Promise<void> {
    await Promise.all([...this.exchanges.values()].map((e) => e.close()));
    this.exchanges.clear();
    this.generation++;
  }
}
