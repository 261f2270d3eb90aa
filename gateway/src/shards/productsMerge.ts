import { PRODUCTS, PAGE_INFO, ID_PREFIX_SEPARATOR } from '../../../schema/mergeRules.ts';
import {
  spreadOf,
  compareCodes,
  encodeProductCursor,
  positionOf,
  type ListingPrice,
  type PriceSpread,
  type ProductSort,
} from '../../../shared/productOrder.ts';
import { HIDDEN, HIDDEN_PREFIX, type Shape } from './shardPlan.ts';

/**
 * The pure part of products (docs/products.md): one exchange's page of product groups, merging groups
 * of several exchanges by productCode up to a boundary, and a product in the shape the client asked for.
 */

/** Hidden listing fields the router asks for, whatever the client selected. */
export const HIDDEN_LISTING = {
  price: `${HIDDEN_PREFIX}price`,
  title: `${HIDDEN_PREFIX}title`,
  titleZh: `${HIDDEN_PREFIX}titleZh`,
} as const;

export interface ProductGroup {
  exchange: string;
  productCode: string;
  /** The exchange's Dataset objects (client fields and hidden ones). */
  listings: Array<Record<string, unknown>>;
}

export interface GroupPage {
  exchange: string;
  groups: ProductGroup[];
  hasMore: boolean;
}

export interface MergedProduct {
  productCode: string;
  exchanges: string[];
  listings: Array<Record<string, unknown>>;
  spread: PriceSpread | null;
}

/**
 * A problem with one exchange's page (null when good): the merge relies on groups in strictly ascending
 * code order after `afterCode` (or among `codes`), at most `first` of them, and listings of its own.
 */
export function groupPageProblem(
  value: unknown,
  exchange: string,
  request: { afterCode: string | null; codes: readonly string[] | null; first: number },
): string | null {
  if (value === null || typeof value !== 'object') return 'is not a page of product groups';
  const page = value as Record<string, unknown>;
  if (typeof page[PRODUCTS.page.hasMore] !== 'boolean') return 'has no hasMore';
  const groups = page[PRODUCTS.page.groups];
  if (!Array.isArray(groups)) return 'has no groups';
  if (groups.length > request.first) return `returned ${groups.length} groups for first: ${request.first}`;
  const allowed = request.codes ? new Set(request.codes) : null;
  let previous = request.afterCode;
  for (const group of groups as Array<Record<string, unknown> | null>) {
    const code = group?.[PRODUCTS.group.code];
    if (typeof code !== 'string') return 'returned a group without a product code';
    if (previous !== null && compareCodes(previous, code) >= 0) return 'returned groups out of order';
    if (allowed && !allowed.has(code)) return 'returned a group it was not asked for';
    previous = code;
    const listings = group![PRODUCTS.group.listings];
    if (listings === undefined) continue;
    if (!Array.isArray(listings) || listings.length === 0) return 'returned a group without listings';
    for (const listing of listings as Array<Record<string, unknown> | null>) {
      const id = listing?.[HIDDEN.id];
      if (typeof id !== 'string' || !id.startsWith(`${exchange}${ID_PREFIX_SEPARATOR}`)) return 'returned listings without its own prefix';
    }
  }
  return null;
}

/** One exchange's answer as a page of groups (already checked by groupPageProblem). */
export function toGroupPage(exchange: string, value: Record<string, unknown>): GroupPage {
  return {
    exchange,
    hasMore: value[PRODUCTS.page.hasMore] as boolean,
    groups: (value[PRODUCTS.page.groups] as Array<Record<string, unknown>>).map((g) => ({
      exchange,
      productCode: g[PRODUCTS.group.code] as string,
      listings: (g[PRODUCTS.group.listings] ?? []) as Array<Record<string, unknown>>,
    })),
  };
}

/**
 * Where every exchange's groups are known: the smallest last code of the exchanges that have more
 * (null: none has more, everything is known). A group with a code up to the boundary is complete.
 */
export function boundaryOf(lastCodes: ReadonlyArray<{ lastCode: string | null; hasMore: boolean }>): string | null {
  let boundary: string | null = null;
  for (const { lastCode, hasMore } of lastCodes) {
    if (!hasMore || lastCode === null) continue;
    if (boundary === null || compareCodes(lastCode, boundary) < 0) boundary = lastCode;
  }
  return boundary;
}

