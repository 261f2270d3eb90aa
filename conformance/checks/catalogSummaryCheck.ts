import { microsOf } from '../contractOrder.ts';
import type { CheckContext } from '../CheckContext.ts';
import { CATALOG_VERSION_HEADER } from './catalogVersionChecks.ts';

const SUMMARY_QUERY = `query($unless: String) { catalogSummary {
  catalogVersion tokensVersion datasetCount counts { field value count } prices { currency min max } updatedFrom updatedTo
  tokens(unlessVersion: $unless) { bits hashes base64 } } }`;

interface Summary {
  catalogVersion: string;
  tokensVersion: string;
  datasetCount: number;
  counts: Array<{ field: string; value: string; count: number }>;
  prices: Array<{ currency: string; min: string; max: string }>;
  updatedFrom: string | null;
  updatedTo: string | null;
  tokens: { bits: number; hashes: number; base64: string } | null;
}

/** The unfiltered orders whose leading cursors a summary serves, and how many of each the check compares. */
const LEADING_SORTS = ['UPDATED_DESC', 'PRICE_ASC', 'PRICE_DESC', 'TITLE_ASC'] as const;
const LEADING_CHECKED = 20;

/** The list filters a summary counts by (docs/contract.md); containsMinorsData is the one boolean. */
const LIST_FIELDS = ['categories', 'types', 'providerKinds', 'securityLevels', 'personalInfo', 'dataOrigins', 'pricingModels', 'delivery'];

/** FNV-1a 32 of UTF-8 bytes from `basis` (the token filter's hash, docs/scale-out.md "The Bloom filter"). */
function fnv1a(bytes: Uint8Array, basis: number): number {
  let hash = basis >>> 0;
  for (const byte of bytes) hash = Math.imul(hash ^ byte, 0x01000193) >>> 0;
  return hash;
}

/** Whether the filter may hold `key`: every one of its `hashes` bits is set (Kirsch–Mitzenmacher positions). */
function mayHave(filter: { bits: number; hashes: number; bytes: Uint8Array }, key: string): boolean {
  const bytes = new TextEncoder().encode(key);
  const h1 = fnv1a(bytes, 0x811c9dc5);
  const h2 = fnv1a(bytes, 0x5bd1e995) | 1;
  for (let i = 0; i < filter.hashes; i++) {
    const position = (h1 + ((Math.imul(i, h2) >>> 0) % filter.bits)) % filter.bits;
    if ((filter.bytes[position >> 3] & (1 << (position & 7))) === 0) return false;
  }
  return true;
}

/**
 * catalogSummary (gateway-only: the gateway skips an exchange whose summary proves it has nothing for a
 * filter, so a summary that leaves anything out loses listings): its version is the answer's header;
 * datasetCount is datasets' totalCount; a few counts equal the totalCount of their one-value filter;
 * every sampled listing lies within its currency's price range and the updatedAt range, and its provider's
 * USCC and its product code are in the token filter; firstCursors are the cursors datasets gives in each
 * unfiltered order; tokens(unlessVersion) is null exactly for the summary's own tokensVersion.
 */
