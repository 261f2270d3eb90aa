import { Kind, print, visit, type FieldNode, type SelectionNode, type SelectionSetNode, type VariableDefinitionNode } from 'graphql';
import { PRODUCTS } from '../../../schema/mergeRules.ts';
import {
  decodeProductCursor,
  positionOf,
  compareProducts,
  PRODUCT_SORTS,
  MAX_PRODUCTS_PAGE,
  MAX_MIN_EXCHANGES,
  type ProductSort,
  type ProductPosition,
} from '../../../shared/productOrder.ts';
import { HIDDEN, HIDDEN_PREFIX, type Shape } from './shardPlan.ts';
import { crossListedVariable } from './productsPlan.ts';
import {
  HIDDEN_LISTING,
  groupPageProblem,
  toGroupPage,
  boundaryOf,
  mergeGroups,
  productConnection,
  cursorOfProduct,
  type GroupPage,
  type MergedProduct,
  type ProductGroup,
} from './productsMerge.ts';

/**
 * Answers `products` for the router with calls of its own to every target exchange's `productGroups`
 * (several rounds for one field), merging groups by productCode. The algorithm and its costs are in
 * docs/products.md; the pure merge is productsMerge.ts.
 */

type GraphQLErrorJson = { message: string; path?: ReadonlyArray<string | number>; extensions?: Record<string, unknown> };

/** What one call of the groups query to several exchanges gave. */
export interface GroupsCallResult {
  /** The `productGroups` value of every exchange that answered well. */
  pages: Map<string, Record<string, unknown>>;
  /** Exchanges that failed (now or earlier in the request): their part is missing. */
  failed: string[];
  /** One EXCHANGE_* error per exchange that failed for the first time in the request. */
  errors: GraphQLErrorJson[];
  /** The client's mistakes, when every exchange that answered refused the input. */
  userErrors: GraphQLErrorJson[];
  /** The catalog version each answer reported (null when it did not say). */
  versions: Map<string, string | null>;
}

/**
 * Sends `query` to each exchange with its own variables; `check` says whether an exchange's
 * `productGroups` value is usable (null) or a bad response (the problem).
 */
export type GroupsCall = (
  query: string,
  variablesByExchange: Map<string, Record<string, unknown>>,
  check: (exchange: string, value: unknown) => string | null,
) => Promise<GroupsCallResult>;

export interface ProductsResolverOptions {
  /** Groups asked of each exchange per round of a PRODUCT_CODE page. Default: 2 × (first + 1), at least 50. */
  groupsPerRound?: (first: number) => number;
  /** Rounds of a PRODUCT_CODE page before it is cut short (hasNextPage true, a valid endCursor). Default 8. */
  maxRounds?: number;
  /** Groups per call of a full scan (SPREAD_DESC, EXCHANGES_DESC, totalCount). Default 5000 (the contract's limit). */
  scanPageSize?: number;
  /**
   * Groups a full scan may hold in the gateway's memory; past it the field is refused, naming the way out
   * (a narrower filter, minExchanges 2). Default 500,000 (about half the codes of four exchanges of 250,000).
   */
  maxScanGroups?: number;
}

export interface ProductsField {
  responseKey: string;
  /** The rewritten `products` field node (hidden Dataset ids in place). */
  node: FieldNode;
  shape: Shape;
  args: {
    filter?: { minExchanges?: number | null; datasets?: Record<string, unknown> | null } | null;
    sort?: ProductSort | null;
    first?: number | null;
    after?: string | null;
  };
  targets: string[];
  variableDefinitions: readonly VariableDefinitionNode[];
  variables: Record<string, unknown>;
  /** The codes listed on two or more exchanges (asked only when needed), and the exchanges that could not say. */
  crossListedCodes: () => Promise<{ codes: string[]; failed: string[]; errors: GraphQLErrorJson[] }>;
}

/** The variables of the groups query (tests fake exchanges with them). */
export const GROUPS_VARIABLES = {
  filter: `${HIDDEN_PREFIX}gfilter`,
  after: `${HIDDEN_PREFIX}gafter`,
  codes: `${HIDDEN_PREFIX}gcodes`,
  first: `${HIDDEN_PREFIX}gfirst`,
};
const MAX_SCAN_CALLS = 2000;

