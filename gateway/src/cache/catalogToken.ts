import type { ExchangeDirectory, RegisteredExchange } from '../directory/ExchangeDirectory.ts';
import type { CatalogVersions } from './CatalogVersions.ts';
import { stableHash } from './cacheKeys.ts';

/**
 * The response cache's view of the whole catalog: a token that changes whenever any exchange's catalog
 * version or epoch changes or becomes known, when the set of exchanges changes, and when a registration
 * is updated (the directory's names and places are in responses too). Built from shared values only, so
 * every replica computes the same token.
 */
export function catalogToken(directory: ExchangeDirectory, versions: CatalogVersions): () => string {
  let lastScopes = '';
  let lastToken = '';
  const registrationStamps = new WeakMap<RegisteredExchange, string>();
  const registrationStamp = (exchange: RegisteredExchange): string => {
    let stamp = registrationStamps.get(exchange);
    if (stamp === undefined) registrationStamps.set(exchange, (stamp = stableHash({ info: exchange.info, url: exchange.url }).slice(0, 12)));
    return stamp;
  };
  // The token stands while neither the directory nor the versions moved (their generations) and every
  // scope was known: rebuilding it sorted and joined every exchange's scope on every response-cache hit
  // (issue 13). An unknown scope is asked again each time, as scope() retries its epoch when asked.
  let directoryGeneration = -1;
  let versionsGeneration = -1;
  let complete = false;
  return () => {
    if (complete && directory.generation === directoryGeneration && versions.generation === versionsGeneration) return lastToken;
    directoryGeneration = directory.generation;
    versionsGeneration = versions.generation;
    complete = true;
    const scopes = directory
      .all()
      .map((exchange) => {
        const scope = versions.scope(exchange.id);
        if (!scope) complete = false;
        return `${exchange.id}=${scope ? `${scope.catalogVersion}.${scope.epoch}` : '?'}.${registrationStamp(exchange)}`;
      })
      .join(',');
    // Hashed again only when a version, an epoch, a registration or the set of exchanges moved.
    if (scopes !== lastScopes) [lastScopes, lastToken] = [scopes, stableHash(scopes)];
    return lastToken;
  };
}
