import { SORTS, type ListingNode, type Sort } from '../contractOrder.ts';
import { WALK_LIMIT, type CheckContext } from '../CheckContext.ts';
import { describeWalk, walkPages, type Filter, type Walk } from '../walkPages.ts';
import { agreementProblem, orderProblem, sortFilter } from './walkAnalysis.ts';

/** Page sizes of the whole walks of a small set: one page, and many small ones. */
const SUBSET_PAGE_SIZES = [100, 7];
/** The unfiltered catalog (or the whole text match) is sampled by its first pages, in two page sizes. */
const PREFIX_WALKS = [
  { pageSize: 100, maxPages: 3 },
  { pageSize: 30, maxPages: 10 },
];

async function walk(ctx: CheckContext, sort: Sort, filter: Filter, pageSize: number, maxPages: number): Promise<Walk> {
  const result = await walkPages(ctx.client, { sort, filter, pageSize, maxPages, onPage: (page) => ctx.observe(page, `datasets(sort: ${sort})`) });
  ctx.walks.push(result);
  return result;
}

/**
 * A sort: walks in several page sizes return every listing once, in the contract's order. The full
 * profile walks a small filtered set whole and the first pages of the whole catalog; the registration
 * profile reads two pages of 20.
 */
export async function checkSort(ctx: CheckContext, sort: Sort): Promise<void> {
  const base = sortFilter(sort, await ctx.textTerm());
  const groups: Walk[][] = [];
  if (ctx.profile === 'registration') {
    groups.push([await walk(ctx, sort, base, 20, 2)]);
  } else {
    let subset: Filter = { ...(await ctx.subsetFilter()), ...base };
    if (sort === 'RELEVANCE' && (await ctx.page({ sort, filter: base, first: 0 })).totalCount <= WALK_LIMIT) subset = base;
    const whole: Walk[] = [];
    for (const pageSize of SUBSET_PAGE_SIZES) whole.push(await walk(ctx, sort, subset, pageSize, Math.ceil(WALK_LIMIT / pageSize) + 2));
    groups.push(whole);
    const missing = await missingFromWalk(ctx, whole[0], subset);
    if (missing) ctx.fail(missing);
    if (Object.keys(subset).length > Object.keys(base).length) {
      const prefixes: Walk[] = [];
      for (const { pageSize, maxPages } of PREFIX_WALKS) prefixes.push(await walk(ctx, sort, base, pageSize, maxPages));
      groups.push(prefixes);
    }
  }
  for (const walks of groups) {
    for (const w of walks) {
      const problem = orderProblem(w);
      if (problem) ctx.fail(problem);
    }
    for (const w of walks.slice(1)) {
      const problem = agreementProblem(walks[0], w);
      if (problem) ctx.fail(problem);
    }
  }
}

/** Listings of the sample (the newest) that match the walked filter and that a whole walk left out. */
async function missingFromWalk(ctx: CheckContext, walked: Walk, filter: Filter): Promise<string | null> {
  if (!walked.complete || 'text' in filter) return null;
  const matches = (n: ListingNode) =>
    (!filter.categories || (filter.categories as string[]).includes(n.category)) &&
    (!filter.pricingModels || (filter.pricingModels as string[]).includes(n.price.model)) &&
    (!filter.providerUscc || n.provider?.uscc === filter.providerUscc) &&
    (!filter.productCode || n.productCode === filter.productCode);
  const ids = new Set(walked.edges.map((e) => e.node.id));
  const left = (await ctx.sample()).nodes.find((n) => matches(n) && !ids.has(n.id));
  return left ? `${describeWalk(walked)}: the walk never returned ${left.id}, which matches the filter (it is among the newest listings)` : null;
}

