import { isIP } from 'node:net';
import { Agent, request } from 'undici';
import { CATALOG_VERSION_HEADER } from '../../../shared/headers.ts';
import { hostOf, mustResolveToLoopback, type HostAllowlist } from './hostAllowlist.ts';
import { connectLookup, type ResolveHost } from './guardedLookup.ts';
import { readCappedBody } from './readCappedBody.ts';
import { clean, connectionWords, shortJson } from './connectionWords.ts';

/** Default time allowed for one registration call (SDL fetch or probe), whole call. */
export const DEFAULT_CHECK_TIMEOUT_MS = 3000;

export interface ExchangeCallOptions {
  /** The whole call: connect, answer and body. Default DEFAULT_CHECK_TIMEOUT_MS (3000). */
  timeoutMs?: number;
  /** Largest answer read, in bytes; a larger one is a problem. */
  maxBytes?: number;
  /**
   * When given, the address rule of this allowlist (see checkResolvedAddresses) is applied again to the
   * addresses the connection actually uses, so DNS cannot change its answer between check and call.
   */
  allowlist?: HostAllowlist;
  /** Host resolution for the connection (tests). Default: the system resolver, like dns.lookup. */
  resolve?: ResolveHost;
}

export type PostAnswer = { ok: true; json: unknown; catalogVersion: string | null } | { ok: false; problem: string };

/**
 * One POST of a GraphQL query, through an agent of its own (destroyed after the call, so a hung
 * connection never outlives it): no redirects followed (undici's `request` has no redirect interceptor
 * unless one is composed in), the answer cut off at maxBytes, a signal on the whole call.
 */
export async function postGraphQLOnce(
  url: URL,
  query: string,
  options: ExchangeCallOptions & { maxBytes: number; tooLarge?: string },
  variables?: Record<string, unknown>,
): Promise<PostAnswer> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_CHECK_TIMEOUT_MS;
  const host = hostOf(url);
  const guarded = options.allowlist && isIP(host) === 0 && mustResolveToLoopback(host, options.allowlist);
  const agent = new Agent({
    connections: 1,
    ...(guarded || options.resolve ? { connect: { lookup: connectLookup(options.allowlist, options.resolve) } } : {}),
  });
  const signal = AbortSignal.timeout(timeoutMs);
  try {
    const response = await request(url, {
      dispatcher: agent,
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify(variables ? { query, variables } : { query }),
      signal,
    });
    const status = response.statusCode;
    if (status >= 300 && status < 400) {
      discard(response.body);
      return { ok: false, problem: redirectProblem(status, response.headers.location, url) };
    }
    const declared = Number(response.headers['content-length']);
    const text = declared > options.maxBytes ? null : await readCappedBody(response.body, options.maxBytes);
    if (text === null) {
      discard(response.body);
      return { ok: false, problem: options.tooLarge ?? `url: answer larger than ${options.maxBytes} bytes` };
    }
    const version = response.headers[CATALOG_VERSION_HEADER];
    const catalogVersion = (Array.isArray(version) ? version[0] : version) ?? null;
    return interpretAnswer(status, String(response.headers['content-type'] ?? ''), text, catalogVersion);
  } catch (err) {
    if (signal.aborted) return { ok: false, problem: `url: no answer within ${timeoutMs} ms` };
    return { ok: false, problem: `url: ${connectionWords(err, host)}` };
  } finally {
    await agent.destroy().catch(() => undefined);
  }
}

function interpretAnswer(status: number, contentType: string, text: string, catalogVersion: string | null): PostAnswer {
  let json: any;
  try {
    json = JSON.parse(text);
  } catch {
    if (status < 200 || status >= 300) return { ok: false, problem: `url: answered HTTP ${status}, not a GraphQL response` };
    return { ok: false, problem: `url: answer is not JSON (content-type ${JSON.stringify(contentType || 'none')})` };
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json) || (!('data' in json) && !('errors' in json))) {
    return { ok: false, problem: `url: answered HTTP ${status} with JSON that is not a GraphQL response (no data, no errors)` };
  }
  if (Array.isArray(json.errors) && json.errors.length > 0) {
    const messages = json.errors.slice(0, 3).map((e: any) => clean(String(e?.message ?? shortJson(e)), 300));
    const more = json.errors.length > 3 ? ` (and ${json.errors.length - 3} more)` : '';
    return { ok: false, problem: `url: answered GraphQL errors: ${messages.join('; ')}${more}` };
  }
  if (status < 200 || status >= 300) return { ok: false, problem: `url: answered HTTP ${status}` };
  return { ok: true, json, catalogVersion };
}

function redirectProblem(status: number, location: string | string[] | undefined, base: URL): string {
  const target = Array.isArray(location) ? location[0] : location;
  if (!target) return `url: answered a redirect (${status}) without a location; redirects are not followed`;
  let shown: string;
  try {
    shown = new URL(target, base).href;
  } catch {
    shown = clean(target, 300);
  }
  return `url: answered a redirect (${status}) to ${shown}; redirects are not followed`;
}

/** Drops an answer's body; destroying it unread emits an abort error that nobody needs to hear. */
function discard(body: { on(event: 'error', listener: () => void): unknown; destroy(): unknown }): void {
  body.on('error', () => undefined);
  body.destroy();
}
