/** What `extensions.catalog` of a response says: the exchanges it drew from and those it lacks. */
export interface CatalogExtension {
  /** Exchange code → the catalog version of the answer used (null when the exchange did not report one). */
  exchanges: Record<string, string | null>;
  /** Exchanges whose part is missing: failed, timed out, answered badly, OFFLINE, or named and unknown. */
  missingExchanges: string[];
}

/**
 * How complete one request's answer is, gathered by the shard router as it merges (one per request, in
 * the request's context) and sent as `extensions.catalog` (server/catalogExtensionPlugin.ts). An exchange
 * can be in both lists: it answered one fetch of the request and failed a later one.
 */
export class CatalogReport {
  private readonly versions = new Map<string, string | null>();
  private readonly missing = new Set<string>();

  /** An answer of `exchange` was used; the first version seen in the request is the one reported. */
  drewFrom(exchange: string, catalogVersion: string | null): void {
    if (!this.versions.has(exchange) || this.versions.get(exchange) === null) this.versions.set(exchange, catalogVersion);
  }

  /** The part of `exchange` is missing from the answer. */
  lacks(exchange: string): void {
    this.missing.add(exchange);
  }

  toExtension(): CatalogExtension {
    const codes = [...this.versions.keys()].sort();
    return {
      exchanges: Object.fromEntries(codes.map((code) => [code, this.versions.get(code) ?? null])),
      missingExchanges: [...this.missing].sort(),
    };
  }
}
