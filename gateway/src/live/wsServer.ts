import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { GraphQLError, parse, type ExecutionArgs, type ExecutionResult, type GraphQLSchema } from 'graphql';
import { WebSocketServer, type WebSocket } from 'ws';
import { useServer } from 'graphql-ws/use/ws';
import { LiveSubscription } from './LiveSubscription.ts';
import type { LiveHub } from './LiveHub.ts';
import { OVERFLOW_GRACE_MS } from './sseHandler.ts';

/** Close code for a slow consumer: 1008 (policy violation) is not fatal to graphql-ws's client, which reconnects. */
export const SLOW_CONSUMER_CLOSE_CODE = 1008;

export interface LiveWebSocketOptions {
  server: Server;
  hub: LiveHub;
  schema: () => GraphQLSchema | null;
  /** The path of the upgrade (the GraphQL endpoint). */
  path: string;
  /**
   * Decides whether an upgrade may go on, as the public routes' policies do for HTTP requests (the hook
   * for authentication and rate limits): null to admit, else the HTTP status and message to refuse with.
   */
  admit?: (req: IncomingMessage) => Promise<{ status: number; message: string } | null> | { status: number; message: string } | null;
}

/**
 * graphql-ws (the graphql-transport-ws protocol) on WebSocket upgrades of /graphql, on the gateway's own
 * HTTP server. Operations go through LiveHub like SSE's: the same checks and limits, the same feed. A
 * subscription whose client does not read is closed with code 1008 and the reason.
 */
export function startLiveWebSocket(options: LiveWebSocketOptions): { close(): Promise<void> } {
  const wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 });
  const disposable = useServer<Record<string, unknown>, { socket: WebSocket; request: IncomingMessage }>(
    {
      onSubscribe: async (ctx, _id, payload) => {
        const schema = options.schema();
        const opened = await options.hub.subscribe({
          query: payload.query,
          operationName: payload.operationName,
          variables: payload.variables,
          onOverflow: (reason) => {
            const socket = ctx.extra.socket;
            socket.close(SLOW_CONSUMER_CLOSE_CODE, reason.slice(0, reason.indexOf(';')).slice(0, 120));
            setTimeout(() => socket.terminate(), OVERFLOW_GRACE_MS).unref();
          },
        });
        if (!(opened instanceof LiveSubscription))
          return ((opened as ExecutionResult).errors ?? []).map((e) => (e instanceof GraphQLError ? e : new GraphQLError(String(e))));
        return {
          schema: schema!,
          document: parse(payload.query),
          operationName: payload.operationName,
          variableValues: payload.variables,
          contextValue: { live: opened },
        } satisfies ExecutionArgs;
      },
      subscribe: (args) => (args.contextValue as { live: LiveSubscription }).live,
    },
    wss,
  );
  const onUpgrade = async (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (path !== options.path) return socket.destroy();
    const refused = await options.admit?.(req);
    if (refused) {
      socket.end(`HTTP/1.1 ${refused.status} Refused\r\ncontent-type: text/plain\r\nconnection: close\r\n\r\n${refused.message}`);
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
  };
  options.server.on('upgrade', (req, socket, head) => void onUpgrade(req, socket, head));
  return {
    close: async () => {
      for (const client of wss.clients) client.terminate();
      await disposable.dispose();
    },
  };
}
