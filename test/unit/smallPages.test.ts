import { describe, it, expect, beforeAll, afterAll, beforeEach } from 'vitest';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { ShardRouter, type ShardTarget } from '../../gateway/src/shards/ShardRouter.ts';
import { typeDefs as exchangeTypeDefs } from '../../subgraphs/exchange/schema.ts';
import { startInProcessExchange, type InProcessExchange } from '../helpers/inProcessExchange.ts';
import { compareListings, type ListingFields } from '../helpers/reference.ts';
import type { ExchangeResult, GraphQLRequestBody } from '../../gateway/src/exchangeClient/ExchangeClient.ts';
import { exchangeFailure } from '../../gateway/src/exchangeClient/exchangeErrors.ts';

// Small fan-out pages (docs/scale-out.md#small-pages): the router asks each exchange for about first/N
// rows and asks again, after its own last cursor, only an exchange whose rows may still belong in the
// page. Checked against the exchanges' own answers (their whole catalogs, read directly, sorted here by
// the contract's order) and the exchanges' own records of what they were asked.

type Sort = 'UPDATED_DESC' | 'PRICE_ASC' | 'PRICE_DESC' | 'TITLE_ASC';
const SORTS: Sort[] = ['UPDATED_DESC', 'PRICE_ASC', 'PRICE_DESC', 'TITLE_ASC'];
const NODE = 'id title updatedAt price { model amount }';
const PAGE = `query($first: Int, $after: String, $sort: DatasetSort) { datasets(first: $first, after: $after, sort: $sort) {
  totalCount missingExchanges pageInfo { hasNextPage endCursor } edges { cursor node { ${NODE} } } } }`;
const FIRST_VARIABLE = '_sr0_first_datasets';
const AFTER_VARIABLE = '_sr0_after_datasets';

interface Row {
  cursor: string;
  node: ListingFields;
}

/** A router over `targets`, with the warnings it logs. */
function routerOver(targets: ShardTarget[]): ShardRouter {
  return new ShardRouter({
    contractSchema: buildSubgraphSchema([{ typeDefs: exchangeTypeDefs }]),
    targets: { get: (id) => targets.find((t) => t.id === id), all: () => targets },
    logger: { warn: () => {}, error: () => {} },
  });
}

async function run(router: ShardRouter, variables: Record<string, unknown>): Promise<{ data?: any; errors?: any[] }> {
  return (await router.process({ request: { query: PAGE, variables }, context: {} } as never)) as never;
}

/** Every row of the exchanges, each read from its own exchange in one page, sorted here in the contract's order. */
async function reference(exchanges: InProcessExchange[], sort: Sort): Promise<Row[]> {
  const rows: Row[] = [];
  for (const exchange of exchanges) {
    const answer = await exchange.send({ query: `{ datasets(first: 100, sort: ${sort}) { pageInfo { hasNextPage } edges { cursor node { ${NODE} } } } }` });
    if (!answer.ok || answer.data?.datasets.pageInfo.hasNextPage !== false) throw new Error(`the test reads every row of ${exchange.id} in one page`);
    rows.push(...(answer.data.datasets.edges as Row[]));
  }
  return rows.sort((a, b) => compareListings(sort, a.node, b.node));
}

/** The client's pages through the router, to the end: each page's rows and its pageInfo and counts. */
async function pagesOf(router: ShardRouter, sort: Sort, first: number): Promise<Array<{ rows: Row[]; data: any }>> {
  const pages: Array<{ rows: Row[]; data: any }> = [];
  let after: string | null = null;
  for (let i = 0; i < 500; i++) {
    const { data, errors } = await run(router, { first, after, sort });
    expect(errors).toBeUndefined();
    pages.push({ rows: data.datasets.edges, data: data.datasets });
    if (!data.datasets.pageInfo.hasNextPage) return pages;
    after = data.datasets.pageInfo.endCursor;
  }
  throw new Error('more than 500 pages');
}

