import type { IncomingMessage, ServerResponse } from 'node:http';
import { HeaderMap, type ApolloServer, type BaseContext } from '@apollo/server';

export interface ApolloHandlerOptions<TContext extends BaseContext> {
  /** Builds the per-request context (DataLoaders live here). */
  context: (req: IncomingMessage, res: ServerResponse) => Promise<TContext>;
  /** Largest request body accepted, in bytes. Default 1 MiB. */
  maxBodyBytes?: number;
  /**
   * Asked first with every parsed JSON POST body: an answer (a complete response body and its headers)
   * is sent as it is (status 200 unless it says), without Apollo Server (the gateway's response-cache hits);
   * null goes on to Apollo.
   */
  answerBefore?: (req: IncomingMessage, body: unknown) => Promise<{ status?: number; body: string; headers: Record<string, string> } | null>;
  /** Asked first with every parsed JSON POST body: a refusal is sent as it is (a batch, a malformed field). */
  refuse?: (body: unknown) => { status: number; body: unknown } | null;
  /** The status sent with a complete answer, given Apollo's (default: Apollo's). */
  statusOf?: (req: IncomingMessage, status: number, bodyText: string) => number;
}

export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;

/** Thrown by readBody when the body is larger than allowed. */
export class BodyTooLargeError extends Error {
  constructor(readonly limitBytes: number) {
    super(`request body is larger than ${limitBytes} bytes`);
  }
}

/** Reads the whole body (events, not `for await`: its async iterator costs more than a small body's read). */
export function readBody(req: IncomingMessage, maxBytes = DEFAULT_MAX_BODY_BYTES): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= maxBytes) return void chunks.push(chunk);
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      // Nothing more is read; the socket stays open long enough to carry the 413 (sent with `connection:
      // close`, so Node closes it after the answer). Destroying the request here would cut the answer off.
      req.pause();
      reject(new BodyTooLargeError(maxBytes));
    };
    const onEnd = () => {
      req.off('error', onError);
      resolve(chunks.length === 1 ? chunks[0].toString('utf8') : Buffer.concat(chunks).toString('utf8'));
    };
    const onError = (err: Error) => {
      req.off('data', onData);
      req.off('end', onEnd);
      reject(err);
    };
    req.on('data', onData);
    req.once('end', onEnd);
    req.once('error', onError);
  });
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

/**
 * Serves one Apollo Server on a plain node:http request, without Express: the request is turned into
 * Apollo's HTTPGraphQLRequest and the answer written back, chunked or not.
 */
export function apolloHandler<TContext extends BaseContext>(
  server: ApolloServer<TContext>,
  options: ApolloHandlerOptions<TContext>,
): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  return async (req, res) => {
    let bodyText: string;
    try {
      bodyText = req.method === 'POST' ? await readBody(req, maxBodyBytes) : '';
    } catch (err) {
      if (err instanceof BodyTooLargeError) {
        sendJson(res, 413, { errors: [{ message: err.message, extensions: { code: 'PAYLOAD_TOO_LARGE' } }] }, { connection: 'close' });
        return;
      }
      throw err;
    }
    let body: unknown = bodyText;
    if (bodyText && (req.headers['content-type'] ?? '').includes('application/json')) {
      try {
        body = JSON.parse(bodyText);
      } catch {
        sendJson(res, 400, { errors: [{ message: 'request body is not valid JSON', extensions: { code: 'BAD_REQUEST' } }] });
        return;
      }
    }
    const refused = options.refuse?.(body);
    if (refused) {
      sendJson(res, refused.status, refused.body);
      return;
    }
    if (options.answerBefore && typeof body === 'object' && body !== null) {
      const answer = await options.answerBefore(req, body);
      if (answer) {
        res.writeHead(answer.status ?? 200, { 'content-length': Buffer.byteLength(answer.body), ...answer.headers });
        res.end(answer.body);
        return;
      }
    }
    const headers = new HeaderMap();
    for (const [key, value] of Object.entries(req.headers)) {
      if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(', ') : value);
    }
    const url = new URL(req.url ?? '/', 'http://localhost');
    const response = await server.executeHTTPGraphQLRequest({
      httpGraphQLRequest: { method: (req.method ?? 'GET').toUpperCase(), headers, search: url.search, body },
      context: () => options.context(req, res),
    });
    const outHeaders: Record<string, string> = {};
    for (const [key, value] of response.headers) outHeaders[key] = value;
    res.statusCode = response.status ?? 200;
    for (const [key, value] of Object.entries(outHeaders)) res.setHeader(key, value);
    if (response.body.kind === 'complete') {
      const text = response.body.string;
      if (options.statusOf) res.statusCode = options.statusOf(req, res.statusCode, text);
      // With its length known the answer goes out in one write, headers included (not chunked).
      res.setHeader('content-length', Buffer.byteLength(text));
      res.end(text);
      return;
    }
    for await (const chunk of response.body.asyncIterator) res.write(chunk);
    res.end();
  };
}
