import { randomBytes } from 'node:crypto';
import type { Cache } from '../cache/Cache.ts';
import { hashSecret, randomSecret, sameHash } from './secretHash.ts';

const KEYS_RECORD = 'registry:apikeys';
/** How long a replica trusts a key it has checked: a revocation on another replica takes this long here. */
export const KEY_CHECK_TTL_MS = 10_000;
const CHECKED_KEYS_MAX = 10_000;

/** A researcher's API key as listed: never its secret, nor the secret's hash. */
export interface ApiKeyInfo {
  id: string;
  /** Who it is for (free text from the operator). */
  name: string;
  /** The key's budget in query cost per minute. */
  costPerMin: number;
  createdAt: string;
}

interface StoredKey extends ApiKeyInfo {
  hash: string;
}

/**
 * Researcher API keys (`x-api-key`): issued by the operator, each with its own budget. Stored like
 * exchange tokens (only a SHA-256, compared in constant time), in the durable registry record, so a key
 * works on every replica and after a restart. The key carries its id, so checking it is one lookup; a
 * replica remembers a checked key for KEY_CHECK_TTL_MS, so the request path does not wait for Redis.
 */
export class ApiKeys {
  private readonly checked = new Map<string, { key: ApiKeyInfo | null; until: number }>();

  constructor(private readonly store: Cache) {}

  /** A new key; its secret is in the answer only. */
  async issue(input: { name: string; costPerMin: number }): Promise<{ key: string; info: ApiKeyInfo }> {
    const id = randomBytes(6).toString('hex');
    const key = `eck_${id}_${randomSecret()}`;
    const info: ApiKeyInfo = { id, name: input.name, costPerMin: input.costPerMin, createdAt: new Date().toISOString() };
    await this.store.recordSet(KEYS_RECORD, id, JSON.stringify({ ...info, hash: hashSecret(key) } satisfies StoredKey));
    return { key, info };
  }

  async all(): Promise<ApiKeyInfo[]> {
    const stored = await this.store.recordGetAll(KEYS_RECORD);
    return Object.values(stored)
      .map((text) => parseStored(text))
      .filter((key): key is StoredKey => key !== null)
      .map(({ hash: _hash, ...info }) => info)
      .sort((a, b) => (a.createdAt < b.createdAt ? -1 : 1));
  }

  async revoke(id: string): Promise<boolean> {
    for (const [secret, entry] of this.checked) if (entry.key?.id === id) this.checked.delete(secret);
    return this.store.recordDelete(KEYS_RECORD, id);
  }

  /** The key's details when `secret` is a key in force, else null. Throws CacheUnavailableError when the store cannot be asked. */
  async check(secret: string, now = Date.now()): Promise<ApiKeyInfo | null> {
    const remembered = this.checked.get(secret);
    if (remembered && remembered.until > now) return remembered.key;
    const match = /^eck_([0-9a-f]{12})_[A-Za-z0-9_-]{32}$/.exec(secret);
    let key: ApiKeyInfo | null = null;
    if (match) {
      const stored = parseStored(await this.store.recordGet(KEYS_RECORD, match[1]));
      if (stored && sameHash(stored.hash, hashSecret(secret))) {
        const { hash: _hash, ...info } = stored;
        key = info;
      }
    }
    if (this.checked.size >= CHECKED_KEYS_MAX) this.checked.clear();
    this.checked.set(secret, { key, until: now + KEY_CHECK_TTL_MS });
    return key;
  }
}

function parseStored(text: string | null): StoredKey | null {
  if (!text) return null;
  try {
    const value = JSON.parse(text) as StoredKey;
    return typeof value.hash === 'string' && typeof value.id === 'string' ? value : null;
  } catch {
    return null;
  }
}
