import { Kind, parse } from 'graphql';
import { CONTRACT_SDL } from '../exchangeContract.ts';
import { microsOf, formatMicros, type ListingNode } from '../contractOrder.ts';
import type { CheckContext } from '../CheckContext.ts';
import type { Filter, Page } from '../walkPages.ts';

const PAGE = 50;

let enums: Map<string, string[]> | null = null;
/** Enum values as the contract declares them. */
export function contractEnum(name: string): string[] {
  if (!enums) {
    enums = new Map();
    for (const d of parse(CONTRACT_SDL).definitions) {
      if (d.kind === Kind.ENUM_TYPE_DEFINITION)
        enums.set(
          d.name.value,
          (d.values ?? []).map((v) => v.name.value),
        );
    }
  }
  return enums.get(name) ?? [];
}

/** Enum filters whose field each listing has exactly one value of: their values partition the catalog. */
const ENUM_FILTERS: Array<{ field: string; enumName: string; valueOf: (n: ListingNode) => string }> = [
  { field: 'categories', enumName: 'Category', valueOf: (n) => n.category },
  { field: 'types', enumName: 'DatasetType', valueOf: (n) => n.type },
  { field: 'securityLevels', enumName: 'SecurityLevel', valueOf: (n) => n.securityLevel },
  { field: 'personalInfo', enumName: 'PersonalInfo', valueOf: (n) => n.personalInfo },
  { field: 'dataOrigins', enumName: 'DataOrigin', valueOf: (n) => n.dataOrigin },
  { field: 'pricingModels', enumName: 'PricingModel', valueOf: (n) => n.price.model },
  { field: 'delivery', enumName: 'Delivery', valueOf: (n) => n.delivery },
];

/**
 * Every node of a filtered first page satisfies the filter, and the page agrees with totalCount: all of
 * the set when it fits one page (hasNextPage false), a full page otherwise.
 */
async function narrowed(ctx: CheckContext, filter: Filter, satisfies: (n: ListingNode) => boolean, rule: string): Promise<Page> {
  const page = await ctx.page({ sort: 'UPDATED_DESC', filter, first: PAGE });
  const nodes = page.edges.map((e) => e.node).filter(Boolean);
  const outside = nodes.find((n) => !satisfies(n));
  if (outside) ctx.fail(`filter ${JSON.stringify(filter)} returned ${outside.id}, which does not match (${rule})`);
  const expected = Math.min(page.totalCount, PAGE);
  if (nodes.length !== expected)
    ctx.fail(`filter ${JSON.stringify(filter)}: totalCount ${page.totalCount}, yet the first page of ${PAGE} has ${nodes.length} listings`);
  if (page.pageInfo.hasNextPage !== page.totalCount > PAGE)
    ctx.fail(`filter ${JSON.stringify(filter)}: totalCount ${page.totalCount}, first: ${PAGE}, hasNextPage ${page.pageInfo.hasNextPage}`);
  return page;
}

async function countOf(ctx: CheckContext, filter: Filter): Promise<number> {
  return (await ctx.page({ sort: 'UPDATED_DESC', filter, first: 0 })).totalCount;
}

