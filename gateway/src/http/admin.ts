import type { IncomingMessage, ServerResponse } from 'node:http';
import { sendJson } from '../../../shared/http/apolloHandler.ts';
import { bearerToken, tokensMatch } from '../../../shared/http/auth.ts';
import { CacheUnavailableError } from '../cache/Cache.ts';
import type { CatalogVersions } from '../cache/CatalogVersions.ts';
import type { ExchangeDirectory } from '../directory/ExchangeDirectory.ts';
import type { Logger } from '../logger.ts';

export interface AdminContext {
  /** GATEWAY_ADMIN_TOKEN; when unset every /admin path answers 404. */
  adminToken?: string;
  directory: ExchangeDirectory;
  versions: CatalogVersions;
  logger: Logger;
}

/**
 * The gateway's admin API. Every path is authenticated: without GATEWAY_ADMIN_TOKEN configured the whole
 * API does not exist (404), and a missing or wrong bearer token is 401 before any route is looked at.
 */
export async function handleAdmin(req: IncomingMessage, res: ServerResponse, path: string, context: AdminContext): Promise<void> {
  if (!context.adminToken) return sendJson(res, 404, { error: 'not found' });
  const token = bearerToken(req);
  if (!token || !tokensMatch(token, context.adminToken)) {
    return sendJson(res, 401, { error: 'missing or wrong bearer token' }, { 'www-authenticate': 'Bearer' });
  }
  const invalidate = /^\/admin\/exchanges\/([^/]+)\/invalidate$/.exec(path);
  if (invalidate && req.method === 'POST') {
    const id = decodeURIComponent(invalidate[1]);
    if (!context.directory.get(id)) return sendJson(res, 404, { error: `exchange ${JSON.stringify(id)} is not registered` });
    try {
      const epoch = await context.versions.invalidate(id);
      context.logger.info({ exchange: id, epoch }, 'cache invalidated');
      return sendJson(res, 200, { exchange: id, epoch });
    } catch (err) {
      if (err instanceof CacheUnavailableError) {
        return sendJson(res, 503, { error: `the cache is unavailable, so exchange ${id} could not be invalidated: ${err.message}` });
      }
      throw err;
    }
  }
  sendJson(res, 404, { error: `no admin route for ${req.method} ${path}` });
}
