import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ExecutionResult } from 'graphql';
import { readBody, sendJson, BodyTooLargeError } from '../../../shared/http/apolloHandler.ts';
import { LiveSubscription } from './LiveSubscription.ts';
import type { LiveHub } from './LiveHub.ts';

const MAX_BODY_BYTES = 64 * 1024;
/** A comment line this often keeps proxies from closing a quiet stream (graphql-sse's client ignores it). */
export const HEARTBEAT_MS = 12_000;
/** After a slow consumer's last payload, the connection is cut this long after, read or not. */
export const OVERFLOW_GRACE_MS = 1000;

/**
 * GET and POST /graphql/stream: GraphQL over Server-Sent Events, the "distinct connections" mode of the
 * graphql-sse protocol (its client works as is; so does curl or EventSource with GET). Written here rather
 * than with graphql-sse's createHandler, which sends no event ids and queues without bound for a client
 * that does not read (docs/live-prices.md#why-our-own-sse-handler). Every `next` event has `id:` = the
 * gateway cursor after that change; a reconnecting client sends it back as Last-Event-ID and resumes
 * exactly after it. Writes wait for `drain`, so a client that does not read holds its subscription's
 * queue, which is bounded (LIVE_MAX_QUEUED_EVENTS): past it the stream is ended with the reason.
 */
export function sseHandler(hub: LiveHub): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  return async (req, res) => {
    if (req.method !== 'GET' && req.method !== 'POST')
      return sendJson(res, 405, { errors: [{ message: `/graphql/stream takes GET or POST, not ${req.method}` }] }, { allow: 'GET, POST' });
    const params = await readParams(req);
    if (typeof params === 'string')
      return sendJson(res, params.startsWith('body:') && params.includes('larger') ? 413 : 400, { errors: [{ message: params }] });
    const lastEventId = req.headers['last-event-id'];
    let overflowed: string | null = null;
    const opened = await hub.subscribe({
      ...params,
      resumeAfter: typeof lastEventId === 'string' && lastEventId.length > 0 ? lastEventId : null,
      onOverflow: (reason) => {
        overflowed = reason;
        // The reason goes last on the stream; a client that reads nothing is cut off all the same.
        if (!res.writableEnded)
          res.end(
            `event: next\ndata: ${JSON.stringify({ errors: [{ message: reason, extensions: { code: 'SLOW_CONSUMER' } }] })}\n\nevent: complete\ndata: \n\n`,
          );
        // The socket itself: once the response ends, a keep-alive connection would otherwise stay open.
        const socket = res.socket;
        setTimeout(() => socket?.destroy(), OVERFLOW_GRACE_MS).unref();
      },
    });
    if (!(opened instanceof LiveSubscription)) return sendJson(res, 400, { errors: (opened as ExecutionResult).errors?.map((e) => e.toJSON()) });
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    res.write(':\n\n');
    const heartbeat = setInterval(() => res.writableEnded || res.write(':\n\n'), HEARTBEAT_MS);
    heartbeat.unref();
    const closed = new Promise<void>((resolve) => res.once('close', resolve));
    void closed.then(() => opened.return());
    let corked = false;
    try {
      for (;;) {
        const delivery = await opened.nextDelivery();
        if (!delivery || res.writableEnded || res.destroyed) break;
        // Frames ready in the same tick (a pull's changes) leave in one write to the socket, not one each.
        if (!corked) {
          corked = true;
          res.cork();
          process.nextTick(() => {
            corked = false;
            res.uncork();
          });
        }
        const written = res.write(sseFrame(delivery.result, delivery.cursor));
        if (!written) await Promise.race([new Promise((resolve) => res.once('drain', resolve)), closed]);
      }
      if (!overflowed && !res.writableEnded) res.end('event: complete\ndata: \n\n');
    } finally {
      clearInterval(heartbeat);
      await opened.return();
    }
  };
}

/** The last frame built for each shared payload: subscribers of one selection get the same cursor for a change from the feed. */
const frames = new WeakMap<ExecutionResult, { cursor: string | null; frame: string }>();

/**
 * The `next` event of a payload and its cursor, serialised once for every subscriber that shares them:
 * a thousand subscribers of one change cost one JSON.stringify, not a thousand.
 */
export function sseFrame(result: ExecutionResult, cursor: string | null): string {
  const last = frames.get(result);
  if (last && last.cursor === cursor) return last.frame;
  const body = cursor ? { ...result, extensions: { ...result.extensions, cursor } } : result;
  const frame = `event: next\n${cursor ? `id: ${cursor}\n` : ''}data: ${JSON.stringify(body)}\n\n`;
  frames.set(result, { cursor, frame });
  return frame;
}

type Params = { query: string; variables?: Record<string, unknown> | null; operationName?: string | null };

/** The GraphQL request from a POST body (JSON) or GET parameters, or a sentence naming what is wrong. */
async function readParams(req: IncomingMessage): Promise<Params | string> {
  let raw: Record<string, unknown>;
  if (req.method === 'GET') {
    const url = new URL(req.url ?? '/', 'http://localhost');
    raw = { query: url.searchParams.get('query'), operationName: url.searchParams.get('operationName') };
    const variables = url.searchParams.get('variables');
    if (variables) {
      try {
        raw.variables = JSON.parse(variables);
      } catch {
        return 'variables: must be JSON (a URL-encoded object)';
      }
    }
  } else {
    try {
      raw = JSON.parse(await readBody(req, MAX_BODY_BYTES)) as Record<string, unknown>;
    } catch (err) {
      if (err instanceof BodyTooLargeError) return `body: larger than ${MAX_BODY_BYTES} bytes`;
      return 'body: must be JSON: { "query": "subscription { ... }", "variables": { ... } }';
    }
  }
  if (raw === null || typeof raw !== 'object') return 'body: must be a JSON object';
  if (typeof raw.query !== 'string' || raw.query.length === 0) return 'query: must be a GraphQL document (a subscription)';
  const variables = raw.variables ?? null;
  if (variables !== null && (typeof variables !== 'object' || Array.isArray(variables))) return 'variables: must be an object';
  const operationName = raw.operationName ?? null;
  if (operationName !== null && typeof operationName !== 'string') return 'operationName: must be a string';
  return { query: raw.query, variables: variables as Record<string, unknown> | null, operationName: operationName as string | null };
}
