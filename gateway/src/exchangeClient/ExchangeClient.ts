import { isIP } from 'node:net';
import { Pool } from 'undici';
import { CATALOG_VERSION_HEADER } from '../../../shared/headers.ts';
import type { HostAllowlist } from './hostAllowlist.ts';
import { ADDRESS_REFUSED, connectLookup, type ResolveHost } from './guardedLookup.ts';
import { readCappedBody } from './readCappedBody.ts';
import { exchangeFailure, rootCause, type ExchangeFailure } from './exchangeErrors.ts';
import { annotateSpan, withTraceHeaders } from '../../../shared/tracing/tracing.ts';

export interface ExchangeClientOptions {
  exchange: string;
  /** The exchange's GraphQL endpoint, e.g. http://127.0.0.1:4011/graphql. */
  url: string;
  /** Whole-call limit. Default 2000 (EXCHANGE_TIMEOUT_MS). */
  timeoutMs?: number;
  /** Largest answer accepted, in bytes; a larger one is cut off and counts as a bad response. Default 32 MiB. */
  maxResponseBytes?: number;
  /**
   * Keep-alive connections to this exchange, at most (EXCHANGE_POOL_CONNECTIONS). Default 8: with 48
   * exchanges that is at most 384 sockets, and calls past the cap queue in the pool (docs/scale-out.md).
   */
  connections?: number;
  /**
   * The allow-list the URL was checked against at registration. When given, its address rule is applied
   * again to the addresses each new connection of the pool resolves to (DNS rebinding: a name checked
   * at registration may resolve elsewhere later, and a long-lived pool resolves it again at every
   * connect). A refused connection is EXCHANGE_UNAVAILABLE. Default: none (the URL is not checked).
   */
  allowlist?: HostAllowlist;
  /** Host resolution for the pool's connections. Default: the system resolver (dns.lookup). Tests only. */
  resolve?: ResolveHost;
  /** Where a connection refused by the address rule is reported (once per refusal). Default: none. */
  logger?: { warn(fields: Record<string, unknown>, message: string): void };
}

export const DEFAULT_EXCHANGE_TIMEOUT_MS = 2000;
export const DEFAULT_EXCHANGE_CONNECTIONS = 8;
const STALE_CONNECTION_CODES = new Set(['UND_ERR_SOCKET', 'ECONNRESET', 'EPIPE']);
export const DEFAULT_MAX_RESPONSE_BYTES = 32 * 1024 * 1024;

export interface ExchangeAnswer {
  ok: true;
  exchange: string;
  data: Record<string, any> | null;
  errors?: Array<{ message: string; path?: Array<string | number>; extensions?: Record<string, any> }>;
  catalogVersion: string | null;
  latencyMs: number;
  cacheControl: string | null;
  /** When the request was sent (ms since epoch): a version reported by an older request never wins. */
  sentAt?: number;
  /** Served by a cache, not by the exchange just now: says nothing about the exchange's health. */
  fromCache?: boolean;
  /** A copy of the answer to another request's identical call (single flight): that call was observed already. */
  shared?: boolean;
}

export type ExchangeResult = ExchangeAnswer | ExchangeFailure;

/**
 * A fan-out sends one body object to every exchange: its JSON text is made once and shared (bodies are
 * never changed after they are built).
 */
const payloads = new WeakMap<GraphQLRequestBody, string>();
export function payloadOf(body: GraphQLRequestBody): string {
  let payload = payloads.get(body);
  if (payload === undefined) payloads.set(body, (payload = JSON.stringify(body)));
  return payload;
}

export interface GraphQLRequestBody {
  query: string;
  variables?: Record<string, unknown>;
  operationName?: string;
}

/**
 * One exchange over HTTP: a keep-alive pool, a timeout on the whole call, a cap on the answer's size,
 * and every failure turned into an ExchangeFailure value; `send` never throws.
 */
export class ExchangeClient {
  readonly exchange: string;
  readonly url: URL;
  private readonly pool: Pool;
  private readonly timeoutMs: number;
  private readonly maxResponseBytes: number;
  private readonly logger: ExchangeClientOptions['logger'];

  constructor(options: ExchangeClientOptions) {
    this.exchange = options.exchange;
    this.url = new URL(options.url);
    this.timeoutMs = options.timeoutMs ?? DEFAULT_EXCHANGE_TIMEOUT_MS;
    this.maxResponseBytes = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
    this.logger = options.logger;
    // An IP literal is not resolved (and was checked as written); a name is resolved at every connect.
    const lookup =
      (options.allowlist || options.resolve) && isIP(this.url.hostname.replace(/^\[|\]$/g, '')) === 0
        ? connectLookup(options.allowlist, options.resolve)
        : undefined;
    this.pool = new Pool(this.url.origin, {
      connections: options.connections ?? DEFAULT_EXCHANGE_CONNECTIONS,
      pipelining: 1,
      keepAliveTimeout: 30_000,
      ...(lookup ? { connect: { lookup } } : {}),
    });
  }

  async send(body: GraphQLRequestBody, headers: Record<string, string> = {}): Promise<ExchangeResult> {
    const started = performance.now();
    const result = await this.attempt(body, headers, started);
    // A failure took time too (a timeout takes the whole timeout): the latency histogram says so.
    if (!result.ok) result.latencyMs = performance.now() - started;
    return result;
  }

