import type { IncomingMessage, ServerResponse } from 'node:http';
import { sendJson } from '../../../shared/http/apolloHandler.ts';

/**
 * Who a route is for. `public`: the catalog's API and pages, for anyone; policies for strangers (CORS,
 * public rate limits) attach here. `admin`: operators and their tools (/admin with its tokens, /health for
 * load balancers, /metrics for Prometheus); none of the public policies apply.
 */
export type RouteAccess = 'public' | 'admin';

export type RouteHandler = (req: IncomingMessage, res: ServerResponse, path: string) => void | Promise<void>;

export interface Route {
  /** An HTTP method, or '*' for any. */
  method: string;
  /** '/health' matches that path only; '/admin/*' matches /admin and every path under it. */
  path: string;
  access: RouteAccess;
  /** When given, a request it refuses goes on to the later routes (e.g. only browsers get the page). */
  accepts?: (req: IncomingMessage) => boolean;
  handle: RouteHandler;
}

/**
 * Runs before the handler of every route of one access kind. It answers false when it has sent the
 * response itself (a refused origin, a preflight, a rate limit); the handler then does not run.
 */
export type RoutePolicy = (req: IncomingMessage, res: ServerResponse) => boolean | Promise<boolean>;

export interface RouteTableOptions {
  policies?: Partial<Record<RouteAccess, RoutePolicy[]>>;
}

function matches(route: Route, method: string, path: string): boolean {
  if (route.method !== '*' && route.method !== method) return false;
  if (!route.path.endsWith('/*')) return path === route.path;
  const base = route.path.slice(0, -2);
  return path === base || path.startsWith(`${base}/`);
}

/** The no-route answer, also for a handler whose path has nothing under it (an unknown asset). */
export function sendNoRoute(req: IncomingMessage, res: ServerResponse, path: string): void {
  sendJson(res, 404, { error: `no route for ${req.method} ${path}` });
}

/** One dispatcher for every route, in table order: the first that matches and accepts the request answers it. */
export function routeTable(routes: readonly Route[], options: RouteTableOptions = {}): RouteHandler {
  return async (req, res, path) => {
    const method = req.method ?? 'GET';
    const route = routes.find((r) => matches(r, method, path) && (r.accepts?.(req) ?? true));
    if (!route) return sendNoRoute(req, res, path);
    for (const policy of options.policies?.[route.access] ?? []) {
      if (!(await policy(req, res))) return;
    }
    await route.handle(req, res, path);
  };
}