/** Each filter field narrows correctly, and the counts of the sets it cuts add up. */
export async function checkFilters(ctx: CheckContext): Promise<void> {
  const { total, nodes: sample } = await ctx.sample();
  const newest = sample[0];

  for (const { field, enumName, valueOf } of ENUM_FILTERS) {
    const values = contractEnum(enumName);
    const counts: Record<string, number> = {};
    for (const value of values) {
      counts[value] = (await narrowed(ctx, { [field]: [value] }, (n) => valueOf(n) === value, `${field} ${value}`)).totalCount;
    }
    const sum = Object.values(counts).reduce((a, b) => a + b, 0);
    if (sum !== total)
      ctx.fail(`${field}: the totalCounts of its ${values.length} values add up to ${sum}, the catalog's totalCount is ${total} (${JSON.stringify(counts)})`);
    const two = values.filter((v) => counts[v] > 0).slice(0, 2);
    if (two.length === 2) {
      const both = await narrowed(ctx, { [field]: two }, (n) => two.includes(valueOf(n)), `${field} any of ${two.join(', ')}`);
      if (both.totalCount !== counts[two[0]] + counts[two[1]])
        ctx.fail(`filter {"${field}": ${JSON.stringify(two)}}: totalCount ${both.totalCount}, expected ${counts[two[0]]} + ${counts[two[1]]}`);
    }
  }
  const emptyList = await countOf(ctx, { categories: [] });
  if (emptyList !== total) ctx.fail(`filter {"categories": []}: totalCount ${emptyList}, expected the whole catalog (${total}): an empty list does not filter`);

  // Provider kinds are master data of the providers subgraph, not on the listing: only the counts are judged.
  let kinds = 0;
  for (const kind of contractEnum('ProviderKind')) kinds += await countOf(ctx, { providerKinds: [kind] });
  if (kinds !== total) ctx.fail(`providerKinds: the totalCounts of its values add up to ${kinds}, the catalog's totalCount is ${total}`);

  let minors = 0;
  for (const value of [true, false])
    minors += (await narrowed(ctx, { containsMinorsData: value }, (n) => n.containsMinorsData === value, `containsMinorsData ${value}`)).totalCount;
  if (minors !== total) ctx.fail(`containsMinorsData: true and false add up to ${minors}, the catalog's totalCount is ${total}`);

  const both = { categories: [newest.category], pricingModels: [newest.price.model] };
  const combined = await narrowed(ctx, both, (n) => n.category === newest.category && n.price.model === newest.price.model, 'every field must match (AND)');
  if (combined.totalCount < 1) ctx.fail(`filter ${JSON.stringify(both)}: totalCount 0, yet ${newest.id} matches it`);

  const sampleIds = (keep: (n: ListingNode) => boolean) => sample.filter(keep).map((n) => n.id);
  const exact: Array<[Filter, (n: ListingNode) => boolean, string]> = [
    [{ productCode: newest.productCode }, (n) => n.productCode === newest.productCode, 'productCode'],
  ];
  if (newest.provider) exact.push([{ providerUscc: newest.provider.uscc }, (n) => n.provider?.uscc === newest.provider!.uscc, 'providerUscc']);
  for (const [filter, keep, rule] of exact) {
    const page = await narrowed(ctx, filter, keep, rule);
    const expected = sampleIds(keep);
    if (page.totalCount < expected.length)
      ctx.fail(
        `filter ${JSON.stringify(filter)}: totalCount ${page.totalCount}, yet ${expected.length} of the newest ${sample.length} listings match (${expected.slice(0, 3).join(', ')})`,
      );
  }
  const nothing = await countOf(ctx, { productCode: '' });
  if (nothing !== 0) ctx.fail(`filter {"productCode": ""}: totalCount ${nothing}, expected 0 (exact match)`);

  const own = await countOf(ctx, { exchanges: [ctx.exchangeId] });
  if (own !== total) ctx.fail(`filter {"exchanges": ["${ctx.exchangeId}"]}: totalCount ${own}, expected the whole catalog (${total})`);
  const other = ctx.exchangeId === 'zz' ? 'zy' : 'zz';
  const others = await countOf(ctx, { exchanges: [other] });
  if (others !== 0) ctx.fail(`filter {"exchanges": ["${other}"]}: totalCount ${others}, expected 0 (no listing of exchange ${other} is here)`);

  await checkPriceBounds(ctx, total, sample);
  await checkUpdatedSince(ctx, total, sample);
}

