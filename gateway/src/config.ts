import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { ExchangeInfo } from '../../shared/domain.ts';
import { ConfigError, checkUrl, configReader, invalid, type ConfigReader, type ConfigSource } from '../../shared/config/configReader.ts';
import { readServiceSettings, type ServiceSettings } from '../../shared/config/serviceSettings.ts';
import { DEFAULT_EXCHANGE_CONNECTIONS, DEFAULT_EXCHANGE_TIMEOUT_MS } from './exchangeClient/ExchangeClient.ts';
import { DEFAULT_CALLS_PER_REQUEST } from './shards/buildShardRouter.ts';
import { DEFAULT_HEALTH_INTERVAL_MS, DEFAULT_HEALTH_RECOVERY_INTERVAL_MS } from './directory/HealthProbe.ts';
import { DEFAULT_CACHE_TTL_SECONDS } from './cache/CachingFetcher.ts';
import { DEFAULT_VERSION_POLL_MS } from './cache/VersionWatcher.ts';
import { DEFAULT_MAX_QUERY_COST, DEFAULT_MAX_QUERY_DEPTH } from './http/queryLimits.ts';
import { DEFAULT_MAX_BODY_BYTES } from '../../shared/http/apolloHandler.ts';
import { DEFAULT_MAX_QUERY_ALIASES, DEFAULT_MAX_QUERY_DIRECTIVES, DEFAULT_MAX_QUERY_TOKENS } from './http/armorLimits.ts';
import { parseCorsOrigins, type CorsOrigins } from './http/cors.ts';
import { DEFAULT_ANON_COST_PER_MIN, DEFAULT_KEY_COST_PER_MIN } from './http/rateLimits.ts';
import { DEFAULT_ADMIN_AUTH_FAILURES_PER_MIN } from './http/adminFailureLimit.ts';
import { DEFAULT_REQUEST_LOG_EVERY } from './http/startHttpServer.ts';
import type { RedisTarget } from './cache/RedisCache.ts';
import { parseAllowlist, type HostAllowlist } from './exchangeClient/hostAllowlist.ts';
import { DEFAULT_REGISTRATION_CONFORMANCE_BUDGET_MS } from './registry/registrationConformance.ts';
import { DEFAULT_LIVE_POLL_MS } from './live/LiveFeed.ts';
import { DEFAULT_LIVE_MAX_QUEUED_EVENTS, DEFAULT_LIVE_MAX_SUBSCRIPTIONS } from './live/LiveHub.ts';
import { DEFAULT_EXPORT_PAGE_SIZE, MAX_EXPORT_PAGE_SIZE } from './exports/ExchangePages.ts';

export interface ExchangeEndpoint extends ExchangeInfo {
  url: string;
}

/** Where the caches and the registry live: Redis (one node or a cluster) or, when `target` is null, memory. */
export interface CacheTargetConfig {
  /** REDIS_URL (one node) or REDIS_CLUSTER_NODES (a cluster's seed nodes); neither: null, process memory. */
  target: RedisTarget | null;
  /** REDIS_COMMAND_TIMEOUT_MS, default 100 (RedisCache's own default). */
  commandTimeoutMs?: number;
}

