import { isIP } from 'node:net';
import { Agent, request } from 'undici';
import { hostOf, type HostAllowlist } from './hostAllowlist.ts';
import { connectLookup, type ResolveHost } from './guardedLookup.ts';
import { readCappedBody } from './readCappedBody.ts';

export interface GuardedFetchOptions {
  /**
   * The exchange's URL, checked already (registry/urlGuard.ts): only URLs of its origin are fetched, so
   * the caller (the conformance kit) cannot be steered to another host.
   */
  url: URL;
  /** Its address rule is applied again to the addresses each connection resolves to (DNS rebinding). */
  allowlist: HostAllowlist;
  /** Largest answer read, in bytes; a larger one fails the fetch. */
  maxBytes: number;
  /** Host resolution (tests). Default: the system resolver. */
  resolve?: ResolveHost;
}

export interface GuardedFetch {
  fetch: typeof fetch;
  /** Closes the connections; fetches after it fail. */
  close(): Promise<void>;
}

/**
 * A `fetch` for code the gateway does not own that calls an exchange (the conformance kit at
 * registration), with the guards of the gateway's own calls: one origin, the allow-list's address rule at
 * every connect, no redirects (a 3xx fails the fetch, naming where it pointed), and the body cut off at
 * maxBytes. It speaks undici underneath, like every exchange call (see postGraphQLOnce).
 */
export function guardedFetch(options: GuardedFetchOptions): GuardedFetch {
  const host = hostOf(options.url);
  const agent = new Agent({
    connections: 2,
    ...(isIP(host) === 0 ? { connect: { lookup: connectLookup(options.allowlist, options.resolve) } } : {}),
  });
  const guarded = async (input: string | URL | Request, init: RequestInit = {}): Promise<Response> => {
    const target = new URL(typeof input === 'string' || input instanceof URL ? input : input.url);
    if (target.origin !== options.url.origin) {
      throw new Error(`refused: ${target.origin} is not the registered exchange's origin ${options.url.origin}`);
    }
    const response = await request(target, {
      dispatcher: agent,
      method: (init.method ?? 'GET') as 'GET' | 'POST',
      headers: headersOf(init.headers),
      body: typeof init.body === 'string' ? init.body : undefined,
      signal: init.signal ?? undefined,
    });
    const status = response.statusCode;
    if (status >= 300 && status < 400) {
      response.body.on('error', () => undefined);
      response.body.destroy();
      const location = response.headers.location;
      throw new Error(`answered a redirect (${status})${location ? ` to ${String(location).slice(0, 300)}` : ''}; redirects are not followed`);
    }
    const text = Number(response.headers['content-length']) > options.maxBytes ? null : await readCappedBody(response.body, options.maxBytes);
    if (text === null) {
      response.body.on('error', () => undefined);
      response.body.destroy();
      throw new Error(`answer larger than ${options.maxBytes} bytes, the gateway's cap on one answer at registration`);
    }
    const headers = new Headers();
    for (const [name, value] of Object.entries(response.headers)) {
      for (const one of Array.isArray(value) ? value : value === undefined ? [] : [value]) headers.append(name, one);
    }
    return new Response(status === 204 || status === 304 ? null : text, { status, headers });
  };
  return {
    fetch: guarded as typeof fetch,
    close: () => agent.destroy().catch(() => undefined),
  };
}

function headersOf(given: HeadersInit | undefined): Record<string, string> {
  const headers: Record<string, string> = {};
  new Headers(given).forEach((value, name) => {
    headers[name] = value;
  });
  return headers;
}
