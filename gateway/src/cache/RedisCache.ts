import { Redis, Cluster, type RedisOptions } from 'ioredis';
import {
  CacheConfigError,
  CacheUnavailableError,
  isStorableTtl,
  type Cache,
  type CacheEntry,
  type CacheEvents,
  type CacheStatus,
  type RateLimitStore,
  type ServerSettingsReport,
} from './Cache.ts';
import { CircuitBreaker, type CircuitBreakerOptions } from './CircuitBreaker.ts';
import { hashSlot } from './hashSlot.ts';

// The only file that imports ioredis: everything else sees the `Cache` interface.

export type RedisTarget = { mode: 'single'; url: string } | { mode: 'cluster'; nodes: Array<{ host: string; port: number }> };

export interface RedisCacheOptions extends CacheEvents {
  target: RedisTarget;
  /** Prepended to every key and channel, so deployments (and test runs) can share a Redis. Default 'ecg:'. */
  namespace?: string;
  /** A call (command, MGET group or pipeline) without a reply after this long fails: a miss. Default 100 ms. */
  commandTimeoutMs?: number;
  /** Limit for establishing a connection, for SUBSCRIBE (off the request path), and ioredis's backstop command timeout. Default 1000 ms. */
  connectTimeoutMs?: number;
  /**
   * Times ioredis may resend a command after a reconnect. Default 0: by then the caller has had its miss
   * and moved on, so a resend would only be a late write (or a second INCR).
   */
  maxRetriesPerRequest?: number;
  /** Reconnect backoff: doubles from the first to the cap, plus jitter. Defaults 50 and 2000 ms. */
  reconnectFirstDelayMs?: number;
  reconnectMaxDelayMs?: number;
  /** See CircuitBreaker. Defaults: open at the first failure; a probe (PING) at once, then every 500 ms while it fails. */
  breaker?: Partial<CircuitBreakerOptions>;
}

export const DEFAULT_REDIS_CACHE_OPTIONS = {
  namespace: 'ecg:',
  commandTimeoutMs: 100,
  connectTimeoutMs: 1000,
  maxRetriesPerRequest: 0,
  reconnectFirstDelayMs: 50,
  reconnectMaxDelayMs: 2000,
} as const;

type Outcome<T> = { ok: true; value: T } | { ok: false };

/**
 * The cache over Redis, single node or Cluster: every call through `attempt` (docs/caching.md#the-circuit-breaker),
 * and multi-key commands one per hash slot (docs/caching.md#keys-in-a-cluster).
 */