export async function checkCatalogSummary(ctx: CheckContext): Promise<void> {
  const { total, nodes } = await ctx.sample();
  const answer = await ctx.client.query<{ catalogSummary: Summary }>(SUMMARY_QUERY, { unless: null });
  const summary = answer.data?.catalogSummary;
  if (answer.errors?.length || !summary) ctx.fail(`catalogSummary answered ${JSON.stringify(answer.errors ?? answer.data).slice(0, 300)}`);
  const header = answer.headers.get(CATALOG_VERSION_HEADER);
  if (summary.catalogVersion !== header)
    ctx.fail(`catalogSummary.catalogVersion is ${summary.catalogVersion}, the answer's ${CATALOG_VERSION_HEADER} is ${header}`);
  if (summary.datasetCount !== total) ctx.fail(`catalogSummary.datasetCount is ${summary.datasetCount}, datasets totalCount is ${total}`);

  // Counts: each sampled listing's values are counted, and a few counts are exact.
  const countOf = new Map(summary.counts.map((c) => [`${c.field}=${c.value}`, c.count]));
  const valuesOf = (node: (typeof nodes)[number]): Array<[string, string]> => [
    ['categories', node.category],
    ['types', node.type],
    ['securityLevels', node.securityLevel],
    ['personalInfo', node.personalInfo],
    ['dataOrigins', node.dataOrigin],
    ['pricingModels', node.price.model],
    ['delivery', node.delivery],
    ['containsMinorsData', String(node.containsMinorsData)],
  ];
  for (const node of nodes)
    for (const [field, value] of valuesOf(node))
      if (!((countOf.get(`${field}=${value}`) ?? 0) > 0)) ctx.fail(`catalogSummary.counts has no ${field} ${value}, yet listing ${node.id} has it`);
  const checked = new Set<string>();
  for (const [field, value] of valuesOf(nodes[0])
    .slice(0, 3)
    .concat([['containsMinorsData', String(nodes[0].containsMinorsData)]])) {
    if (checked.has(field)) continue;
    checked.add(field);
    const filter = field === 'containsMinorsData' ? { containsMinorsData: value === 'true' } : { [field]: [value] };
    const count = (await ctx.page({ sort: 'UPDATED_DESC', filter, first: 0 })).totalCount;
    if (countOf.get(`${field}=${value}`) !== count)
      ctx.fail(
        `catalogSummary.counts says ${field} ${value}: ${countOf.get(`${field}=${value}`)}, datasets(filter: ${JSON.stringify(filter)}) totalCount ${count}`,
      );
  }
  const unknown = summary.counts.find((c) => !LIST_FIELDS.includes(c.field) && c.field !== 'containsMinorsData');
  if (unknown)
    ctx.fail(`catalogSummary.counts has field ${JSON.stringify(unknown.field)}; the fields are ${[...LIST_FIELDS, 'containsMinorsData'].join(', ')}`);

  // Ranges: no sampled listing lies outside them.
  for (const node of nodes) {
    if (node.price.amount !== null) {
      const range = summary.prices.find((p) => p.currency === node.price.currency);
      const amount = microsOf(node.price.amount)!;
      if (!range || amount < microsOf(range.min)! || amount > microsOf(range.max)!)
        ctx.fail(`listing ${node.id} costs ${node.price.amount} ${node.price.currency}, outside catalogSummary.prices ${JSON.stringify(range ?? null)}`);
    }
    const at = Date.parse(node.updatedAt);
    if (summary.updatedFrom === null || summary.updatedTo === null || at < Date.parse(summary.updatedFrom) || at > Date.parse(summary.updatedTo))
      ctx.fail(`listing ${node.id} was updated at ${node.updatedAt}, outside catalogSummary's ${summary.updatedFrom} to ${summary.updatedTo}`);
  }

  // The token filter: no false "absent" for a listed USCC or product code.
  const tokens = summary.tokens;
  if (!tokens) ctx.fail(`catalogSummary.tokens(unlessVersion: null) is null; it is null only for the summary's own tokensVersion`);
  const bytes = Uint8Array.from(atob(tokens.base64), (c) => c.charCodeAt(0));
  if (!Number.isSafeInteger(tokens.bits) || tokens.bits < 1 || bytes.length !== Math.ceil(tokens.bits / 8) || !(tokens.hashes >= 1 && tokens.hashes <= 64))
    ctx.fail(`catalogSummary.tokens: ${tokens.bits} bits and ${tokens.hashes} hashes in ${bytes.length} bytes; bits ≥ 1, hashes 1 to 64, ⌈bits / 8⌉ bytes`);
  const filter = { bits: tokens.bits, hashes: tokens.hashes, bytes };
  for (const node of nodes) {
    if (node.provider && !mayHave(filter, `u:${node.provider.uscc}`))
      ctx.fail(`catalogSummary.tokens lacks key "u:${node.provider.uscc}", the USCC of listing ${node.id}'s provider`);
    if (!mayHave(filter, `c:${node.productCode}`)) ctx.fail(`catalogSummary.tokens lacks key "c:${node.productCode}", the product code of listing ${node.id}`);
  }

  // firstCursors: the cursors datasets gives with no filter, in each unfiltered order (the gateway skips an
  // exchange none of whose leading rows can be on a page, so a wrong list loses rows of pages).
  for (const sort of LEADING_SORTS) {
    const leading = await ctx.client.query<{ catalogSummary: { firstCursors: string[] } }>(
      `{ catalogSummary { firstCursors(sort: ${sort}, first: ${LEADING_CHECKED}) } }`,
      {},
    );
    const listed = leading.data?.catalogSummary?.firstCursors;
    if (leading.errors?.length || !Array.isArray(listed))
      ctx.fail(`catalogSummary.firstCursors(sort: ${sort}) answered ${JSON.stringify(leading.errors ?? leading.data).slice(0, 300)}`);
    const page = (await ctx.page({ sort, first: LEADING_CHECKED })).edges.map((edge) => edge.cursor);
    const at = page.findIndex((cursor, i) => listed[i] !== cursor);
    if (at !== -1 || listed.length !== page.length)
      ctx.fail(
        `catalogSummary.firstCursors(sort: ${sort}, first: ${LEADING_CHECKED}) differs from the cursors of datasets(sort: ${sort}, first: ${LEADING_CHECKED}) at position ${at === -1 ? page.length : at}: ${JSON.stringify(listed[at === -1 ? page.length : at] ?? null)}, datasets gives ${JSON.stringify(page[at] ?? null)}`,
      );
  }

  // tokens(unlessVersion): null for the version held, the filter for any other.
  const same = await ctx.client.data<{ catalogSummary: { tokensVersion: string; tokens: unknown } }>(SUMMARY_QUERY, { unless: summary.tokensVersion });
  if (same.catalogSummary.tokensVersion === summary.tokensVersion && same.catalogSummary.tokens !== null)
    ctx.fail(`catalogSummary.tokens(unlessVersion: "${summary.tokensVersion}") is not null, though that is its tokensVersion`);
  const other = await ctx.client.data<{ catalogSummary: { tokens: unknown } }>(SUMMARY_QUERY, { unless: `${summary.tokensVersion}-not` });
  if (other.catalogSummary.tokens === null)
    ctx.fail(`catalogSummary.tokens(unlessVersion: "${summary.tokensVersion}-not") is null, though that is not its tokensVersion`);
}
