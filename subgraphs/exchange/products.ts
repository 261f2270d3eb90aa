import { badUserInput } from '../../shared/errors.ts';
import {
  spreadOf,
  positionOf,
  compareProducts,
  encodeProductCursor,
  decodeProductCursor,
  MAX_PRODUCTS_PAGE,
  MAX_MIN_EXCHANGES,
  type ProductSort,
  type ProductPosition,
} from '../../shared/productOrder.ts';
import type { StoreSession, DatasetRow } from './store/DatasetStore.ts';
import type { DatasetFilterInput } from './store/filterSql.ts';
import { Kind, type FieldNode, type GraphQLResolveInfo, type SelectionSetNode } from 'graphql';
import { toDataset } from './toDataset.ts';
import { datasetColumns } from './datasetColumns.ts';

/**
 * The exchange's side of products (docs/products.md): `productGroups`, its own groups of listings by
 * productCode, which the gateway merges across exchanges; and `products`, the same grouping over this
 * exchange alone (every product has exchangeCount 1 here).
 */
export const MAX_GROUPS_PAGE = 5000;

export interface ProductGroupsArgs {
  filter?: DatasetFilterInput | null;
  afterCode?: string | null;
  codes?: string[] | null;
  first?: number | null;
  crossListedCodes?: string[] | null;
}

export interface ProductsArgs {
  filter?: { minExchanges?: number | null; datasets?: DatasetFilterInput | null } | null;
  sort?: ProductSort | null;
  first?: number | null;
  after?: string | null;
}

/** The gateway's cross-listed codes go into the filter, where filterSql reads them. */
export function withCrossListedCodes(filter: DatasetFilterInput | null | undefined, codes: string[] | null | undefined): DatasetFilterInput | null | undefined {
  return codes && filter ? { ...filter, crossListedCodes: codes } : filter;
}

/** The Dataset fields under `groups { listings }` of a productGroups field, as a connection's `nodes` for datasetColumns. */
function listingColumns(info: Pick<GraphQLResolveInfo, 'fieldNodes' | 'fragments'> | undefined): string[] | null {
  if (!info) return null;
  const under = (set: SelectionSetNode | undefined, name: string): SelectionSetNode[] =>
    (set?.selections ?? []).flatMap((s) =>
      s.kind === Kind.FIELD && s.name.value === name && s.selectionSet ? [s.selectionSet] : s.kind === Kind.INLINE_FRAGMENT ? under(s.selectionSet, name) : [],
    );
  const listings = info.fieldNodes.flatMap((f) => under(f.selectionSet, 'groups')).flatMap((g) => under(g, 'listings'));
  if (listings.length === 0) return [];
  const nodes: FieldNode[] = listings.map((selectionSet) => ({ kind: Kind.FIELD, name: { kind: Kind.NAME, value: 'nodes' }, selectionSet }));
  return datasetColumns({
    fieldNodes: [{ kind: Kind.FIELD, name: { kind: Kind.NAME, value: 'productGroups' }, selectionSet: { kind: Kind.SELECTION_SET, selections: nodes } }],
    fragments: info.fragments,
  });
}

/**
 * A page of groups; each group's listings are read in one statement for the whole page, only when asked
 * for, and only the columns the selected fields need (the gateway's scans ask for prices alone).
 */
export function productGroups(session: StoreSession, args: ProductGroupsArgs, info?: Pick<GraphQLResolveInfo, 'fieldNodes' | 'fragments'>) {
  const first = args.first ?? 100;
  if (!Number.isInteger(first) || first < 1 || first > MAX_GROUPS_PAGE) throw badUserInput('first', `must be between 1 and ${MAX_GROUPS_PAGE}, got ${first}`);
  const filter = withCrossListedCodes(args.filter, args.crossListedCodes);
  const codes = session.productCodes({ filter, afterCode: args.afterCode, codes: args.codes, limit: first });
  const kept = codes.slice(0, first);
  let byCode: Map<string, DatasetRow[]> | null = null;
  const rowsOf = (code: string) => {
    if (!byCode) {
      byCode = new Map();
      for (const row of session.rowsOfProducts(filter, kept, listingColumns(info))) {
        const list = byCode.get(row.product_code as string) ?? [];
        list.push(row);
        byCode.set(row.product_code as string, list);
      }
    }
    return byCode.get(code) ?? [];
  };
  return {
    hasMore: codes.length > first,
    groups: kept.map((code) => ({
      productCode: code,
      get listings() {
        return rowsOf(code).map(toDataset);
      },
    })),
  };
}

/** `products` over this exchange alone: every matching code is one product on one exchange. */
export function products(session: StoreSession, args: ProductsArgs) {
  const sort = args.sort ?? 'PRODUCT_CODE';
  const first = args.first ?? 20;
  if (!Number.isInteger(first) || first < 0 || first > MAX_PRODUCTS_PAGE)
    throw badUserInput('first', `must be between 0 and ${MAX_PRODUCTS_PAGE}, got ${first}`);
  const minExchanges = args.filter?.minExchanges ?? 1;
  if (!Number.isInteger(minExchanges) || minExchanges < 1 || minExchanges > MAX_MIN_EXCHANGES) {
    throw badUserInput('filter.minExchanges', `must be between 1 and ${MAX_MIN_EXCHANGES}, got ${minExchanges}`);
  }
  let after: ProductPosition | null = null;
  if (args.after !== null && args.after !== undefined) {
    const decoded = decodeProductCursor(args.after, sort);
    if (typeof decoded === 'string') throw badUserInput('after', decoded);
    after = decoded;
  }
  const filter = args.filter?.datasets;
  // One exchange: a product on more than one exchange cannot be seen from here.
  const codes = minExchanges > 1 ? [] : session.productCodes({ filter, limit: Number.MAX_SAFE_INTEGER - 1 });
  const rows = session.rowsOfProducts(filter, codes);
  const byCode = new Map<string, DatasetRow[]>();
  for (const row of rows) byCode.set(row.product_code as string, [...(byCode.get(row.product_code as string) ?? []), row]);
  const all = codes.map((code) => {
    const listings = (byCode.get(code) ?? []).map(toDataset);
    const spread = spreadOf(listings.map((l) => l.price));
    return { productCode: code, title: listings[0]?.title ?? '', titleZh: listings[0]?.titleZh ?? '', exchangeCount: 1, listings, spread };
  });
  const ordered = all.map((product) => ({ product, position: positionOf(sort, product) })).sort((a, b) => compareProducts(a.position, b.position));
  const start = after ? ordered.findIndex((p) => compareProducts(p.position, after!) > 0) : 0;
  const rest = start < 0 ? [] : ordered.slice(start);
  const page = rest.slice(0, first);
  const edges = page.map((p) => ({ cursor: encodeProductCursor(sort, p.position), node: p.product }));
  return {
    edges,
    nodes: edges.map((e) => e.node),
    pageInfo: { hasNextPage: rest.length > first, endCursor: edges.at(-1)?.cursor ?? null },
    totalCount: all.length,
    missingExchanges: [] as string[],
  };
}
