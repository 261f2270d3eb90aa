import { decodeStoredResponse, type StoredResponse } from './cachedResponse.ts';

/** A stored response as a hit sends it: its bytes (with the final newline) and its response head. */
export interface ServableResponse extends StoredResponse {
  /** `body` and a newline, encoded once: a hit writes bytes, not a string to encode again. */
  bytes: Buffer;
  /**
   * The hit's headers as flat name/value pairs, content-length included: Content-Type, the Cache-Control the
   * response was stored with, and `x-response-cache: hit`.
   */
  head: readonly string[];
}

export interface DecodedResponsesOptions {
  /** Most responses kept decoded. Default 1000. */
  maxEntries?: number;
  /** Most bytes of response bodies kept decoded. Default 32 MiB. */
  maxBytes?: number;
}

export const RESPONSE_CACHE_HEADER = 'x-response-cache';

/**
 * The stored responses lately served, decoded, by response key: a hit on a key whose stored text is the
 * one decoded before (the same string from the memory store, or equal text from Redis) reuses the decoding
 * and the encoded bytes instead of JSON-parsing the entry's first line, slicing the body and encoding it
 * again on every hit (issue 13: about a fifth of a hit's own CPU). The store stays the truth: what the
 * store does not hold for the key is never served from here. Oldest first out, bounded by entries and bytes.
 */
export class DecodedResponses {
  private readonly entries = new Map<string, ServableResponse & { stored: string }>();
  private bytes = 0;
  private readonly maxEntries: number;
  private readonly maxBytes: number;
  /** Stored texts decoded (not found here): tests read it to see a hit served without decoding. */
  decodedCount = 0;

  constructor(options: DecodedResponsesOptions = {}) {
    this.maxEntries = options.maxEntries ?? 1000;
    this.maxBytes = options.maxBytes ?? 32 * 1024 * 1024;
  }

  /** The response stored under `key` as `stored` (null: the store holds nothing there), decoded; null when it is not a response. */
  servable(key: string, stored: string | null): ServableResponse | null {
    const known = this.entries.get(key);
    if (stored === null) {
      if (known) this.forget(key, known);
      return null;
    }
    if (known && known.stored === stored) return known;
    if (known) this.forget(key, known);
    const decoded = decodeStoredResponse(stored);
    this.decodedCount++;
    if (!decoded) return null;
    const bytes = Buffer.from(`${decoded.body}\n`);
    const head = ['content-type', 'application/json; charset=utf-8'];
    if (decoded.cacheControl !== null) head.push('cache-control', decoded.cacheControl);
    head.push(RESPONSE_CACHE_HEADER, 'hit', 'content-length', String(bytes.length));
    const entry = { ...decoded, stored, bytes, head };
    if (bytes.length <= this.maxBytes / 4) this.remember(key, entry);
    return entry;
  }

  private remember(key: string, entry: ServableResponse & { stored: string }): void {
    this.entries.set(key, entry);
    this.bytes += entry.bytes.length;
    for (const [oldest, value] of this.entries) {
      if (this.entries.size <= this.maxEntries && this.bytes <= this.maxBytes) break;
      this.forget(oldest, value);
    }
  }

  private forget(key: string, entry: ServableResponse): void {
    this.entries.delete(key);
    this.bytes -= entry.bytes.length;
  }
}