function badInput(responseKey: string, argument: string, message: string): GraphQLErrorJson {
  return { message: `${argument}: ${message}`, path: [responseKey], extensions: { code: 'BAD_USER_INPUT', argument } };
}

/** The client's selections under `listings` (through edges.node and nodes), as one selection set. */
function listingSelections(node: FieldNode): SelectionNode[] {
  const found: SelectionNode[] = [];
  const walk = (set: SelectionSetNode | undefined, depth: number) => {
    for (const selection of set?.selections ?? []) {
      if (selection.kind === Kind.INLINE_FRAGMENT) walk(selection.selectionSet, depth);
      if (selection.kind !== Kind.FIELD) continue;
      const name = selection.name.value;
      if (depth === 0 && (name === 'edges' || name === 'nodes')) walk(selection.selectionSet, name === 'edges' ? 1 : 2);
      else if (depth === 1 && name === 'node') walk(selection.selectionSet, 2);
      else if (depth === 2 && name === PRODUCTS.node.listings && selection.selectionSet) {
        found.push({
          kind: Kind.INLINE_FRAGMENT,
          typeCondition: { kind: Kind.NAMED_TYPE, name: { kind: Kind.NAME, value: 'Dataset' } },
          selectionSet: selection.selectionSet,
        });
      }
    }
  };
  walk(node.selectionSet, 0);
  return found;
}

type ListingDetail = 'codes' | 'prices' | 'client';

interface RunSettings {
  call: GroupsCall;
  maxScanGroups: number;
  groupsPerRound: (first: number) => number;
  maxRounds: number;
  scanPageSize: number;
}

export class ProductsResolver {
  private readonly settings: RunSettings;

  constructor(call: GroupsCall, options: ProductsResolverOptions = {}) {
    this.settings = {
      call,
      groupsPerRound: options.groupsPerRound ?? ((first) => Math.max(50, 2 * (first + 1))),
      maxRounds: options.maxRounds ?? 8,
      scanPageSize: options.scanPageSize ?? 5000,
      maxScanGroups: options.maxScanGroups ?? 500_000,
    };
  }

  async resolve(field: ProductsField): Promise<{ value: Record<string, unknown> | null; errors: GraphQLErrorJson[] }> {
    const sort = field.args.sort ?? 'PRODUCT_CODE';
    const first = field.args.first ?? 20;
    const minExchanges = field.args.filter?.minExchanges ?? 1;
    if (!PRODUCT_SORTS.includes(sort))
      return { value: null, errors: [badInput(field.responseKey, 'sort', `must be one of ${PRODUCT_SORTS.join(', ')}, got ${sort}`)] };
    if (!Number.isInteger(first) || first < 0 || first > MAX_PRODUCTS_PAGE)
      return { value: null, errors: [badInput(field.responseKey, 'first', `must be between 0 and ${MAX_PRODUCTS_PAGE}, got ${first}`)] };
    if (!Number.isInteger(minExchanges) || minExchanges < 1 || minExchanges > MAX_MIN_EXCHANGES) {
      return { value: null, errors: [badInput(field.responseKey, 'filter.minExchanges', `must be between 1 and ${MAX_MIN_EXCHANGES}, got ${minExchanges}`)] };
    }
    let after: ProductPosition | null = null;
    if (field.args.after !== null && field.args.after !== undefined) {
      const decoded = decodeProductCursor(field.args.after, sort);
      if (typeof decoded === 'string') return { value: null, errors: [badInput(field.responseKey, 'after', decoded)] };
      after = decoded;
    }
    const run = new ProductsRun(this.settings, field, minExchanges);
    const page = await run.page(sort, first, after);
    if (run.userErrors.length > 0) return { value: null, errors: run.userErrors };
    return { value: productConnection({ ...page, missingExchanges: run.missing() }, sort, field.shape), errors: run.errors };
  }
}

