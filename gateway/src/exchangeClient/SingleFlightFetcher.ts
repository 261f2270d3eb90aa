import { payloadOf, type ExchangeResult } from './ExchangeClient.ts';
import type { ShardFetcher, ShardRequest, ShardTarget } from './ShardFetcher.ts';

/**
 * With the caches off (CACHE_DISABLED=1), identical calls in flight at once are sent once: a call that
 * finds the same body on its way to the same exchange, under the same catalog version, waits for that
 * call's answer instead of sending its own (the caches' CachingFetcher does the same on their misses).
 *
 * Sharing is safe across clients because nothing of the client's request but the body reaches an exchange:
 * the router sends no client header (no Authorization, no cookie; the `traceparent` it adds names a span,
 * and the shared answer is the same whichever span asked). The catalog version is part of the key, so a
 * call that starts after the gateway learned of a new version never waits for an answer sent before it.
 */
export class SingleFlightFetcher implements ShardFetcher {
  private readonly inFlight = new Map<string, { flight: Promise<ExchangeResult>; waiters: number }>();
  /** A number per target object: the directory replaces an exchange's object when its URL changes. */
  private readonly generations = new WeakMap<ShardTarget, number>();
  private nextGeneration = 0;

  constructor(
    private readonly inner: ShardFetcher,
    /** The exchange's catalog version as this gateway knows it now (null: not known yet). */
    private readonly versionOf: (exchange: string) => string | null,
  ) {}

  async fetch(target: ShardTarget, request: ShardRequest): Promise<ExchangeResult> {
    const key = `${this.generationOf(target)}|${this.versionOf(target.id) ?? ''}|${payloadOf(request.body)}`;
    const running = this.inFlight.get(key);
    if (running) {
      running.waiters++;
      // The router merges answers in place: every caller of a shared flight gets its own copy. A waiter's is
      // marked `shared`, so the exchange's latency, version and health are observed once, from the call.
      return { ...structuredClone(await running.flight), shared: true };
    }
    const entry = { flight: this.inner.fetch(target, request).finally(() => this.inFlight.delete(key)), waiters: 0 };
    this.inFlight.set(key, entry);
    const result = await entry.flight;
    return entry.waiters > 0 ? structuredClone(result) : result;
  }

  private generationOf(target: ShardTarget): number {
    let generation = this.generations.get(target);
    if (generation === undefined) this.generations.set(target, (generation = ++this.nextGeneration));
    return generation;
  }
}
