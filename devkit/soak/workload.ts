/**
 * The soak's mixed load: kinds of researcher query, each with its variants and a check of an answer
 * against the catalog read directly (catalogTruth.ts, or each exchange's own subgraph asked directly for
 * what only it can compute, a text match's count). A kind is one entry of `soakQueryKinds`: to add one
 * (exports, say), write its variants and its check and add it to the list with a weight.
 */
import type { CatalogTruth } from './catalogTruth.ts';

/** Which exchanges an answer may cover: the `certain` ones and, while one registers or leaves, the `maybe` ones. */
export interface Membership {
  certain: readonly string[];
  maybe: readonly string[];
}

export interface SoakRequest {
  kind: string;
  query: string;
  variables: Record<string, unknown>;
  /** Null when the answer is right; else why it is wrong. */
  check(body: any, membership: Membership): string | null;
}

export interface SoakQueryKind {
  name: string;
  /** Relative share of the load. */
  weight: number;
  /** The variants, prepared before the load (a direct count per exchange, a deep page's cursor...). */
  prepare(context: PrepareContext): Promise<Array<Omit<SoakRequest, 'kind'>>>;
}

export interface PrepareContext {
  truth: CatalogTruth;
  gatewayUrl: string;
  /** Each exchange's own subgraph, not through the gateway nor a proxy. */
  exchangeUrls: Record<string, string>;
}

export async function postGraphql(
  url: string,
  query: string,
  variables: Record<string, unknown> = {},
  timeoutMs = 30_000,
): Promise<{ status: number; body: any; responseCache: string | null }> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query, variables }),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const text = await response.text();
  let body: any;
  try {
    body = JSON.parse(text);
  } catch {
    body = { unparsed: text.slice(0, 200) };
  }
  // The gateway's x-response-cache header: whether the whole response came from its response cache.
  return { status: response.status, body, responseCache: response.headers.get('x-response-cache') };
}

/** The sets of exchanges an answer that names `missing` may have counted. */
export function presentSets(membership: Membership, missing: readonly string[]): string[][] {
  const base = membership.certain.filter((id) => !missing.includes(id));
  const sets = [base];
  const maybe = membership.maybe.filter((id) => !missing.includes(id));
  if (maybe.length > 0) sets.push([...base, ...maybe]);
  return sets;
}

/** The connection at `data.datasets`, or why there is none. */
function connectionOf(body: any): { connection?: any; problem?: string } {
  const connection = body?.data?.datasets;
  if (!connection) return { problem: `no data.datasets (errors: ${JSON.stringify(body?.errors ?? body).slice(0, 200)})` };
  if (!Array.isArray(connection.missingExchanges) || !Array.isArray(connection.nodes)) return { problem: 'no nodes or missingExchanges' };
  return { connection };
}

/** Each node is a listing the exchanges hold, with its provider and exchange, from an exchange that answered and may be counted. */
function checkNodes(truth: CatalogTruth, nodes: any[], missing: string[], sets: string[][]): string | null {
  const allowed = new Set(sets.flat());
  for (const node of nodes) {
    const listing = truth.listings.get(node.id);
    if (!listing) return `node ${node.id} is no listing of any exchange`;
    if (missing.includes(listing.exchange)) return `node ${node.id} comes from ${listing.exchange}, which the answer says is missing`;
    if (!allowed.has(listing.exchange)) return `node ${node.id} comes from ${listing.exchange}, not registered`;
    if (node.exchange && node.exchange.id !== listing.exchange) return `node ${node.id}: exchange ${node.exchange.id}, expected ${listing.exchange}`;
    if (node.provider !== undefined) {
      if (node.provider?.uscc !== listing.providerUscc) return `node ${node.id}: provider ${node.provider?.uscc}, expected ${listing.providerUscc}`;
      if (typeof node.provider.name !== 'string' || node.provider.name === '') return `node ${node.id}: provider ${listing.providerUscc} has no name`;
    }
  }
  return null;
}

function checkTotal(total: number, sets: string[][], expected: (set: string[]) => number): string | null {
  const candidates = sets.map(expected);
  return candidates.includes(total) ? null : `totalCount ${total}, expected ${candidates.join(' or ')}`;
}