/** Every setting of the gateway process; docs/operations.md lists each variable with its default. */
export interface GatewayConfig extends ServiceSettings {
  /** PORT, default 4000. */
  port: number;
  /** HOST, default 127.0.0.1 (0.0.0.0 in containers). */
  host: string;
  /** PROVIDERS_URL, default http://127.0.0.1:4010/graphql. */
  providersUrl: string;
  /** EXCHANGES_FILE's list, with the URLs of EXCHANGE_URLS (`bj=http://...,sh=...`) put in. */
  exchanges: ExchangeEndpoint[];
  /** EXCHANGE_TIMEOUT_MS, default 2000. */
  exchangeTimeoutMs: number;
  /** EXCHANGE_POOL_CONNECTIONS, default 8: keep-alive connections per exchange, at most. */
  exchangeConnections: number;
  /** EXCHANGE_CALLS_PER_REQUEST, default 64: exchange calls one client request has in flight, at most. */
  exchangeCallsPerRequest: number;
  /** EXCHANGE_PRUNING, default on: skip exchanges whose catalog summary rules a filter out (docs/scale-out.md). */
  exchangePruning: boolean;
  /** HEALTH_INTERVAL_MS, default 5000. */
  healthIntervalMs: number;
  /** HEALTH_RECOVERY_INTERVAL_MS: how often an exchange that is not ONLINE is probed, when shorter than healthIntervalMs. */
  healthRecoveryIntervalMs: number;
  /** CACHE_DISABLED=1: no response, shard or entity cache (APQ and the registry still use the store). */
  cacheDisabled: boolean;
  /** CACHE_TTL_SECONDS, default 60. */
  cacheTtlSeconds: number;
  /** VERSION_POLL_MS, default 2000: bounds how long a changed price can stay cached unseen. */
  versionPollMs: number;
  /** EXCHANGE_URL_ALLOWLIST: hosts a registered exchange may live on. Default: loopback only. */
  allowlist: HostAllowlist;
  /** REGISTRATION_CONFORMANCE_BUDGET_MS, default 15000: longest the conformance subset run at registration takes. */
  registrationConformanceBudgetMs: number;
  /** GATEWAY_ADMIN_TOKEN; /admin answers 404 without it. */
  adminToken?: string;
  /** MAX_BODY_BYTES, default 1 MiB: a /graphql request body over it is refused with 413 unread. */
  maxBodyBytes: number;
  /** MAX_QUERY_DEPTH, default 15: fields nested deeper are refused. */
  maxQueryDepth: number;
  /** MAX_QUERY_COST, default 10,000: the objects a query may return (lists times their page size). */
  maxQueryCost: number;
  /** MAX_QUERY_ALIASES, default 30: aliased fields in one query. */
  maxQueryAliases: number;
  /** MAX_QUERY_DIRECTIVES, default 50: directives in one query. */
  maxQueryDirectives: number;
  /** MAX_QUERY_TOKENS, default 2000: lexical tokens in one document, counted while parsing. */
  maxQueryTokens: number;
  /** INTROSPECTION, default true; false refuses introspection queries. */
  introspection: boolean;
  /** CORS_ORIGINS, default `*`: which origins' pages may read the public API's answers (http/cors.ts). */
  corsOrigins: CorsOrigins;
  /** REQUEST_LOG_EVERY, default 100: one in N quick successful requests is logged; failed and slow ones always. */
  requestLogEvery: number;
  /** EXPORT_PAGE_SIZE, default 100 (the exchanges' largest page): rows asked of each exchange per call by the exports. */
  exportPageSize: number;
  cache: CacheTargetConfig;
  /** REDIS_REQUIRE_DURABLE=true: refuse to start when the Redis could lose durable state (docs/operations.md). */
  redisRequireDurable: boolean;
  rateLimits: RateLimitConfig;
  /** Live prices (docs/live-prices.md): LIVE_POLL_MS, LIVE_MAX_QUEUED_EVENTS, LIVE_MAX_SUBSCRIPTIONS. */
  live: { pollIntervalMs: number; maxQueuedEvents: number; maxSubscriptions: number };
}

/** The public rate limits (docs/rate-limits.md). */
export interface RateLimitConfig {
  /** RATE_LIMIT_DISABLED=true: no public rate limits (the admin limit on failed authentications stays). */
  disabled: boolean;
  /** RATE_LIMIT_ANON_COST_PER_MIN, default 600,000 query-cost units per minute per client IP. */
  anonCostPerMin: number;
  /** RATE_LIMIT_KEY_COST_PER_MIN, default 6,000,000 per API key (a key may be issued with its own). */
  keyCostPerMin: number;
  /** TRUST_PROXY_HOPS, default 0: X-Forwarded-For hops to trust. */
  trustProxyHops: number;
  /** ADMIN_AUTH_FAILURES_PER_MIN, default 20: failed admin authentications per IP and minute. */
  adminAuthFailuresPerMin: number;
}

export const DEFAULT_EXCHANGES_FILE = fileURLToPath(new URL('../exchanges.json', import.meta.url));

/** A day: longer intervals are surely a typo (and beyond it a timer's limit is near). */
const MAX_INTERVAL_MS = 86_400_000;

