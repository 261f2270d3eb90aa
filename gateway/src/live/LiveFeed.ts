import type { ShardTargets } from '../exchangeClient/ShardFetcher.ts';
import type { ExchangeResult } from '../exchangeClient/ExchangeClient.ts';
import { encodeChangeCursor, decodeChangeCursor, type ChangePositions, type LogPosition } from '../../../shared/priceChangeCursor.ts';
import { PULL_QUERY, toChangeEvent, type ChangeEvent } from './changeEvent.ts';

export interface LiveFeedOptions {
  targets: ShardTargets;
  /** LIVE_POLL_MS, default 250: the backstop pull of every exchange; a moved catalog version pulls at once. */
  pollIntervalMs?: number;
  /** Changes asked per pull (the exchange's page); a pull goes on while the exchange has more. */
  pageSize?: number;
  /** Called with every exchange answer (its catalog version feeds the caches' versions). */
  didReceiveResult?: (result: ExchangeResult) => void;
  logger?: { warn(fields: Record<string, unknown>, message: string): void };
}

export const DEFAULT_LIVE_POLL_MS = 250;
/** The exchange's largest page (MAX_CHANGES_PAGE in subgraphs/exchange/priceChanges.ts): a backlog drains in few round trips. */
const DEFAULT_PAGE_SIZE = 500;

/** What a listener receives: the event and the feed's cursor right after it (every exchange's position). */
export type FeedListener = (event: ChangeEvent, feedCursor: string) => void;

/**
 * Fed once (docs/live-prices.md#fed-once): one puller per exchange reads its change log after the
 * feed's position, whatever the number of subscribers, and hands every change to every listener, in
 * the log's order. A pull starts when the exchange's catalog version moves (`versionMoved`) and on a
 * timer as a backstop; at most one pull per exchange runs at a time, and a request for another while one
 * runs makes it pull again at its end, so no change waits for the timer. An exchange that fails keeps
 * its position: when it answers again, the changes it made meanwhile come from its log, in order.
 */
export class LiveFeed {
  private readonly positions = new Map<string, LogPosition>();
  private readonly pulling = new Map<string, Promise<void>>();
  private readonly again = new Set<string>();
  private readonly listeners = new Set<FeedListener>();
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;
  /** A pull was skipped while nobody listened: the positions may be behind the logs' heads (see `wake`). */
  private behind = false;
  private waking: Promise<void> | null = null;
  /**
   * Settles when every exchange has been pulled once (answered or failed): before that the feed does not
   * know where "now" is in an exchange's log, so a subscription from now waits for it (LiveHub).
   */
  ready: Promise<void> = Promise.resolve();

