import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Cache } from '../cache/Cache.ts';

const TOKENS_KEY = 'registry:tokens';

function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}

function sameHash(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * Exchange tokens: an operator issues one per exchange id, which may then register, update or remove that
 * id only. Only a SHA-256 of each token is stored, compared in constant time. Why they are not restored
 * when Redis loses its data: docs/caching.md#when-redis-fails.
 */
export class ExchangeTokens {
  constructor(private readonly store: Cache) {}

  /** A new token for `exchange`, replacing any previous one. Shown once; never stored in clear. */
  async issue(exchange: string): Promise<string> {
    const token = `ect_${exchange}_${randomBytes(24).toString('base64url')}`;
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