/** The calls an exchange received since the test began: the rows and cursor each asked for. */
function asked(exchange: InProcessExchange): Array<{ first: unknown; after: unknown; operationName?: string }> {
  return exchange.bodies.map((body) => ({
    first: body.variables?.[FIRST_VARIABLE],
    after: body.variables?.[AFTER_VARIABLE],
    operationName: body.operationName,
  }));
}

describe('small fan-out pages over evenly spread catalogs', () => {
  const IDS = ['bj', 'gy', 'sh', 'ty'];
  const PER_EXCHANGE = 40;
  const exchanges: InProcessExchange[] = [];
  let router: ShardRouter;

  beforeAll(() => {
    for (const id of IDS) exchanges.push(startInProcessExchange({ id, count: PER_EXCHANGE }));
    router = routerOver(exchanges);
  });
  afterAll(() => exchanges.forEach((e) => e.close()));
  beforeEach(() => exchanges.forEach((e) => (e.bodies.length = 0)));

  it('asks each of four exchanges for 11 rows of a page of 20 (share 5, two deviations of √5, one more), not 20', async () => {
    const { data } = await run(router, { first: 20 });
    expect(data.datasets.edges).toHaveLength(20);
    for (const exchange of exchanges) expect(asked(exchange)[0]).toEqual({ first: 11, after: null, operationName: undefined });
  });

  it('sends a client page of 1, or above the contract limit of 100, to every exchange as it is', async () => {
    await run(router, { first: 1 });
    const { errors } = await run(router, { first: 500 });
    expect(errors?.[0].message).toMatch(/first/);
    for (const exchange of exchanges) expect(asked(exchange).map((a) => a.first)).toEqual([1, 500]);
  });

  for (const sort of SORTS) {
    it(`pages through every row by ${sort} exactly as the union of the exchanges' own answers sorted, cursors and counts included`, async () => {
      const expected = await reference(exchanges, sort);
      expect(expected).toHaveLength(IDS.length * PER_EXCHANGE);
      for (const first of [1, 3, 7, 20, 100]) {
        const pages = await pagesOf(router, sort, first);
        expect(pages.flatMap((p) => p.rows)).toEqual(expected);
        pages.forEach((page, i) => {
          expect(page.rows).toHaveLength(Math.min(first, expected.length - i * first));
          expect(page.data.totalCount).toBe(expected.length);
          expect(page.data.pageInfo.endCursor).toBe(page.rows.at(-1)!.cursor);
          expect(page.data.pageInfo.hasNextPage).toBe(i < pages.length - 1);
          expect(page.data.missingExchanges).toEqual([]);
        });
      }
    });
  }
});

