import type { IncomingMessage, ServerResponse } from 'node:http';
import { sendJson } from '../../../shared/http/apolloHandler.ts';

/**
 * Who a route is for. `public`: open to anyone (the API, its pages, /health, /metrics); policies for
 * strangers (CORS, public rate limits) attach here. `admin`: the admin API, behind the operator's and the
 * exchanges' tokens; its authentication is the policy of this kind.
 */
export type RouteAccess = 'public' | 'admin';

/** The request's path, and the values of the route's `:name` segments (percent-decoded). */
export interface RouteMatch {
  path: string;
  params: Record<string, string>;
}

export type RouteHandler = (req: IncomingMessage, res: ServerResponse, match: RouteMatch) => void | Promise<void>;

export interface Route {
  /** An HTTP method, or '*' for any. */
  method: string;
  /**
   * '/health' matches that path only; '/admin/exchanges/:id' matches one non-empty segment in the place of
   * `:id`; '/admin/*' matches /admin and every path under it.
   */
  path: string;
  access: RouteAccess;
  /**
   * What a request spends of its client's rate-limit budget (public routes): a fixed number of query-cost
   * units (default DEFAULT_ROUTE_COST in rateLimits.ts; 0 for static assets), or 'computed' when the handler
   * spends the cost it computes (GraphQL: the query's cost).
   */
  cost?: number | 'computed';
  /** When given, a request it refuses goes on to the later routes (e.g. only browsers get the page). */
  accepts?: (req: IncomingMessage) => boolean;
  handle: RouteHandler;
}

/**
 * Runs before the handler of every route of one access kind. It answers false when it has sent the
 * response itself (no credentials, a refused origin, a preflight, a rate limit); the handler then does not run.
 */
export type RoutePolicy = (req: IncomingMessage, res: ServerResponse, route?: Route) => boolean | Promise<boolean>;

export interface RouteTableOptions {
  policies?: Partial<Record<RouteAccess, RoutePolicy[]>>;
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/** The route's parameters when it matches the path, else null; made once per route, not per request. */
type PathMatcher = (path: string) => Record<string, string> | null;

function pathMatcher(pattern: string): PathMatcher {
  if (pattern.endsWith('/*')) {
    const base = pattern.slice(0, -2);
    const under = `${base}/`;
    return (path) => (path === base || path.startsWith(under) ? {} : null);
  }
  const wanted = pattern.split('/');
  if (!wanted.some((part) => part.startsWith(':'))) return (path) => (path === pattern ? {} : null);
  return (path) => {
    const given = path.split('/');
    if (wanted.length !== given.length) return null;
    const params: Record<string, string> = {};
    for (let index = 0; index < wanted.length; index++) {
      const part = wanted[index];
      if (part.startsWith(':') && given[index] !== '') params[part.slice(1)] = decodeSegment(given[index]);
      else if (part !== given[index]) return null;
    }
    return params;
  };
}

/** The no-route answer, also for a handler whose path has nothing under it (an unknown asset). */
export function sendNoRoute(req: IncomingMessage, res: ServerResponse, path: string): void {
  sendJson(res, 404, { error: `no route for ${req.method} ${path}` });
}

/**
 * Runs `policies` from `from` on: true when every one let the request through. Synchronous while the
 * policies are (CORS, an anonymous client's rate limit): a promise only from the first one that answers
 * with a promise, so a request whose policies decide at once pays no promise for them.
 */
function passPolicies(policies: readonly RoutePolicy[], from: number, req: IncomingMessage, res: ServerResponse, route?: Route): boolean | Promise<boolean> {
  for (let index = from; index < policies.length; index++) {
    const passed = policies[index](req, res, route);
    if (passed === false) return false;
    if (passed !== true) return passed.then((ok) => ok && passPolicies(policies, index + 1, req, res, route));
  }
  return true;
}

/** One dispatcher for every route, in table order: the first that matches and accepts the request answers it. */
export function routeTable(
  routes: readonly Route[],
  options: RouteTableOptions = {},
): (req: IncomingMessage, res: ServerResponse, path: string) => void | Promise<void> {
  const compiled = routes.map((route) => ({ route, match: pathMatcher(route.path), policies: options.policies?.[route.access] ?? [] }));
  return (req, res, path) => {
    const method = req.method ?? 'GET';
    for (const { route, match, policies } of compiled) {
      if (route.method !== '*' && route.method !== method) continue;
      const params = match(path);
      if (!params || !(route.accepts?.(req) ?? true)) continue;
      const passed = passPolicies(policies, 0, req, res, route);
      if (passed === true) return route.handle(req, res, { path, params });
      if (passed === false) return;
      return passed.then((ok) => (ok ? route.handle(req, res, { path, params }) : undefined));
    }
    // A browser's preflight (OPTIONS) on a path whose routes take other methods: the policies of the path's
    // access kind answer it (CORS for public routes), so no route has to list OPTIONS.
    const preflighted = method === 'OPTIONS' ? compiled.find(({ match }) => match(path)) : undefined;
    const passed = preflighted ? passPolicies(preflighted.policies, 0, req, res) : true;
    if (passed === true) return sendNoRoute(req, res, path);
    if (passed === false) return;
    return passed.then((ok) => (ok ? sendNoRoute(req, res, path) : undefined));
  };
}