export class RedisCache implements Cache {
  readonly kind = 'redis';
  private readonly client: Redis | Cluster;
  /** Single node: a duplicate connection (a subscribed connection can run nothing else). Cluster: the
   *  client itself, which already keeps a dedicated subscriber connection to one node. */
  private readonly subscriber: Redis | Cluster;
  private readonly breaker: CircuitBreaker;
  private readonly namespace: string;
  private readonly operationTimeoutMs: number;
  private readonly connectTimeoutMs: number;
  private readonly listeners = new Map<string, Set<(message: string) => void>>();
  private lastStatus: CacheStatus = 'degraded';
  /** Cluster: connecting to every master after 'ready' (see connectMasters). */
  private warmUp: Promise<void> = Promise.resolve();
  /** While the breaker is open: the timer of the next probe. */
  private probeTimer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(private readonly options: RedisCacheOptions) {
    const settings = { ...DEFAULT_REDIS_CACHE_OPTIONS, ...definedOnly(options) };
    this.namespace = settings.namespace;
    if (/[{}]/.test(this.namespace)) {
      // A brace in the prefix would become every key's hash tag and put the whole cache in one slot.
      throw new CacheConfigError(`the cache namespace must not contain "{" or "}", got ${JSON.stringify(this.namespace)}`);
    }
    for (const name of ['commandTimeoutMs', 'connectTimeoutMs', 'reconnectFirstDelayMs', 'reconnectMaxDelayMs'] as const) {
      if (!(settings[name] > 0)) throw new CacheConfigError(`${name} must be a positive number of milliseconds, got ${settings[name]}`);
    }
    // The command timeout is ours (`deadline`), not ioredis's `commandTimeout`: after the event loop has
    // been busy for longer than the timeout, Node runs due timers before it reads the sockets, so
    // ioredis's timer fails commands whose replies are already waiting (10 of 20 in a test with 80 ms
    // stalls). Our deadline lets the sockets be read first, and also bounds what ioredis does not time,
    // such as a Cluster's redirections. ioredis's own timeout stays as a generous backstop.
    this.operationTimeoutMs = settings.commandTimeoutMs;
    this.connectTimeoutMs = settings.connectTimeoutMs;
    this.breaker = new CircuitBreaker(options.breaker, Date.now, (phase) => {
      if (phase === 'open') this.scheduleProbe(this.breaker.msUntilProbe);
      this.noticeStatus();
    });

    const retryStrategy = (times: number) =>
      Math.min(settings.reconnectMaxDelayMs, settings.reconnectFirstDelayMs * 2 ** Math.min(times - 1, 20)) +
      Math.floor(Math.random() * settings.reconnectFirstDelayMs);
    const connection: RedisOptions = {
      commandTimeout: Math.max(settings.connectTimeoutMs, settings.commandTimeoutMs),
      connectTimeout: settings.connectTimeoutMs,
      maxRetriesPerRequest: settings.maxRetriesPerRequest,
      autoResendUnfulfilledCommands: false,
      // We resubscribe every registered channel on 'ready' ourselves, including channels whose first
      // SUBSCRIBE failed because Redis was down; ioredis would only restore those that had succeeded.
      autoResubscribe: false,
    };
    const target = options.target;
    if (target.mode === 'single') {
      this.client = new Redis(target.url, { ...connection, enableOfflineQueue: false, retryStrategy });
      this.subscriber = this.client.duplicate();
    } else {
      this.client = new Cluster(target.nodes, {
        enableOfflineQueue: false,
        enableAutoPipelining: true,
        clusterRetryStrategy: retryStrategy,
        slotsRefreshTimeout: settings.connectTimeoutMs,
        redisOptions: connection,
      });
      this.subscriber = this.client;
    }
    this.watchConnections();
  }

  async get(key: string): Promise<string | null> {
    const outcome = await this.attempt('get', () => this.client.get(this.dataKey(key)));
    return outcome.ok ? outcome.value : null;
  }

  async getMany(keys: string[]): Promise<Array<string | null>> {
    const values = await this.mgetBySlot(
      'getMany',
      keys.map((key) => this.dataKey(key)),
    );
    return values.map((value) => (value === UNREAD ? null : value));
  }

  async set(key: string, value: string, ttlSeconds: number): Promise<void> {
    if (!isStorableTtl(ttlSeconds)) return;
    await this.attempt('set', () => this.client.set(this.dataKey(key), value, 'PX', ttlMs(ttlSeconds)));
  }

  async setMany(entries: CacheEntry[]): Promise<void> {
    const storable = entries.filter((entry) => isStorableTtl(entry.ttlSeconds));
    const keys = storable.map((entry) => this.dataKey(entry.key));
    await Promise.all(
      this.slotGroups(keys).map((group) =>
        this.attempt('setMany', async () => {
          const pipeline = this.client.pipeline();
          for (const i of group) pipeline.set(keys[i], storable[i].value, 'PX', ttlMs(storable[i].ttlSeconds));
          const results = (await pipeline.exec()) ?? [];
          const failed = results.find(([error]) => error);
          if (failed) throw failed[0];
        }),
      ),
    );
  }

  async delete(key: string): Promise<void> {
    await this.attempt('delete', () => this.client.del(this.dataKey(key)));
  }

  async readVersion(name: string): Promise<number | null> {
    return (await this.readVersions([name]))[0];
  }

