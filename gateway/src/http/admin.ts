import type { IncomingMessage, ServerResponse } from 'node:http';
import { readBody, sendJson, BodyTooLargeError } from '../../../shared/http/apolloHandler.ts';
import { bearerToken, tokensMatch } from '../../../shared/http/auth.ts';
import { CacheUnavailableError } from '../cache/Cache.ts';
import type { CatalogVersions } from '../cache/CatalogVersions.ts';
import type { ExchangeDirectory } from '../directory/ExchangeDirectory.ts';
import type { ExchangeRegistry, RegistrationOutcome } from '../registry/ExchangeRegistry.ts';
import type { ExchangeTokens } from '../registry/ExchangeTokens.ts';
import type { ApiKeys } from '../registry/ApiKeys.ts';
import type { AdminFailureLimit } from './adminFailureLimit.ts';
import { issueApiKey } from './adminKeys.ts';
import { parseRegistration, EXCHANGE_ID_RULE } from '../registry/registrationInput.ts';
import type { Logger } from '../logger.ts';
import type { Route, RouteMatch, RoutePolicy } from './routeTable.ts';
import { problemOf, sendRefusal, singleProblem, type RefusalCode } from './adminRefusal.ts';

export interface AdminContext {
  /** GATEWAY_ADMIN_TOKEN; when unset every /admin path answers 404. */
  adminToken?: string;
  directory: ExchangeDirectory;
  versions: CatalogVersions;
  registry: ExchangeRegistry;
  tokens: ExchangeTokens;
  /** Researchers' API keys, and the budget a key gets unless its request names one (RATE_LIMIT_KEY_COST_PER_MIN). */
  apiKeys: ApiKeys;
  keyCostPerMin: number;
  /** Failed authentications per IP (ADMIN_AUTH_FAILURES_PER_MIN). */
  failureLimit: AdminFailureLimit;
  logger: Logger;
}

/** Who is calling: the operator (GATEWAY_ADMIN_TOKEN) or one exchange (its own token). */
type Actor = { role: 'operator' } | { role: 'exchange'; exchange: string };

const MAX_ADMIN_BODY_BYTES = 16 * 1024;

async function identify(req: IncomingMessage, context: AdminContext): Promise<Actor | null> {
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
    if (err instanceof BodyTooLargeError)
      sendRefusal(
        res,
        413,
        singleProblem('PAYLOAD_TOO_LARGE', { field: 'body', rule: 'max-bytes', message: `body: larger than ${MAX_ADMIN_BODY_BYTES} bytes` }),
      );
    else sendRefusal(res, 400, singleProblem('BAD_REQUEST', { field: 'body', rule: 'json', message: 'body: must be JSON' }));
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
  const refused = context.registry
    .refused()
    .filter((r) => !context.directory.get(r.registration.id))
    .map((r) => ({ ...r.registration, status: 'REFUSED', reason: r.reason }));
  return [...served, ...refused].sort((a, b) => (a.id < b.id ? -1 : 1));
}

/** One admin request, authenticated. */
interface AdminCall {
  req: IncomingMessage;
  res: ServerResponse;
  actor: Actor;
  params: Record<string, string>;
  path: string;
  context: AdminContext;
}

export interface AdminApi {
  /**
   * The policy of every admin route: without GATEWAY_ADMIN_TOKEN configured the whole API does not exist
   * (404); a missing or unknown bearer token is 401.
   */
  authenticate: RoutePolicy;
  routes: Route[];
}

/**
 * The gateway's admin API. Operator-only: tokens. Exchanges: register, update, remove, invalidate their
 * own id; an exchange token used for another exchange's id is 403.
 */
