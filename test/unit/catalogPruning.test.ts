import { describe, it, expect, beforeAll, afterAll, beforeEach, afterEach, vi } from 'vitest';
import fc from 'fast-check';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { ShardRouter } from '../../gateway/src/shards/ShardRouter.ts';
import { typeDefs as exchangeTypeDefs } from '../../subgraphs/exchange/schema.ts';
import { CATEGORIES, DATASET_TYPES, PRICING_MODELS, PROVIDER_KINDS, DELIVERIES, type Category } from '../../shared/domain.ts';
import { startInProcessExchange, type InProcessExchange } from '../helpers/inProcessExchange.ts';
import { CatalogReport } from '../../gateway/src/shards/CatalogReport.ts';
import { parseSummary, provablyEmpty } from '../../gateway/src/shards/summaryPruning.ts';
import { TokenBloom } from '../../shared/tokenBloom.ts';
import { generateDatasets } from '../../seed/generate.ts';

// Two routers over the same six exchanges in process (real schema and store each, no HTTP), one pruning
// by catalog summaries and one calling every exchange: over many random filters their answers must be
// the same, and an exchange may be left out only when its own part (read from the unpruned answer) is empty.

const SKEW: Record<string, readonly Category[] | undefined> = {
  aa: ['PUBLIC_HEALTH', 'WATER_RESOURCES'],
  bb: ['FINANCE', 'CORPORATE_TAX', 'SOCIAL_CREDIT'],
  cc: ['AUDIO_SAMPLES', 'AI_TRAINING_IMAGES'],
  dd: ['TRANSPORT', 'TRAFFIC_PENALTIES', 'GEOSPATIAL'],
  ee: ['ENERGY', 'AGRICULTURE', 'WATER_RESOURCES'],
  ff: undefined,
};
const IDS = Object.keys(SKEW);
const PER_EXCHANGE = 50;
const exchanges: Record<string, InProcessExchange> = {};
let pruned: ShardRouter;
let unpruned: ShardRouter;
const decisions: Array<{ exchange: string; decision: string }> = [];

/** Words and Chinese runs of the seeded titles and keywords, read from SQLite, plus words no catalog holds. */
let words: string[] = [];
let chineseRuns: string[] = [];
let codes: string[] = [];
let usccs: string[] = [];

const QUERY = `query($filter: DatasetFilter) {
  datasets(filter: $filter, first: 25, sort: UPDATED_DESC) { totalCount missingExchanges nodes { id } }
  byExchange: priceStats(filter: $filter, groupBy: EXCHANGE) { key count min max }
}`;

const summaryCalls = (exchange: InProcessExchange) => exchange.bodies.filter((b) => b.operationName === 'GatewayCatalogSummary').length;
const queryCalls = (exchange: InProcessExchange) => exchange.bodies.filter((b) => b.operationName !== 'GatewayCatalogSummary').length;

async function run(router: ShardRouter, variables: Record<string, unknown>, catalog?: CatalogReport): Promise<{ data?: any; errors?: any[] }> {
  return (await router.process({ request: { query: QUERY, variables }, context: { catalog } } as never)) as never;
}

beforeAll(() => {
  for (const id of IDS) exchanges[id] = startInProcessExchange({ id, count: PER_EXCHANGE, categories: SKEW[id] });
  const targets = { get: (id: string) => exchanges[id], all: () => IDS.map((id) => exchanges[id]) };
  const contractSchema = buildSubgraphSchema([{ typeDefs: exchangeTypeDefs }]);
  const logger = { warn: () => undefined, error: () => undefined };
  pruned = new ShardRouter({ contractSchema, targets, logger, pruning: {}, didDecide: (exchange, decision) => decisions.push({ exchange, decision }) });
  unpruned = new ShardRouter({ contractSchema, targets, logger });
  const text = new Set<string>();
  const han = new Set<string>();
  for (const id of IDS) {
    const db = exchanges[id].store.db;
    for (const row of db.prepare('SELECT title, title_zh, keywords, product_code, provider_uscc FROM datasets').all() as any[]) {
      for (const w of `${row.title} ${row.keywords}`.toLowerCase().match(/[a-z0-9]+/g) ?? []) text.add(w);
      for (const r of `${row.title_zh} ${row.keywords}`.match(/\p{Script=Han}+/gu) ?? []) han.add(r);
      codes.push(row.product_code);
      usccs.push(row.provider_uscc);
    }
  }
  words = [...text].filter((w) => w.length >= 2);
  chineseRuns = [...han];
  codes = [...new Set(codes)];
  usccs = [...new Set(usccs)];
});
afterAll(() => {
  for (const exchange of Object.values(exchanges)) exchange.close();
});
beforeEach(() => {
  decisions.length = 0;
  for (const exchange of Object.values(exchanges)) {
    exchange.calls = 0;
    exchange.bodies.length = 0;
    exchange.rewrite = null;
    exchange.failWith = null;
  }
});

