import type { Logger } from '../logger.ts';
import type { CacheLayer } from '../cache/startCacheLayer.ts';
import { ExchangeDirectory } from '../directory/ExchangeDirectory.ts';
import type { HostAllowlist } from '../exchangeClient/hostAllowlist.ts';
import { ExchangeRegistry } from './ExchangeRegistry.ts';
import { ExchangeTokens } from './ExchangeTokens.ts';
import { ApiKeys } from './ApiKeys.ts';
import type { ExchangeRegistration } from './registrationInput.ts';

/** What the registry reads of the gateway's configuration. */
export interface RegistrySettings {
  /** The configured exchanges (gateway/exchanges.json or EXCHANGES_FILE). */
  exchanges: ExchangeRegistration[];
  exchangeTimeoutMs: number;
  /** EXCHANGE_POOL_CONNECTIONS: keep-alive connections per exchange. */
  exchangeConnections?: number;
  allowlist: HostAllowlist;
  /** REGISTRATION_CONFORMANCE_BUDGET_MS: the registration conformance subset's time budget. */
  registrationConformanceBudgetMs?: number;
}

export interface RegistryLayer {
  directory: ExchangeDirectory;
  registry: ExchangeRegistry;
  tokens: ExchangeTokens;
  /** Researchers' API keys (`x-api-key`), each with its own budget. */
  apiKeys: ApiKeys;
}

/**
 * The exchanges the gateway serves: the directory, filled by the registry from the shared store and the
 * configured exchanges (which join through the same checks as any other, see ExchangeRegistry).
 */
export async function startRegistry(settings: RegistrySettings, parts: { cacheLayer: CacheLayer; logger: Logger }): Promise<RegistryLayer> {
  const { cache, versions } = parts.cacheLayer;
  const statusLogger = parts.logger.child({ component: 'exchange-status' });
  const directory = new ExchangeDirectory({
    timeoutMs: settings.exchangeTimeoutMs,
    connections: settings.exchangeConnections,
    allowlist: settings.allowlist,
    logger: parts.logger.child({ component: 'exchange-client' }),
    // Once per change, never per probe: an operator reads when an exchange went away and why.
    onStatusChange: ({ exchange, url, from, to, cause, failuresInRow }) => {
      const fields = { exchange, url, from: from.toUpperCase(), status: to.toUpperCase(), cause, failuresInRow };
      const message = `exchange ${exchange} is ${to.toUpperCase()} (was ${from.toUpperCase()}): ${cause}`;
      if (to === 'online') statusLogger.info(fields, message);
      else statusLogger.warn(fields, message);
    },
  });
  const registry = new ExchangeRegistry({
    directory,
    store: cache,
    versions,
    allowlist: settings.allowlist,
    conformanceBudgetMs: settings.registrationConformanceBudgetMs,
    logger: parts.logger.child({ component: 'registry' }),
  });
  parts.cacheLayer.onStatusChange((status) => {
    // Back from an outage: the shared epochs may have moved (or reset) meanwhile, and a Redis that
    // restarted empty needs the registry written back (see ExchangeRegistry) before the next interval.
    if (status !== 'redis') return;
    void versions.refresh(directory.all().map((e) => e.id));
    void registry.reload();
  });
  await registry.start(settings.exchanges);
  await versions.refresh(directory.all().map((e) => e.id));
  return { directory, registry, tokens: new ExchangeTokens(cache), apiKeys: new ApiKeys(cache) };
}
