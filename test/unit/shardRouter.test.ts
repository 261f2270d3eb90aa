import { describe, it, expect, beforeAll, afterAll, beforeEach } from 'vitest';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { ShardRouter } from '../../gateway/src/shards/ShardRouter.ts';
import { typeDefs as exchangeTypeDefs } from '../../subgraphs/exchange/schema.ts';
import { startInProcessExchange, type InProcessExchange } from '../helpers/inProcessExchange.ts';
import { compareListings } from '../helpers/reference.ts';
import { CatalogReport } from '../../gateway/src/shards/CatalogReport.ts';

// The router over three exchanges in process (real schema and store each, no HTTP): which exchanges it
// calls, counted by the exchanges themselves, and what a client gets when some of them fail.

const IDS = ['bj', 'gy', 'sh'];
const PER_EXCHANGE = 40;
const exchanges: Record<string, InProcessExchange> = {};
let router: ShardRouter;
let warnings: Array<Record<string, unknown>>;

const PAGE = `query($filter: DatasetFilter, $first: Int) { datasets(filter: $filter, first: $first, sort: UPDATED_DESC) {
  edges { node { id title updatedAt price { model amount } } } totalCount missingExchanges } }`;

async function run(query: string, variables: Record<string, unknown> = {}): Promise<{ data?: any; errors?: any[] }> {
  return (await router.process({ request: { query, variables }, context: {} } as never)) as never;
}
const calls = () => Object.fromEntries(IDS.map((id) => [id, exchanges[id].calls]));

beforeAll(() => {
  for (const id of IDS) exchanges[id] = startInProcessExchange({ id, count: PER_EXCHANGE });
  const targets = IDS.map((id) => exchanges[id]);
  router = new ShardRouter({
    contractSchema: buildSubgraphSchema([{ typeDefs: exchangeTypeDefs }]),
    targets: { get: (id) => exchanges[id], all: () => targets },
    logger: { warn: (fields) => warnings.push(fields), error: (fields) => warnings.push(fields) },
  });
});
afterAll(() => {
  for (const exchange of Object.values(exchanges)) exchange.close();
});
beforeEach(() => {
  warnings = [];
  for (const exchange of Object.values(exchanges)) {
    exchange.calls = 0;
    exchange.bodies.length = 0;
    exchange.available = true;
    exchange.failWith = null;
    exchange.rewrite = null;
  }
});

describe('shard router: fan-out', () => {
  it('asks every exchange once and merges their pages in the contract order', async () => {
    const { data, errors } = await run(PAGE, { first: 100 });
    expect(errors).toBeUndefined();
    expect(calls()).toEqual({ bj: 1, gy: 1, sh: 1 });
    expect(data.datasets.totalCount).toBe(3 * PER_EXCHANGE);
    expect(data.datasets.missingExchanges).toEqual([]);
    const nodes = data.datasets.edges.map((e: any) => e.node);
    expect(nodes).toHaveLength(100);
    expect(nodes).toEqual([...nodes].sort((a, b) => compareListings('UPDATED_DESC', a, b)));
    expect(new Set(nodes.map((n: any) => n.id.split(':')[0]))).toEqual(new Set(IDS));
  });

  it('asks only the exchanges named in filter.exchanges, each once however often it is named', async () => {
    const { data } = await run(PAGE, { first: 100, filter: { exchanges: ['sh', 'bj', 'sh'] } });
    expect(calls()).toEqual({ bj: 1, gy: 0, sh: 1 });
    expect(data.datasets.totalCount).toBe(2 * PER_EXCHANGE);
    expect(data.datasets.edges.length).toBeGreaterThan(0);
    expect(data.datasets.edges.every((e: any) => /^(sh|bj):/.test(e.node.id))).toBe(true);
  });

  it('calls each exchange once for two fan-out fields of one request', async () => {
    const { data } = await run(`{ a: datasets(first: 2) { totalCount } b: priceStats(groupBy: EXCHANGE) { key count } }`);
    expect(calls()).toEqual({ bj: 1, gy: 1, sh: 1 });
    expect(data.b).toEqual(IDS.map((key) => ({ key, count: PER_EXCHANGE })));
  });
});