/** A text term: a catalog word, its prefix, a Chinese run or a piece of one, a synonym, or a word nowhere. */
const term = () =>
  fc.oneof(
    fc.constantFrom(...words),
    fc.constantFrom(...words).map((w) => w.slice(0, Math.max(2, w.length - 2))),
    fc.constantFrom(...chineseRuns),
    fc.constantFrom(...chineseRuns).map((r) => [...r].slice(0, 2).join('')),
    fc.constantFrom(...chineseRuns).map((r) => [...r][0]),
    fc.constantFrom('children', 'vaccine', '疫苗', '未成年', 'company', 'credit', 'kids', '交通', 'transport'),
    fc.constantFrom('zzqx', 'qwertyuiop', '鑫龘', 'xylophone', '5g'),
  );

const subset = <T>(values: readonly T[]) => fc.subarray([...values], { minLength: 1, maxLength: Math.min(3, values.length) });

/** Built after beforeAll read the catalogs' words. */
const filterParts = () => ({
  categories: subset(CATEGORIES),
  types: subset(DATASET_TYPES),
  pricingModels: subset(PRICING_MODELS),
  providerKinds: subset(PROVIDER_KINDS),
  securityLevels: subset(['GENERAL', 'IMPORTANT']),
  personalInfo: subset(['NONE', 'PERSONAL', 'SENSITIVE']),
  dataOrigins: subset(['PUBLIC', 'ENTERPRISE', 'PERSONAL']),
  delivery: subset(DELIVERIES),
  containsMinorsData: fc.boolean(),
  minPrice: fc.constantFrom('0.00', '0.5', '100', '5000.00', '200000', '999999'),
  maxPrice: fc.constantFrom('0.00', '0.1', '3', '1000', '80000'),
  updatedSince: fc.constantFrom('2015-01-01T00:00:00Z', '2023-06-01T00:00:00Z', '2025-06-01T00:00:00Z', '2030-01-01T00:00:00Z'),
  text: textArbitrary(),
  synonyms: fc.boolean(),
  productCode: fc.oneof(fc.constantFrom(...codes), fc.constant('NO-SUCH-CODE')),
  providerUscc: fc.constantFrom(...usccs),
});

function textArbitrary() {
  return fc.array(term(), { minLength: 1, maxLength: 2 }).map((terms) => terms.join(' '));
}

/** One to three parts of a filter (more would match nothing anywhere, and prove little). */
const filterArbitrary = () =>
  fc
    .tuple(fc.subarray(Object.keys(filterParts()), { minLength: 1, maxLength: 3 }), fc.record(filterParts()))
    .map(([keys, all]) => Object.fromEntries(keys.map((key) => [key, all[key as keyof typeof all]])));

/** Checks one filter: the same answer with and without pruning; returns how many exchanges were left out. */
async function samePrunedAndUnpruned(filter: Record<string, unknown>): Promise<{ left: number; matches: number }> {
  decisions.length = 0;
  const expected = await run(unpruned, { filter });
  const actual = await run(pruned, { filter });
  expect(actual).toEqual(expected);
  // The unpruned answer's buckets by exchange say which exchanges hold a matching listing.
  const holding = new Set<string>((expected.data?.byExchange ?? []).filter((b: any) => b.count > 0).map((b: any) => b.key));
  const left = decisions.filter((d) => d.decision === 'pruned').map((d) => d.exchange);
  for (const exchange of left) expect(holding.has(exchange)).toBe(false);
  return { left: left.length, matches: expected.data?.datasets.totalCount ?? 0 };
}

