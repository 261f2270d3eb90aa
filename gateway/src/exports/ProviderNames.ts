import { LRUCache } from 'lru-cache';

export interface ProviderFacts {
  name: string | null;
  nameZh: string | null;
  kind: string | null;
}

export interface ProviderNamesOptions {
  /** PROVIDERS_URL: the providers subgraph (a configured URL, checked at start-up). */
  url: string;
  timeoutMs: number;
  /** Providers remembered between pages and exports. Default 20,000. */
  maxEntries?: number;
}

const ENTITIES_QUERY = `query GatewayExportProviders($representations: [_Any!]!) {
  _entities(representations: $representations) { ... on Provider { uscc name nameZh kind } }
}`;

/** The providers subgraph failed: the export names it as it names a failed exchange. */
export class ProvidersUnavailable extends Error {}

/**
 * Provider name, Chinese name and kind by USCC for the export rows, asked of the providers subgraph in one
 * `_entities` call per page for the USCCs not yet known, and remembered (a catalog has thousands of
 * providers and a million listings, so nearly every page is answered from memory).
 */
export class ProviderNames {
  private readonly known: LRUCache<string, ProviderFacts>;

  constructor(private readonly options: ProviderNamesOptions) {
    this.known = new LRUCache({ max: options.maxEntries ?? 20_000 });
  }

  /** The facts of every USCC given (a USCC the subgraph does not know gets nulls). */
  async lookup(usccs: Iterable<string>): Promise<Map<string, ProviderFacts>> {
    const found = new Map<string, ProviderFacts>();
    const missing: string[] = [];
    for (const uscc of usccs) {
      if (found.has(uscc)) continue;
      const facts = this.known.get(uscc);
      if (facts) found.set(uscc, facts);
      else if (!missing.includes(uscc)) missing.push(uscc);
    }
    if (missing.length === 0) return found;
    const entities = await this.fetchEntities(missing);
    missing.forEach((uscc, index) => {
      const entity = entities[index];
      const facts = { name: entity?.name ?? null, nameZh: entity?.nameZh ?? null, kind: entity?.kind ?? null };
      this.known.set(uscc, facts);
      found.set(uscc, facts);
    });
    return found;
  }

  private async fetchEntities(usccs: string[]): Promise<Array<Record<string, string> | null>> {
    let body: { data?: { _entities?: Array<Record<string, string> | null> }; errors?: unknown[] };
    try {
      const response = await fetch(this.options.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: ENTITIES_QUERY, variables: { representations: usccs.map((uscc) => ({ __typename: 'Provider', uscc })) } }),
        signal: AbortSignal.timeout(this.options.timeoutMs),
        redirect: 'error',
      });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      body = (await response.json()) as typeof body;
    } catch (err) {
      throw new ProvidersUnavailable(`the providers subgraph did not answer: ${(err as Error).message}`);
    }
    const entities = body.data?._entities;
    if (!Array.isArray(entities) || entities.length !== usccs.length) throw new ProvidersUnavailable('the providers subgraph gave a bad response');
    return entities;
  }
}
