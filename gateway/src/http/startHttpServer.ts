import { createServer, STATUS_CODES, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { sendJson } from '../../../shared/http/apolloHandler.ts';
import type { Logger } from '../logger.ts';
import type { GatewayMetrics } from '../metrics.ts';

/** Answers one request, given its path (routeTable). */
export type RequestHandler = (req: IncomingMessage, res: ServerResponse, path: string) => Promise<void>;

export interface HttpServerSettings {
  port: number;
  host: string;
  /** REQUEST_LOG_EVERY, default 100: one in N quick successful requests is logged (1: every request). */
  requestLogEvery?: number;
}

export const DEFAULT_REQUEST_LOG_EVERY = 100;
/** A request at least this slow is always logged, like every answer of status 400 or more. */
const ALWAYS_LOGGED_MS = 1000;

export interface RunningHttpServer {
  server: Server;
  port: number;
  /** The address clients use: `localhost` when listening on every interface. */
  host: string;
}

/** Longer than the load balancers' idle timeout (60 s on most), so they, not we, close idle connections. */
const KEEP_ALIVE_TIMEOUT_MS = 65_000;
const MAX_REQUEST_ID_LENGTH = 100;

/**
 * The gateway's HTTP server: every request gets a request id (the caller's x-request-id when sensible),
 * a log line when it finishes (every failed or slow one, one in REQUEST_LOG_EVERY of the others: a line
 * per cached answer would cost more than the answer), and a JSON 500 when its handler fails.
 */
export async function startHttpServer(
  settings: HttpServerSettings,
  parts: { handle: RequestHandler; metrics: GatewayMetrics; logger: Logger },
): Promise<RunningHttpServer> {
  const logEvery = Math.max(1, settings.requestLogEvery ?? DEFAULT_REQUEST_LOG_EVERY);
  let quickOk = 0;
  const shouldLog = (status: number, ms: number) => status >= 400 || ms >= ALWAYS_LOGGED_MS || ++quickOk % logEvery === 0;
  const server = createServer((req, res) => serveRequest(req, res, { ...parts, shouldLog }));
  server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
  server.on('clientError', answerClientError);
  await new Promise<void>((resolve) => server.listen(settings.port, settings.host, resolve));
  const { port } = server.address() as AddressInfo;
  return { server, port, host: settings.host === '0.0.0.0' ? 'localhost' : settings.host };
}

/**
 * A request Node's parser refuses before any handler runs (a URL and headers over 16 KiB, bytes that are
 * not HTTP): Node would answer a bare 431 or 400 with no body; clients get a JSON GraphQL error instead.
 */
function answerClientError(err: NodeJS.ErrnoException, socket: Duplex): void {
  if (err.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  const tooLarge = err.code === 'HPE_HEADER_OVERFLOW';
  const status = tooLarge ? 431 : 400;
  const message = tooLarge ? 'the request line and headers are larger than 16 KiB: send the query in a POST body' : 'not a well-formed HTTP request';
  const body = JSON.stringify({ errors: [{ message, extensions: { code: tooLarge ? 'REQUEST_HEADERS_TOO_LARGE' : 'BAD_REQUEST' } }] });
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\ncontent-type: application/json; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
  );
}

/** The path of a request URL; the usual `/graphql` without the cost of a URL parse. */
function pathOf(url: string | undefined): string {
  if (url === '/graphql' || url?.startsWith('/graphql?')) return '/graphql';
  return new URL(url ?? '/', 'http://localhost').pathname;
}

function serveRequest(
  req: IncomingMessage,
  res: ServerResponse,
  parts: { handle: RequestHandler; metrics: GatewayMetrics; logger: Logger; shouldLog: (status: number, ms: number) => boolean },
): void {
  const { metrics, logger } = parts;
  const started = performance.now();
  const given = req.headers['x-request-id'];
  const requestId = typeof given === 'string' && given.length <= MAX_REQUEST_ID_LENGTH ? given : randomUUID();
  req.headers['x-request-id'] = requestId;
  res.setHeader('x-request-id', requestId);
  const path = pathOf(req.url);
  res.on('finish', () => {
    const seconds = (performance.now() - started) / 1000;
    if (path === '/graphql') metrics.requestDuration.observe({ status: String(res.statusCode) }, seconds);
    const ms = Math.round(seconds * 1000);
    if (parts.shouldLog(res.statusCode, ms)) logger.info({ requestId, method: req.method, path, status: res.statusCode, ms }, 'request');
  });
  const handled = (async () => parts.handle(req, res, path))();
  handled.catch((err: unknown) => {
    logger.error({ requestId, err }, 'request failed');
    if (!res.headersSent) sendJson(res, 500, { errors: [{ message: 'internal error', extensions: { code: 'INTERNAL_SERVER_ERROR', requestId } }] });
    else res.end();
  });
}
