import type { IncomingMessage, ServerResponse } from 'node:http';
import { invalid } from '../../../shared/config/configReader.ts';
import { sendJson } from '../../../shared/http/apolloHandler.ts';
import { sendNoRoute, type RoutePolicy } from './routeTable.ts';

/** CORS_ORIGINS: every origin (`*`), or only the origins listed (`https://app.example.com`, scheme, host and port). */
export type CorsOrigins = '*' | readonly string[];

export interface CorsOptions {
  /** Default `*`. No credentials either way: the public API has no cookies to send. */
  origins?: CorsOrigins;
  /** How long a browser may reuse a preflight's answer. Default 600 (Chromium caps it at 7200). */
  maxAgeSeconds?: number;
}

export const DEFAULT_CORS_MAX_AGE_SECONDS = 600;
export const CORS_ALLOWED_METHODS = ['GET', 'POST', 'OPTIONS'] as const;
/**
 * The request headers a client of the public API sends: JSON bodies, an API key or bearer token (never
 * cookies), Apollo's CSRF-prevention headers, W3C trace context, and its own request id.
 */
export const CORS_ALLOWED_HEADERS = [
  'content-type',
  'accept',
  'authorization',
  'x-api-key',
  'apollo-require-preflight',
  'x-apollo-operation-name',
  'apollographql-client-name',
  'apollographql-client-version',
  'traceparent',
  'tracestate',
  'x-request-id',
] as const;
/** Response headers a browser script may read besides the safelisted ones (content-type and the like). */
export const CORS_EXPOSED_HEADERS = [
  'x-request-id',
  'x-response-cache',
  'etag',
  'retry-after',
  'ratelimit',
  'ratelimit-policy',
  'ratelimit-limit',
  'ratelimit-remaining',
  'ratelimit-reset',
  // The exports name the exchanges a partial=1 export went on without (docs/exports.md).
  'x-missing-exchanges',
  'content-disposition',
] as const;

const ORIGINS_RULE = 'be * or a comma-separated list of origins (scheme://host[:port], no path), like https://app.example.com';

/** Reads CORS_ORIGINS: `*`, or origins, each normalised as browsers send it (lowercase host, no default port). */
export function parseCorsOrigins(text: string): CorsOrigins {
  const entries = text
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
  if (entries.length === 1 && entries[0] === '*') return '*';
  if (entries.length === 0) throw invalid('CORS_ORIGINS', ORIGINS_RULE, text);
  return entries.map((entry) => {
    let origin: string | undefined;
    try {
      const url = new URL(entry);
      const bare = url.pathname === '/' && !url.search && !url.hash && !url.username && !url.password && !entry.endsWith('#');
      if ((url.protocol === 'http:' || url.protocol === 'https:') && bare) origin = url.origin;
    } catch {
      origin = undefined;
    }
    if (!origin) throw invalid('CORS_ORIGINS', ORIGINS_RULE, entry);
    return origin;
  });
}

function allowedOrigin(origins: CorsOrigins, origin: string | undefined): string | null {
  if (origins === '*') return '*';
  return origin !== undefined && origins.includes(origin) ? origin : null;
}

/** Adds `value` to the response's Vary header, keeping what a handler or an earlier policy put there. */
function addVary(res: ServerResponse, value: string): void {
  const current = res.getHeader('vary');
  const listed = String(current ?? '')
    .split(',')
    .map((v) => v.trim())
    .filter(Boolean);
  if (!listed.some((v) => v.toLowerCase() === value.toLowerCase())) res.setHeader('vary', [...listed, value].join(', '));
}

/**
 * The CORS policy of the public routes. Every response gets Access-Control-Allow-Origin (`*`, or the
 * caller's origin when it is listed, with `Vary: Origin` so a shared cache keeps the answers apart); an
 * origin that is not listed gets none, and its browser keeps the answer from the page. An OPTIONS request
 * (a preflight) is answered here, 204, and never reaches Apollo Server: its CSRF prevention refused it
 * (400), which is what kept every cross-origin JSON POST out. That prevention stays on for everything
 * else: a form post or a GET without a preflight header is still refused by Apollo, whatever the origin.
 */
export function corsPolicy(options: CorsOptions = {}): RoutePolicy {
  const origins = options.origins ?? '*';
  const preflightHeaders = {
    'access-control-allow-methods': CORS_ALLOWED_METHODS.join(', '),
    'access-control-allow-headers': CORS_ALLOWED_HEADERS.join(', '),
    'access-control-max-age': String(options.maxAgeSeconds ?? DEFAULT_CORS_MAX_AGE_SECONDS),
  };
  const exposedHeaders = CORS_EXPOSED_HEADERS.join(', ');
  return (req: IncomingMessage, res: ServerResponse) => {
    const origin = req.headers.origin;
    const allowed = allowedOrigin(origins, origin);
    if (origins !== '*') addVary(res, 'Origin');
    if (allowed) {
      res.setHeader('access-control-allow-origin', allowed);
      res.setHeader('access-control-expose-headers', exposedHeaders);
    }
    if (req.method !== 'OPTIONS') return true;
    if (origin !== undefined && !allowed) {
      sendJson(res, 403, { error: `origin ${origin} may not call this API from a browser: it is not in CORS_ORIGINS` });
      return false;
    }
    res.writeHead(204, preflightHeaders);
    res.end();
    return false;
  };
}

/**
 * The admin API answers no preflight: OPTIONS is not one of its routes (404, as without the admin token).
 * That is enough to keep browsers on other origins out: every admin call carries an Authorization header,
 * which a browser sends cross-origin only after a preflight that succeeded, and no admin response carries
 * Access-Control-Allow-Origin.
 */
export const refusePreflight: RoutePolicy = (req, res) => {
  if (req.method !== 'OPTIONS') return true;
  sendNoRoute(req, res, new URL(req.url ?? '/', 'http://localhost').pathname);
  return false;
};
