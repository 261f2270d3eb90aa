import { describe, it, expect, beforeAll, afterAll, beforeEach } from 'vitest';
import fc from 'fast-check';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { ShardRouter } from '../../gateway/src/shards/ShardRouter.ts';
import { planLeadingPage, type LeadingKnowledge } from '../../gateway/src/shards/leadingPages.ts';
import { CatalogReport } from '../../gateway/src/shards/CatalogReport.ts';
import { typeDefs as exchangeTypeDefs } from '../../subgraphs/exchange/schema.ts';
import type { CursorPosition } from '../../shared/datasetOrder.ts';
import type { Category } from '../../shared/domain.ts';
import { startInProcessExchange, type InProcessExchange } from '../helpers/inProcessExchange.ts';

// Unfiltered pages called only where their rows are (docs/scale-out.md#leading-cursors): the plan alone
// against a brute-force page over whole made-up catalogs, then a pruning router against one that calls
// every exchange, over real exchanges in process whose catalogs are unevenly spread in every order.

describe('planLeadingPage', () => {
  /** Positions of one order, ascending by key then id (UPDATED_DESC would be the same, mirrored). */
  const position = (key: number, id: string): CursorPosition => ({ sort: 'PRICE_ASC', key, id });
  const order = (a: CursorPosition, b: CursorPosition) => (a.key as number) - (b.key as number) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

  const catalogs = fc.array(
    fc.record({
      keys: fc.array(fc.integer({ min: 0, max: 60 }), { maxLength: 25 }),
      leading: fc.option(fc.integer({ min: 0, max: 12 }), { nil: null }),
    }),
    { minLength: 2, maxLength: 7 },
  );

  it('skips only exchanges none of whose rows are on the page, whatever they hold and the plan knows', () => {
    let skippedAny = 0;
    fc.assert(
      fc.property(
        catalogs,
        fc.integer({ min: 0, max: 30 }),
        fc.integer({ min: -1, max: 40 }),
        // A cursor between rows or past every row (a position no catalog holds), instead of a row's own.
        fc.option(fc.record({ key: fc.integer({ min: -1, max: 62 }), id: fc.constantFrom('e0:005x', 'e3:', 'zz') }), { nil: null }),
        (raw, first, afterRank, between) => {
          // Each exchange's whole catalog, sorted; the plan knows only its first `leading` positions.
          const whole = raw.map((c, i) => c.keys.map((key, j) => position(key, `e${i}:${String(j).padStart(3, '0')}`)).sort(order));
          const all = whole.flat().sort(order);
          const after = between ? position(between.key, between.id) : afterRank >= 0 && afterRank < all.length ? all[afterRank] : null;
          const targets: LeadingKnowledge[] = whole.map((rows, i) => ({
            exchange: `e${i}`,
            datasetCount: rows.length,
            leading: raw[i].leading === null ? null : rows.slice(0, raw[i].leading),
          }));
          const plan = planLeadingPage(targets, first, 'PRICE_ASC', after);
          const rest = (rows: CursorPosition[]) => (after ? rows.filter((p) => order(after, p) < 0) : rows);
          // The page over everything, and the page over the called exchanges only.
          const page = rest(all).slice(0, first);
          const calledRows = plan.called.flatMap((e) => whole[Number(e.slice(1))]).sort(order);
          expect(rest(calledRows).slice(0, first)).toEqual(page);
          expect(plan.called.length).toBeGreaterThan(0);
          expect(new Set([...plan.called, ...plan.skipped.map((s) => s.exchange)]).size).toBe(whole.length);
          for (const skip of plan.skipped) {
            const rows = whole[Number(skip.exchange.slice(1))];
            expect(skip.count).toBe(rows.length);
            expect(skip.hasMore).toBe(rest(rows).length > 0);
            // Nothing of a skipped exchange would have been on the page.
            for (const row of rows) expect(page).not.toContainEqual(row);
          }
          expect(plan.pageSize).toBeGreaterThanOrEqual(Math.min(first, 1));
          expect(plan.pageSize).toBeLessThanOrEqual(first);
          skippedAny += plan.skipped.length;
        },
      ),
      { numRuns: 2000, seed: 4018 },
    );
    expect(skippedAny).toBeGreaterThan(500);
  });

  it('calls every exchange when no summary leads in the order, and for a first outside 1..100', () => {
    const rows = [position(1, 'a:1'), position(2, 'a:2')];
    const known = (leading: CursorPosition[] | null, exchange: string): LeadingKnowledge => ({ exchange, datasetCount: 2, leading });
    expect(planLeadingPage([known(null, 'a'), known(null, 'b')], 1, 'PRICE_ASC', null).called).toEqual(['a', 'b']);
    expect(planLeadingPage([known(rows, 'a'), known([position(9, 'b:1'), position(10, 'b:2')], 'b')], 101, 'PRICE_ASC', null).called).toEqual(['a', 'b']);
    expect(planLeadingPage([known(rows, 'a'), known([position(9, 'b:1'), position(10, 'b:2')], 'b')], 2, 'PRICE_ASC', null)).toEqual({
      bound: position(2, 'a:2'),
      called: ['a'],
      skipped: [{ exchange: 'b', count: 2, hasMore: true }],
      pageSize: 2,
    });
  });
});

