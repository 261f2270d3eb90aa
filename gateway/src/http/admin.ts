import type { IncomingMessage, ServerResponse } from 'node:http';
import { readBody, sendJson, BodyTooLargeError } from '../../../shared/http/apolloHandler.ts';
import { bearerToken, tokensMatch } from '../../../shared/http/auth.ts';
import { CacheUnavailableError } from '../cache/Cache.ts';
import type { CatalogVersions } from '../cache/CatalogVersions.ts';
import type { ExchangeDirectory } from '../directory/ExchangeDirectory.ts';
import type { ExchangeRegistry } from '../registry/ExchangeRegistry.ts';
import type { ExchangeTokens } from '../registry/ExchangeTokens.ts';
import { parseRegistration, EXCHANGE_ID_RULE } from '../registry/registrationInput.ts';
import type { Logger } from '../logger.ts';

export interface AdminContext {
  /** GATEWAY_ADMIN_TOKEN; when unset every /admin path answers 404. */
  adminToken?: string;
  directory: ExchangeDirectory;
  versions: CatalogVersions;
  registry: ExchangeRegistry;
  tokens: ExchangeTokens;
  logger: Logger;
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/** Who is calling: the operator (GATEWAY_ADMIN_TOKEN) or one exchange (its own token). */
type Actor = { role: 'operator' } | { role: 'exchange'; exchange: string };

const MAX_ADMIN_BODY_BYTES = 16 * 1024;

async function authenticate(req: IncomingMessage, context: AdminContext): Promise<Actor | null> {
  const token = bearerToken(req);
  if (!token) return null;
  if (tokensMatch(token, context.adminToken!)) return { role: 'operator' };
  const exchange = await context.tokens.exchangeOf(token);
  return exchange ? { role: 'exchange', exchange } : null;
}

function mayActOn(actor: Actor, exchange: string): boolean {
  return actor.role === 'operator' || actor.exchange === exchange;
}

async function jsonBody(req: IncomingMessage, res: ServerResponse): Promise<unknown | undefined> {
  try {
    return JSON.parse(await readBody(req, MAX_ADMIN_BODY_BYTES));
  } catch (err) {
    if (err instanceof BodyTooLargeError) sendJson(res, 413, { problems: [`body: larger than ${MAX_ADMIN_BODY_BYTES} bytes`] });
    else sendJson(res, 400, { problems: ['body: must be JSON'] });
    return undefined;
  }
}

function exchangeDetails(context: AdminContext) {
  const served = context.directory.all().map((e) => ({
    ...e.info,
    url: e.url,
    status: e.health.phase.toUpperCase(),
    latencyMs: e.health.latencyMs,
    lastSeenAt: e.health.lastSeenAt?.toISOString() ?? null,
    failuresInRow: e.health.phase === 'online' ? 0 : e.health.failuresInRow,
    catalogVersion: e.catalogVersion,
  }));
  // Stored, but not served by this replica: its URL is off this replica's allow-list.
  const refused = context.registry.refused()
    .filter((r) => !context.directory.get(r.registration.id))
    .map((r) => ({ ...r.registration, status: 'REFUSED', reason: r.reason }));
  return [...served, ...refused].sort((a, b) => (a.id < b.id ? -1 : 1));
}

/**
 * The gateway's admin API. Every path is authenticated: without GATEWAY_ADMIN_TOKEN configured the whole
 * API does not exist (404); a missing or unknown bearer token is 401; an exchange token used for another
 * exchange's id is 403. Operator-only: tokens. Exchanges: register, update, remove, invalidate their own id.
 */
export async function handleAdmin(req: IncomingMessage, res: ServerResponse, path: string, context: AdminContext): Promise<void> {
  if (!context.adminToken) return sendJson(res, 404, { error: 'not found' });
  let actor: Actor | null;
  try {
    actor = await authenticate(req, context);
  } catch (err) {
    if (err instanceof CacheUnavailableError) return sendJson(res, 503, { error: `tokens cannot be checked now: ${err.message}` });
    throw err;
  }
  if (!actor) return sendJson(res, 401, { error: 'missing or unknown bearer token' }, { 'www-authenticate': 'Bearer' });
  const method = req.method ?? 'GET';
  const forbidden = (id: string) => sendJson(res, 403, { error: `this token may act on exchange ${(actor as { exchange: string }).exchange} only, not ${JSON.stringify(id)}` });

  try {
    if (path === '/admin/exchanges' && method === 'GET') return sendJson(res, 200, { exchanges: exchangeDetails(context) });

    if (path === '/admin/exchanges' && method === 'POST') {
      const body = await jsonBody(req, res);
      if (body === undefined) return;
      const parsed = parseRegistration(body);
      if (!parsed.ok) return sendJson(res, 400, { problems: parsed.problems });
      if (!mayActOn(actor, parsed.registration.id)) return forbidden(parsed.registration.id);
      const outcome = await context.registry.register(parsed.registration);
      if (!outcome.ok) return sendJson(res, outcome.status, { problems: outcome.problems });
      return sendJson(res, outcome.created ? 201 : 200, { exchange: outcome.registration, created: outcome.created, catalogVersion: outcome.catalogVersion });
    }

    const exchangePath = /^\/admin\/exchanges\/([^/]+)(\/invalidate)?$/.exec(path);
    if (exchangePath) {
      const id = decodeSegment(exchangePath[1]);
      if (!mayActOn(actor, id)) return forbidden(id);
      const unknown = () => sendJson(res, 404, { error: `exchange ${JSON.stringify(id)} is not registered` });
      if (exchangePath[2] && method === 'POST') {
        if (!context.directory.get(id)) return unknown();
        const epoch = await context.versions.invalidate(id);
        context.logger.info({ exchange: id, epoch }, 'cache invalidated');
        return sendJson(res, 200, { exchange: id, epoch });
      }
      if (!exchangePath[2] && method === 'DELETE') {
        // Known or not is decided in the registry's queue, against the store: a registration made a moment
        // ago on another replica can be removed here before this replica has applied it.
        if (!(await context.registry.remove(id))) return unknown();
        return sendJson(res, 200, { exchange: id, removed: true });
      }
    }

    if (path === '/admin/tokens' && method === 'POST') {
      if (actor.role !== 'operator') return sendJson(res, 403, { error: 'only the operator (GATEWAY_ADMIN_TOKEN) may issue tokens' });
      const body = (await jsonBody(req, res)) as { exchange?: unknown } | undefined;
      if (body === undefined) return;
      if (typeof body?.exchange !== 'string' || !EXCHANGE_ID_RULE.test(body.exchange)) {
        return sendJson(res, 400, { problems: [`exchange: must match ${EXCHANGE_ID_RULE}, got ${JSON.stringify(body?.exchange ?? null)}`] });
      }
      return sendJson(res, 201, { exchange: body.exchange, token: await context.tokens.issue(body.exchange) });
    }

    const tokenPath = /^\/admin\/tokens\/([^/]+)$/.exec(path);
    if (tokenPath && method === 'DELETE') {
      if (actor.role !== 'operator') return sendJson(res, 403, { error: 'only the operator (GATEWAY_ADMIN_TOKEN) may revoke tokens' });
      const exchange = decodeSegment(tokenPath[1]);
      const revoked = await context.tokens.revoke(exchange);
      return sendJson(res, revoked ? 200 : 404, { exchange, revoked });
    }
  } catch (err) {
    if (err instanceof CacheUnavailableError) return sendJson(res, 503, { error: `the registry store is unavailable, nothing changed: ${err.message}` });
    throw err;
  }
  sendJson(res, 404, { error: `no admin route for ${method} ${path}` });
}