  private async attempt(body: GraphQLRequestBody, headers: Record<string, string>, started: number): Promise<ExchangeResult> {
    const sentAt = Date.now();
    // A timer cleared when the call ends: AbortSignal.timeout would still fire (and build an abort error)
    // timeoutMs after every call, answered or not.
    const controller = new AbortController();
    const timer = setTimeout(
      () => controller.abort(new DOMException(`exchange ${this.exchange} did not answer within ${this.timeoutMs} ms`, 'TimeoutError')),
      this.timeoutMs,
    );
    timer.unref();
    const { signal } = controller;
    const payload = payloadOf(body);
    // The exchange continues the trace of the fetch that sent this call (none while tracing is off).
    const sentHeaders = withTraceHeaders({ 'content-type': 'application/json', accept: 'application/json', ...headers });
    const request = () =>
      this.pool.request({
        path: this.url.pathname + this.url.search,
        method: 'POST',
        headers: sentHeaders,
        body: payload,
        signal,
      });
    try {
      let response;
      try {
        response = await request();
      } catch (err) {
        // A kept-alive connection the exchange (or a proxy) closed just as we reused it: the request never
        // reached it. Queries are reads, so one retry on a fresh connection is safe.
        if (signal.aborted || !STALE_CONNECTION_CODES.has(rootCause(err).code ?? '')) throw err;
        response = await request();
      }
      annotateSpan({ 'http.response.status_code': response.statusCode });
      const text = await readCappedBody(response.body, this.maxResponseBytes);
      const latencyMs = performance.now() - started;
      return this.answerOf(response, text, { latencyMs, sentAt });
    } catch (err) {
      return this.failureOf(err, signal);
    } finally {
      clearTimeout(timer);
    }
  }

  /** The answer read in full (null: past the size cap) as a result: a GraphQL response, or why it is not one. */
  private answerOf(
    response: { statusCode: number; headers: Record<string, string | string[] | undefined> },
    text: string | null,
    timing: { latencyMs: number; sentAt: number },
  ): ExchangeResult {
    if (text === null) {
      return exchangeFailure(this.exchange, 'EXCHANGE_BAD_RESPONSE', `exchange ${this.exchange} answered more than ${this.maxResponseBytes} bytes`);
    }
    if (response.statusCode >= 300 && response.statusCode < 400) {
      // Never followed (undici's pool has no redirect interceptor): a redirect could point the gateway at
      // any host, past the allow-list. Where it pointed goes to the log, not to clients.
      this.logger?.warn(
        { exchange: this.exchange, status: response.statusCode, location: String(response.headers.location ?? '').slice(0, 300) },
        'exchange answered a redirect, not followed',
      );
      return exchangeFailure(
        this.exchange,
        'EXCHANGE_BAD_RESPONSE',
        `exchange ${this.exchange} answered a redirect (HTTP ${response.statusCode}); redirects are not followed`,
      );
    }
    if (response.statusCode >= 500) {
      return exchangeFailure(this.exchange, 'EXCHANGE_UNAVAILABLE', `exchange ${this.exchange} answered HTTP ${response.statusCode}`, text.slice(0, 500));
    }
    let parsed: any;
    try {
      parsed = JSON.parse(text);
    } catch (err) {
      return exchangeFailure(this.exchange, 'EXCHANGE_BAD_RESPONSE', `exchange ${this.exchange} answered something that is not JSON`, err);
    }
    const dataOk = parsed !== null && typeof parsed === 'object' && (parsed.data === null || parsed.data === undefined || typeof parsed.data === 'object');
    const errorsOk = parsed?.errors === undefined || Array.isArray(parsed.errors);
    if (!dataOk || !errorsOk || (parsed.data === undefined && parsed.errors === undefined)) {
      return exchangeFailure(this.exchange, 'EXCHANGE_BAD_RESPONSE', `exchange ${this.exchange} answered JSON that is not a GraphQL response`);
    }
    const version = response.headers[CATALOG_VERSION_HEADER];
    const cacheControl = response.headers['cache-control'];
    return {
      ok: true,
      exchange: this.exchange,
      data: parsed.data ?? null,
      errors: parsed.errors,
      catalogVersion: typeof version === 'string' ? version : null,
      cacheControl: typeof cacheControl === 'string' ? cacheControl : null,
      latencyMs: timing.latencyMs,
      sentAt: timing.sentAt,
    };
  }

  /** A call that got no complete answer: timed out, refused by the allow-list, or the connection failed. */
  private failureOf(err: unknown, signal: AbortSignal): ExchangeResult {
    if (signal.aborted) {
      return exchangeFailure(this.exchange, 'EXCHANGE_TIMEOUT', `exchange ${this.exchange} did not answer within ${this.timeoutMs} ms`, err);
    }
    const cause = rootCause(err);
    if (cause.code === ADDRESS_REFUSED) {
      // The message names addresses: it goes to the log, not to clients.
      this.logger?.warn(
        { exchange: this.exchange, host: this.url.hostname, problem: cause.message },
        'exchange connection refused: its host resolved to an address the allow-list does not allow',
      );
      return exchangeFailure(this.exchange, 'EXCHANGE_UNAVAILABLE', `exchange ${this.exchange} is unavailable (its address is not allowed)`, err);
    }
    return exchangeFailure(this.exchange, 'EXCHANGE_UNAVAILABLE', `exchange ${this.exchange} is unavailable (${cause.code ?? 'connection failed'})`, err);
  }

  async close(): Promise<void> {
    await this.pool.close().catch(() => undefined);
  }
}