/** Groups of several exchanges merged by code, in code order; listings by exchange id, then id. */
export function mergeGroups(groups: readonly ProductGroup[]): MergedProduct[] {
  const byCode = new Map<string, ProductGroup[]>();
  for (const group of groups) {
    const parts = byCode.get(group.productCode);
    if (parts) parts.push(group);
    else byCode.set(group.productCode, [group]);
  }
  const products: MergedProduct[] = [];
  for (const [code, parts] of byCode) {
    const listings = parts.length === 1 ? parts[0].listings : parts.flatMap((p) => p.listings);
    if (listings.length > 1) listings.sort((a, b) => compareCodes(String(a[HIDDEN.id]), String(b[HIDDEN.id])));
    const exchanges = parts.length === 1 ? [parts[0].exchange] : [...new Set(parts.map((p) => p.exchange))].sort(compareCodes);
    let priced = true;
    for (const listing of listings) if (!listing[HIDDEN_LISTING.price]) priced = false;
    products.push({
      productCode: code,
      exchanges,
      listings,
      spread: priced ? spreadOf(listings.map((l) => l[HIDDEN_LISTING.price] as ListingPrice)) : null,
    });
  }
  return products.sort((a, b) => compareCodes(a.productCode, b.productCode));
}

export function cursorOfProduct(sort: ProductSort, product: MergedProduct): string {
  return encodeProductCursor(sort, positionOf(sort, { productCode: product.productCode, exchangeCount: product.exchanges.length, spread: product.spread }));
}

/** A product in the client's shape (`shape` is the selection under `node` or `nodes`). */
export function productNode(product: MergedProduct, shape: Shape | undefined): Record<string, unknown> {
  const node: Record<string, unknown> = {};
  for (const [key, { field, shape: sub }] of shape ?? []) {
    switch (field) {
      case PRODUCTS.node.code:
        node[key] = product.productCode;
        break;
      case PRODUCTS.node.title:
        node[key] = String(product.listings[0]?.[HIDDEN_LISTING.title] ?? '');
        break;
      case PRODUCTS.node.titleZh:
        node[key] = String(product.listings[0]?.[HIDDEN_LISTING.titleZh] ?? '');
        break;
      case PRODUCTS.node.exchangeCount:
        node[key] = product.exchanges.length;
        break;
      case PRODUCTS.node.listings:
        node[key] = product.listings;
        break;
      case PRODUCTS.node.spread:
        node[key] = product.spread ? spreadNode(product.spread, sub) : null;
        break;
      case '__typename':
        node[key] = PRODUCTS.nodeType;
        break;
      default:
        node[key] = null;
    }
  }
  return node;
}

function spreadNode(spread: PriceSpread, shape: Shape | undefined): Record<string, unknown> {
  const node: Record<string, unknown> = {};
  for (const [key, { field }] of shape ?? []) {
    node[key] = field === '__typename' ? PRODUCTS.spreadType : ((spread as unknown as Record<string, unknown>)[field] ?? null);
  }
  return node;
}

export interface ProductPage {
  products: MergedProduct[];
  hasNextPage: boolean;
  endCursor: string | null;
  totalCount: number | null;
  missingExchanges: string[];
}

/** The ProductConnection in the client's shape. */
export function productConnection(page: ProductPage, sort: ProductSort, shape: Shape): Record<string, unknown> {
  const connection: Record<string, unknown> = {};
  for (const [key, { field, shape: sub }] of shape) {
    switch (field) {
      case 'edges':
        connection[key] = page.products.map((product) => {
          const edge: Record<string, unknown> = {};
          for (const [edgeKey, { field: edgeField, shape: nodeShape }] of sub ?? []) {
            if (edgeField === 'cursor') edge[edgeKey] = cursorOfProduct(sort, product);
            else if (edgeField === 'node') edge[edgeKey] = productNode(product, nodeShape);
            else if (edgeField === '__typename') edge[edgeKey] = PRODUCTS.edgeType;
          }
          return edge;
        });
        break;
      case 'nodes':
        connection[key] = page.products.map((product) => productNode(product, sub));
        break;
      case 'pageInfo': {
        const info: Record<string, unknown> = {};
        for (const [infoKey, { field: infoField }] of sub ?? []) {
          if (infoField === PAGE_INFO.hasNextPage) info[infoKey] = page.hasNextPage;
          else if (infoField === PAGE_INFO.endCursor) info[infoKey] = page.endCursor;
          else if (infoField === '__typename') info[infoKey] = PAGE_INFO.type;
        }
        connection[key] = info;
        break;
      }
      case 'totalCount':
        connection[key] = page.totalCount ?? 0;
        break;
      case 'missingExchanges':
        connection[key] = page.missingExchanges;
        break;
      case '__typename':
        connection[key] = PRODUCTS.connectionType;
        break;
      default:
        connection[key] = null;
    }
  }
  return connection;
}
