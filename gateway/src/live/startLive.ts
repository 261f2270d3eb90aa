import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { ExecutionResult, GraphQLSchema } from 'graphql';
import type { Registry } from 'prom-client';
import type { ShardTargets } from '../exchangeClient/ShardFetcher.ts';
import type { ExchangeResult } from '../exchangeClient/ExchangeClient.ts';
import type { CatalogVersions } from '../cache/CatalogVersions.ts';
import { LiveFeed } from './LiveFeed.ts';
import { LiveHub, type LiveSettings } from './LiveHub.ts';
import { ChangeRenderer, type RunQuery } from './renderChange.ts';
import { sseHandler } from './sseHandler.ts';
import { startLiveWebSocket, type LiveWebSocketOptions } from './wsServer.ts';

export { withSubscriptions } from './liveSchema.ts';
export type { RunQuery };

export interface LiveParts {
  targets: ShardTargets;
  versions: CatalogVersions;
  /** The public schema with Subscription (server/PublicSchema.ts), null before the first load. */
  schema: () => GraphQLSchema | null;
  /** A query through the gateway's normal execution, for the entities of each change. */
  runQuery: RunQuery;
  registry?: Registry;
  didReceiveResult?: (result: ExchangeResult) => void;
  logger?: { warn(fields: Record<string, unknown>, message: string): void };
}

export interface RunningLive {
  hub: LiveHub;
  feed: LiveFeed;
  /** GET and POST /graphql/stream. */
  sse: (req: IncomingMessage, res: ServerResponse) => Promise<void>;
  /** Serves graphql-ws on the server's upgrades of `path`. */
  attach(server: Server, options: Pick<LiveWebSocketOptions, 'path' | 'admit'>): void;
  close(): Promise<void>;
}

/** Live prices (docs/live-prices.md): the shared feed, the subscriptions, and their two transports. */
export function startLive(settings: LiveSettings & { pollIntervalMs: number }, parts: LiveParts): RunningLive {
  const feed = new LiveFeed({
    targets: parts.targets,
    pollIntervalMs: settings.pollIntervalMs,
    didReceiveResult: parts.didReceiveResult,
    logger: parts.logger,
  });
  const stopFollowing = parts.versions.onMove((exchange) => feed.versionMoved(exchange));
  feed.start();
  const hub = new LiveHub({
    feed,
    renderer: new ChangeRenderer(parts.runQuery, settings.maxQueryAliases),
    schema: parts.schema,
    settings,
    registry: parts.registry,
  });
  let socket: { close(): Promise<void> } | null = null;
  return {
    hub,
    feed,
    sse: sseHandler(hub),
    attach: (server, options) => {
      socket = startLiveWebSocket({ server, hub, schema: parts.schema, ...options });
    },
    close: async () => {
      stopFollowing();
      feed.stop();
      await hub.close();
      await socket?.close();
    },
  };
}

/** A RunQuery over Apollo Server's executeOperation (the whole pipeline: limits, caches, the shard router). */
export function runQueryWith<TContext>(
  apollo: {
    executeOperation(
      request: { query: string; variables: Record<string, unknown> },
      options: { contextValue: TContext },
    ): Promise<{ body: { kind: string; singleResult?: unknown } }>;
  },
  contextValue: () => TContext,
): RunQuery {
  return async (query, variables) => {
    const response = await apollo.executeOperation({ query, variables }, { contextValue: contextValue() });
    const body = response.body;
    return (body.kind === 'single' ? body.singleResult : { errors: [{ message: 'unexpected incremental result' }] }) as ExecutionResult;
  };
}