/** One resolution of one `products` field: its calls, failures and errors. */
class ProductsRun {
  readonly errors: GraphQLErrorJson[] = [];
  userErrors: GraphQLErrorJson[] = [];
  private readonly failed = new Set<string>();
  private readonly queries = new Map<ListingDetail, string>();
  private codes: string[] | null = null;

  constructor(
    private readonly settings: RunSettings,
    private readonly field: ProductsField,
    private readonly minExchanges: number,
  ) {}

  missing(): string[] {
    return this.field.targets.filter((t) => this.failed.has(t)).concat([...this.failed].filter((t) => !this.field.targets.includes(t)));
  }

  /**
   * The listings filter as sent: with minExchanges 2 or more, only cross-listed listings can make a
   * product, so the exchanges are told so (exact, and it skips the ~96% of codes listed once).
   */
  private datasetFilter(): { filter: Record<string, unknown> | null; empty: boolean; needsCodes: boolean } {
    const filter = this.field.args.filter?.datasets ?? null;
    const crossListed = filter?.crossListed;
    if (this.minExchanges >= 2) {
      if (crossListed === false) return { filter, empty: true, needsCodes: false };
      return { filter: { ...(filter ?? {}), crossListed: true }, empty: false, needsCodes: true };
    }
    return { filter, empty: false, needsCodes: crossListed !== null && crossListed !== undefined };
  }

  private async crossListedCodes(): Promise<string[]> {
    if (this.codes) return this.codes;
    const result = await this.field.crossListedCodes();
    for (const exchange of result.failed) this.failed.add(exchange);
    this.errors.push(...result.errors.map((e) => ({ ...e, path: [this.field.responseKey] })));
    return (this.codes = result.codes);
  }

  private query(detail: ListingDetail): string {
    let text = this.queries.get(detail);
    if (text) return text;
    const hidden = `${HIDDEN.id}: id ${HIDDEN_LISTING.price}: price { model amount currency } ${HIDDEN_LISTING.title}: title ${HIDDEN_LISTING.titleZh}: titleZh`;
    const client = detail === 'client' ? listingSelections(this.field.node) : [];
    const listings =
      detail === 'codes'
        ? ''
        : `${PRODUCTS.group.listings} { ${detail === 'prices' ? `${HIDDEN.id}: id ${HIDDEN_LISTING.price}: price { model amount currency }` : hidden} ${client.map((s) => print(s)).join(' ')} }`;
    const used = new Set<string>();
    for (const s of client) visit(s, { Variable: (v) => void used.add(v.name.value) });
    const clientDefinitions = this.field.variableDefinitions.filter((d) => used.has(d.variable.name.value)).map((d) => print(d));
    const a = PRODUCTS.groupsArguments;
    text = `query ShardProductGroups($${GROUPS_VARIABLES.filter}: DatasetFilter, $${GROUPS_VARIABLES.after}: String, $${GROUPS_VARIABLES.codes}: [String!], $${GROUPS_VARIABLES.first}: Int, $${crossListedVariable()}: [String!]${clientDefinitions.map((d) => `, ${d}`).join('')}) {
  ${PRODUCTS.groupsField}(${a.filter}: $${GROUPS_VARIABLES.filter}, ${a.afterCode}: $${GROUPS_VARIABLES.after}, ${a.codes}: $${GROUPS_VARIABLES.codes}, ${a.first}: $${GROUPS_VARIABLES.first}, crossListedCodes: $${crossListedVariable()}) {
    ${PRODUCTS.page.hasMore} ${PRODUCTS.page.groups} { ${PRODUCTS.group.code} ${listings} } } }`;
    this.queries.set(detail, text);
    return text;
  }

