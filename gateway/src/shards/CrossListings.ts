import { LRUCache } from 'lru-cache';
import { PRODUCTS } from '../../../schema/mergeRules.ts';
import { compareCodes } from '../../../shared/productOrder.ts';
import { groupPageProblem } from './productsMerge.ts';
import { GROUPS_VARIABLES, type GroupsCall } from './ProductsResolver.ts';

type GraphQLErrorJson = { message: string; path?: ReadonlyArray<string | number>; extensions?: Record<string, unknown> };

export interface CrossListingsOptions {
  /** Codes per call when an exchange's code list is read. Default 5000 (the contract's limit). */
  pageSize?: number;
  /** Code lists kept, one per exchange and catalog version. Default 64. */
  maxLists?: number;
}

const QUERY_AFTER = GROUPS_VARIABLES.after;
const QUERY_FIRST = GROUPS_VARIABLES.first;
const MAX_CALLS_PER_EXCHANGE = 1000;

/**
 * The product codes listed on two or more exchanges, for DatasetFilter.crossListed and products with
 * minExchanges >= 2. Each exchange's own code list is read once per catalog version (pages of
 * `productGroups` codes, which the caching fetcher also keeps under that version) and kept here by
 * `<exchange>@<version>`; the cross-listed set is kept by the set of versions it was built from, so it
 * is rebuilt exactly when an exchange's catalog changes.
 */
export class CrossListings {
  private readonly lists: LRUCache<string, string[]>;
  private readonly sets = new LRUCache<string, string[]>({ max: 16 });
  private readonly pageSize: number;

  constructor(options: CrossListingsOptions = {}) {
    this.pageSize = options.pageSize ?? 5000;
    this.lists = new LRUCache({ max: options.maxLists ?? 64 });
  }

  private query(): string {
    return `query ShardProductCodes($${QUERY_AFTER}: String, $${QUERY_FIRST}: Int) {
  ${PRODUCTS.groupsField}(${PRODUCTS.groupsArguments.afterCode}: $${QUERY_AFTER}, ${PRODUCTS.groupsArguments.first}: $${QUERY_FIRST}) {
    ${PRODUCTS.page.hasMore} ${PRODUCTS.page.groups} { ${PRODUCTS.group.code} } } }`;
  }

  /** The cross-listed codes over `exchanges` that answered; `failed` could not say (their listings do not count). */
  async codes(exchanges: readonly string[], call: GroupsCall): Promise<{ codes: string[]; failed: string[]; errors: GraphQLErrorJson[] }> {
    const failed = new Set<string>();
    const errors: GraphQLErrorJson[] = [];
    const lists = new Map<string, string[]>();
    const versions = new Map<string, string | null>();
    const reading = new Map<string, { codes: string[]; after: string | null }>(exchanges.map((e) => [e, { codes: [], after: null }]));
    for (let calls = 0; reading.size > 0 && calls < MAX_CALLS_PER_EXCHANGE; calls++) {
      const asked = new Map([...reading].map(([e, r]) => [e, { after: r.after }]));
      const result = await call(
        this.query(),
        new Map([...asked].map(([e, r]) => [e, { [QUERY_AFTER]: r.after, [QUERY_FIRST]: this.pageSize }])),
        (exchange, value) => groupPageProblem(value, exchange, { afterCode: asked.get(exchange)!.after, codes: null, first: this.pageSize }),
      );
      errors.push(...result.errors);
      for (const exchange of result.failed) {
        failed.add(exchange);
        reading.delete(exchange);
      }
      for (const [exchange, page] of result.pages) {
        const r = reading.get(exchange)!;
        const version = result.versions.get(exchange) ?? null;
        // The first page tells the version: a list read before under it is complete and current.
        const known = r.after === null && version !== null ? this.lists.get(`${exchange}@${version}`) : undefined;
        if (r.after === null) versions.set(exchange, version);
        if (known) {
          lists.set(exchange, known);
          reading.delete(exchange);
          continue;
        }
        const groups = page[PRODUCTS.page.groups] as Array<Record<string, string>>;
        for (const group of groups) r.codes.push(group[PRODUCTS.group.code]);
        r.after = groups.at(-1)?.[PRODUCTS.group.code] ?? r.after;
        if (!page[PRODUCTS.page.hasMore] || groups.length === 0) {
          lists.set(exchange, r.codes);
          const v = versions.get(exchange);
          if (v) this.lists.set(`${exchange}@${v}`, r.codes);
          reading.delete(exchange);
        }
      }
    }
    const key = [...lists.keys()]
      .sort(compareCodes)
      .map((e) => `${e}@${versions.get(e)}`)
      .join(',');
    const cacheable = [...lists.keys()].every((e) => versions.get(e));
    let codes = cacheable ? this.sets.get(key) : undefined;
    if (!codes) {
      const seen = new Map<string, number>();
      for (const list of lists.values()) for (const code of new Set(list)) seen.set(code, (seen.get(code) ?? 0) + 1);
      codes = [...seen]
        .filter(([, n]) => n >= 2)
        .map(([code]) => code)
        .sort(compareCodes);
      if (cacheable) this.sets.set(key, codes);
    }
    return { codes, failed: [...failed], errors };
  }
}
