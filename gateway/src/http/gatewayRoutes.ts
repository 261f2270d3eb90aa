import type { IncomingMessage, ServerResponse } from 'node:http';
import { sendJson } from '../../../shared/http/apolloHandler.ts';
import type { Logger } from '../logger.ts';
import type { GatewayMetrics } from '../metrics.ts';
import type { Cache } from '../cache/Cache.ts';
import type { CatalogVersions } from '../cache/CatalogVersions.ts';
import type { ExchangeDirectory } from '../directory/ExchangeDirectory.ts';
import type { ExchangeRegistry } from '../registry/ExchangeRegistry.ts';
import type { ExchangeTokens } from '../registry/ExchangeTokens.ts';
import type { ApiKeys } from '../registry/ApiKeys.ts';
import type { Durability } from '../cache/redisDurability.ts';
import { AdminFailureLimit } from './adminFailureLimit.ts';
import type { PublicRateLimits } from './rateLimits.ts';
import { adminApi } from './admin.ts';
import { healthReport } from './health.ts';
import { ASSET_PATH_PREFIX, isBrowserPageRequest, landingPageHtml, serveAsset } from './landingPage.ts';
import { routeTable, sendNoRoute, type Route } from './routeTable.ts';
import { corsPolicy, refusePreflight, type CorsOrigins } from './cors.ts';
import { sendSchemaDocument, type SchemaDocument } from './schemaDocument.ts';
import { webApp, WEB_APP_PREFIX } from './webApp.ts';

export interface GatewayRouteParts {
  /** POST and GET /graphql (server/graphqlHandler.ts). */
  graphql: (req: IncomingMessage, res: ServerResponse) => Promise<void>;
  /** GET and POST /graphql/stream: subscriptions over Server-Sent Events (live/sseHandler.ts). */
  liveStream?: (req: IncomingMessage, res: ServerResponse) => Promise<void>;
  /** GET /schema.graphql: the public schema now served (server/PublicSchema.ts); null before the first load. */
  schemaDocument: () => SchemaDocument | null;
  /** CORS_ORIGINS, default `*`: the origins whose pages may read the public routes' answers. */
  corsOrigins?: CorsOrigins;
  /** GATEWAY_ADMIN_TOKEN; without it every /admin path answers 404. */
  adminToken?: string;
  directory: ExchangeDirectory;
  versions: CatalogVersions;
  registry: ExchangeRegistry;
  tokens: ExchangeTokens;
  apiKeys: ApiKeys;
  /** The public routes' rate limits; absent when RATE_LIMIT_DISABLED. */
  rateLimits?: PublicRateLimits;
  /** RATE_LIMIT_KEY_COST_PER_MIN, ADMIN_AUTH_FAILURES_PER_MIN, TRUST_PROXY_HOPS. */
  limits: { keyCostPerMin: number; adminAuthFailuresPerMin: number; trustProxyHops: number };
  /** What /health says of the Redis's durability (cache/redisDurability.ts). */
  durability: () => Durability;
  cache: Cache;
  metrics: GatewayMetrics;
  logger: Logger;
  /** GET /export/... (gateway/src/exports/exportRoutes.ts), public. */
  exportRoutes?: Route[];
}

/**
 * Every path the gateway serves, public and admin, in the order they are tried, with the policies of each
 * access kind; a route is one line here.
 */
export function gatewayRoutes(parts: GatewayRouteParts): (req: IncomingMessage, res: ServerResponse, path: string) => void | Promise<void> {
  const { directory, versions, registry, tokens, logger } = parts;
  const failureLimit = new AdminFailureLimit(parts.cache, {
    failuresPerMin: parts.limits.adminAuthFailuresPerMin,
    trustProxyHops: parts.limits.trustProxyHops,
  });
  const admin = adminApi({
    adminToken: parts.adminToken,
    directory,
    versions,
    registry,
    tokens,
    apiKeys: parts.apiKeys,
    keyCostPerMin: parts.limits.keyCostPerMin,
    failureLimit,
    logger,
  });
  const app = webApp();
  const routes: Route[] = [
    { method: 'GET', path: '/', access: 'public', handle: (req, res) => app.sendPage(req, res) },
    {
      method: 'GET',
      path: `${WEB_APP_PREFIX}*`,
      access: 'public',
      handle: (req, res, { path }) => (app.serveAsset(path, res) ? undefined : sendNoRoute(req, res, path)),
    },
    { method: 'GET', path: '/graphql', access: 'public', accepts: isBrowserPageRequest, handle: sendLandingPage },
    { method: '*', path: '/graphql', access: 'public', cost: 'computed', handle: (req, res) => parts.graphql(req, res) },
    ...(parts.liveStream ? [{ method: '*', path: '/graphql/stream', access: 'public' as const, handle: parts.liveStream }] : []),
    {
      method: 'GET',
      path: `${ASSET_PATH_PREFIX}*`,
      access: 'public',
      cost: 0,
      handle: (req, res, { path }) => (serveAsset(path, res) ? undefined : sendNoRoute(req, res, path)),
    },
    { method: 'GET', path: '/schema.graphql', access: 'public', handle: (req, res) => sendSchemaDocument(req, res, parts.schemaDocument()) },
    { method: 'GET', path: '/health', access: 'public', handle: (_req, res) => sendJson(res, 200, healthReport(directory, parts.cache, parts.durability())) },
    { method: 'GET', path: '/metrics', access: 'public', handle: (_req, res) => sendMetrics(res, parts.metrics) },
    ...(parts.exportRoutes ?? []),
    ...admin.routes,
  ];
  // Rate limits after CORS, so a refused origin or a preflight spends nothing.
  const publicPolicies = [corsPolicy({ origins: parts.corsOrigins }), ...(parts.rateLimits ? [parts.rateLimits.policy] : [])];
  return routeTable(routes, { policies: { public: publicPolicies, admin: [refusePreflight, admin.authenticate] } });
}

/** GraphiQL, for a browser that opens /graphql. */
function sendLandingPage(_req: IncomingMessage, res: ServerResponse): void {
  res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
  res.end(landingPageHtml());
}

async function sendMetrics(res: ServerResponse, metrics: GatewayMetrics): Promise<void> {
  const text = await metrics.registry.metrics();
  res.writeHead(200, { 'content-type': metrics.registry.contentType });
  res.end(text);
}
