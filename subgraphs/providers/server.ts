/**
 * Serves the providers subgraph on plain node:http: POST/GET /graphql, GET /health, 404 otherwise.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginInlineTraceDisabled, ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { apolloHandler, sendJson } from '../../shared/http/apolloHandler.ts';
import { createProvidersContext, createProvidersSchema, seedProviderDirectory, type ProvidersContext, type ProvidersContextHooks } from './schema.ts';

export interface ProvidersServerOptions {
  /** Port to listen on; 0 picks a free one (read it back from the result). */
  port: number;
  /** Interface to bind. Default 127.0.0.1. */
  host?: string;
  /** Test hooks passed to every request's context. */
  hooks?: ProvidersContextHooks;
}

export interface RunningProvidersServer {
  /** The GraphQL endpoint, e.g. http://127.0.0.1:4010/graphql. */
  url: string;
  port: number;
  close(): Promise<void>;
}

export async function startProvidersServer(options: ProvidersServerOptions): Promise<RunningProvidersServer> {
  const directory = seedProviderDirectory();
  const apollo = new ApolloServer<ProvidersContext>({
    schema: createProvidersSchema(),
    // The default landing page loads Apollo Sandbox from the internet; the subgraph must not. Inline
    // traces only serve Apollo's hosted reporting, and enabling them logs a line that is not JSON.
    plugins: [ApolloServerPluginLandingPageDisabled(), ApolloServerPluginInlineTraceDisabled()],
    csrfPrevention: true,
    includeStacktraceInErrorResponses: process.env.NODE_ENV !== 'production',
  });
  await apollo.start();
  const graphql = apolloHandler(apollo, { context: async () => createProvidersContext(directory, options.hooks) });

  const route = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (path === '/graphql') return graphql(req, res);
    if (path === '/health' && req.method === 'GET') return sendJson(res, 200, { status: 'ok', providers: directory.size });
    sendJson(res, 404, { error: `no route for ${req.method} ${path}` });
  };

  const server = createServer((req, res) => {
    route(req, res).catch((err: unknown) => {
      console.error(JSON.stringify({ level: 'error', msg: 'request failed', err: String(err) }));
      if (!res.headersSent) sendJson(res, 500, { error: 'internal error' });
      else res.end();
    });
  });
  // Longer than the usual proxy idle timeout, so the gateway's pooled connections are not cut mid-request.
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
    close: async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      });
      await apollo.stop();
    },
  };
}
