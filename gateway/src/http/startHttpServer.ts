import { createServer, ServerResponse, STATUS_CODES, type IncomingMessage, type Server } from 'node:http';
import type { Duplex } from 'node:stream';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { sendJson } from '../../../shared/http/apolloHandler.ts';
import type { Logger } from '../logger.ts';
import type { GatewayMetrics } from '../metrics.ts';

/** Answers one request, given its path (routeTable). */
export type RequestHandler = (req: IncomingMessage, res: ServerResponse, path: string) => void | Promise<void>;

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
  const { handle, metrics, logger } = parts;
  const logEvery = Math.max(1, settings.requestLogEvery ?? DEFAULT_REQUEST_LOG_EVERY);
  let quickOk = 0;
  // One listener for every response (`this` is the response): no closure made per request.
  function didFinish(this: GatewayResponse): void {
    const seconds = (performance.now() - this.startedMs) / 1000;
    const status = this.statusCode;
    if (this.path === '/graphql') metrics.observeRequest(status, seconds);
    const ms = Math.round(seconds * 1000);
    if (status >= 400 || ms >= ALWAYS_LOGGED_MS || ++quickOk % logEvery === 0)
      logger.info({ requestId: this.requestId, method: this.req.method, path: this.path, status, ms }, 'request');
  }
  const server = createServer({ ServerResponse: GatewayResponse }, (req, res) => {
    const response = res as GatewayResponse;
    response.startedMs = performance.now();
    const given = req.headers['x-request-id'];
    const requestId = typeof given === 'string' && given.length <= MAX_REQUEST_ID_LENGTH ? given : nextRequestId();
    req.headers['x-request-id'] = requestId;
    response.requestId = requestId;
    res.setHeader('x-request-id', requestId);
    response.path = pathOf(req.url);
    res.on('finish', didFinish);
    try {
      handle(req, res, response.path)?.catch((err: unknown) => answerHandlerFailure(response, err, logger));
    } catch (err) {
      answerHandlerFailure(response, err, logger);
    }
  });
  server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
  server.on('clientError', answerClientError);
  await new Promise<void>((resolve) => server.listen(settings.port, settings.host, resolve));
  const { port } = server.address() as AddressInfo;
  return { server: server as unknown as Server, port, host: settings.host === '0.0.0.0' ? 'localhost' : settings.host };
}

/**
 * A response with what its `finish` listener needs, in fields rather than in a closure per request. The
 * fields are set by the request listener (declared, not initialised: a class field is a defineProperty).
 */
class GatewayResponse extends ServerResponse {
  declare startedMs: number;
  declare requestId: string;
  declare path: string;
}

/**
 * A request id for a request that brought none: this process's random prefix and a counter. Unique like a
 * UUID (48 random bits per process, a counter within it) and cheaper: randomUUID was one of the larger
 * costs of a response-cache hit's own code (issue 13).
 */
const REQUEST_ID_PREFIX = randomBytes(6).toString('hex');
let requestCount = 0;
export function nextRequestId(): string {
  return `${REQUEST_ID_PREFIX}-${(++requestCount).toString(36)}`;
}

function answerHandlerFailure(res: GatewayResponse, err: unknown, logger: Logger): void {
  const requestId = res.requestId;
  logger.error({ requestId, err }, 'request failed');
  if (!res.headersSent) sendJson(res, 500, { errors: [{ message: 'internal error', extensions: { code: 'INTERNAL_SERVER_ERROR', requestId } }] });
  else res.end();
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