/** totalCount: the same on every page of a walk, equal to a whole walk's length and to `first: 0`'s. */
export async function checkTotalCount(ctx: CheckContext): Promise<void> {
  if (ctx.walks.length === 0) await walk(ctx, 'UPDATED_DESC', {}, 20, 2);
  const firstZero = new Map<string, number>();
  for (const w of ctx.walks) {
    const where = `sort ${w.sort}${Object.keys(w.filter).length ? ` filter ${JSON.stringify(w.filter)}` : ''}, pages of ${w.pageSize}`;
    const counts = w.pages.map((p) => p.totalCount);
    const differing = counts.findIndex((c) => c !== counts[0]);
    if (differing > 0) ctx.fail(`${where}: totalCount ${counts[0]} on page 1, ${counts[differing]} on page ${differing + 1}`);
    if (w.complete && counts[0] !== w.edges.length) ctx.fail(`${where}: totalCount ${counts[0]}, the walk returned ${w.edges.length} listings`);
    if (!w.complete && counts[0] <= w.edges.length)
      ctx.fail(`${where}: totalCount ${counts[0]}, yet ${w.edges.length} listings were read and hasNextPage is still true`);
    const key = JSON.stringify([w.sort, w.filter]);
    if (!firstZero.has(key)) {
      const page = await ctx.page({ sort: w.sort, filter: w.filter, first: 0 });
      firstZero.set(key, page.totalCount);
      if (page.totalCount !== counts[0]) ctx.fail(`${where}: totalCount ${counts[0]}, but first: 0 answers totalCount ${page.totalCount}`);
    }
  }
}

/** `first: 0`, the last cursor, and a cursor of another sort behave as documented. */
export async function checkPaging(ctx: CheckContext): Promise<void> {
  const term = await ctx.textTerm();
  const subset = await ctx.subsetFilter();
  for (const [index, sort] of SORTS.entries()) {
    const filter = { ...subset, ...sortFilter(sort, term) };
    const whole =
      ctx.walks.find((w) => w.sort === sort && w.complete && w.edges.length > 0) ?? (await walk(ctx, sort, filter, 100, Math.ceil(WALK_LIMIT / 100) + 2));
    const where = `sort ${whole.sort}${Object.keys(whole.filter).length ? ` filter ${JSON.stringify(whole.filter)}` : ''}`;
    const total = whole.pages[0].totalCount;
    const zero = await ctx.page({ sort, filter: whole.filter, first: 0 });
    if (zero.edges.length !== 0) ctx.fail(`${where}, first: 0: answered ${zero.edges.length} edges, expected none`);
    if (zero.pageInfo.endCursor !== null) ctx.fail(`${where}, first: 0: endCursor ${JSON.stringify(zero.pageInfo.endCursor)}, expected null`);
    if (zero.pageInfo.hasNextPage !== total > 0) ctx.fail(`${where}, first: 0: hasNextPage ${zero.pageInfo.hasNextPage} with ${total} matching listings`);
    if (whole.edges.length === 0) continue;
    const lastCursor = whole.edges[whole.edges.length - 1].cursor;
    const afterLast = await ctx.page({ sort, filter: whole.filter, first: 5, after: lastCursor });
    if (afterLast.edges.length !== 0 || afterLast.pageInfo.hasNextPage) {
      ctx.fail(
        `${where}: after the last cursor (of ${whole.edges[whole.edges.length - 1].node.id}) answered ${afterLast.edges.length} edges, hasNextPage ${afterLast.pageInfo.hasNextPage}; expected none and false`,
      );
    }
    if (whole.edges.length >= 2) {
      const middle = whole.edges[Math.floor((whole.edges.length - 1) / 2)];
      const zeroAfter = await ctx.page({ sort, filter: whole.filter, first: 0, after: middle.cursor });
      if (zeroAfter.edges.length !== 0 || zeroAfter.pageInfo.hasNextPage !== true || zeroAfter.pageInfo.endCursor !== null) {
        ctx.fail(
          `${where}, first: 0 after the cursor of ${middle.node.id}: ${zeroAfter.edges.length} edges, hasNextPage ${zeroAfter.pageInfo.hasNextPage}, endCursor ${JSON.stringify(zeroAfter.pageInfo.endCursor)}; expected none, true (listings follow), null`,
        );
      }
    }
    const otherSort = SORTS[(index + 1) % SORTS.length];
    const answer = await ctx.client.query(
      `query($f: DatasetFilter, $s: DatasetSort, $a: String) { datasets(filter: $f, sort: $s, first: 5, after: $a) { totalCount } }`,
      {
        f: { ...subset, ...sortFilter(otherSort, term) },
        s: otherSort,
        a: whole.edges[0].cursor,
      },
    );
    const code = answer.errors?.[0]?.extensions?.code;
    if (code !== 'BAD_USER_INPUT') {
      ctx.fail(
        `sort ${otherSort} after a cursor of sort ${sort}: expected a BAD_USER_INPUT error, got ${answer.errors?.length ? `${code ?? 'no code'}: ${answer.errors[0].message}` : 'data'}`,
      );
    }
  }
}