export function loadGatewayConfig(env: ConfigSource): GatewayConfig {
  const read = configReader(env);
  return {
    port: read.port('PORT', 4000)!,
    host: read.string('HOST', '127.0.0.1')!,
    providersUrl: read.url('PROVIDERS_URL', 'http://127.0.0.1:4010/graphql'),
    exchanges: readExchanges(read),
    exchangeTimeoutMs: read.durationMs('EXCHANGE_TIMEOUT_MS', { default: DEFAULT_EXCHANGE_TIMEOUT_MS, max: 600_000 }),
    exchangeConnections: read.int('EXCHANGE_POOL_CONNECTIONS', { default: DEFAULT_EXCHANGE_CONNECTIONS, min: 1, max: 1024 }),
    exchangeCallsPerRequest: read.int('EXCHANGE_CALLS_PER_REQUEST', { default: DEFAULT_CALLS_PER_REQUEST, min: 1, max: 10_000 }),
    exchangePruning: read.bool('EXCHANGE_PRUNING', true),
    healthIntervalMs: read.durationMs('HEALTH_INTERVAL_MS', { default: DEFAULT_HEALTH_INTERVAL_MS, max: MAX_INTERVAL_MS }),
    healthRecoveryIntervalMs: read.durationMs('HEALTH_RECOVERY_INTERVAL_MS', { default: DEFAULT_HEALTH_RECOVERY_INTERVAL_MS, max: MAX_INTERVAL_MS }),
    cacheDisabled: read.bool('CACHE_DISABLED', false),
    cacheTtlSeconds: read.int('CACHE_TTL_SECONDS', { default: DEFAULT_CACHE_TTL_SECONDS, max: 31_536_000, unit: 'seconds' }),
    versionPollMs: read.durationMs('VERSION_POLL_MS', { default: DEFAULT_VERSION_POLL_MS, max: MAX_INTERVAL_MS }),
    maxBodyBytes: read.int('MAX_BODY_BYTES', { default: DEFAULT_MAX_BODY_BYTES, min: 1024, max: 64 * 1024 * 1024, unit: 'bytes' }),
    maxQueryDepth: read.int('MAX_QUERY_DEPTH', { default: DEFAULT_MAX_QUERY_DEPTH, max: 10_000 }),
    maxQueryCost: read.int('MAX_QUERY_COST', { default: DEFAULT_MAX_QUERY_COST, max: 1_000_000_000 }),
    maxQueryAliases: read.int('MAX_QUERY_ALIASES', { default: DEFAULT_MAX_QUERY_ALIASES, max: 10_000 }),
    maxQueryDirectives: read.int('MAX_QUERY_DIRECTIVES', { default: DEFAULT_MAX_QUERY_DIRECTIVES, max: 10_000 }),
    maxQueryTokens: read.int('MAX_QUERY_TOKENS', { default: DEFAULT_MAX_QUERY_TOKENS, max: 1_000_000 }),
    introspection: read.bool('INTROSPECTION', true),
    corsOrigins: read.parsed('CORS_ORIGINS', 'be * or a comma-separated list of origins', parseCorsOrigins) ?? '*',
    allowlist:
      read.parsed('EXCHANGE_URL_ALLOWLIST', 'list allowed hosts', (text) => {
        try {
          return parseAllowlist(text);
        } catch (err) {
          // parseAllowlist names the variable, the rule and the entry.
          throw new ConfigError((err as Error).message);
        }
      }) ?? parseAllowlist(undefined),
    registrationConformanceBudgetMs: read.durationMs('REGISTRATION_CONFORMANCE_BUDGET_MS', {
      default: DEFAULT_REGISTRATION_CONFORMANCE_BUDGET_MS,
      max: 600_000,
    }),
    adminToken: read.string('GATEWAY_ADMIN_TOKEN'),
    requestLogEvery: read.int('REQUEST_LOG_EVERY', { default: DEFAULT_REQUEST_LOG_EVERY, max: 1_000_000 }),
    exportPageSize: read.int('EXPORT_PAGE_SIZE', { default: DEFAULT_EXPORT_PAGE_SIZE, min: 1, max: MAX_EXPORT_PAGE_SIZE }),
    cache: readCacheTarget(read),
    redisRequireDurable: read.bool('REDIS_REQUIRE_DURABLE', false),
    rateLimits: {
      disabled: read.bool('RATE_LIMIT_DISABLED', false),
      anonCostPerMin: read.int('RATE_LIMIT_ANON_COST_PER_MIN', { default: DEFAULT_ANON_COST_PER_MIN, min: 1, max: 1_000_000_000_000 }),
      keyCostPerMin: read.int('RATE_LIMIT_KEY_COST_PER_MIN', { default: DEFAULT_KEY_COST_PER_MIN, min: 1, max: 1_000_000_000_000 }),
      trustProxyHops: read.int('TRUST_PROXY_HOPS', { default: 0, min: 0, max: 10 }),
      adminAuthFailuresPerMin: read.int('ADMIN_AUTH_FAILURES_PER_MIN', { default: DEFAULT_ADMIN_AUTH_FAILURES_PER_MIN, min: 1, max: 100_000 }),
    },
    live: {
      pollIntervalMs: read.durationMs('LIVE_POLL_MS', { default: DEFAULT_LIVE_POLL_MS, min: 10, max: MAX_INTERVAL_MS }),
      maxQueuedEvents: read.int('LIVE_MAX_QUEUED_EVENTS', { default: DEFAULT_LIVE_MAX_QUEUED_EVENTS, min: 1, max: 1_000_000 }),
      maxSubscriptions: read.int('LIVE_MAX_SUBSCRIPTIONS', { default: DEFAULT_LIVE_MAX_SUBSCRIPTIONS, min: 0, max: 10_000_000 }),
    },
    ...readServiceSettings(read),
  };
}