/** Nodes ordered by `key` (non-decreasing, or non-increasing when `descending`), ties by id. */
function checkOrder(nodes: any[], key: (id: string) => number, descending: boolean): string | null {
  for (let i = 1; i < nodes.length; i++) {
    const [a, b] = [key(nodes[i - 1].id), key(nodes[i].id)];
    if (descending ? a < b : a > b) return `nodes ${nodes[i - 1].id} and ${nodes[i].id} are out of order`;
  }
  return null;
}

const TEXTS = ['数据', 'data', '疫苗', 'vaccination'];
const CATEGORY_CHOICES: Array<string[] | null> = [null, ['FINANCE'], ['PUBLIC_HEALTH', 'TELECOM']];

/** Text search sorted by price, with provider and exchange joins: counts from each exchange asked directly. */
const search: SoakQueryKind = {
  name: 'search',
  weight: 3,
  async prepare({ truth, exchangeUrls }) {
    const query = `query SoakSearch($filter: DatasetFilter) { datasets(filter: $filter, sort: PRICE_ASC, first: 20) {
      totalCount missingExchanges nodes { id provider { uscc name } exchange { id } } } }`;
    const direct = `query Direct($filter: DatasetFilter) { datasets(filter: $filter, first: 1) { totalCount } }`;
    const variants: Array<Omit<SoakRequest, 'kind'>> = [];
    for (const text of TEXTS) {
      for (const categories of CATEGORY_CHOICES) {
        const filter = categories ? { text, categories } : { text };
        const perExchange = new Map<string, number>();
        for (const [id, url] of Object.entries(exchangeUrls)) {
          const { body } = await postGraphql(url, direct, { filter });
          const n = body?.data?.datasets?.totalCount;
          if (typeof n !== 'number') throw new Error(`exchange ${id} did not count ${JSON.stringify(filter)}: ${JSON.stringify(body).slice(0, 200)}`);
          perExchange.set(id, n);
        }
        variants.push({
          query,
          variables: { filter },
          check(body, membership) {
            const { connection, problem } = connectionOf(body);
            if (!connection) return problem!;
            const sets = presentSets(membership, connection.missingExchanges);
            return (
              checkTotal(connection.totalCount, sets, (set) => set.reduce((sum, id) => sum + (perExchange.get(id) ?? Number.NaN), 0)) ??
              checkNodes(truth, connection.nodes, connection.missingExchanges, sets) ??
              checkOrder(connection.nodes, (id) => truth.listings.get(id)!.priceAsc, false)
            );
          },
        });
      }
    }
    return variants;
  },
};

/** priceStatistics by exchange and category: every bucket's count as SQLite counts it. */
const statistics: SoakQueryKind = {
  name: 'statistics',
  weight: 2,
  async prepare({ truth }) {
    const query = `query SoakStatistics($filter: DatasetFilter) { priceStatistics(filter: $filter, groupBy: [EXCHANGE, CATEGORY]) {
      buckets { keys count } missingExchanges } }`;
    return CATEGORY_CHOICES.map((categories) => ({
      query,
      variables: { filter: categories ? { categories } : null },
      check(body: any, membership: Membership) {
        const answer = body?.data?.priceStatistics;
        if (!answer || !Array.isArray(answer.buckets)) return `no data.priceStatistics (errors: ${JSON.stringify(body?.errors ?? body).slice(0, 200)})`;
        const missing: string[] = answer.missingExchanges;
        const seen = new Set<string>();
        for (const bucket of answer.buckets) {
          const [exchange, category] = bucket.keys;
          if (missing.includes(exchange)) return `a bucket of ${exchange}, which the answer says is missing`;
          const expected = truth.exchanges.get(exchange)?.byCategory.get(category) ?? 0;
          if (bucket.count !== expected) return `bucket ${exchange}/${category}: count ${bucket.count}, expected ${expected}`;
          if (categories && !categories.includes(category)) return `bucket ${exchange}/${category} outside the filter`;
          seen.add(exchange);
        }
        const sets = presentSets(membership, missing);
        const seenList = [...seen].sort();
        return sets.some((set) => [...set].sort().join() === seenList.join())
          ? null
          : `buckets of ${seenList.join(',')}, expected ${sets.map((s) => s.join(',')).join(' or ')}`;
      },
    }));
  },
};

