import { GraphQLError, type ExecutionResult } from 'graphql';
import { encodeChangeCursor, type ChangePositions } from '../../../shared/priceChangeCursor.ts';
import { compileFilter, type ChangeEvent, type LiveFilter } from './changeEvent.ts';
import type { LiveFeed } from './LiveFeed.ts';

export interface LiveSubscriptionOptions {
  feed: LiveFeed;
  filter: LiveFilter | null;
  /** Resume right after these positions (a cursor the client was given); null: from now. */
  after: ChangePositions | null;
  /** LIVE_MAX_QUEUED_EVENTS: events waiting for a client that does not read; past it, it is disconnected. */
  maxQueuedEvents: number;
  /** The client's payload for one change (shared between subscribers that asked the same selection). */
  render: (event: ChangeEvent) => Promise<ExecutionResult>;
  /** The transport closes the client's connection (after the last payload, with the reason). */
  onOverflow?: (reason: string) => void;
  /** Called once when the subscription ends, however it ends. */
  onEnd?: (why: 'returned' | 'overflow') => void;
}

/** A queued change holds its payload already asked for (shared, memoised), so the changes of one pull render in one batch. */
type Queued = { event: ChangeEvent; cursor: string; payload: Promise<ExecutionResult> };

/**
 * One client's priceChanged stream (docs/live-prices.md#guarantees). A subscription from now follows the
 * feed: it sees every change in the feed's order, and its event ids are the feed's cursors. A subscription
 * resuming from a cursor keeps positions of its own: it first reads each exchange's log after its
 * position (pages, paced by its own queue), then takes the feed's changes, dropping those it already had
 * and reading the log again whenever the feed is ahead of it. Each change is thus delivered once, and the
 * changes of one exchange (so of one dataset) in the order of its log.
 */
export class LiveSubscription implements AsyncIterableIterator<ExecutionResult> {
  private readonly queue: Queued[] = [];
  private waiting: (() => void) | null = null;
  private finished: 'returned' | 'overflow' | null = null;
  private finalError: ExecutionResult | null = null;
  private readonly unlisten: () => void;
  /** Only for a resumed subscription: where it is in each exchange's log. */
  private readonly positions: ChangePositions | null;
  private chain: Promise<void> = Promise.resolve();
  private roomWaiters: Array<() => void> = [];
  private readonly matches: (event: ChangeEvent) => boolean;

  constructor(private readonly options: LiveSubscriptionOptions) {
    this.matches = compileFilter(options.filter);
    this.positions = options.after ? { ...options.after } : null;
    if (this.positions) {
      const exchanges = new Set([...Object.keys(options.feed.currentPositions()), ...Object.keys(this.positions)]);
      for (const exchange of exchanges) this.enqueueTask(() => this.catchUp(exchange));
    }
    this.unlisten = options.feed.listen((event, feedCursor) => {
      if (this.finished) return;
      if (!this.positions) {
        if (this.matches(event)) this.push(event, feedCursor);
      } else this.enqueueTask(() => this.fromFeed(event));
    });
  }

  private enqueueTask(task: () => Promise<void> | void): void {
    this.chain = this.chain.then(task).catch(() => undefined);
  }

  private async fromFeed(event: ChangeEvent): Promise<void> {
    const own = this.positions![event.exchange];
    const sameEpoch = own?.epoch === event.position.epoch;
    if (sameEpoch && event.position.sequence <= own!.sequence) return;
    if (!sameEpoch || event.position.sequence > own!.sequence + 1) await this.catchUp(event.exchange);
    this.take(event);
  }

  /** Reads an exchange's log after this subscription's position until it has no more (or fails: tried again on the next gap). */
  private async catchUp(exchange: string): Promise<void> {
    for (;;) {
      if (this.finished) return;
      await this.roomFor(Math.ceil(this.options.maxQueuedEvents / 2));
      const own = this.positions![exchange] ?? { epoch: '', sequence: 0 };
      const page = await this.options.feed.readAfter(exchange, own);
      if (typeof page === 'string') return;
      for (const event of page.events) this.take(event);
      if (!page.hasNextPage || page.events.length === 0) return;
    }
  }

  private take(event: ChangeEvent): void {
    const own = this.positions![event.exchange];
    if (own?.epoch === event.position.epoch && event.position.sequence <= own.sequence) return;
    this.positions![event.exchange] = event.position;
    if (this.matches(event)) this.push(event, encodeChangeCursor(this.positions!));
  }

  private roomFor(limit: number): Promise<void> {
    if (this.queue.length < limit || this.finished) return Promise.resolve();
    return new Promise((resolve) => this.roomWaiters.push(resolve));
  }

  private push(event: ChangeEvent, cursor: string): void {
    if (this.finished) return;
    if (this.queue.length >= this.options.maxQueuedEvents) return this.overflow();
    const payload = this.options.render(event);
    // Its failure is the client's when it reaches it (next() awaits it), not an unhandled rejection now.
    payload.catch(() => undefined);
    this.queue.push({ event, cursor, payload });
    this.wake();
  }

  private overflow(): void {
    const reason = `slow consumer: more than ${this.options.maxQueuedEvents} price changes were waiting for this client (LIVE_MAX_QUEUED_EVENTS); resume with the last event id`;
    this.queue.length = 0;
    this.finalError = { errors: [new GraphQLError(reason, { extensions: { code: 'SLOW_CONSUMER', maxQueuedEvents: this.options.maxQueuedEvents } })] };
    this.end('overflow');
    this.options.onOverflow?.(reason);
  }

  private end(why: 'returned' | 'overflow'): void {
    if (this.finished) return;
    this.finished = why;
    this.unlisten();
    for (const resolve of this.roomWaiters.splice(0)) resolve();
    this.wake();
    this.options.onEnd?.(why);
  }

  private wake(): void {
    const waiting = this.waiting;
    this.waiting = null;
    waiting?.();
  }

  /** Events waiting for the client (for /metrics and tests). */
  get queued(): number {
    return this.queue.length;
  }

  async next(): Promise<IteratorResult<ExecutionResult>> {
    const delivery = await this.nextDelivery();
    if (!delivery) return { done: true, value: undefined };
    if (!delivery.cursor) return { done: false, value: delivery.result };
    return { done: false, value: { ...delivery.result, extensions: { ...delivery.result.extensions, cursor: delivery.cursor } } };
  }

  /**
   * The next payload as rendered (shared by every subscriber of the same selection, so not to be
   * changed) with its cursor apart; null at the end. The SSE handler serialises a payload once for all
   * its subscribers from this (docs/live-prices.md#one-render-per-change).
   */
  async nextDelivery(): Promise<{ result: ExecutionResult; cursor: string | null } | null> {
    for (;;) {
      const item = this.queue.shift();
      if (item) {
        if (this.queue.length < this.options.maxQueuedEvents / 2) for (const resolve of this.roomWaiters.splice(0)) resolve();
        return { result: await item.payload, cursor: item.cursor };
      }
      if (this.finalError) {
        const value = this.finalError;
        this.finalError = null;
        return { result: value, cursor: null };
      }
      if (this.finished) return null;
      await new Promise<void>((resolve) => (this.waiting = resolve));
    }
  }

  async return(): Promise<IteratorResult<ExecutionResult>> {
    this.queue.length = 0;
    this.finalError = null;
    this.end('returned');
    return { done: true, value: undefined };
  }

  async throw(err: unknown): Promise<IteratorResult<ExecutionResult>> {
    await this.return();
    throw err;
  }

  [Symbol.asyncIterator](): this {
    return this;
  }
}
