/**
 * Serves the providers subgraph on plain node:http: POST/GET /graphql, GET /health, 404 otherwise.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginInlineTraceDisabled, ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { apolloHandler, sendJson } from '../../shared/http/apolloHandler.ts';
import { tracedHandler } from '../../shared/tracing/tracing.ts';
import { listen, type RunningServer } from '../../shared/http/listen.ts';
import { createLogger, type Logger } from '../../shared/logger.ts';
import { createProvidersContext, createProvidersSchema, seedProviderDirectory, type ProvidersContext, type ProvidersContextHooks } from './schema.ts';

export interface ProvidersServerOptions {
  /** Port to listen on; 0 picks a free one (read it back from the result). */
  port: number;
  /** Interface to bind. Default 127.0.0.1. */
  host?: string;
  /** Test hooks passed to every request's context. */
  hooks?: ProvidersContextHooks;
  /** NODE_ENV=development: stack traces (absolute paths of this machine) in error responses. Default false. */
  development?: boolean;
  /** Where an unexpected request failure is logged. Default: a logger of service "providers". */
  logger?: Logger;
}

export type RunningProvidersServer = RunningServer;

export async function startProvidersServer(options: ProvidersServerOptions): Promise<RunningProvidersServer> {
  const directory = seedProviderDirectory();
  const logger = options.logger ?? createLogger({ service: 'providers' });
  const apollo = new ApolloServer<ProvidersContext>({
    schema: createProvidersSchema(),
    // The default landing page loads Apollo Sandbox from the internet; the subgraph must not. Inline
    // traces only serve Apollo's hosted reporting, and enabling them logs a line that is not JSON.
    plugins: [ApolloServerPluginLandingPageDisabled(), ApolloServerPluginInlineTraceDisabled()],
    csrfPrevention: true,
    // Stack traces (absolute paths of this machine) only where a developer asked for them.
    includeStacktraceInErrorResponses: options.development ?? false,
    // runService owns SIGTERM/SIGINT (see there).
    stopOnTerminationSignals: false,
    // Apollo's own warnings as JSON lines like the rest.
    logger: logger.child({ component: 'apollo-server' }) as never,
  });
  await apollo.start();
  // A server span per request, continuing the gateway's trace (docs/tracing.md).
  const graphql = tracedHandler('providers.request', apolloHandler(apollo, { context: async () => createProvidersContext(directory, options.hooks) }));

  const route = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (path === '/graphql') return graphql(req, res);
    if (path === '/health' && req.method === 'GET') return sendJson(res, 200, { status: 'ok', providers: directory.size });
    sendJson(res, 404, { error: `no route for ${req.method} ${path}` });
  };
  return listen(route, { port: options.port, host: options.host, onClose: () => apollo.stop(), logger });
}