/** Deep pages of the whole catalog, newest first, from cursors a walk through the gateway found before the load. */
const deepPages: SoakQueryKind = {
  name: 'deep page',
  weight: 2,
  async prepare({ truth, gatewayUrl }) {
    const walk = `query SoakWalk($after: String) { datasets(sort: UPDATED_DESC, first: 50, after: $after) { pageInfo { endCursor } nodes { id } } }`;
    const cursors: string[] = [];
    let after: string | null = null;
    for (let page = 1; page <= 10; page++) {
      const { body } = await postGraphql(gatewayUrl, walk, { after });
      after = body?.data?.datasets?.pageInfo?.endCursor;
      if (!after) {
        const directory = await postGraphql(gatewayUrl, '{ exchanges { id status } }');
        throw new Error(`the walk stopped at page ${page}: ${JSON.stringify(body).slice(0, 300)}; exchanges: ${JSON.stringify(directory.body)}`);
      }
      if (page === 5 || page === 10) cursors.push(after);
    }
    const query = `query SoakDeepPage($after: String) { datasets(sort: UPDATED_DESC, first: 50, after: $after) {
      totalCount missingExchanges nodes { id exchange { id } } } }`;
    return cursors.map((cursor) => ({
      query,
      variables: { after: cursor },
      check(body: any, membership: Membership) {
        const { connection, problem } = connectionOf(body);
        if (!connection) return problem!;
        const sets = presentSets(membership, connection.missingExchanges);
        // Empty is right only when no exchange answered (each named missing, as when all time out at
        // once): the cursors lie 250 and 500 listings into the whole catalog, before the end of every
        // exchange's part of it.
        if (connection.nodes.length === 0 && sets[0].length > 0)
          return `an empty deep page (totalCount ${connection.totalCount}, missingExchanges ${JSON.stringify(connection.missingExchanges)})`;
        return (
          checkTotal(connection.totalCount, sets, (set) => truth.count(set)) ??
          checkNodes(truth, connection.nodes, connection.missingExchanges, sets) ??
          checkOrder(connection.nodes, (id) => truth.listings.get(id)!.updatedMs, true)
        );
      },
    }));
  },
};

/** Listings of a category with their provider (the providers subgraph) and exchange (entity joins). */
const joins: SoakQueryKind = {
  name: 'entity join',
  weight: 3,
  async prepare({ truth }) {
    const query = `query SoakJoin($filter: DatasetFilter) { datasets(filter: $filter, first: 20) {
      totalCount missingExchanges nodes { id provider { uscc name } exchange { id name } } } }`;
    return ['FINANCE', 'PUBLIC_HEALTH', 'TELECOM', 'TRANSPORT'].map((category) => ({
      query,
      variables: { filter: { categories: [category] } },
      check(body: any, membership: Membership) {
        const { connection, problem } = connectionOf(body);
        if (!connection) return problem!;
        const sets = presentSets(membership, connection.missingExchanges);
        return (
          checkTotal(connection.totalCount, sets, (set) => truth.count(set, [category])) ??
          checkNodes(truth, connection.nodes, connection.missingExchanges, sets) ??
          connection.nodes.map((n: any) => (n.exchange?.name ? null : `node ${n.id} has no exchange name`)).find(Boolean) ??
          null
        );
      },
    }));
  },
};

export const soakQueryKinds: readonly SoakQueryKind[] = [search, statistics, deepPages, joins];

/** Every variant of every kind, each repeated by its kind's weight, ready to be drawn at random. */
export async function prepareWorkload(context: PrepareContext, kinds: readonly SoakQueryKind[] = soakQueryKinds): Promise<SoakRequest[][]> {
  const pools: SoakRequest[][] = [];
  for (const kind of kinds) {
    const variants = (await kind.prepare(context)).map((v) => ({ ...v, kind: kind.name }));
    if (variants.length === 0) throw new Error(`soak: kind ${kind.name} has no variant`);
    for (let i = 0; i < kind.weight; i++) pools.push(variants);
  }
  return pools;
}