  private clientVariables(): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const d of this.field.variableDefinitions)
      if (d.variable.name.value in this.field.variables) out[d.variable.name.value] = this.field.variables[d.variable.name.value];
    return out;
  }

  /** One call of the groups query to the given exchanges: each its own afterCode or codes. */
  private async groups(
    detail: ListingDetail,
    requests: Map<string, { afterCode: string | null; codes: string[] | null; first: number }>,
  ): Promise<Map<string, GroupPage>> {
    const { filter, needsCodes } = this.datasetFilter();
    const crossListed = needsCodes ? await this.crossListedCodes() : null;
    const asked = new Map([...requests].filter(([exchange]) => !this.failed.has(exchange)));
    if (asked.size === 0) return new Map();
    const base = {
      ...(detail === 'client' ? this.clientVariables() : {}),
      [GROUPS_VARIABLES.filter]: filter,
      ...(crossListed ? { [crossListedVariable()]: crossListed } : {}),
    };
    const variables = new Map(
      [...asked].map(([exchange, r]) => [
        exchange,
        { ...base, [GROUPS_VARIABLES.after]: r.afterCode, [GROUPS_VARIABLES.codes]: r.codes, [GROUPS_VARIABLES.first]: r.first },
      ]),
    );
    const result = await this.settings.call(this.query(detail), variables, (exchange, value) => groupPageProblem(value, exchange, asked.get(exchange)!));
    for (const exchange of result.failed) this.failed.add(exchange);
    this.errors.push(...result.errors.map((e) => ({ ...e, path: [this.field.responseKey] })));
    if (result.userErrors.length > 0) this.userErrors = result.userErrors.map((e) => ({ ...e, path: [this.field.responseKey] }));
    return new Map([...result.pages].map(([exchange, value]) => [exchange, toGroupPage(exchange, value)]));
  }

  async page(sort: ProductSort, first: number, after: ProductPosition | null) {
    if (this.datasetFilter().empty) return { products: [], hasNextPage: false, endCursor: null, totalCount: 0 };
    const wantsTotal = [...this.field.shape.values()].some((s) => s.field === 'totalCount');
    if (sort !== 'PRODUCT_CODE') return this.pageFromScan(sort, first, after);
    const page = await this.pageByCode(first, after?.code ?? null);
    const totalCount = wantsTotal && this.userErrors.length === 0 ? this.kept(await this.scan('codes')).length : null;
    return { ...page, totalCount };
  }

  private kept(products: MergedProduct[]): MergedProduct[] {
    return products.filter((p) => p.exchanges.length >= this.minExchanges);
  }

  /**
   * PRODUCT_CODE: rounds of "each exchange's next M groups after its own last code". Groups up to the
   * boundary (boundaryOf) are complete on every exchange and merge; rounds go on until first + 1
   * products are found or nothing is left. A page cut short by maxRounds ends at the boundary.
   */
  private async pageByCode(first: number, afterCode: string | null) {
    const perRound = Math.min(this.settings.scanPageSize, this.settings.groupsPerRound(first));
    const state = new Map(this.field.targets.map((t) => [t, { lastCode: afterCode, hasMore: true, buffer: [] as ProductGroup[] }]));
    const found: MergedProduct[] = [];
    let position = afterCode;
    for (let round = 0; round < this.settings.maxRounds; round++) {
      const asking = new Map([...state].filter(([, s]) => s.hasMore).map(([t, s]) => [t, { afterCode: s.lastCode, codes: null, first: perRound }]));
      const pages = await this.groups('client', asking);
      if (this.userErrors.length > 0) return { products: [], hasNextPage: false, endCursor: null };
      for (const [exchange] of asking) {
        const s = state.get(exchange)!;
        const page = pages.get(exchange);
        if (!page) {
          // failed: its part is missing
          state.delete(exchange);
          continue;
        }
        s.buffer.push(...page.groups);
        s.hasMore = page.hasMore;
        s.lastCode = page.groups.at(-1)?.productCode ?? s.lastCode;
      }
      const boundary = boundaryOf([...state.values()]);
      const ready: ProductGroup[] = [];
      for (const s of state.values()) {
        const cut = boundary === null ? s.buffer.length : s.buffer.findIndex((g) => g.productCode > boundary);
        const end = cut < 0 ? s.buffer.length : cut;
        ready.push(...s.buffer.slice(0, end));
        s.buffer = s.buffer.slice(end);
      }
      found.push(...this.kept(mergeGroups(ready)));
      if (found.length > first) {
        const products = found.slice(0, first);
        return { products, hasNextPage: true, endCursor: products.length > 0 ? cursorOfProduct('PRODUCT_CODE', products.at(-1)!) : cursorAt(position) };
      }
      if (boundary === null)
        return { products: found, hasNextPage: false, endCursor: found.length > 0 ? cursorOfProduct('PRODUCT_CODE', found.at(-1)!) : null };
      position = boundary;
    }
    // Cut short: everything up to the boundary was seen, so the page ends there (it may hold fewer than `first`).
    return { products: found, hasNextPage: true, endCursor: cursorAt(position) };
  }

  /** Every group of every target exchange, merged: codes only, or with prices (for spreads). */
  private async scan(detail: 'codes' | 'prices'): Promise<MergedProduct[]> {
    const state = new Map(this.field.targets.map((t) => [t, { lastCode: null as string | null, hasMore: true }]));
    const groups: ProductGroup[] = [];
    for (let call = 0; call < MAX_SCAN_CALLS && [...state.values()].some((s) => s.hasMore); call++) {
      const asking = new Map(
        [...state].filter(([, s]) => s.hasMore).map(([t, s]) => [t, { afterCode: s.lastCode, codes: null, first: this.settings.scanPageSize }]),
      );
      const pages = await this.groups(detail, asking);
      if (this.userErrors.length > 0) return [];
      for (const [exchange] of asking) {
        const page = pages.get(exchange);
        if (!page) {
          state.delete(exchange);
          groups.splice(0, groups.length, ...groups.filter((g) => g.exchange !== exchange));
          continue;
        }
        for (const g of page.groups) groups.push(g);
        if (groups.length > this.settings.maxScanGroups) {
          this.userErrors = [
            {
              message: `${this.field.responseKey}: this sort or totalCount needs every matching product, more than ${this.settings.maxScanGroups} here; narrow filter.datasets or set filter.minExchanges to 2 or more`,
              path: [this.field.responseKey],
              extensions: { code: 'BAD_USER_INPUT', argument: 'filter' },
            },
          ];
          return [];
        }
        state.set(exchange, { lastCode: page.groups.at(-1)?.productCode ?? null, hasMore: page.hasMore && page.groups.length > 0 });
      }
    }
    return mergeGroups(groups);
  }

  /**
   * SPREAD_DESC and EXCHANGES_DESC need every candidate: a scan of codes and prices (cached per exchange
   * version by the fetcher), sorted by (key, code); then the page's own listings in one call.
   */
  private async pageFromScan(sort: ProductSort, first: number, after: ProductPosition | null) {
    const all = this.kept(await this.scan(sort === 'SPREAD_DESC' ? 'prices' : 'codes'));
    const ordered = all
      .map((product) => ({
        product,
        position: positionOf(sort, { productCode: product.productCode, exchangeCount: product.exchanges.length, spread: product.spread }),
      }))
      .sort((a, b) => compareProducts(a.position, b.position));
    const rest = after ? ordered.filter((p) => compareProducts(p.position, after) > 0) : ordered;
    const chosen = rest.slice(0, first);
    const byExchange = new Map<string, string[]>();
    for (const { product } of chosen)
      for (const exchange of product.exchanges) byExchange.set(exchange, [...(byExchange.get(exchange) ?? []), product.productCode]);
    const pages = await this.groups('client', new Map([...byExchange].map(([exchange, codes]) => [exchange, { afterCode: null, codes, first: codes.length }])));
    const full = new Map(mergeGroups([...pages.values()].flatMap((p) => p.groups)).map((p) => [p.productCode, p]));
    // A product keeps its place (and cursor) from the scan; its listings and spread are the page call's.
    const products = chosen.map(({ product }) => {
      const fetched = full.get(product.productCode);
      return fetched ? { ...fetched, exchanges: product.exchanges, spread: sort === 'SPREAD_DESC' ? product.spread : fetched.spread } : product;
    });
    return {
      products,
      hasNextPage: rest.length > first,
      endCursor: products.length > 0 ? cursorOfProduct(sort, products.at(-1)!) : null,
      totalCount: all.length,
    };
  }
}

function cursorAt(code: string | null): string | null {
  return code === null ? null : cursorOfProduct('PRODUCT_CODE', { productCode: code, exchanges: [], listings: [], spread: null });
}