  async readVersions(names: string[]): Promise<Array<number | null>> {
    const texts = await this.mgetBySlot(
      'readVersions',
      names.map((name) => this.versionKey(name)),
    );
    return texts.map((text, i) => {
      if (text === UNREAD) return null;
      if (text === null) return 0;
      const version = Number(text);
      if (Number.isSafeInteger(version)) return version;
      this.options.onError?.(new Error(`version ${JSON.stringify(names[i])} holds ${JSON.stringify(text)}, not an integer`), 'readVersions');
      return null;
    });
  }

  async bumpVersion(name: string): Promise<number> {
    return this.required('bumpVersion', name, () => this.client.incr(this.versionKey(name)));
  }

  async recordGet(name: string, field: string): Promise<string | null> {
    return this.required('recordGet', name, () => this.client.hget(this.recordKey(name), field));
  }

  async recordGetAll(name: string): Promise<Record<string, string>> {
    return this.required('recordGetAll', name, () => this.client.hgetall(this.recordKey(name)));
  }

  async recordSet(name: string, field: string, value: string): Promise<void> {
    await this.required('recordSet', name, () => this.client.hset(this.recordKey(name), field, value));
  }

  async recordSetIfAbsent(name: string, field: string, value: string): Promise<boolean> {
    return (await this.required('recordSetIfAbsent', name, () => this.client.hsetnx(this.recordKey(name), field, value))) === 1;
  }

  async recordDelete(name: string, field: string): Promise<boolean> {
    return (await this.required('recordDelete', name, () => this.client.hdel(this.recordKey(name), field))) > 0;
  }

  async publish(channel: string, message: string): Promise<boolean> {
    return (await this.attempt('publish', () => this.client.publish(this.namespace + channel, message))).ok;
  }

  async subscribe(channel: string, onMessage: (message: string) => void): Promise<() => Promise<void>> {
    let listeners = this.listeners.get(channel);
    const first = !listeners;
    if (!listeners) this.listeners.set(channel, (listeners = new Set()));
    const listener = (message: string) => onMessage(message); // a fresh function, so the same callback can register twice
    listeners.add(listener);
    if (first) await this.sendSubscribe([channel]);
    return async () => {
      const current = this.listeners.get(channel);
      if (!current?.delete(listener) || current.size > 0) return;
      this.listeners.delete(channel);
      if (this.subscriber.status === 'ready') await this.bounded('unsubscribe', this.subscriber.unsubscribe(this.namespace + channel), this.connectTimeoutMs);
    };
  }

  status(): CacheStatus {
    return !this.closed && this.client.status === 'ready' && this.breaker.phase === 'closed' ? 'redis' : 'degraded';
  }

  async whenConnected(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    const connected = () => this.status() === 'redis' && this.subscriber.status === 'ready';
    while (!connected() && !this.closed && Date.now() < deadline) await sleep(10);
    if (connected()) await deadlineOrNothing(this.warmUp, deadline - Date.now());
    return connected();
  }

  rateLimitStore(): RateLimitStore {
    return { client: this.client, keyPrefix: `${this.namespace}ratelimit`, run: (operation, call) => this.attempt(operation, call) };
  }