export function adminApi(context: AdminContext): AdminApi {
  const actors = new WeakMap<IncomingMessage, Actor>();
  const authenticate: RoutePolicy = async (req, res) => {
    const actor = await authenticated(req, res, context);
    if (actor) actors.set(req, actor);
    return actor !== null;
  };
  const route = (method: string, path: string, handle: (call: AdminCall) => void | Promise<void>): Route => ({
    method,
    path,
    access: 'admin',
    handle: async (req: IncomingMessage, res: ServerResponse, match: RouteMatch) => {
      try {
        await handle({ req, res, actor: actors.get(req)!, params: match.params, path: match.path, context });
      } catch (err) {
        if (err instanceof CacheUnavailableError)
          return sendRefusal(res, 503, storeUnavailable(`registry: the registry store is unavailable, nothing changed: ${err.message}`));
        throw err;
      }
    },
  });
  return {
    authenticate,
    routes: [
      route('GET', '/admin/exchanges', ({ res }) => sendJson(res, 200, { exchanges: exchangeDetails(context) })),
      route('POST', '/admin/exchanges', registerExchange),
      route('POST', '/admin/exchanges/:id/invalidate', invalidateExchange),
      route('DELETE', '/admin/exchanges/:id', removeExchange),
      // Another method on an exchange's path: another exchange's id is still refused as such first.
      route('*', '/admin/exchanges/:id/invalidate', noRouteUnlessForbidden),
      route('*', '/admin/exchanges/:id', noRouteUnlessForbidden),
      route('POST', '/admin/tokens', issueToken),
      route('DELETE', '/admin/tokens/:exchange', revokeToken),
      route('POST', '/admin/keys', async ({ req, res, actor }) =>
        actor.role !== 'operator' ? operatorOnly(res, 'issue API keys') : issueApiKey(req, res, context, await jsonBody(req, res)),
      ),
      route('GET', '/admin/keys', async ({ res, actor }) =>
        actor.role !== 'operator' ? operatorOnly(res, 'list API keys') : sendJson(res, 200, { keys: await context.apiKeys.all() }),
      ),
      route('DELETE', '/admin/keys/:id', async ({ res, actor, params }) => {
        if (actor.role !== 'operator') return operatorOnly(res, 'revoke API keys');
        const revoked = await context.apiKeys.revoke(params.id);
        sendJson(res, revoked ? 200 : 404, { id: params.id, revoked });
      }),
      route('*', '/admin/*', noAdminRoute),
    ],
  };
}

/** The caller, or null when the answer (404, 401, 503) has been sent. */
async function authenticated(req: IncomingMessage, res: ServerResponse, context: AdminContext): Promise<Actor | null> {
  if (!context.adminToken) {
    sendRefusal(res, 404, singleProblem('NOT_FOUND', { field: 'path', rule: 'route', message: 'path: not found' }));
    return null;
  }
  if (!(await context.failureLimit.allows(req, res))) return null;
  let actor: Actor | null;
  try {
    actor = await identify(req, context);
  } catch (err) {
    if (!(err instanceof CacheUnavailableError)) throw err;
    sendRefusal(res, 503, storeUnavailable(`authorization: tokens cannot be checked now: ${err.message}`));
    return null;
  }
  if (!actor) await context.failureLimit.failed(req);
  if (!actor)
    sendRefusal(
      res,
      401,
      singleProblem('UNAUTHENTICATED', { field: 'authorization', rule: 'bearer-token', message: 'authorization: missing or unknown bearer token' }),
      { 'www-authenticate': 'Bearer' },
    );
  return actor;
}

function forbidden({ res, actor }: AdminCall, id: string): void {
  const message = `authorization: this token may act on exchange ${(actor as { exchange: string }).exchange} only, not ${JSON.stringify(id)}`;
  sendRefusal(res, 403, singleProblem('FORBIDDEN', { field: 'authorization', rule: 'own-exchange', message }));
}

function noAdminRoute({ req, res, path }: AdminCall): void {
  sendRefusal(res, 404, singleProblem('NOT_FOUND', { field: 'path', rule: 'route', message: `path: no admin route for ${req.method ?? 'GET'} ${path}` }));
}

function noRouteUnlessForbidden(call: AdminCall): void {
  if (!mayActOn(call.actor, call.params.id)) return forbidden(call, call.params.id);
  noAdminRoute(call);
}

function unknownExchange({ res }: AdminCall, id: string): void {
  sendRefusal(res, 404, singleProblem('NOT_FOUND', { field: 'id', rule: 'registered', message: `id: exchange ${JSON.stringify(id)} is not registered` }));
}

async function registerExchange(call: AdminCall): Promise<void> {
  const { req, res, actor, context } = call;
  const body = await jsonBody(req, res);
  if (body === undefined) return;
  const parsed = parseRegistration(body);
  if (!parsed.ok)
    return sendRefusal(res, 400, {
      code: 'INVALID_REGISTRATION',
      message: `registration refused: ${countOf(parsed.problems.length)} in the body`,
      problems: parsed.problems,
    });
  if (!mayActOn(actor, parsed.registration.id)) return forbidden(call, parsed.registration.id);
  const outcome = await context.registry.register(parsed.registration);
  if (!outcome.ok) return sendRefusal(res, outcome.status, registrationRefusal(outcome));
  sendJson(res, outcome.created ? 201 : 200, { exchange: outcome.registration, created: outcome.created, catalogVersion: outcome.catalogVersion });
}