const SKEW: Record<string, readonly Category[] | undefined> = {
  la: ['PUBLIC_HEALTH', 'WATER_RESOURCES'],
  lb: ['FINANCE', 'CORPORATE_TAX'],
  lc: ['AUDIO_SAMPLES'],
  ld: undefined,
  le: ['TRANSPORT', 'GEOSPATIAL'],
};
const IDS = Object.keys(SKEW);
const exchanges: Record<string, InProcessExchange> = {};
let pruned: ShardRouter;
let unpruned: ShardRouter;
const decisions: Array<{ exchange: string; decision: string }> = [];

const PAGE = `query($sort: DatasetSort, $first: Int, $after: String) {
  datasets(sort: $sort, first: $first, after: $after) { totalCount missingExchanges pageInfo { hasNextPage endCursor } edges { cursor node { id price { model amount } } } }
}`;
const queryCalls = (exchange: InProcessExchange) => exchange.bodies.filter((b) => b.operationName !== 'GatewayCatalogSummary').length;

async function run(router: ShardRouter, query: string, variables: Record<string, unknown>, catalog?: CatalogReport): Promise<{ data?: any; errors?: any[] }> {
  return (await router.process({ request: { query, variables }, context: { catalog } } as never)) as never;
}

/** The exchange a global id belongs to ("la:ds-000001" → "la"). */
const exchangeOf = (id: string) => id.slice(0, id.indexOf(':'));