describe('small fan-out pages when one exchange holds the whole first page', () => {
  const IDS = ['bj', 'gy', 'sh'];
  const PER_EXCHANGE = 40;
  const exchanges: InProcessExchange[] = [];
  const gy = () => exchanges[1];
  /** gy's send, replaceable by a test (to fail its second call, say). */
  let gySend: ((body: GraphQLRequestBody) => Promise<ExchangeResult>) | null = null;
  let router: ShardRouter;

  beforeAll(() => {
    for (const id of IDS) exchanges.push(startInProcessExchange({ id, count: PER_EXCHANGE }));
    // 30 of gy's listings updated in 2031, after every seeded listing: the first 30 rows by UPDATED_DESC are all gy's.
    for (let i = 1; i <= 30; i++) gy().store.updatePrice(`gy:ds-${String(i).padStart(6, '0')}`, 'PER_CALL', '1.00', new Date(Date.UTC(2031, 0, 1, 0, i)));
    const targets: ShardTarget[] = exchanges.map((exchange) =>
      exchange.id === 'gy' ? { id: 'gy', isAvailable: () => true, send: (body) => (gySend ? gySend(body) : exchange.send(body)) } : exchange,
    );
    router = routerOver(targets);
  });
  afterAll(() => exchanges.forEach((e) => e.close()));
  beforeEach(() => {
    gySend = null;
    exchanges.forEach((e) => {
      e.bodies.length = 0;
      e.calls = 0;
    });
  });

  it('asks the exchange again after its own last cursor for the rows still missing, and no other exchange twice', async () => {
    const expected = await reference(exchanges, 'UPDATED_DESC');
    exchanges.forEach((e) => {
      e.bodies.length = 0;
      e.calls = 0;
    });
    expect(expected.slice(0, 30).every((row) => row.node.id.startsWith('gy:'))).toBe(true);
    const { data, errors } = await run(router, { first: 20 });
    expect(errors).toBeUndefined();
    expect(data.datasets.edges).toEqual(expected.slice(0, 20));
    expect(data.datasets.totalCount).toBe(3 * PER_EXCHANGE);
    expect(data.datasets.pageInfo).toEqual({ hasNextPage: true, endCursor: expected[19].cursor });
    // 20 rows over 3 exchanges: share 6.67, + 2 × 2.58 + 1 → 13 rows each; gy's 13 all in the page, so 7 more after its 13th.
    expect(exchanges.map((e) => e.calls)).toEqual([1, 2, 1]);
    expect(asked(gy())).toEqual([
      { first: 13, after: null, operationName: undefined },
      { first: 7, after: expected[12].cursor, operationName: 'ShardRefill' },
    ]);
  });

  it('keeps every later page exact too, by every sort and page size', async () => {
    for (const sort of SORTS) {
      const expected = await reference(exchanges, sort);
      expect(expected.length).toBeGreaterThan(0);
      for (const first of [2, 20, 33]) expect((await pagesOf(router, sort, first)).flatMap((p) => p.rows)).toEqual(expected);
    }
    // The pages above did need refills (gy's rows come first by UPDATED_DESC).
    expect(asked(gy()).filter((a) => a.operationName === 'ShardRefill').length).toBeGreaterThan(0);
  });

  it('drops an exchange that fails its refill, as if it had failed the first call: missing, uncounted, one error at the field', async () => {
    const others = exchanges.filter((e) => e.id !== 'gy');
    const expected = await reference(others, 'UPDATED_DESC');
    let gyCalls = 0;
    gySend = (body) => (++gyCalls === 1 ? gy().send(body) : Promise.resolve(exchangeFailure('gy', 'EXCHANGE_TIMEOUT', 'gy timed out (made by the test)')));
    const { data, errors } = await run(router, { first: 20 });
    expect(gyCalls).toBe(2);
    expect(data.datasets.edges).toEqual(expected.slice(0, 20));
    expect(data.datasets.missingExchanges).toEqual(['gy']);
    expect(data.datasets.totalCount).toBe(2 * PER_EXCHANGE);
    expect(data.datasets.pageInfo).toEqual({ hasNextPage: true, endCursor: expected[19].cursor });
    expect(errors).toHaveLength(1);
    expect(errors![0]).toMatchObject({ path: ['datasets'], extensions: { code: 'EXCHANGE_TIMEOUT', exchange: 'gy' } });
  });

  it('drops an exchange whose refill returns rows before the cursor it was asked after', async () => {
    const others = exchanges.filter((e) => e.id !== 'gy');
    const expected = await reference(others, 'UPDATED_DESC');
    gySend = (body) => gy().send(body.operationName === 'ShardRefill' ? { ...body, variables: { ...body.variables, [AFTER_VARIABLE]: null } } : body);
    const { data, errors } = await run(router, { first: 20 });
    expect(data.datasets.edges).toEqual(expected.slice(0, 20));
    expect(data.datasets.missingExchanges).toEqual(['gy']);
    expect(errors![0]).toMatchObject({ path: ['datasets'], extensions: { code: 'EXCHANGE_BAD_RESPONSE', exchange: 'gy' } });
    expect(errors![0].message).toMatch(/rows before the cursor/);
  });
});