  constructor(private readonly options: LiveFeedOptions) {}

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.pullAll(), this.options.pollIntervalMs ?? DEFAULT_LIVE_POLL_MS);
    this.timer.unref();
    // Nobody listens yet: the first subscription finds where "now" is in every log (`wake`).
    this.behind = true;
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  listen(listener: FeedListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Every exchange's position now (those the feed has reached at least once). */
  currentPositions(): ChangePositions {
    return Object.fromEntries(this.positions);
  }

  positionOf(exchange: string): LogPosition | undefined {
    return this.positions.get(exchange);
  }

  /** A moved catalog version: pull that exchange now (nobody listening: nothing to deliver, see `wake`). */
  versionMoved(exchange: string): void {
    if (this.listeners.size === 0) {
      this.behind = true;
      return;
    }
    this.pull(exchange);
  }

  /**
   * Called before a subscription starts: the feed is where "now" is in every log. While nobody listens
   * the feed does not pull (an idle gateway would otherwise call every exchange every LIVE_POLL_MS for
   * nothing); the first subscription after such a pause moves every position to its log's head first.
   * A subscription that resumes from a cursor reads what it missed from the logs itself (LiveSubscription).
   */
  async wake(): Promise<void> {
    await this.ready;
    if (!this.behind || this.listeners.size > 0) return;
    this.waking ??= (async () => {
      this.behind = false;
      this.positions.clear();
      await this.settle();
    })().finally(() => {
      this.waking = null;
    });
    await this.waking;
  }

  /** Resolves when every exchange has been pulled once since the call (tests, start-up). */
  async settle(): Promise<void> {
    await Promise.all(this.options.targets.all().map((t) => this.pull(t.id)));
  }

  private pullAll(): void {
    if (this.listeners.size === 0) {
      this.behind = true;
      return;
    }
    for (const target of this.options.targets.all()) if (target.isAvailable()) void this.pull(target.id);
  }

  private pull(exchange: string): Promise<void> {
    if (this.stopped) return Promise.resolve();
    const running = this.pulling.get(exchange);
    if (running) {
      this.again.add(exchange);
      return running;
    }
    // A failed pull keeps the position: the next one reads from the same place.
    const pull = this.drain(exchange)
      .catch((err: unknown) => this.options.logger?.warn({ exchange, err: String(err) }, 'live feed: a pull failed'))
      .finally(() => {
        this.pulling.delete(exchange);
        if (this.again.delete(exchange)) void this.pull(exchange);
      });
    this.pulling.set(exchange, pull);
    return pull;
  }

  /** Pulls pages until the exchange has no more (or fails: the next pull starts from the same place). */
  private async drain(exchange: string): Promise<void> {
    for (;;) {
      const page = await this.readAfter(exchange, this.positions.get(exchange) ?? null);
      if (typeof page === 'string') return;
      for (const event of page.events) {
        this.positions.set(exchange, event.position);
        const feedCursor = encodeChangeCursor(this.currentPositions());
        for (const listener of this.listeners) {
          // One subscription's failure must not cost the others this change.
          try {
            listener(event, feedCursor);
          } catch (err) {
            this.options.logger?.warn({ exchange, err: String(err) }, 'live feed: a subscription failed on a change');
          }
        }
      }
      if (page.events.length === 0 && page.end) this.positions.set(exchange, page.end);
      if (!page.hasNextPage || this.stopped) return;
    }
  }

  /**
   * One page of an exchange's log after a position (null: start at the head, "from now"). Also used by a
   * subscription that resumes from an older cursor (LiveSubscription). A string says why it failed.
   */
  async readAfter(
    exchange: string,
    after: LogPosition | null,
    first = this.options.pageSize ?? DEFAULT_PAGE_SIZE,
  ): Promise<{ events: ChangeEvent[]; hasNextPage: boolean; end: LogPosition | null } | string> {
    const target = this.options.targets.get(exchange);
    if (!target) return `exchange ${exchange} is not registered`;
    const variables = after ? { after: encodeChangeCursor({ [exchange]: after }), first } : { after: null, first: 0 };
    const result = await target.send({ query: PULL_QUERY, variables, operationName: 'LivePull' });
    this.options.didReceiveResult?.(result);
    if (!result.ok) return result.message;
    const connection = result.data?.priceChanges;
    if (!connection || result.errors?.length) {
      this.options.logger?.warn({ exchange, errors: result.errors?.map((e) => e.message) }, 'live feed: the exchange answered no change log');
      return 'answered no change log';
    }
    const events: ChangeEvent[] = [];
    for (const edge of connection.edges ?? []) {
      const event = toChangeEvent(exchange, edge);
      if (typeof event === 'string') {
        this.options.logger?.warn({ exchange, problem: event }, 'live feed: a bad change log answer was dropped');
        return event;
      }
      events.push(event);
    }
    const end = typeof connection.pageInfo?.endCursor === 'string' ? decodeChangeCursor(connection.pageInfo.endCursor) : null;
    return { events, hasNextPage: Boolean(connection.pageInfo?.hasNextPage), end: end && typeof end !== 'string' ? (end[exchange] ?? null) : null };
  }
}
