import type { Cache, CacheEntry } from './Cache.ts';
import { maxAgeOf } from './ResponsePolicy.ts';
import { shardFetchKey, entityKey, canonicalJson, operationHash } from './cacheKeys.ts';
import type { CatalogVersions } from './CatalogVersions.ts';
import type { GatewayMetrics } from '../metrics.ts';
import type { ExchangeResult, ExchangeAnswer, GraphQLRequestBody } from '../exchangeClient/ExchangeClient.ts';
import type { ShardFetcher, ShardRequest, ShardTarget } from '../exchangeClient/ShardFetcher.ts';
import { withSpan } from '../../../shared/tracing/tracing.ts';

export interface CachingFetcherOptions {
  cache: Cache;
  versions: CatalogVersions;
  metrics: GatewayMetrics;
  /** CACHE_TTL_SECONDS, default 60; an exchange's Cache-Control max-age can only lower it. */
  ttlSeconds?: number;
}

export const DEFAULT_CACHE_TTL_SECONDS = 60;

/** The TTL an answer may be kept: ours, lowered by the exchange's Cache-Control; 0 for no-store/private/no-cache. */
export function ttlFor(cacheControl: string | null, ttlSeconds: number): number {
  return Math.min(ttlSeconds, maxAgeOf(cacheControl));
}

/**
 * A stored answer: `<expiry in epoch ms>|<JSON>`. The expiry travels with the value so that a response
 * built from cached answers is not kept longer than they were allowed to live (ResponsePolicy).
 */
export function encodeEntry(value: unknown, ttlSeconds: number, now = Date.now()): string {
  return `${now + ttlSeconds * 1000}|${JSON.stringify(value)}`;
}

export function decodeEntry(stored: string, now = Date.now()): { value: unknown; secondsLeft: number } {
  const bar = stored.indexOf('|');
  const expiresAt = Number(stored.slice(0, bar));
  if (bar <= 0 || !Number.isFinite(expiresAt)) return { value: JSON.parse(stored), secondsLeft: 0 };
  return { value: JSON.parse(stored.slice(bar + 1)), secondsLeft: Math.max(0, Math.floor((expiresAt - now) / 1000)) };
}

/**
 * A cache hit: its Cache-Control says how long what is built from it may still be kept; its catalog
 * version is the one its key holds (an answer is stored only under the version it reported).
 */
function fromCache(exchange: string, data: Record<string, unknown>, secondsLeft: number, catalogVersion: string): ExchangeAnswer {
  return { ok: true, exchange, data, catalogVersion, cacheControl: `max-age=${secondsLeft}`, latencyMs: 0, fromCache: true };
}

/** An answer fetched while the exchange's version was unknown: nothing built from it may be kept. */
function uncacheable(result: ExchangeResult): ExchangeResult {
  return result.ok ? { ...result, cacheControl: 'no-store' } : result;
}

/**
 * An answer may be stored under the scope its request was sent with only if nothing moved meanwhile: the
 * scope is unchanged (no invalidation, no new version adopted) and the answer reports that same version.
 * Otherwise an old answer could land under a newer key and outlive the invalidation.
 */
function stillCurrent(
  sentWith: { catalogVersion: string; epoch: number },
  now: { catalogVersion: string; epoch: number } | null,
  answer: ExchangeAnswer,
): boolean {
  return (
    now !== null &&
    now.epoch === sentWith.epoch &&
    now.catalogVersion === sentWith.catalogVersion &&
    (answer.catalogVersion === null || answer.catalogVersion === sentWith.catalogVersion)
  );
}

/** What one flight brought: the result, and whether it came from the cache. */
interface Flight {
  result: ExchangeResult;
  hit: boolean;
}

/**
 * The shard router's calls through the shard-fetch and entity caches (an `_entities` fetch per
 * representation), with single flight: see docs/caching.md#the-shard-and-entity-caches.
 */
export class CachingFetcher implements ShardFetcher {
  private readonly inFlight = new Map<string, { flight: Promise<Flight>; waiters: number }>();
  private readonly ttlSeconds: number;
  /** A number per target object: the directory replaces an exchange's object when its URL changes. */
  private readonly generations = new WeakMap<ShardTarget, number>();
  private nextGeneration = 0;

  constructor(private readonly options: CachingFetcherOptions) {
    this.ttlSeconds = options.ttlSeconds ?? DEFAULT_CACHE_TTL_SECONDS;
  }

  async fetch(target: ShardTarget, request: ShardRequest): Promise<ExchangeResult> {
    const scope = this.options.versions.scope(target.id);
    if (!scope) {
      const { result } = await this.shared(target, `nocache:${target.id}:${canonicalJson(request.body)}`, async () => ({
        result: await this.call(target, request.body),
        hit: false,
      }));
      return uncacheable(result);
    }
    if (request.representations) return this.fetchEntities(target, request, scope);

    const key = shardFetchKey({
      exchangeId: target.id,
      ...scope,
      operation: request.body.query,
      variables: request.body.variables,
      operationHash: this.hashOf(request.body),
    });
    const { result, hit } = await this.shared(target, key, async () => {
      const stored = await withSpan('cache.shard', { 'exchange.id': target.id }, async (span) => {
        const value = await this.options.cache.get(key);
        span?.setAttribute('cache.hit', value !== null);
        return value;
      });
      if (stored !== null) {
        const { value, secondsLeft } = decodeEntry(stored);
        return { result: fromCache(target.id, value as Record<string, unknown>, secondsLeft, scope.catalogVersion), hit: true };
      }
      const fetched = await this.call(target, request.body);
      if (this.storable(fetched, request) && stillCurrent(scope, this.options.versions.scope(target.id), fetched)) {
        const ttl = ttlFor(fetched.cacheControl, this.ttlSeconds);
        if (ttl > 0) await this.options.cache.set(key, encodeEntry(fetched.data, ttl), ttl);
      }
      return { result: fetched, hit: false };
    });
    if (hit) this.options.metrics.hit('shard');
    else this.options.metrics.miss('shard');
    return result;
  }