describe('shard router: routing by id', () => {
  it('sends dataset(id) to the exchange its prefix names, and only there', async () => {
    const id = 'gy:ds-000007';
    const { data, errors } = await run(`query($id: ID!) { dataset(id: $id) { id title } }`, { id });
    expect(errors).toBeUndefined();
    expect(data.dataset.id).toBe(id);
    expect(calls()).toEqual({ bj: 0, gy: 1, sh: 0 });
  });

  it('refuses an id of no registered exchange, naming the argument, without a call', async () => {
    const { data, errors } = await run(`{ dataset(id: "zz:ds-000001") { id } }`);
    expect(calls()).toEqual({ bj: 0, gy: 0, sh: 0 });
    expect(data).toEqual({ dataset: null });
    expect(errors).toEqual([
      expect.objectContaining({
        message: 'id: no exchange "zz" is registered; ids start with a registered exchange\'s code, e.g. "sh:ds-000123"',
        path: ['dataset'],
        extensions: { code: 'BAD_USER_INPUT' },
      }),
    ]);
  });

  it('refuses an id without a prefix, naming the rule and the value', async () => {
    const { errors } = await run(`{ dataset(id: "ds-000001") { id } }`);
    expect(errors?.[0].message).toBe('id: must be a global id "<exchange>:<local id>", e.g. "sh:ds-000123", got "ds-000001"');
    expect(calls()).toEqual({ bj: 0, gy: 0, sh: 0 });
  });

  it('splits _entities by prefix, sends each exchange only its own, and keeps the order asked', async () => {
    const wanted = ['sh:ds-000003', 'bj:ds-000001', 'sh:ds-000001', 'bj:ds-999999'];
    const { data } = await run(`query($r: [_Any!]!) { _entities(representations: $r) { ... on Dataset { id } } }`, {
      r: wanted.map((id) => ({ __typename: 'Dataset', id })),
    });
    expect(data._entities.map((e: any) => e?.id ?? null)).toEqual(['sh:ds-000003', 'bj:ds-000001', 'sh:ds-000001', null]);
    expect(calls()).toEqual({ bj: 1, gy: 0, sh: 1 });
    expect((exchanges.sh.bodies[0].variables!.r as any[]).map((r) => r.id)).toEqual(['sh:ds-000003', 'sh:ds-000001']);
  });
});

describe('shard router: partial results', () => {
  const failures = [
    ['EXCHANGE_TIMEOUT', 'times out'],
    ['EXCHANGE_UNAVAILABLE', 'cannot be reached'],
    ['EXCHANGE_BAD_RESPONSE', 'answers garbage'],
  ] as const;
  for (const [code, what] of failures) {
    it(`answers with the others when an exchange ${what}, lists it missing and adds one ${code} error naming it`, async () => {
      exchanges.gy.failWith = code;
      const { data, errors } = await run(PAGE, { first: 100 });
      expect(data.datasets.missingExchanges).toEqual(['gy']);
      expect(data.datasets.totalCount).toBe(2 * PER_EXCHANGE);
      expect(data.datasets.edges.length).toBeGreaterThan(0);
      expect(data.datasets.edges.some((e: any) => e.node.id.startsWith('gy:'))).toBe(false);
      expect(errors).toEqual([expect.objectContaining({ extensions: { code, exchange: 'gy' } })]);
      expect(warnings.map((w) => w.exchange)).toEqual(['gy']);
    });
  }

  it('skips an offline exchange without calling it', async () => {
    exchanges.bj.available = false;
    const { data, errors } = await run(PAGE, { first: 5 });
    expect(exchanges.bj.calls).toBe(0);
    expect(data.datasets.missingExchanges).toEqual(['bj']);
    expect(errors).toEqual([{ message: 'exchange bj is offline', path: ['datasets'], extensions: { code: 'EXCHANGE_UNAVAILABLE', exchange: 'bj' } }]);
  });

  it("drops all data of an exchange that returns another exchange's ids", async () => {
    // Every id in the answer, wherever the router's query put it, rewritten to bear bj's prefix.
    const lie = (value: any): void => {
      if (value === null || typeof value !== 'object') return;
      for (const [key, child] of Object.entries(value)) {
        if (typeof child === 'string' && child.startsWith('sh:')) value[key] = `bj:${child.slice(3)}`;
        else lie(child);
      }
    };
    exchanges.sh.rewrite = lie;
    const { data, errors } = await run(`{ datasets(first: 100) { nodes { id } totalCount missingExchanges } }`);
    expect(data.datasets.missingExchanges).toEqual(['sh']);
    expect(data.datasets.totalCount).toBe(2 * PER_EXCHANGE);
    expect(errors).toEqual([
      expect.objectContaining({
        message: 'exchange sh gave a bad response: returned ids of another exchange (bj)',
        extensions: { code: 'EXCHANGE_BAD_RESPONSE', exchange: 'sh' },
      }),
    ]);
    // Every bj id comes from bj itself: as many as bj lists, none twice.
    const bjIds = data.datasets.nodes.map((n: any) => n.id).filter((id: string) => id.startsWith('bj:'));
    expect(bjIds).toHaveLength(PER_EXCHANGE);
    expect(new Set(bjIds).size).toBe(PER_EXCHANGE);
  });

  it('reports a failed exchange once per request, however many fields needed it', async () => {
    exchanges.sh.failWith = 'EXCHANGE_TIMEOUT';
    const { data, errors } = await run(`{ a: datasets(first: 2) { missingExchanges } b: priceStats(groupBy: EXCHANGE) { key } }`);
    expect(exchanges.sh.calls).toBe(1);
    expect(errors).toHaveLength(1);
    expect(data.a.missingExchanges).toEqual(['sh']);
    expect(data.b.map((b: any) => b.key)).toEqual(['bj', 'gy']);
  });

  it('passes a mistake of the client through once, as BAD_USER_INPUT naming the argument', async () => {
    const { data, errors } = await run(`{ datasets(first: 500) { totalCount } }`);
    expect(data).toBeNull();
    expect(errors).toEqual([
      expect.objectContaining({ message: 'first: must be between 0 and 100, got 500', extensions: expect.objectContaining({ code: 'BAD_USER_INPUT' }) }),
    ]);
  });
});

