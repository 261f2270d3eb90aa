/**
 * A response as the response cache stores it: one line naming the exchanges the response drew from and
 * those it lacked (from its `extensions.catalog`) and the Cache-Control header it was sent with, then the
 * response's JSON. The first line lets a read
 * decide whether the response may still be served without parsing the response itself.
 */
export interface StoredResponse {
  drewFrom: string[];
  missing: string[];
  /** The response's JSON text, as it is sent. */
  body: string;
  /** The Cache-Control header the response was sent with when it was stored (a hit sends the same); null: none. */
  cacheControl: string | null;
}

/** The completeness report as the response carries it (`extensions.catalog`). */
interface CatalogLike {
  exchanges: Record<string, unknown>;
  missingExchanges: string[];
}

export function isCatalogLike(value: unknown): value is CatalogLike {
  const v = value as CatalogLike | null | undefined;
  return typeof v === 'object' && v !== null && typeof v.exchanges === 'object' && v.exchanges !== null && Array.isArray(v.missingExchanges);
}

export function encodeStoredResponse(
  response: { data: unknown; extensions: { catalog: CatalogLike } & Record<string, unknown> },
  cacheControl: string | null = null,
): string {
  const header = {
    drewFrom: Object.keys(response.extensions.catalog.exchanges),
    missing: response.extensions.catalog.missingExchanges,
    ...(cacheControl === null ? {} : { cacheControl }),
  };
  return `${JSON.stringify(header)}\n${JSON.stringify(response)}`;
}

/** The stored response, or null for a value of another shape (an entry written before this format). */
export function decodeStoredResponse(stored: string): StoredResponse | null {
  const newline = stored.indexOf('\n');
  if (newline <= 0) return null;
  try {
    const header = JSON.parse(stored.slice(0, newline)) as Partial<StoredResponse>;
    if (!Array.isArray(header.drewFrom) || !Array.isArray(header.missing)) return null;
    const cacheControl = typeof header.cacheControl === 'string' ? header.cacheControl : null;
    return { drewFrom: header.drewFrom, missing: header.missing, body: stored.slice(newline + 1), cacheControl };
  } catch {
    return null;
  }
}

/**
 * A stored response may be served only while it still tells the truth about completeness, as this
 * replica sees the exchanges now: every exchange it drew from is still answering (not OFFLINE, still
 * registered), and every exchange it lacked still is not (else it would claim missing one that answers).
 */
export function stillComplete(stored: Pick<StoredResponse, 'drewFrom' | 'missing'>, isAnswering: (exchange: string) => boolean): boolean {
  return stored.drewFrom.every(isAnswering) && !stored.missing.some(isAnswering);
}
