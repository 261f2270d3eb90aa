import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { ExchangeInfo } from '../../shared/domain.ts';
import { DEFAULT_EXCHANGE_TIMEOUT_MS } from './exchangeClient/ExchangeClient.ts';
import { DEFAULT_HEALTH_INTERVAL_MS } from './directory/HealthProbe.ts';
import { DEFAULT_CACHE_TTL_SECONDS } from './cache/CachingFetcher.ts';
import { DEFAULT_VERSION_POLL_MS } from './cache/VersionWatcher.ts';
import { DEFAULT_MAX_QUERY_COST, DEFAULT_MAX_QUERY_DEPTH } from './http/queryLimits.ts';
import { parseAllowlist, EXCHANGE_URL_ALLOWLIST_ENV, type HostAllowlist } from './exchangeClient/hostAllowlist.ts';

export interface ExchangeEndpoint extends ExchangeInfo {
  url: string;
}

export interface GatewayConfig {
  /** PORT, default 4000. */
  port: number;
  /** HOST, default 127.0.0.1 (0.0.0.0 in containers). */
  host: string;
  /** PROVIDERS_URL, default http://127.0.0.1:4010/graphql. */
  providersUrl: string;
  exchanges: ExchangeEndpoint[];
  /** EXCHANGE_TIMEOUT_MS, default 2000. */
  exchangeTimeoutMs: number;
  /** HEALTH_INTERVAL_MS, default 5000. */
  healthIntervalMs: number;
  /** CACHE_DISABLED=1: no response, shard or entity cache (APQ and the registry still use the store). */
  cacheDisabled: boolean;
  /** CACHE_TTL_SECONDS, default 60. */
  cacheTtlSeconds: number;
  /** VERSION_POLL_MS, default 2000: bounds how long a changed price can stay cached unseen. */
  versionPollMs: number;
  /** EXCHANGE_URL_ALLOWLIST: hosts a registered exchange may live on. Default: loopback only. */
  allowlist: HostAllowlist;
  /** GATEWAY_ADMIN_TOKEN; /admin answers 404 without it. */
  adminToken?: string;
  /** MAX_QUERY_DEPTH, default 15: fields nested deeper are refused. */
  maxQueryDepth: number;
  /** MAX_QUERY_COST, default 10,000: the objects a query may return (lists times their page size). */
  maxQueryCost: number;
  /** NODE_ENV=production masks unexpected errors ("Internal server error"). */
  production: boolean;
  /** NODE_ENV=development adds stack traces to error responses; no other value does. */
  development: boolean;
  /** LOG_LEVEL, default info. */
  logLevel: string;
}

export const DEFAULT_EXCHANGES_FILE = fileURLToPath(new URL('../exchanges.json', import.meta.url));

/** Misconfiguration stops the gateway at start with the rule and the bad value. */
export class GatewayConfigError extends Error {}

function positiveInteger(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const text = env[name];
  if (text === undefined || text === '') return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value <= 0) throw new GatewayConfigError(`${name} must be a positive integer, got ${JSON.stringify(text)}`);
  return value;
}

function checkedUrl(name: string, text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new GatewayConfigError(`${name} must be an http(s) URL, got ${JSON.stringify(text)}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new GatewayConfigError(`${name} must be an http(s) URL, got ${JSON.stringify(text)}`);
  return url.toString();
}

/** Reads `EXCHANGE_URLS=bj=http://...,sh=http://...` into a map. */
export function parseExchangeUrls(text: string | undefined): Map<string, string> {
  const urls = new Map<string, string>();
  for (const pair of (text ?? '').split(',').map((s) => s.trim()).filter(Boolean)) {
    const at = pair.indexOf('=');
    if (at <= 0) throw new GatewayConfigError(`EXCHANGE_URLS must be a list of id=url pairs, got ${JSON.stringify(pair)}`);
    urls.set(pair.slice(0, at), checkedUrl(`EXCHANGE_URLS (${pair.slice(0, at)})`, pair.slice(at + 1)));
  }
  return urls;
}

function allowlistFrom(env: NodeJS.ProcessEnv): HostAllowlist {
  try {
    return parseAllowlist(env[EXCHANGE_URL_ALLOWLIST_ENV]);
  } catch (err) {
    throw new GatewayConfigError((err as Error).message);
  }
}

function parsePort(text: string | undefined): number {
  if (text === undefined || text === '') return 4000;
  const port = Number(text);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new GatewayConfigError(`PORT must be a TCP port from 0 to 65535, got ${JSON.stringify(text)}`);
  return port;
}

export function loadGatewayConfig(env: NodeJS.ProcessEnv = process.env): GatewayConfig {
  const file = env.EXCHANGES_FILE ?? DEFAULT_EXCHANGES_FILE;
  let listed: ExchangeEndpoint[];
  try {
    listed = (JSON.parse(readFileSync(file, 'utf8')) as { exchanges: ExchangeEndpoint[] }).exchanges;
  } catch (err) {
    throw new GatewayConfigError(`EXCHANGES_FILE ${file} must be JSON with an "exchanges" list: ${(err as Error).message}`);
  }
  const overrides = parseExchangeUrls(env.EXCHANGE_URLS);
  const exchanges = listed.map((e) => ({ ...e, url: overrides.get(e.id) ?? e.url }));
  for (const id of overrides.keys()) {
    if (!exchanges.some((e) => e.id === id)) {
      throw new GatewayConfigError(`EXCHANGE_URLS names exchange ${JSON.stringify(id)}, which is not in ${file}`);
    }
  }
  return {
    port: parsePort(env.PORT),
    host: env.HOST ?? '127.0.0.1',
    providersUrl: checkedUrl('PROVIDERS_URL', env.PROVIDERS_URL ?? 'http://127.0.0.1:4010/graphql'),
    exchanges,
    exchangeTimeoutMs: positiveInteger(env, 'EXCHANGE_TIMEOUT_MS', DEFAULT_EXCHANGE_TIMEOUT_MS),
    healthIntervalMs: positiveInteger(env, 'HEALTH_INTERVAL_MS', DEFAULT_HEALTH_INTERVAL_MS),
    cacheDisabled: env.CACHE_DISABLED === '1' || env.CACHE_DISABLED === 'true',
    cacheTtlSeconds: positiveInteger(env, 'CACHE_TTL_SECONDS', DEFAULT_CACHE_TTL_SECONDS),
    versionPollMs: positiveInteger(env, 'VERSION_POLL_MS', DEFAULT_VERSION_POLL_MS),
    maxQueryDepth: positiveInteger(env, 'MAX_QUERY_DEPTH', DEFAULT_MAX_QUERY_DEPTH),
    maxQueryCost: positiveInteger(env, 'MAX_QUERY_COST', DEFAULT_MAX_QUERY_COST),
    allowlist: allowlistFrom(env),
    adminToken: env.GATEWAY_ADMIN_TOKEN || undefined,
    production: env.NODE_ENV === 'production',
    development: env.NODE_ENV === 'development',
    logLevel: env.LOG_LEVEL ?? 'info',
  };
}