describe('shard router: how complete an answer is', () => {
  async function runReported(query: string, variables: Record<string, unknown> = {}) {
    const catalog = new CatalogReport();
    const outcome = (await router.process({ request: { query, variables }, context: { catalog } } as never)) as { data?: any; errors?: any[] };
    return { ...outcome, catalog: catalog.toExtension() };
  }

  it('reports every exchange it drew from with the catalog version of its answer, and none missing', async () => {
    const { catalog, errors } = await runReported(`{ datasets(first: 3) { totalCount } }`);
    expect(errors).toBeUndefined();
    // Each exchange's version read from its own store, not from the router.
    expect(catalog).toEqual({ exchanges: Object.fromEntries(IDS.map((id) => [id, exchanges[id].store.catalogVersion])), missingExchanges: [] });
  });

  it('reports a failed exchange missing, and an unknown one named in filter.exchanges', async () => {
    exchanges.gy.failWith = 'EXCHANGE_TIMEOUT';
    const { catalog } = await runReported(`{ datasets(first: 3, filter: { exchanges: ["bj", "gy", "zz"] }) { missingExchanges } }`);
    expect(catalog).toEqual({ exchanges: { bj: exchanges.bj.store.catalogVersion }, missingExchanges: ['gy', 'zz'] });
  });

  it('gives one error per failed exchange the path of the first root field it empties, and lists every one in extensions.paths', async () => {
    exchanges.sh.available = false;
    const { errors } = await runReported(
      `{ first: priceStats(groupBy: EXCHANGE) { key } one: dataset(id: "bj:ds-000001") { id } second: datasets(first: 2) { totalCount } }`,
    );
    expect(errors).toEqual([
      { message: 'exchange sh is offline', path: ['first'], extensions: { code: 'EXCHANGE_UNAVAILABLE', exchange: 'sh', paths: [['first'], ['second']] } },
    ]);
  });

  it('points the error of an entity fetch at the first representation the exchange owns, with the field asked', async () => {
    exchanges.gy.available = false;
    const representations = [
      { __typename: 'Exchange', id: 'bj' },
      { __typename: 'Exchange', id: 'gy' },
      { __typename: 'Exchange', id: 'sh' },
    ];
    const { data, errors, catalog } = await runReported(`query($r: [_Any!]!) { _entities(representations: $r) { ... on Exchange { count: datasetCount } } }`, {
      r: representations,
    });
    expect(data._entities.map((e: any) => e?.count ?? null)).toEqual([PER_EXCHANGE, null, PER_EXCHANGE]);
    expect(errors).toEqual([expect.objectContaining({ path: ['_entities', 1, 'count'], extensions: { code: 'EXCHANGE_UNAVAILABLE', exchange: 'gy' } })]);
    expect(catalog.missingExchanges).toEqual(['gy']);
  });

  it('points the error of a nested fan-out field (run after the fetch) at the first object that holds it', async () => {
    exchanges.gy.available = false;
    const { data, errors } = await runReported(
      `{ datasets(first: 2, sort: TITLE_ASC, filter: { exchanges: ["bj"] }) { nodes { id provider { listed: datasets(first: 1) { missingExchanges } } } } }`,
    );
    expect(data.datasets.nodes).toHaveLength(2);
    expect(data.datasets.nodes[0].provider.listed.missingExchanges).toEqual(['gy']);
    expect(errors).toEqual([
      expect.objectContaining({ path: ['datasets', 'nodes', 0, 'provider', 'listed'], extensions: { code: 'EXCHANGE_UNAVAILABLE', exchange: 'gy' } }),
    ]);
  });

  it('points the error of a fan-out entity field at its first entity', async () => {
    exchanges.bj.failWith = 'EXCHANGE_UNAVAILABLE';
    const representations = [
      { __typename: 'Provider', uscc: '91110000000000000X' },
      { __typename: 'Provider', uscc: '91110000000000001X' },
    ];
    const { data, errors } = await runReported(
      `query($r: [_Any!]!) { _entities(representations: $r) { ... on Provider { listed: datasets(first: 1) { missingExchanges } } } }`,
      { r: representations },
    );
    expect(data._entities).toHaveLength(2);
    expect(errors).toEqual([expect.objectContaining({ path: ['_entities', 0, 'listed'], extensions: { code: 'EXCHANGE_UNAVAILABLE', exchange: 'bj' } })]);
  });
});
