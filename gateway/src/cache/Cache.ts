/**
 * The one interface the gateway caches through: Redis when configured, process memory otherwise. A failing
 * cache costs latency, never answers: which methods may reject, and why an unreadable version is null, in
 * docs/caching.md#failure-semantics.
 */
import { ConfigError } from '../../../shared/config/configReader.ts';

export interface Cache {
  readonly kind: 'redis' | 'memory';

  /** The value, or null on a miss, an expired entry, or any cache failure. */
  get(key: string): Promise<string | null>;
  /**
   * The value held in this process's memory, read without a promise (the memory store); absent on stores
   * that need a round trip. A response-cache hit reads through it (issue 13).
   */
  getNow?(key: string): string | null;
  /** Values aligned with `keys` (same length, same order); null for every miss or failed part. */
  getMany(keys: string[]): Promise<Array<string | null>>;
  /** Stores for `ttlSeconds` (fractions allowed). ttlSeconds <= 0 or not finite stores nothing. Failure: no-op. */
  set(key: string, value: string, ttlSeconds: number): Promise<void>;
  /** Like `set` for many entries in one round trip per node. Failure: no-op (some entries may be stored). */
  setMany(entries: CacheEntry[]): Promise<void>;
  /**
   * Best effort: a failure leaves the entry until its TTL. Invalidation that must hold goes through
   * `bumpVersion`, which reports failure.
   */
  delete(key: string): Promise<void>;

  /** A counter such as an exchange's cache epoch: 0 when never bumped, null when unknown (bypass the cache). */
  readVersion(name: string): Promise<number | null>;
  /** Aligned with `names`; null for each version that could not be read. */
  readVersions(names: string[]): Promise<Array<number | null>>;
  /** Atomically increments and returns the new value. Rejects with CacheUnavailableError when it could not. */
  bumpVersion(name: string): Promise<number>;

  /**
   * Durable records (the exchange registry, its tokens): fields of a named record set, with no TTL.
   * Unlike cache entries they are data, so these reject with CacheUnavailableError when the backend cannot
   * answer: a missing registration must not be mistaken for "Redis is down".
   */
  recordGet(name: string, field: string): Promise<string | null>;
  recordGetAll(name: string): Promise<Record<string, string>>;
  recordSet(name: string, field: string, value: string): Promise<void>;
  /** Sets the field only when it does not exist (one atomic step); resolves whether it was set. */
  recordSetIfAbsent(name: string, field: string, value: string): Promise<boolean>;
  /** Resolves whether the field existed. */
  recordDelete(name: string, field: string): Promise<boolean>;

  /**
   * Pub/sub between gateway replicas (in memory: within this process). A replica receives its own messages
   * too. Resolves true when the message reached the broker, false when it could not be sent (never rejects).
   */
  publish(channel: string, message: string): Promise<boolean>;
  /**
   * Registers `onMessage` for `channel`; the subscription survives reconnects and is taken up as soon as the
   * broker is reachable, so it never rejects. Resolves to a function that removes this listener.
   */
  subscribe(channel: string, onMessage: (message: string) => void): Promise<() => Promise<void>>;

  /** 'redis': connected and healthy; 'memory': no Redis configured; 'degraded': Redis configured but unusable now. */
  status(): CacheStatus;
  /** Waits up to `timeoutMs` for the backend to be usable; resolves whether it is (never rejects). */
  whenConnected(timeoutMs: number): Promise<boolean>;
  /** Redis only: what rate-limiter-flexible counts on (see RateLimitStore). */
  rateLimitStore?(): RateLimitStore;
  /** Redis only: CONFIG GET of each of `names` on every node that holds data (every master of a cluster). */
  serverSettings?(names: readonly string[]): Promise<ServerSettingsReport[]>;
  /** Releases connections and timers. Idempotent; after it, reads miss, writes are no-ops and bumps reject. */
  close(): Promise<void>;
}

/**
 * The connection rate-limiter-flexible counts on (typed loosely, so that no file but the Redis one knows
 * ioredis), the key prefix of this deployment, and `run`, which every rate-limit call goes through: like the
 * cache's own calls, it is refused at once while the connection is down or the circuit breaker open, and
 * bounded by the command timeout otherwise; `{ ok: false }` then, and the caller counts in memory instead.
 * `call` must resolve for every answer Redis gave (a refusal included): a rejection counts as Redis failing.
 */
export interface RateLimitStore {
  client: unknown;
  keyPrefix: string;
  run<T>(operation: string, call: () => Promise<T>): Promise<{ ok: true; value: T } | { ok: false }>;
}

/** One Redis node's settings, or why they could not be read (a managed Redis may refuse CONFIG). */
export type ServerSettingsReport = { node: string; settings: Record<string, string> } | { node: string; error: string };

export type CacheStatus = 'redis' | 'memory' | 'degraded';

export interface CacheEntry {
  key: string;
  value: string;
  ttlSeconds: number;
}

/** Observability hooks: the cache swallows its failures, so this is where they become visible. */
export interface CacheEvents {
  /** Every swallowed failure, with the operation it broke ('get', 'setMany', 'connection', ...). Default: none. */
  onError?: (error: Error, operation: string) => void;
  /** Each change of `status()`. Default: none. */
  onStatusChange?: (status: CacheStatus) => void;
}

/** Thrown by `bumpVersion` and the record methods only: the backend could not perform an operation whose caller must know. */
export class CacheUnavailableError extends Error {
  override readonly name = 'CacheUnavailableError';
}

/** Misconfiguration (an option), thrown at construction with the rule and the bad value. */
export class CacheConfigError extends ConfigError {
  override readonly name = 'CacheConfigError';
}

/** A TTL that stores something: positive and finite. */
export function isStorableTtl(ttlSeconds: number): boolean {
  return Number.isFinite(ttlSeconds) && ttlSeconds > 0;
}