describe('pruning by catalog summaries', () => {
  it('answers every random filter exactly as calling every exchange does, leaving out only exchanges with nothing to add', async () => {
    let left = 0;
    let nonEmpty = 0;
    await fc.assert(
      fc.asyncProperty(filterArbitrary(), async (filter) => {
        const outcome = await samePrunedAndUnpruned(filter);
        left += outcome.left;
        nonEmpty += outcome.matches > 0 ? 1 : 0;
      }),
      { numRuns: 150, seed: 18 },
    );
    // Not vacuous: the skewed catalogs let many filters rule exchanges out, and many filters match something.
    expect(left).toBeGreaterThan(150);
    expect(nonEmpty).toBeGreaterThan(30);
  });

  it('prunes by text only what the text index provably lacks, with and without synonyms', async () => {
    let left = 0;
    await fc.assert(
      fc.asyncProperty(textArbitrary(), fc.boolean(), async (text, synonyms) => {
        left += (await samePrunedAndUnpruned({ text, synonyms })).left;
      }),
      { numRuns: 100, seed: 1818 },
    );
    expect(left).toBeGreaterThan(30);
  });

  it('calls exactly the exchanges whose catalogs hold a category, and reports the others as consulted, not missing', async () => {
    const catalog = new CatalogReport();
    const { data } = await run(pruned, { filter: { categories: ['AUDIO_SAMPLES'] } }, catalog);
    const direct = (id: string) =>
      (exchanges[id].store.db.prepare(`SELECT count(*) AS n FROM datasets WHERE category = 'AUDIO_SAMPLES'`).get() as { n: number }).n;
    const holders = IDS.filter((id) => direct(id) > 0);
    expect(holders.length).toBeGreaterThan(0);
    expect(holders.length).toBeLessThan(IDS.length);
    expect(IDS.filter((id) => queryCalls(exchanges[id]) > 0)).toEqual(holders);
    expect(data.datasets.totalCount).toBe(holders.reduce((sum, id) => sum + direct(id), 0));
    expect(data.datasets.missingExchanges).toEqual([]);
    expect(Object.keys(catalog.toExtension().exchanges)).toEqual(IDS);
    expect(catalog.toExtension().missingExchanges).toEqual([]);
  });

  it('fetches a summary again after the exchange reports a new catalog version, before pruning by it', async () => {
    const over = (exchanges.dd.store.db.prepare('SELECT max(price_micros) AS m FROM datasets').get() as { m: number }).m;
    const ceiling = Math.max(...IDS.map((id) => (exchanges[id].store.db.prepare('SELECT max(price_micros) AS m FROM datasets').get() as { m: number }).m));
    const filter = { minPrice: String(Math.floor(ceiling / 1e6) + 1) };
    const before = await run(pruned, { filter });
    expect(before.data.datasets.totalCount).toBe(0);
    expect(queryCalls(exchanges.dd)).toBe(0);
    expect(over).toBeLessThan(ceiling + 1);

    // dd's catalog changes: one listing now costs more than the bound.
    const { id } = exchanges.dd.store.db.prepare('SELECT id FROM datasets LIMIT 1').get() as { id: string };
    exchanges.dd.store.updatePrice(id, 'ONE_TIME', `${Math.floor(ceiling / 1e6) + 10}.00`);
    await run(pruned, {}); // an unfiltered query: every exchange answers, dd with its new version
    const summariesBefore = summaryCalls(exchanges.dd);
    const after = await run(pruned, { filter });
    expect(summaryCalls(exchanges.dd)).toBe(summariesBefore + 1);
    expect(after.data.datasets.totalCount).toBe(1);
    expect(after.data.datasets.nodes.map((n: any) => n.id)).toEqual([id.includes(':') ? id : `dd:${id}`]);
    // The new summary is kept: the same filter again fetches none.
    await run(pruned, { filter });
    expect(summaryCalls(exchanges.dd)).toBe(summariesBefore + 1);
  });

  it('always calls an exchange that serves no summary', async () => {
    exchanges.cc.rewrite = (data) => delete data.catalogSummary;
    (pruned.summaries as any).forget('cc');
    const filter = { categories: ['FINANCE'] };
    for (let i = 0; i < 3; i++) {
      const { data } = await run(pruned, { filter });
      expect(data.datasets.missingExchanges).toEqual([]);
    }
    expect(queryCalls(exchanges.cc)).toBe(3);
    // The exchanges that do serve one and list no FINANCE are still left out.
    expect(queryCalls(exchanges.aa)).toBe(0);
    expect(queryCalls(exchanges.bb)).toBe(3);
  });
});

