import { GraphQLError, type DocumentNode, type ExecutionResult, type GraphQLSchema } from 'graphql';
import { getArgumentValues } from 'graphql/execution/values.js';
import { Gauge, Counter, type Registry } from 'prom-client';
import { decodeChangeCursor, type ChangePositions } from '../../../shared/priceChangeCursor.ts';
import { checkLiveOperation, SUBSCRIPTION_FIELD, type LiveLimits } from './liveSchema.ts';
import { LiveSubscription } from './LiveSubscription.ts';
import type { LiveFeed } from './LiveFeed.ts';
import type { ChangeRenderer } from './renderChange.ts';
import type { LiveFilter } from './changeEvent.ts';

export interface LiveSettings extends LiveLimits {
  /** LIVE_MAX_QUEUED_EVENTS, default 1000: changes waiting for one client before it is disconnected. */
  maxQueuedEvents: number;
  /** LIVE_MAX_SUBSCRIPTIONS, default 10000: open subscriptions per gateway process. */
  maxSubscriptions: number;
}

export const DEFAULT_LIVE_MAX_QUEUED_EVENTS = 1000;
export const DEFAULT_LIVE_MAX_SUBSCRIPTIONS = 10_000;

/** What a transport gives with a subscription request. */
export interface SubscribeRequest {
  query: string | DocumentNode;
  operationName?: string | null;
  variables?: Record<string, unknown> | null;
  /** A cursor the transport read itself (SSE Last-Event-ID); the `after` argument wins over it. */
  resumeAfter?: string | null;
  /** Closes the client's connection with the reason (LiveSubscription's overflow). */
  onOverflow?: (reason: string) => void;
}

/**
 * Where transports (SSE, graphql-ws) get their subscriptions: it checks the operation against the
 * public schema with the query limits, reads `filter` and `after` (or the transport's Last-Event-ID),
 * and opens a LiveSubscription on the shared feed with its render function.
 */
export class LiveHub {
  private readonly open = new Set<LiveSubscription>();
  private readonly disconnects: Counter<'reason'>;

  constructor(
    private readonly parts: { feed: LiveFeed; renderer: ChangeRenderer; schema: () => GraphQLSchema | null; settings: LiveSettings; registry?: Registry },
  ) {
    const registers = parts.registry ? [parts.registry] : [];
    const open = this.open;
    new Gauge({
      name: 'gateway_live_subscriptions',
      help: 'Open priceChanged subscriptions',
      registers,
      collect() {
        this.set(open.size);
      },
    });
    this.disconnects = new Counter({
      name: 'gateway_live_slow_consumer_disconnects_total',
      help: 'Subscriptions closed because their client did not read',
      labelNames: ['reason'],
      registers,
    });
  }

  get size(): number {
    return this.open.size;
  }

  async subscribe(request: SubscribeRequest): Promise<LiveSubscription | ExecutionResult> {
    // "From now" starts where the feed is: it must know where that is in every log first.
    await this.parts.feed.wake();
    const schema = this.parts.schema();
    if (!schema)
      return {
        errors: [new GraphQLError('the gateway has not loaded its schema yet; try again in a moment', { extensions: { code: 'SERVICE_UNAVAILABLE' } })],
      };
    const checked = checkLiveOperation(schema, request, this.parts.settings);
    if ('errors' in checked) return { errors: checked.errors };
    if (this.open.size >= this.parts.settings.maxSubscriptions) {
      return {
        errors: [
          new GraphQLError(`this gateway holds ${this.parts.settings.maxSubscriptions} subscriptions (LIVE_MAX_SUBSCRIPTIONS); try another replica or later`, {
            extensions: { code: 'TOO_MANY_SUBSCRIPTIONS' },
          }),
        ],
      };
    }
    const variables = request.variables ?? {};
    const field = checked.operation.selectionSet.selections.find((s) => s.kind === 'Field' && s.name.value === SUBSCRIPTION_FIELD);
    let args: { filter?: LiveFilter | null; after?: string | null } = {};
    try {
      if (field?.kind === 'Field') args = getArgumentValues(schema.getSubscriptionType()!.getFields()[SUBSCRIPTION_FIELD]!, field, variables);
    } catch (err) {
      return { errors: [new GraphQLError(`variables: ${(err as Error).message}`, { extensions: { code: 'BAD_USER_INPUT' } })] };
    }
    const min = args.filter?.minRelativeChange;
    if (min !== null && min !== undefined && !(Number.isFinite(min) && min >= 0)) {
      return {
        errors: [
          new GraphQLError(`filter.minRelativeChange: must be 0 or more, got ${min}`, {
            extensions: { code: 'BAD_USER_INPUT', argument: 'filter.minRelativeChange' },
          }),
        ],
      };
    }
    const cursor = args.after ?? request.resumeAfter ?? null;
    let after: ChangePositions | null = null;
    if (cursor !== null) {
      const decoded = decodeChangeCursor(cursor);
      const argument = args.after ? 'after' : 'Last-Event-ID';
      if (typeof decoded === 'string') return { errors: [new GraphQLError(`${argument}: ${decoded}`, { extensions: { code: 'BAD_USER_INPUT', argument } })] };
      after = decoded;
    }
    const subscription = new LiveSubscription({
      feed: this.parts.feed,
      filter: args.filter ?? null,
      after,
      maxQueuedEvents: this.parts.settings.maxQueuedEvents,
      render: this.parts.renderer.forOperation(schema, checked.document, checked.operation, variables),
      onOverflow: request.onOverflow,
      onEnd: (why) => {
        this.open.delete(subscription);
        if (why === 'overflow') this.disconnects.inc({ reason: 'slow_consumer' });
      },
    });
    this.open.add(subscription);
    return subscription;
  }

  /** Ends every subscription (gateway shutdown): clients resume elsewhere with their last event id. */
  async close(): Promise<void> {
    await Promise.all([...this.open].map((s) => s.return()));
  }
}
