import type { IncomingMessage, ServerResponse } from 'node:http';
import { sendJson } from '../../../shared/http/apolloHandler.ts';
import type { Logger } from '../logger.ts';
import type { GatewayMetrics } from '../metrics.ts';
import type { Cache } from '../cache/Cache.ts';
import type { CatalogVersions } from '../cache/CatalogVersions.ts';
import type { ExchangeDirectory } from '../directory/ExchangeDirectory.ts';
import type { ExchangeRegistry } from '../registry/ExchangeRegistry.ts';
import type { ExchangeTokens } from '../registry/ExchangeTokens.ts';
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
  cache: Cache;
  metrics: GatewayMetrics;
  logger: Logger;
}

/**
 * Every path the gateway serves, public and admin, in the order they are tried, with the policies of each
 * access kind; a route is one line here.
 */
export function gatewayRoutes(parts: GatewayRouteParts): (req: IncomingMessage, res: ServerResponse, path: string) => Promise<void> {
  const { directory, versions, registry, tokens, logger } = parts;
  const admin = adminApi({ adminToken: parts.adminToken, directory, versions, registry, tokens, logger });
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
    { method: '*', path: '/graphql', access: 'public', handle: (req, res) => parts.graphql(req, res) },
    {
      method: 'GET',
      path: `${ASSET_PATH_PREFIX}*`,
      access: 'public',
      handle: (req, res, { path }) => (serveAsset(path, res) ? undefined : sendNoRoute(req, res, path)),
    },
    { method: 'GET', path: '/schema.graphql', access: 'public', handle: (req, res) => sendSchemaDocument(req, res, parts.schemaDocument()) },
    { method: 'GET', path: '/health', access: 'public', handle: (_req, res) => sendJson(res, 200, healthReport(directory, parts.cache)) },
    { method: 'GET', path: '/metrics', access: 'public', handle: (_req, res) => sendMetrics(res, parts.metrics) },
    ...admin.routes,
  ];
  return routeTable(routes, { policies: { public: [corsPolicy({ origins: parts.corsOrigins })], admin: [refusePreflight, admin.authenticate] } });
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