describe('a failed summary fetch', () => {
  /** A router of its own (no summary held yet), retrying after 20, 40 and 80 ms. */
  function retryingRouter(): ShardRouter {
    const targets = { get: (id: string) => exchanges[id], all: () => IDS.map((id) => exchanges[id]) };
    const contractSchema = buildSubgraphSchema([{ typeDefs: exchangeTypeDefs }]);
    return new ShardRouter({ contractSchema, targets, logger: { warn: () => undefined, error: () => undefined }, pruning: { retryDelaysMs: [20, 40, 80] } });
  }
  const finance = { categories: ['FINANCE'] };

  let router: ShardRouter;
  beforeEach(() => {
    router = retryingRouter();
  });
  afterEach(() => router.summaries!.stop());

  it('is retried in the background, so the exchange is pruned again without waiting for its version to move', async () => {
    exchanges.aa.failWith = 'EXCHANGE_TIMEOUT';
    const first = await run(router, { filter: finance });
    expect(summaryCalls(exchanges.aa)).toBe(1);
    // Without a summary aa is called (its query fails too: the fault is the exchange's, reported as missing).
    expect(queryCalls(exchanges.aa)).toBe(1);
    expect(first.data.datasets.missingExchanges).toEqual(['aa']);
    exchanges.aa.failWith = null;
    await vi.waitFor(() => expect(router.summaries!.held()).toBe(IDS.length), { timeout: 5000, interval: 10 });
    expect(summaryCalls(exchanges.aa)).toBe(2);
    const second = await run(router, { filter: finance });
    // aa lists no FINANCE (SKEW): its summary now rules it out, and nothing is fetched again.
    expect(queryCalls(exchanges.aa)).toBe(1);
    expect(second.data.datasets.missingExchanges).toEqual([]);
    expect(summaryCalls(exchanges.aa)).toBe(2);
  });

  it('is retried a bounded number of times, then left alone until retryMs', async () => {
    exchanges.aa.failWith = 'EXCHANGE_UNAVAILABLE';
    await run(router, { filter: finance });
    // The first fetch and one retry after each of the three delays.
    await vi.waitFor(() => expect(summaryCalls(exchanges.aa)).toBe(4), { timeout: 5000, interval: 10 });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(summaryCalls(exchanges.aa)).toBe(4);
    // Meanwhile every query calls it, and a decision does not fetch again.
    await run(router, { filter: finance });
    expect(summaryCalls(exchanges.aa)).toBe(4);
    expect(queryCalls(exchanges.aa)).toBe(2);
    expect(router.summaries!.held()).toBe(IDS.length - 1);
  });
});