  async serverSettings(names: readonly string[]): Promise<ServerSettingsReport[]> {
    const nodes = this.client instanceof Cluster ? this.client.nodes('master') : [this.client];
    return Promise.all(
      nodes.map(async (node) => {
        const name = `${node.options.host ?? '127.0.0.1'}:${node.options.port ?? 6379}`;
        try {
          const settings: Record<string, string> = {};
          for (const setting of names) {
            const reply = (await deadline(node.call('CONFIG', 'GET', setting), this.connectTimeoutMs, 'CONFIG GET')) as string[];
            for (let i = 0; i + 1 < reply.length; i += 2) settings[reply[i]] = reply[i + 1];
          }
          return { node: name, settings };
        } catch (err) {
          return { node: name, error: (err as Error).message };
        }
      }),
    );
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.probeTimer);
    const connections = this.subscriber === this.client ? [this.client] : [this.client, this.subscriber];
    await Promise.all(
      connections.map(async (connection) => {
        // QUIT lets replies in flight arrive; a connection that is down or slow is simply dropped.
        if (connection.status === 'ready') await this.bounded('close', connection.quit(), this.connectTimeoutMs);
        connection.disconnect();
      }),
    );
    this.noticeStatus();
  }

  private dataKey(key: string): string {
    return `${this.namespace}data:${key}`;
  }

  private versionKey(name: string): string {
    return `${this.namespace}version:${name}`;
  }

  private recordKey(name: string): string {
    return `${this.namespace}record:${name}`;
  }

  /** `attempt` for the calls whose caller must know: the failure becomes a CacheUnavailableError. */
  private async required<T>(operation: string, name: string, run: () => Promise<T>): Promise<T> {
    let failure: Error | undefined;
    const outcome = await this.attempt(operation, run, (error) => {
      failure = error;
    });
    if (outcome.ok) return outcome.value;
    throw new CacheUnavailableError(`${operation} ${JSON.stringify(name)} failed: ${failure?.message ?? this.unavailableReason()}`, { cause: failure });
  }

  /**
   * Runs one Redis call unless the connection is down or the breaker open, bounded by the operation
   * deadline. A reply error (WRONGTYPE, OOM...) proves Redis alive, so only other failures (timeouts,
   * closed connections) count towards opening the breaker.
   */
  private async attempt<T>(operation: string, run: () => Promise<T>, onFailure?: (error: Error) => void): Promise<Outcome<T>> {
    if (this.closed || this.client.status !== 'ready' || !this.breaker.tryAcquire()) return { ok: false };
    return this.timed(operation, run, onFailure);
  }

  /** One call, bounded by the operation deadline, its outcome reported to the breaker. */
  private async timed<T>(operation: string, run: () => Promise<T>, onFailure?: (error: Error) => void): Promise<Outcome<T>> {
    try {
      const value = await deadline(run(), this.operationTimeoutMs, operation);
      this.breaker.recordSuccess();
      return { ok: true, value };
    } catch (err) {
      const error = err instanceof Error ? err : new Error(String(err));
      if (error.name === 'ReplyError') this.breaker.recordSuccess();
      else this.breaker.recordFailure();
      this.options.onError?.(error, operation);
      onFailure?.(error);
      return { ok: false };
    }
  }

  /** The next probe in `delayMs`, unless one is already due. */
  private scheduleProbe(delayMs: number): void {
    if (this.closed || this.probeTimer) return;
    this.probeTimer = setTimeout(() => {
      this.probeTimer = undefined;
      void this.probe();
    }, delayMs);
    this.probeTimer.unref();
  }

  /**
   * The breaker's trial, in the background: a PING bounded by the command timeout. Its answer closes the
   * breaker; a failure opens it for another cool-down (and schedules the next probe). While the connection
   * is down there is nothing to probe: 'ready' closes the breaker, and the probe tries again a cool-down later.
   */
  private async probe(): Promise<void> {
    if (this.closed || this.breaker.tryAcquire()) return; // closed meanwhile (a reconnect, a late answer)
    if (this.client.status === 'ready' && this.breaker.tryProbe()) await this.timed('probe', () => this.client.ping());
    if (!this.breaker.tryAcquire()) this.scheduleProbe(this.breaker.msUntilProbe || this.breaker.options.cooldownMs);
  }

  /** MGET per slot group, aligned with `keys`: null for a missing key, UNREAD for each key of a group that failed. */
  private async mgetBySlot(operation: string, keys: string[]): Promise<Array<string | null | typeof UNREAD>> {
    const values: Array<string | null | typeof UNREAD> = new Array(keys.length).fill(UNREAD);
    await Promise.all(
      this.slotGroups(keys).map(async (group) => {
        const outcome = await this.attempt(operation, () => this.client.mget(group.map((i) => keys[i])));
        if (outcome.ok)
          group.forEach((i, j) => {
            values[i] = outcome.value[j] ?? null;
          });
      }),
    );
    return values;
  }

  /** Indexes of `keys` grouped so that each group may go in one multi-key command: all of them on a single node, by hash slot in a Cluster. */
  private slotGroups(keys: string[]): number[][] {
    if (keys.length === 0) return [];
    if (this.options.target.mode === 'single') return [keys.map((_, i) => i)];
    const groups = new Map<number, number[]>();
    keys.forEach((key, i) => {
      const slot = hashSlot(key);
      const group = groups.get(slot);
      if (group) group.push(i);
      else groups.set(slot, [i]);
    });
    return [...groups.values()];
  }

  private async sendSubscribe(channels: string[]): Promise<void> {
    if (channels.length === 0 || this.closed || this.subscriber.status !== 'ready') return; // taken up on 'ready'
    await this.bounded('subscribe', this.subscriber.subscribe(...channels.map((c) => this.namespace + c)), this.connectTimeoutMs);
  }

  private watchConnections(): void {
    this.client.on('ready', () => {
      this.breaker.reset();
      this.noticeStatus();
      if (this.client instanceof Cluster) this.warmUp = this.connectMasters(this.client);
    });
    for (const event of ['close', 'end', 'reconnecting']) this.client.on(event, () => this.noticeStatus());
    this.client.on('error', (error: Error) => this.options.onError?.(error, 'connection'));
    if (this.subscriber !== this.client) this.subscriber.on('error', (error: Error) => this.options.onError?.(error, 'subscriber connection'));
    this.subscriber.on('ready', () => void this.sendSubscribe([...this.listeners.keys()]));
    this.subscriber.on('message', (fullChannel: string, message: string) => {
      if (!fullChannel.startsWith(this.namespace)) return;
      for (const listener of this.listeners.get(fullChannel.slice(this.namespace.length)) ?? []) {
        try {
          listener(message);
        } catch (err) {
          this.options.onError?.(err as Error, 'subscriber');
        }
      }
    });
  }

  /**
   * A Cluster connects to each master only when a command first goes there, and that first command waits
   * for the connection (about 100 ms here), longer than a command may take. Connect them all up front.
   */
  private async connectMasters(cluster: Cluster): Promise<void> {
    await Promise.all(cluster.nodes('master').map((node) => this.bounded('connect to a cluster master', node.ping(), this.connectTimeoutMs)));
  }

  private noticeStatus(): void {
    const status = this.status();
    if (status === this.lastStatus) return;
    this.lastStatus = status;
    this.options.onStatusChange?.(status);
  }

  private unavailableReason(): string {
    if (this.closed) return 'the cache is closed';
    if (this.client.status !== 'ready') return `Redis connection is ${this.client.status}`;
    return 'circuit breaker open after repeated Redis failures';
  }

  /** Awaits `promise` up to `timeoutMs`, reporting (not throwing) a failure. */
  private async bounded(operation: string, promise: Promise<unknown>, timeoutMs: number): Promise<void> {
    try {
      await deadline(promise, timeoutMs, operation);
    } catch (err) {
      this.options.onError?.(err as Error, operation);
    }
  }
}

/** A key whose MGET failed, as distinct from a key that is missing (for versions: unknown vs 0). */
const UNREAD = Symbol('unread');

function ttlMs(ttlSeconds: number): number {
  return Math.max(1, Math.round(ttlSeconds * 1000));
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function deadlineOrNothing(promise: Promise<void>, timeoutMs: number): Promise<void> {
  await deadline(promise, Math.max(0, timeoutMs), 'wait').catch(() => {});
}

/**
 * `promise`, or a rejection once `timeoutMs` have passed and the sockets have been read once more: the
 * rejection waits for setImmediate, which runs after the poll phase, so a reply that arrived while the
 * event loop was busy still wins.
 */
function deadline<T>(promise: Promise<T>, timeoutMs: number, operation: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => setImmediate(() => reject(new Error(`Redis ${operation} took longer than ${timeoutMs} ms`))), timeoutMs);
  });
  promise.catch(() => {}); // if the deadline wins, a later rejection is expected and already handled
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
