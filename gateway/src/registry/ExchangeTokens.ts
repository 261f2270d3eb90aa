import type { Cache } from '../cache/Cache.ts';
import { hashSecret as hashToken, randomSecret, sameHash } from './secretHash.ts';

const TOKENS_KEY = 'registry:tokens';

/**
 * Exchange tokens: an operator issues one per exchange id, which may then register, update or remove that
 * id only. Only a SHA-256 of each token is stored, compared in constant time. Why they are not restored
 * when Redis loses its data: docs/caching.md#when-redis-fails.
 */
export class ExchangeTokens {
  constructor(private readonly store: Cache) {}

  /** A new token for `exchange`, replacing any previous one. Shown once; never stored in clear. */
  async issue(exchange: string): Promise<string> {
    const token = `ect_${exchange}_${randomSecret()}`;
    await this.store.recordSet(TOKENS_KEY, exchange, hashToken(token));
    return token;
  }

  async revoke(exchange: string): Promise<boolean> {
    return this.store.recordDelete(TOKENS_KEY, exchange);
  }

  /** The exchange whose token this is, or null. */
  async exchangeOf(token: string): Promise<string | null> {
    // Tokens carry their exchange id, so one lookup finds the hash to compare; a forged id just fails.
    const match = /^ect_([a-z]{2,8})_/.exec(token);
    if (!match) return null;
    const stored = await this.store.recordGet(TOKENS_KEY, match[1]);
    return stored && sameHash(stored, hashToken(token)) ? match[1] : null;
  }
}