describe('the token filter of a summary', () => {
  /** The heldTokens each summary call of `exchange` named, in order. */
  const heldNamed = (exchange: InProcessExchange) =>
    exchange.bodies.filter((b) => b.operationName === 'GatewayCatalogSummary').map((b) => (b.variables?.heldTokens ?? null) as string | null);

  it('is asked again only when tokensVersion moves: a load with a new word sends it, and the router prunes by the new one', async () => {
    const router = new ShardRouter({
      contractSchema: buildSubgraphSchema([{ typeDefs: exchangeTypeDefs }]),
      targets: { get: (id: string) => exchanges[id], all: () => IDS.map((id) => exchanges[id]) },
      logger: { warn: () => undefined, error: () => undefined },
      pruning: {},
    });
    const word = 'qzxvbnmlkj';
    const filter = { text: word };
    const ee = exchanges.ee;
    try {
      // No catalog holds the word: every exchange but the first is pruned by its own token filter.
      const first = await run(router, { filter });
      expect(first.data.datasets.totalCount).toBe(0);
      expect(queryCalls(ee)).toBe(0);
      expect(summaryCalls(ee)).toBe(1);
      const v1 = ee.store.catalogVersion;
      const tokensV1 = (await ee.send({ query: '{ catalogSummary { tokensVersion } }' })) as any;
      const version1 = tokensV1.data.catalogSummary.tokensVersion as string;
      ee.bodies.length = 0;

      // A price change: the summary is fetched again (new catalog version), naming the filter held; none is sent.
      const { id } = ee.store.db.prepare('SELECT id FROM datasets LIMIT 1').get() as { id: string };
      ee.store.updatePrice(id, 'ONE_TIME', '77.00');
      expect(ee.store.catalogVersion).not.toBe(v1);
      await run(router, {});
      const tokenFetches = router.summaries!.tokenFetches;
      let calls = queryCalls(ee);
      const afterPrice = await run(router, { filter });
      expect(heldNamed(ee)).toEqual([version1]);
      expect(router.summaries!.tokenFetches).toBe(tokenFetches);
      // Still pruned: by the filter held, which is this version's.
      expect(queryCalls(ee)).toBe(calls);
      expect(afterPrice.data.datasets.totalCount).toBe(0);

      // A load of one listing whose title holds the word: tokensVersion moves, the filter is sent again.
      const record = [...generateDatasets({ exchange: 'ee', divisionCode: '440300', count: 1 })][0];
      ee.store.ingest([{ ...record, localId: `${record.localId}-tok`, productCode: `${record.productCode}-tok`, title: `${record.title} ${word}` }]);
      await run(router, {});
      calls = queryCalls(ee);
      const afterLoad = await run(router, { filter });
      expect(heldNamed(ee)).toEqual([version1, version1]);
      expect(router.summaries!.tokenFetches).toBe(tokenFetches + 1);
      expect(queryCalls(ee)).toBe(calls + 1);
      expect(afterLoad.data.datasets.totalCount).toBe(1);
      // The next version move names the new filter's version.
      ee.store.updatePrice(id, 'ONE_TIME', '78.00');
      await run(router, {});
      await run(router, { filter });
      const named = heldNamed(ee);
      expect(named).toHaveLength(3);
      expect(named[2]).not.toBe(version1);
      expect(router.summaries!.tokenFetches).toBe(tokenFetches + 1);
    } finally {
      router.summaries!.stop();
    }
  });

  it('is never taken from another tokensVersion: a summary without tokens naming another version has no filter', () => {
    const bloom = TokenBloom.of(['e:alpha']);
    const base = { catalogVersion: 'x.2', datasetCount: 3, counts: [], prices: [], updatedTo: null, tokens: null };
    const held = { version: 't1', bloom, json: bloom.toJson() };
    expect(parseSummary({ ...base, tokensVersion: 't1' }, held)?.tokens).toBe(bloom);
    expect(parseSummary({ ...base, tokensVersion: 't2' }, held)?.tokens).toBeNull();
    expect(parseSummary({ ...base, tokensVersion: 't1' })?.tokens).toBeNull();
    // Without a filter nothing is proved by text: the exchange is called.
    expect(provablyEmpty(parseSummary({ ...base, tokensVersion: 't2' }, held)!, { text: 'beta' })).toBe(false);
    expect(provablyEmpty(parseSummary({ ...base, tokensVersion: 't1' }, held)!, { text: 'beta' })).toBe(true);
  });
});
