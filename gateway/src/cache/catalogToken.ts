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
  return () => {
    const scopes = directory
      .all()
      .map((exchange) => {
        const scope = versions.scope(exchange.id);
        return `${exchange.id}=${scope ? `${scope.catalogVersion}.${scope.epoch}` : '?'}.${registrationStamp(exchange)}`;
      })
      .join(',');
    // Hashed again only when a version, an epoch, a registration or the set of exchanges moved.
    if (scopes !== lastScopes) [lastScopes, lastToken] = [scopes, stableHash(scopes)];
    return lastToken;
  };
}
