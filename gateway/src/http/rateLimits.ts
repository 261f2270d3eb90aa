import type { IncomingMessage, ServerResponse } from 'node:http';
import { sendJson } from '../../../shared/http/apolloHandler.ts';
import { CacheUnavailableError, type Cache } from '../cache/Cache.ts';
import { CostBudgets, type BudgetDecision } from '../cache/costBudgets.ts';
import type { ApiKeys } from '../registry/ApiKeys.ts';
import type { Logger } from '../logger.ts';
import { clientAddress } from './clientAddress.ts';
import type { Route } from './routeTable.ts';

/** Budgets in query cost per minute: far above what the web app, the README's examples or a research script spend. */
export const DEFAULT_ANON_COST_PER_MIN = 600_000;
export const DEFAULT_KEY_COST_PER_MIN = 6_000_000;
/** What a public route other than /graphql spends per request (its Route.cost says otherwise: assets 0). */
export const DEFAULT_ROUTE_COST = 1;

export interface RateLimitSettings {
  /** RATE_LIMIT_ANON_COST_PER_MIN, default 600,000: per client IP. */
  anonCostPerMin: number;
  /** RATE_LIMIT_KEY_COST_PER_MIN, default 6,000,000: per API key, unless the key was issued with its own. */
  keyCostPerMin: number;
  /** TRUST_PROXY_HOPS, default 0: X-Forwarded-For hops to trust (see clientAddress). */
  trustProxyHops: number;
}

/** Who spends: an API key's id or an IP address, with the budget that applies. */
export interface RateClient {
  id: string;
  policy: 'anon' | 'key';
  limit: number;
  /** Its RateLimit-Policy header, once written (policyHeader). */
  policyText?: string;
}

/**
 * Where the policy leaves a request's client for its handler: a field on the request rather than a
 * WeakMap entry per request (an ephemeron per request showed in the warm path's profile, issue 13).
 */
const RATE_CLIENT = Symbol('rateClient');
type RatedRequest = IncomingMessage & { [RATE_CLIENT]?: RateClient };

/** The rate limits of the public routes: who the client is, what it may spend, and the answers that say so. */
export class PublicRateLimits {
  readonly budgets: CostBudgets;
  private readonly socketClients = new WeakMap<object, RateClient>();

  constructor(
    readonly settings: RateLimitSettings,
    private readonly parts: { cache: Cache; apiKeys: ApiKeys; logger: Logger },
  ) {
    this.budgets = new CostBudgets(parts.cache);
  }

  /** The client identified by the policy for this request. */
  clientOf(req: IncomingMessage): RateClient | undefined {
    return (req as RatedRequest)[RATE_CLIENT];
  }

  async spend(client: RateClient, cost: number): Promise<BudgetDecision> {
    return this.budgets.spend(client.id, client.limit, cost);
  }

  /** The decision when it needs no store (see CostBudgets.spendNow), else null. */
  spendNow(client: RateClient, cost: number): BudgetDecision | null {
    return this.budgets.spendNow(client.id, client.limit, cost);
  }

  /**
   * The policy of every public route, run before its handler: identifies the client (a valid `x-api-key`,
   * else the IP), and spends the route's cost; for /graphql (cost 'computed') it only refuses a client that
   * is still blocked, the query's cost is spent once it is known (server/rateLimitPlugin.ts). An anonymous
   * request on /graphql is decided without a promise (one less step for a response-cache hit).
   */
  policy = (req: IncomingMessage, res: ServerResponse, route?: Route): boolean | Promise<boolean> => {
    const cost = route?.cost ?? DEFAULT_ROUTE_COST;
    if (cost === 0) return true;
    const given = req.headers['x-api-key'];
    const secret = Array.isArray(given) ? given[0] : given;
    if (!secret && cost === 'computed') return this.admit(req, res, this.anonymous(req), cost);
    return this.identify(req, res, secret).then((client) => client !== null && this.admit(req, res, client, cost));
  };