/** minPrice and maxPrice are inclusive, NEGOTIABLE never matches, and the two sides of a price add up. */
async function checkPriceBounds(ctx: CheckContext, total: number, sample: ListingNode[]): Promise<void> {
  const priced = sample
    .map((n) => n.price.amount)
    .filter((a): a is string => a !== null)
    .map((a) => microsOf(a)!)
    .sort((a, b) => a - b);
  if (priced.length === 0) return;
  const pivot = priced[Math.floor(priced.length / 2)];
  const amount = formatMicros(pivot);
  const amountOf = (n: ListingNode) => (n.price.amount === null ? null : microsOf(n.price.amount));
  const atLeast = await narrowed(ctx, { minPrice: amount }, (n) => amountOf(n) !== null && amountOf(n)! >= pivot, `amount >= ${amount}, NEGOTIABLE never`);
  if (pivot === 0) return;
  const below = formatMicros(pivot - 1);
  const atMost = await narrowed(ctx, { maxPrice: below }, (n) => amountOf(n) !== null && amountOf(n)! <= pivot - 1, `amount <= ${below}, NEGOTIABLE never`);
  const negotiable = await countOf(ctx, { pricingModels: ['NEGOTIABLE'] });
  if (atLeast.totalCount + atMost.totalCount + negotiable !== total) {
    ctx.fail(
      `minPrice ${amount} (${atLeast.totalCount}) + maxPrice ${below} (${atMost.totalCount}) + NEGOTIABLE (${negotiable}) = ${atLeast.totalCount + atMost.totalCount + negotiable}, the catalog's totalCount is ${total}`,
    );
  }
  const exactly = await narrowed(ctx, { minPrice: amount, maxPrice: amount }, (n) => amountOf(n) === pivot, `amount exactly ${amount} (bounds are inclusive)`);
  if (exactly.totalCount < priced.filter((p) => p === pivot).length)
    ctx.fail(
      `filter {"minPrice": "${amount}", "maxPrice": "${amount}"}: totalCount ${exactly.totalCount}, yet more of the newest listings cost exactly ${amount}`,
    );
}

/**
 * The sample is the newest listings, so everything updated since the time of one of them is exactly the
 * sample's listings at or after that time, when an older one follows in the sample.
 */
async function checkUpdatedSince(ctx: CheckContext, total: number, sample: ListingNode[]): Promise<void> {
  const pivotIndex = Math.min(9, sample.length - 1);
  const since = sample[pivotIndex].updatedAt;
  const sinceMs = Date.parse(since);
  const page = await narrowed(ctx, { updatedSince: since }, (n) => Date.parse(n.updatedAt) >= sinceMs, `updatedAt >= ${since}`);
  const expected = sample.filter((n) => Date.parse(n.updatedAt) >= sinceMs).length;
  const olderFollows = sample.some((n) => Date.parse(n.updatedAt) < sinceMs);
  if (olderFollows && page.totalCount !== expected)
    ctx.fail(
      `filter {"updatedSince": "${since}"}: totalCount ${page.totalCount}, yet exactly ${expected} listings of the newest were updated since (of ${total})`,
    );
}

function textOf(n: ListingNode): string {
  return [n.title, n.titleZh, n.description, n.descriptionZh, ...n.keywords].join('\n').toLowerCase();
}

/** Text search: every result contains the term, and the listing the term came from is found. */
export async function checkTextSearch(ctx: CheckContext): Promise<void> {
  const { nodes } = await ctx.sample();
  const term = await ctx.textTerm();
  const source = nodes.find((n) => n.title.toLowerCase().includes(term)) ?? nodes[0];
  const terms = [term];
  const chinese = /[\u4e00-\u9fff]{2}/.exec(source.titleZh)?.[0];
  if (chinese) terms.push(chinese);
  for (const t of terms) {
    const page = await narrowed(ctx, { text: t }, (n) => textOf(n).includes(t.toLowerCase()), `title, description or keywords contain "${t}"`);
    if (page.totalCount < 1) ctx.fail(`filter {"text": "${t}"}: totalCount 0, yet ${source.id} contains it`);
    const own = await ctx.page({ sort: 'UPDATED_DESC', filter: { text: t, productCode: source.productCode }, first: PAGE });
    if (!own.edges.some((e) => e?.node?.id === source.id))
      ctx.fail(`filter {"text": "${t}", "productCode": "${source.productCode}"} does not return ${source.id}, whose title contains "${t}"`);
  }
  const bad = await ctx.client.query(`query($f: DatasetFilter) { datasets(filter: $f, first: 1) { totalCount } }`, { f: { text: '%' } });
  if (bad.errors?.[0]?.extensions?.code !== 'BAD_USER_INPUT') {
    ctx.fail(
      `filter {"text": "%"} (no letter, digit or Chinese character): expected BAD_USER_INPUT, got ${bad.errors?.length ? bad.errors[0].message : 'data'}`,
    );
  }
}
