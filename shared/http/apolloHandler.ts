import type { IncomingMessage, ServerResponse } from 'node:http';
import { HeaderMap, type ApolloServer, type BaseContext } from '@apollo/server';

export interface ApolloHandlerOptions<TContext extends BaseContext> {
  /** Builds the per-request context (DataLoaders live here). */
  context: (req: IncomingMessage, res: ServerResponse) => Promise<TContext>;
  /** Largest request body accepted, in bytes. Default 1 MiB. */
  maxBodyBytes?: number;
  /**
   * Asked with every JSON POST body that is an object and was not refused: an answer is sent as it is,
   * without Apollo Server (the gateway's response-cache hits); null goes on to Apollo. A body whose exact
   * text came lately is the same object as then (see RememberedBodies), so the callee may keep what it
   * works out from a body in a WeakMap.
   */
  answerBefore?: (req: IncomingMessage, body: object) => EarlyAnswer | null | Promise<EarlyAnswer | null>;
  /** Asked first with every parsed JSON POST body: a refusal is sent as it is (a batch, a malformed field). */
  refuse?: (body: unknown) => { status: number; body: unknown } | null;
  /** Where JSON bodies are remembered for answerBefore (default: one of its own); tests pass one to read its count. */
  rememberedBodies?: RememberedBodies;
  /** The status sent with a complete answer, given Apollo's (default: Apollo's). */
  statusOf?: (req: IncomingMessage, status: number, bodyText: string) => number;
}

/** A complete answer given before Apollo Server. */
export interface EarlyAnswer {
  /** Default 200. */
  status?: number;
  body: Buffer;
  /** Flat name/value pairs, content-length included (one writeHead, no header object built per answer). */
  headers: readonly string[];
}

export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;

/** The JSON text of a body, as a complete answer carries it: bytes and their headers. */
export function jsonAnswer(status: number, body: unknown, headers: readonly string[] = []): EarlyAnswer {
  const bytes = Buffer.from(JSON.stringify(body));
  return { status, body: bytes, headers: ['content-type', 'application/json; charset=utf-8', ...headers, 'content-length', String(bytes.length)] };
}

/** Bodies longer than this are parsed every time (RememberedBodies keeps shorter ones). */
export const REMEMBERED_BODY_MAX_CHARS = 8_192;
/**
 * At most this many bodies, of 1 M characters in all: the repeated bodies of dashboards fit, and a stream
 * of distinct bodies (each parsed once anyway) keeps little alive for the garbage collector.
 */
const REMEMBERED_BODIES_MAX = 1_000;
const REMEMBERED_BODIES_MAX_CHARS = 1024 * 1024;

/**
 * JSON POST bodies lately parsed and not refused, by their exact text: a client that sends the same bytes
 * again (the same query and variables: what a response-cache hit is) gets the same parsed object back
 * without JSON.parse or the shape checks, and the gateway keeps its response key beside that object
 * (issue 13). Only for `answerBefore`: Apollo Server always gets a body of its own, parsed for it, so
 * nothing it does to a body can reach a later request. Oldest first out, bounded by count and characters.
 */
export class RememberedBodies {
  private readonly bodies = new Map<string, object>();
  private chars = 0;
  /** Bodies found here (no parse): tests read it. */
  foundCount = 0;

  constructor(
    private readonly maxChars = REMEMBERED_BODIES_MAX_CHARS,
    private readonly maxBodies = REMEMBERED_BODIES_MAX,
  ) {}

  get(text: string): object | undefined {
    const body = this.bodies.get(text);
    if (body !== undefined) this.foundCount++;
    return body;
  }

  remember(text: string): object {
    const body = JSON.parse(text) as object;
    this.bodies.set(text, body);
    this.chars += text.length;
    for (const oldest of this.bodies.keys()) {
      if (this.chars <= this.maxChars && this.bodies.size <= this.maxBodies) break;
      this.bodies.delete(oldest);
      this.chars -= oldest.length;
    }
    return body;
  }
}

/** Thrown by readBody when the body is larger than allowed. */
export class BodyTooLargeError extends Error {
  constructor(readonly limitBytes: number) {
    super(`request body is larger than ${limitBytes} bytes`);
  }
}

/**
 * Reads the whole body (events, not `for await`: its async iterator costs more than a small body's read).
 * The listeners are unnamed arrows on purpose: tsx names every function held in a variable (a
 * defineProperty per request, seen in the warm path's profile).
 */
export function readBody(req: IncomingMessage, maxBytes = DEFAULT_MAX_BODY_BYTES): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    req.on('data', (chunk: Buffer) => {
      if (settled) return;
      size += chunk.length;
      if (size <= maxBytes) return void chunks.push(chunk);
      settled = true;
      // Nothing more is read; the socket stays open long enough to carry the 413 (sent with `connection:
      // close`, so Node closes it after the answer). Destroying the request here would cut the answer off.
      req.pause();
      reject(new BodyTooLargeError(maxBytes));
    });
    req.once('end', () => {
      if (settled) return;
      settled = true;
      resolve(chunks.length === 1 ? chunks[0].toString('utf8') : Buffer.concat(chunks).toString('utf8'));
    });
    req.once('error', (err: Error) => {
      if (settled) return;
      settled = true;
      reject(err);
    });
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
  const remembered = options.answerBefore ? (options.rememberedBodies ?? new RememberedBodies()) : undefined;
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
    const json = bodyText !== '' && (req.headers['content-type'] ?? '').includes('application/json');
    const known = json && remembered && bodyText.length <= REMEMBERED_BODY_MAX_CHARS ? remembered.get(bodyText) : undefined;
    let body: unknown = bodyText;
    if (known === undefined) {
      if (json) {
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
    }
    if (options.answerBefore && (known !== undefined || (typeof body === 'object' && body !== null))) {
      // Remembered as its own copy (a second parse, once per text): the object Apollo gets is never shared.
      const asked = known ?? (remembered && bodyText.length <= REMEMBERED_BODY_MAX_CHARS ? remembered.remember(bodyText) : (body as object));
      const pending = options.answerBefore(req, asked);
      const answer = pending instanceof Promise ? await pending : pending;
      if (answer) {
        res.writeHead(answer.status ?? 200, answer.headers as string[]);
        res.end(answer.body);
        return;
      }
      if (known !== undefined) body = JSON.parse(bodyText);
    }
    const headers = new HeaderMap();
    const incoming = req.headers;
    for (const key in incoming) {
      const value = incoming[key];
      if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(', ') : value);
    }
    // A URL is parsed only for a target with a query string (a GET's query): none has no search.
    const target = req.url ?? '/';
    const search = target.includes('?') ? new URL(target, 'http://localhost').search : '';
    const response = await server.executeHTTPGraphQLRequest({
      httpGraphQLRequest: { method: (req.method ?? 'GET').toUpperCase(), headers, search, body },
      context: () => options.context(req, res),
    });
    res.statusCode = response.status ?? 200;
    for (const [key, value] of response.headers) res.setHeader(key, value);
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