  private admit(req: IncomingMessage, res: ServerResponse, client: RateClient, cost: number | 'computed'): boolean | Promise<boolean> {
    (req as RatedRequest)[RATE_CLIENT] = client;
    if (cost === 'computed') return this.decide(res, client, this.budgets.blocked(client.id, client.limit));
    return this.spend(client, cost).then((decision) => this.decide(res, client, decision));
  }

  private decide(res: ServerResponse, client: RateClient, decision: BudgetDecision | null): boolean {
    if (decision && !decision.allowed) {
      sendRateLimited(res, client, decision);
      return false;
    }
    res.setHeader('ratelimit-policy', policyHeader(client));
    if (decision) res.setHeader('ratelimit', rateLimitHeader(client, decision));
    return true;
  }

  private async identify(req: IncomingMessage, res: ServerResponse, secret: string | undefined): Promise<RateClient | null> {
    if (secret) {
      try {
        const key = await this.parts.apiKeys.check(secret);
        if (key) return { id: `key:${key.id}`, policy: 'key', limit: key.costPerMin };
      } catch (err) {
        if (!(err instanceof CacheUnavailableError)) throw err;
        // The key cannot be checked now: the request goes on as anonymous rather than failing.
        this.parts.logger.warn({ err: err.message }, 'API key not checked: the store is unavailable; counted as anonymous');
        return this.anonymous(req);
      }
      sendJson(res, 401, {
        errors: [
          { message: 'x-api-key: unknown or revoked API key (leave the header out to use the anonymous budget)', extensions: { code: 'UNAUTHENTICATED' } },
        ],
      });
      return null;
    }
    return this.anonymous(req);
  }

  /**
   * The anonymous client of a request. Without trusted proxies it is the socket's peer, so it is made once
   * per connection (a keep-alive connection carries many requests).
   */
  private anonymous(req: IncomingMessage): RateClient {
    const perSocket = this.settings.trustProxyHops <= 0;
    let client = perSocket ? this.socketClients.get(req.socket) : undefined;
    if (!client) {
      client = { id: `ip:${clientAddress(req, this.settings.trustProxyHops)}`, policy: 'anon', limit: this.settings.anonCostPerMin };
      if (perSocket) this.socketClients.set(req.socket, client);
    }
    return client;
  }
}

/** `RateLimit-Policy` of draft-ietf-httpapi-ratelimit-headers: quota `q` in query-cost units per window `w` seconds. */
export function policyHeader(client: RateClient): string {
  return (client.policyText ??= `"${client.policy}";q=${client.limit};w=60`);
}

/** `RateLimit`: `r` units remaining, `t` seconds until the window restarts. */
export function rateLimitHeader(client: RateClient, decision: BudgetDecision): string {
  return `"${client.policy}";r=${decision.remaining};t=${decision.resetSeconds}`;
}

/** The headers of a refusal: Retry-After and both draft fields. */
export function rateLimitedHeaders(client: RateClient, decision: BudgetDecision): Record<string, string> {
  return {
    'retry-after': String(decision.resetSeconds),
    'ratelimit-policy': policyHeader(client),
    ratelimit: rateLimitHeader(client, decision),
  };
}

/** The GraphQL error of a refusal, with code RATE_LIMITED. */
export function rateLimitedError(client: RateClient, decision: BudgetDecision) {
  const setting = client.policy === 'anon' ? 'RATE_LIMIT_ANON_COST_PER_MIN' : "this API key's budget";
  return {
    message: `rate limit: this client has spent its budget of ${client.limit} query-cost units per minute (${setting}); try again in ${decision.resetSeconds} s${client.policy === 'anon' ? ', or ask the operator for an API key (x-api-key)' : ''}`,
    extensions: { code: 'RATE_LIMITED', limit: client.limit, retryAfterSeconds: decision.resetSeconds },
  };
}

export function sendRateLimited(res: ServerResponse, client: RateClient, decision: BudgetDecision): void {
  sendJson(res, 429, { errors: [rateLimitedError(client, decision)] }, rateLimitedHeaders(client, decision));
}