/** The exchanges of EXCHANGES_FILE, each URL replaced by its entry in EXCHANGE_URLS if it has one. */
function readExchanges(read: ConfigReader): ExchangeEndpoint[] {
  const file = read.string('EXCHANGES_FILE', DEFAULT_EXCHANGES_FILE)!;
  let listed: ExchangeEndpoint[];
  try {
    listed = (JSON.parse(readFileSync(file, 'utf8')) as { exchanges: ExchangeEndpoint[] }).exchanges;
    if (!Array.isArray(listed)) throw new Error('no "exchanges" list');
  } catch (err) {
    throw new ConfigError(`EXCHANGES_FILE must name a JSON file with an "exchanges" list, got ${JSON.stringify(file)} (${(err as Error).message})`);
  }
  const overrides = read.parsed('EXCHANGE_URLS', 'be a list of id=url pairs', parseExchangeUrls) ?? new Map<string, string>();
  for (const id of overrides.keys()) {
    if (!listed.some((e) => e.id === id)) throw new ConfigError(`EXCHANGE_URLS names exchange ${JSON.stringify(id)}, which is not in ${file}`);
  }
  return listed.map((e) => ({ ...e, url: overrides.get(e.id) ?? e.url }));
}

/** Reads `bj=http://...,sh=http://...` into a map. */
export function parseExchangeUrls(text: string): Map<string, string> {
  const urls = new Map<string, string>();
  for (const pair of text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const at = pair.indexOf('=');
    if (at <= 0) throw invalid('EXCHANGE_URLS', 'be a list of id=url pairs', pair);
    const id = pair.slice(0, at);
    urls.set(id, checkUrl(`EXCHANGE_URLS (${id})`, pair.slice(at + 1)));
  }
  return urls;
}

export function readCacheTarget(read: ConfigReader): CacheTargetConfig {
  const urlRule = 'be a redis:// or rediss:// URL with a host, like redis://127.0.0.1:6379';
  const url = read.parsed('REDIS_URL', urlRule, (text) => {
    try {
      const parsed = new URL(text);
      return (parsed.protocol === 'redis:' || parsed.protocol === 'rediss:') && parsed.hostname ? text : undefined;
    } catch {
      return undefined;
    }
  });
  const nodes = read.parsed('REDIS_CLUSTER_NODES', 'list host:port pairs separated by commas', parseClusterNodes);
  if (url && nodes) {
    throw new ConfigError(
      `set REDIS_URL (one node) or REDIS_CLUSTER_NODES (a cluster), not both; got REDIS_URL=${JSON.stringify(read.string('REDIS_URL'))} and REDIS_CLUSTER_NODES=${JSON.stringify(read.string('REDIS_CLUSTER_NODES'))}`,
    );
  }
  const target: RedisTarget | null = url ? { mode: 'single', url } : nodes ? { mode: 'cluster', nodes } : null;
  return { target, commandTimeoutMs: read.durationMs('REDIS_COMMAND_TIMEOUT_MS') };
}

/** Parses `host:port,host:port` (whitespace around entries allowed; IPv6 hosts in brackets). */
export function parseClusterNodes(text: string): Array<{ host: string; port: number }> {
  const entries = text
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
  if (entries.length === 0) throw invalid('REDIS_CLUSTER_NODES', 'list host:port pairs separated by commas', text);
  return entries.map((entry) => {
    const match = /^(?:\[([0-9a-fA-F:.]+)\]|([^\s:/[\]]+)):(\d{1,5})$/.exec(entry);
    const port = match ? Number(match[3]) : NaN;
    if (!match || port < 1 || port > 65535) {
      throw new ConfigError(
        `REDIS_CLUSTER_NODES must list host:port pairs (port 1-65535) separated by commas, got ${JSON.stringify(entry)} in ${JSON.stringify(text)}`,
      );
    }
    return { host: match[1] ?? match[2], port };
  });
}
