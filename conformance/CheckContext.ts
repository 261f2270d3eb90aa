import { CheckFailure, type GraphQLClient } from './GraphQLClient.ts';
import type { ListingNode, Sort } from './contractOrder.ts';
import { fetchPage, type Filter, type Page, type Walk } from './walkPages.ts';
import type { ConformanceProfile } from './report.ts';

/** The largest filtered set the full profile walks whole; bigger sets are sampled by their first pages. */
export const WALK_LIMIT = 200;

/**
 * What the checks share: the client (and its budget), the exchange's code, a sample of its listings,
 * and the walks already made, so a later check judges them again without asking twice.
 */
export class CheckContext {
  readonly walks: Walk[] = [];
  /** Ids seen anywhere in the run; the id-prefix check judges them all. */
  readonly seenIds: Array<{ id: string; where: string }> = [];
  private cachedSample: { total: number; nodes: ListingNode[] } | null = null;
  private cachedSubset: Filter | null = null;
  private cachedTerm: string | null = null;

  constructor(
    readonly client: GraphQLClient,
    readonly exchangeId: string,
    readonly profile: ConformanceProfile,
    readonly options: { url: string; adminToken?: string },
  ) {}

  fail(counterexample: string): never {
    throw new CheckFailure(counterexample);
  }

  observe(page: Page, where: string): void {
    for (const edge of page.edges) if (edge?.node) this.seenIds.push({ id: edge.node.id, where });
  }

  async page(args: { filter?: Filter; sort: Sort; first: number; after?: string | null }): Promise<Page> {
    const page = await fetchPage(this.client, args);
    this.observe(page, `datasets(sort: ${args.sort}${args.filter && Object.keys(args.filter).length ? `, filter: ${JSON.stringify(args.filter)}` : ''})`);
    return page;
  }

  /** The total and the first listings in UPDATED_DESC order (100 of them, 20 for registration). */
  async sample(): Promise<{ total: number; nodes: ListingNode[] }> {
    if (this.cachedSample) return this.cachedSample;
    const page = await this.page({ sort: 'UPDATED_DESC', first: this.profile === 'full' ? 100 : 20 });
    const nodes = page.edges.filter((e) => e?.node).map((e) => e.node);
    if (nodes.length === 0) this.fail('datasets(first: 100) answered no listing: the checks need an exchange with listings');
    this.cachedSample = { total: page.totalCount, nodes };
    return this.cachedSample;
  }

  /**
   * A filter whose set is small enough to walk whole: the whole catalog when it is small, else the first
   * of (category), (category, pricing model), (category, pricing model, provider), (product code) of the
   * newest listing that matches at most WALK_LIMIT listings.
   */
  async subsetFilter(): Promise<Filter> {
    if (this.cachedSubset) return this.cachedSubset;
    const { total, nodes } = await this.sample();
    if (total <= WALK_LIMIT) return (this.cachedSubset = {});
    const first = nodes[0];
    const candidates: Filter[] = [
      { categories: [first.category] },
      { categories: [first.category], pricingModels: [first.price.model] },
      { categories: [first.category], pricingModels: [first.price.model], ...(first.provider ? { providerUscc: first.provider.uscc } : {}) },
      { productCode: first.productCode },
    ];
    for (const filter of candidates) {
      const page = await this.page({ filter, sort: 'UPDATED_DESC', first: 0 });
      if (page.totalCount <= WALK_LIMIT) return (this.cachedSubset = filter);
    }
    return (this.cachedSubset = candidates[candidates.length - 1]);
  }

  /** A word of the newest listing's English title, for text search and RELEVANCE. */
  async textTerm(): Promise<string> {
    if (this.cachedTerm) return this.cachedTerm;
    const { nodes } = await this.sample();
    for (const node of nodes) {
      const word = node.title
        .split(/[^A-Za-z]+/)
        .filter((w) => w.length >= 4)
        .sort((a, b) => b.length - a.length)[0];
      if (word) return (this.cachedTerm = word.toLowerCase());
    }
    return (this.cachedTerm = nodes[0].title.trim().split(/\s+/)[0].toLowerCase());
  }
}