  private generationOf(target: ShardTarget): number {
    let generation = this.generations.get(target);
    if (generation === undefined) this.generations.set(target, (generation = ++this.nextGeneration));
    return generation;
  }

  /** A fan-out sends one body object to every exchange: its hash is computed once (bodies are never changed). */
  private readonly hashes = new WeakMap<GraphQLRequestBody, string>();
  private hashOf(body: GraphQLRequestBody): string {
    let hash = this.hashes.get(body);
    if (hash === undefined) this.hashes.set(body, (hash = operationHash(body.query, body.variables)));
    return hash;
  }

  private storable(result: ExchangeResult, request: ShardRequest): result is ExchangeAnswer {
    return result.ok && !result.errors?.length && result.data !== null && request.check(result) === null;
  }

  private async fetchEntities(target: ShardTarget, request: ShardRequest, scope: { catalogVersion: string; epoch: number }): Promise<ExchangeResult> {
    const representations = request.representations!;
    const representationsVariable = request.representationsVariable ?? 'representations';
    const { [representationsVariable]: _omitted, ...otherVariables } = request.body.variables ?? {};
    const operation = `${request.body.query}\n${canonicalJson(otherVariables)}`;
    const keyOf = (s: typeof scope, representation: Record<string, unknown>) => entityKey({ exchangeId: target.id, ...s, operation, representation });
    const keys = representations.map((r) => keyOf(scope, r));
    const cached = await withSpan('cache.entity', { 'exchange.id': target.id, 'cache.keys': keys.length }, async (span) => {
      const values = await this.options.cache.getMany(keys);
      span?.setAttribute('cache.hits', values.filter((value) => value !== null).length);
      return values;
    });
    const missing = cached.flatMap((value, index) => (value === null ? [index] : []));
    this.options.metrics.hit('entity', representations.length - missing.length);
    this.options.metrics.miss('entity', missing.length);
    const hits = cached.map((value) => (value === null ? null : decodeEntry(value)));
    const secondsLeft = Math.min(...hits.map((hit) => hit?.secondsLeft ?? Number.POSITIVE_INFINITY));
    if (missing.length === 0) return fromCache(target.id, { _entities: hits.map((hit) => hit!.value) }, secondsLeft, scope.catalogVersion);

    const missRequest: ShardRequest = {
      ...request,
      representations: missing.map((i) => representations[i]),
      body: { ...request.body, variables: { ...request.body.variables, [representationsVariable]: missing.map((i) => representations[i]) } },
    };
    const { result } = await this.shared(target, missing.map((i) => keys[i]).join('|'), async () => {
      const fetched = await this.call(target, missRequest.body);
      if (
        this.storable(fetched, missRequest) &&
        stillCurrent(scope, this.options.versions.scope(target.id), fetched) &&
        Array.isArray(fetched.data?._entities) &&
        fetched.data!._entities.length === missing.length
      ) {
        const ttl = ttlFor(fetched.cacheControl, this.ttlSeconds);
        const fresh = fetched.data!._entities as unknown[];
        const entries: CacheEntry[] = missing.map((index, position) => ({ key: keys[index], value: encodeEntry(fresh[position], ttl), ttlSeconds: ttl }));
        if (ttl > 0) await this.options.cache.setMany(entries);
      }
      return { result: fetched, hit: false };
    });
    if (!result.ok || result.errors?.length || !Array.isArray(result.data?._entities) || result.data!._entities.length !== missing.length) {
      return result;
    }
    const fresh = result.data!._entities as unknown[];
    const entities = hits.map((hit) => hit?.value);
    missing.forEach((index, position) => {
      entities[index] = fresh[position];
    });
    // What the response may keep: the fresh part's own Cache-Control, and what is left of the hits' lives.
    const cacheControl = Number.isFinite(secondsLeft) ? `max-age=${Math.min(secondsLeft, maxAgeOf(result.cacheControl))}` : result.cacheControl;
    return { ...result, cacheControl, data: { ...result.data, _entities: entities } };
  }

  private call(target: ShardTarget, body: GraphQLRequestBody): Promise<ExchangeResult> {
    this.options.metrics.shardFetches.inc({ exchange: target.id });
    return target.send(body);
  }

  /**
   * One flight per key at a time: identical fetches that arrive while it runs wait for it. Once anyone
   * waits, everyone (the first caller too) gets a copy, as the router merges answers in place; the
   * waiters' copies are marked `shared`, so the call is observed (latency, version, health) once.
   */
  private async shared(target: ShardTarget, key: string, run: () => Promise<Flight>): Promise<Flight> {
    // Only calls to the same target share a flight: after an exchange's URL changes, a new query must not
    // wait for (and get) the answer of a call still in flight to the old URL.
    const flightKey = `${this.generationOf(target)}|${key}`;
    const running = this.inFlight.get(flightKey);
    if (running) {
      running.waiters++;
      const { result, hit } = await running.flight;
      return { result: { ...structuredClone(result), shared: true }, hit };
    }
    const entry = { flight: run().finally(() => this.inFlight.delete(flightKey)), waiters: 0 };
    this.inFlight.set(flightKey, entry);
    const outcome = await entry.flight;
    return entry.waiters > 0 ? { result: structuredClone(outcome.result), hit: outcome.hit } : outcome;
  }
}