describe('unfiltered pages through the router, real exchanges in process', () => {
  beforeAll(() => {
    for (const [i, id] of IDS.entries()) exchanges[id] = startInProcessExchange({ id, count: 30 + 15 * i, categories: SKEW[id] });
    // la is busy: a dozen of its listings were just repriced, so they lead UPDATED_DESC over every catalog.
    const ids = (exchanges.la.store.db.prepare('SELECT id FROM datasets LIMIT 12').all() as Array<{ id: string }>).map((r) => r.id);
    ids.forEach((id, i) => exchanges.la.store.updatePrice(id, 'ONE_TIME', `${100 + i}.00`));
    const targets = { get: (id: string) => exchanges[id], all: () => IDS.map((id) => exchanges[id]) };
    const contractSchema = buildSubgraphSchema([{ typeDefs: exchangeTypeDefs }]);
    const logger = { warn: () => undefined, error: () => undefined };
    pruned = new ShardRouter({ contractSchema, targets, logger, pruning: {}, didDecide: (exchange, decision) => decisions.push({ exchange, decision }) });
    unpruned = new ShardRouter({ contractSchema, targets, logger });
  });
  afterAll(() => {
    for (const exchange of Object.values(exchanges)) exchange.close();
  });
  beforeEach(() => {
    decisions.length = 0;
    for (const exchange of Object.values(exchanges)) exchange.bodies.length = 0;
  });

  it('answers every page of every order exactly as calling every exchange does, calling only exchanges whose rows are on it', async () => {
    let skipped = 0;
    let pages = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('UPDATED_DESC', 'PRICE_ASC', 'PRICE_DESC', 'TITLE_ASC'),
        fc.integer({ min: 0, max: 25 }),
        fc.integer({ min: 1, max: 4 }),
        async (sort, first, walk) => {
          let after: string | null = null;
          for (let page = 0; page < walk; page++) {
            const expected = await run(unpruned, PAGE, { sort, first, after });
            for (const exchange of Object.values(exchanges)) exchange.bodies.length = 0;
            decisions.length = 0;
            const actual = await run(pruned, PAGE, { sort, first, after });
            expect(expected.errors).toBeUndefined();
            expect(actual).toEqual(expected);
            pages++;
            // Every exchange with a row on the page was called; the skipped ones were reported as pruned.
            const onPage = new Set<string>(expected.data!.datasets.edges.map((e: any) => exchangeOf(e.node.id)));
            expect(onPage.size > 0).toBe(first > 0);
            for (const id of onPage) expect(queryCalls(exchanges[id]), `${sort} ${first}: ${id} holds a row of the page`).toBeGreaterThan(0);
            const left = decisions.filter((d) => d.decision === 'pruned').map((d) => d.exchange);
            for (const id of left) expect(queryCalls(exchanges[id]), id).toBe(0);
            skipped += left.length;
            if (!expected.data!.datasets.pageInfo.hasNextPage) break;
            after = expected.data!.datasets.pageInfo.endCursor;
          }
        },
      ),
      { numRuns: 80, seed: 1804 },
    );
    // Not vacuous: the uneven catalogs leave many exchanges out of small pages.
    expect(pages).toBeGreaterThan(150);
    expect(skipped).toBeGreaterThan(pages);
  });

  it('counts the skipped exchanges in totalCount from their summaries, and reports them as consulted, not missing', async () => {
    const catalog = new CatalogReport();
    const { data } = await run(pruned, PAGE, { sort: 'UPDATED_DESC', first: 3 }, catalog);
    const total = IDS.reduce((sum, id) => sum + (exchanges[id].store.db.prepare('SELECT count(*) AS n FROM datasets').get() as { n: number }).n, 0);
    expect(data.datasets.totalCount).toBe(total);
    // The three newest listings are la's repriced ones: la alone is called.
    expect(data.datasets.edges.map((e: any) => exchangeOf(e.node.id))).toEqual(['la', 'la', 'la']);
    expect(IDS.filter((id) => queryCalls(exchanges[id]) > 0)).toEqual(['la']);
    expect(data.datasets.pageInfo.hasNextPage).toBe(true);
    expect(data.datasets.missingExchanges).toEqual([]);
    expect(Object.keys(catalog.toExtension().exchanges).sort()).toEqual([...IDS].sort());
  });

  it('after a version move, fetches the summary again before skipping by it: a repriced listing of a skipped exchange leads the page', async () => {
    const before = await run(pruned, PAGE, { sort: 'UPDATED_DESC', first: 2 });
    expect(queryCalls(exchanges.le)).toBe(0);
    expect(before.data!.datasets.edges.every((e: any) => exchangeOf(e.node.id) === 'la')).toBe(true);
    const { id } = exchanges.le.store.db.prepare('SELECT id FROM datasets LIMIT 1').get() as { id: string };
    exchanges.le.store.updatePrice(id, 'ONE_TIME', '777.00');
    // A call of every exchange (statistics are never skipped) teaches the router le's new version.
    await run(pruned, '{ priceStatistics(groupBy: [EXCHANGE]) { missingExchanges } }', {});
    const summaries = exchanges.le.bodies.filter((b) => b.operationName === 'GatewayCatalogSummary').length;
    const after = await run(pruned, PAGE, { sort: 'UPDATED_DESC', first: 2 });
    expect(exchanges.le.bodies.filter((b) => b.operationName === 'GatewayCatalogSummary').length).toBe(summaries + 1);
    expect(after.data!.datasets.edges[0].node.id).toBe(id.includes(':') ? id : `le:${id}`);
    expect(after).toEqual(await run(unpruned, PAGE, { sort: 'UPDATED_DESC', first: 2 }));
  });

  it('asks the skipped exchanges too when a called exchange fails, so no row of a healthy exchange is lost', async () => {
    // la holds the whole newest page: the plan calls la alone; la's page answer is broken (its summary is not).
    exchanges.la.rewrite = (data) => {
      if (data.datasets) data.datasets = null;
    };
    try {
      for (const first of [3, 20]) {
        const expected = await run(unpruned, PAGE, { sort: 'UPDATED_DESC', first });
        for (const exchange of Object.values(exchanges)) exchange.bodies.length = 0;
        const actual = await run(pruned, PAGE, { sort: 'UPDATED_DESC', first });
        expect(expected.data!.datasets.missingExchanges).toEqual(['la']);
        expect(expected.data!.datasets.edges.length).toBe(first);
        expect(actual.data).toEqual(expected.data);
        // Every other exchange with rows was asked after la failed.
        for (const id of IDS.filter((i) => i !== 'la')) expect(queryCalls(exchanges[id]), id).toBeGreaterThan(0);
      }
      // A skipped exchange that fails when asked too is missing, and its listings are not counted from its summary.
      exchanges.lb.rewrite = exchanges.la.rewrite;
      const expected = await run(unpruned, PAGE, { sort: 'UPDATED_DESC', first: 3 });
      const actual = await run(pruned, PAGE, { sort: 'UPDATED_DESC', first: 3 });
      expect(expected.data!.datasets.missingExchanges).toEqual(['la', 'lb']);
      expect(actual.data).toEqual(expected.data);
    } finally {
      exchanges.la.rewrite = null;
      exchanges.lb.rewrite = null;
    }
  });

  it('asks the skipped exchanges too when a summary lied about its leading rows or a called exchange moved since', async () => {
    // lc's list claims three titles before every real one: the bound moves before rows of other exchanges.
    const fake = (n: number) => Buffer.from(JSON.stringify(['TITLE_ASC', '', `lc:zz-${n}`])).toString('base64url');
    exchanges.lc.rewrite = (data) => {
      const listed = data.catalogSummary?.first_TITLE_ASC;
      if (Array.isArray(listed)) listed.unshift(fake(1), fake(2), fake(3));
    };
    try {
      (pruned.summaries as any).forget('lc');
      const expected = await run(unpruned, PAGE, { sort: 'TITLE_ASC', first: 3 });
      const actual = await run(pruned, PAGE, { sort: 'TITLE_ASC', first: 3 });
      expect(expected.data!.datasets.edges.some((e: any) => exchangeOf(e.node.id) !== 'lc')).toBe(true);
      expect(actual).toEqual(expected);
    } finally {
      exchanges.lc.rewrite = null;
      (pruned.summaries as any).forget('lc');
    }
    // A called exchange repriced its cheapest listing since its summary: the row its list put on the page is gone.
    const cheapest = await run(pruned, PAGE, { sort: 'PRICE_ASC', first: 4 });
    const top = cheapest.data!.datasets.edges[0].node.id as string;
    const owner = exchangeOf(top);
    expect(exchanges[owner].store.updatePrice(top, 'ONE_TIME', '999999.00')).toBeDefined();
    const actual = await run(pruned, PAGE, { sort: 'PRICE_ASC', first: 4 });
    expect(actual).toEqual(await run(unpruned, PAGE, { sort: 'PRICE_ASC', first: 4 }));
    expect(actual.data!.datasets.edges.map((e: any) => e.node.id)).not.toContain(top);
  });

  it('calls an exchange whose summary has no leading cursors (an older contract), with the same answer', async () => {
    exchanges.ld.rewrite = (data) => {
      for (const key of Object.keys(data.catalogSummary ?? {})) if (key.startsWith('first_')) delete data.catalogSummary[key];
    };
    try {
      (pruned.summaries as any).forget('ld');
      const expected = await run(unpruned, PAGE, { sort: 'TITLE_ASC', first: 1 });
      const actual = await run(pruned, PAGE, { sort: 'TITLE_ASC', first: 1 });
      expect(actual).toEqual(expected);
      expect(queryCalls(exchanges.ld)).toBeGreaterThan(0);
    } finally {
      exchanges.ld.rewrite = null;
      (pruned.summaries as any).forget('ld');
    }
  });
});