async function invalidateExchange(call: AdminCall): Promise<void> {
  const {
    res,
    actor,
    context,
    params: { id },
  } = call;
  if (!mayActOn(actor, id)) return forbidden(call, id);
  if (!context.directory.get(id)) return unknownExchange(call, id);
  const epoch = await context.versions.invalidate(id);
  context.logger.info({ exchange: id, epoch }, 'cache invalidated');
  sendJson(res, 200, { exchange: id, epoch });
}

async function removeExchange(call: AdminCall): Promise<void> {
  const {
    res,
    actor,
    context,
    params: { id },
  } = call;
  if (!mayActOn(actor, id)) return forbidden(call, id);
  // Known or not is decided in the registry's queue, against the store: a registration made a moment
  // ago on another replica can be removed here before this replica has applied it.
  if (!(await context.registry.remove(id))) return unknownExchange(call, id);
  sendJson(res, 200, { exchange: id, removed: true });
}

async function issueToken({ req, res, actor, context }: AdminCall): Promise<void> {
  if (actor.role !== 'operator') return operatorOnly(res, 'issue tokens');
  const body = (await jsonBody(req, res)) as { exchange?: unknown } | undefined;
  if (body === undefined) return;
  if (typeof body?.exchange !== 'string' || !EXCHANGE_ID_RULE.test(body.exchange)) {
    return sendRefusal(
      res,
      400,
      singleProblem('BAD_REQUEST', {
        field: 'exchange',
        rule: 'exchange-code',
        message: `exchange: must match ${EXCHANGE_ID_RULE}, got ${JSON.stringify(body?.exchange ?? null)}`,
      }),
    );
  }
  sendJson(res, 201, { exchange: body.exchange, token: await context.tokens.issue(body.exchange) });
}

async function revokeToken({ res, actor, context, params }: AdminCall): Promise<void> {
  if (actor.role !== 'operator') return operatorOnly(res, 'revoke tokens');
  const revoked = await context.tokens.revoke(params.exchange);
  sendJson(res, revoked ? 200 : 404, { exchange: params.exchange, revoked });
}

function operatorOnly(res: ServerResponse, what: string): void {
  sendRefusal(
    res,
    403,
    singleProblem('FORBIDDEN', {
      field: 'authorization',
      rule: 'operator-only',
      message: `authorization: only the operator (GATEWAY_ADMIN_TOKEN) may ${what}`,
    }),
  );
}

function storeUnavailable(message: string) {
  return singleProblem('STORE_UNAVAILABLE', problemOf(message, 'store-available', 'registry'));
}

function countOf(n: number): string {
  return n === 1 ? '1 problem' : `${n} problems`;
}

/** The registry's refusal: its status says which kind, its problems are worded `field: ...`. */
function registrationRefusal(outcome: Extract<RegistrationOutcome, { ok: false }>) {
  const kinds: Record<number, { code: RefusalCode; rule: string; message: string }> = {
    409: { code: 'CONFLICT', rule: 'one-change-at-a-time', message: 'registration refused: another change of this exchange came first' },
    429: {
      code: 'TOO_MANY_CHECKS',
      rule: 'checks-in-flight',
      message: 'registration refused: too many registrations are being checked; try again in a few seconds',
    },
    503: { code: 'STORE_UNAVAILABLE', rule: 'store-available', message: 'registration refused: the registry store is unavailable, nothing changed' },
  };
  const kind = outcome.report
    ? {
        code: 'CONFORMANCE_FAILED' as const,
        rule: 'conformance',
        message: `registration refused: the exchange failed the registration conformance checks (${countOf(outcome.problems.length)}); run npm run conformance against it for the full report`,
      }
    : (kinds[outcome.status] ?? {
        code: 'REGISTRATION_CHECK_FAILED' as const,
        rule: outcome.rule ?? 'registration-check',
        message: `registration refused: ${countOf(outcome.problems.length)} found checking the exchange`,
      });
  return {
    code: kind.code,
    message: kind.message,
    // A conflict's message starts with the exchange's id; a check's with the field it found wrong, else the
    // exchange's schema or behaviour at its url is what was wrong.
    problems: outcome.problems.map((p) =>
      outcome.status === 409 ? { field: 'id', rule: kind.rule, message: p } : problemOf(p, outcome.rule ?? kind.rule, 'url'),
    ),
    ...(outcome.report ? { report: outcome.report } : {}),
  };
}
