import { createServer, type IncomingMessage, type ServerResponse, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { sendJson } from './apolloHandler.ts';
import type { Logger } from '../logger.ts';

export interface RunningServer {
  /** The GraphQL endpoint, e.g. http://127.0.0.1:4011/graphql (a wildcard host is shown as 127.0.0.1). */
  url: string;
  port: number;
  server: Server;
  close(): Promise<void>;
}

export interface ListenOptions {
  port: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Runs after the server stopped taking connections (e.g. stop Apollo, close the database). */
  onClose?: () => Promise<void>;
  /** Where an unexpected request failure is logged ("request failed", with the error). */
  logger: Pick<Logger, 'error'>;
}

/**
 * Serves a route function on node:http: an unexpected failure becomes a 500 (never a crash), idle
 * keep-alive outlives the usual proxy timeout so pooled connections are not cut mid-request, and port 0
 * picks a free port (read back into `url`).
 */
export async function listen(route: (req: IncomingMessage, res: ServerResponse) => Promise<void>, options: ListenOptions): Promise<RunningServer> {
  const server = createServer((req, res) => {
    route(req, res).catch((err: unknown) => {
      options.logger.error({ err, method: req.method, url: req.url }, 'request failed');
      if (!res.headersSent) sendJson(res, 500, { error: 'internal error' });
      else res.end();
    });
  });
  server.keepAliveTimeout = 65_000;
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const urlHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
  return {
    url: `http://${urlHost}:${port}/graphql`,
    port,
    server,
    close: async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      });
      await options.onClose?.();
    },
  };
}
