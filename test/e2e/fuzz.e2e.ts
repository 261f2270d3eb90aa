import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { startStack, type Stack } from '../../devkit/stack.ts';
import { graphql, dataOf } from '../helpers/graphql.ts';

/**
 * Property-based fuzzing of the gateway's front door under NODE_ENV=production: generated queries (valid,
 * broken, hostile), variables, cursors, ids, USCCs, texts, JSON bodies and headers. Every answer is 200,
 * or 4xx with GraphQL errors that carry extensions.code; never 5xx, a stack trace or a file path. The seed
 * is printed; FUZZ_SEED=<seed> replays a run, FUZZ_RUNS sets its length (default 800 runs of 3 requests each).
 */
let stack: Stack;
const SEED = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : Date.now() % 2_147_483_647;
const RUNS = process.env.FUZZ_RUNS ? Number(process.env.FUZZ_RUNS) : 800;
/** Requests per run, sent at once: 2,400 requests in all by default, about a minute on a loaded machine. */
const PER_RUN = 3;
const CATALOG = '{ datasets(first: 100, sort: TITLE_ASC) { totalCount edges { node { id title price { amount } } } } }';
let catalogBefore: unknown;

beforeAll(async () => {
  // Generous budgets: on a loaded machine the conformance run at registration can take past its defaults.
  stack = await startStack({ perExchange: 8, exchangeTimeoutMs: 10_000, gatewayEnv: { NODE_ENV: 'production', REGISTRATION_CONFORMANCE_BUDGET_MS: '120000' } });
  catalogBefore = dataOf(await graphql(stack.gatewayUrl, CATALOG));
  // At least one exchange registered (under heavy load a schema check can miss its fixed 15 s limit).
  expect((catalogBefore as any).datasets.totalCount, stack.services.gateway.tail().join('\n')).toBeGreaterThan(0);
});
afterAll(async () => {
  await stack?.stop();
});

const EXCHANGES = ['bj', 'gy', 'sh', 'ty'];
const SORTS = ['UPDATED_DESC', 'TITLE_ASC', 'PRICE_ASC', 'PRICE_DESC', 'RELEVANCE', 'NOT_A_SORT'];
const printable = (maxLength: number) => fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength });
/** Strings a hostile client sends: control characters, any Unicode, long runs, quotes and braces. */
const hostileText = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 60 }),
  fc.constantFrom('', ' ', '"', '\\', '{', '}', '\u0000', '数据 交易', '%s%n', '${x}', "' OR 1=1 --", '*', 'a'.repeat(201)),
  fc.integer({ min: 1, max: 20_000 }).map((n) => 'x'.repeat(n)),
);
const base64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const cursor = fc.oneof(
  hostileText,
  fc.tuple(fc.constantFrom(...SORTS), fc.oneof(fc.integer(), fc.string({ maxLength: 10 }), fc.constant(null)), fc.string({ maxLength: 12 })).map(base64url),
  fc.jsonValue({ maxDepth: 2 }).map(base64url),
);
const datasetId = fc.oneof(
  hostileText,
  fc.tuple(fc.constantFrom(...EXCHANGES, 'zz', 'BJ', ''), fc.string({ maxLength: 12 })).map(([e, local]) => `${e}:${local}`),
  fc.integer({ min: 0, max: 12 }).map((n) => `bj:ds-${String(n).padStart(6, '0')}`),
);
const uscc = fc.oneof(hostileText, fc.stringMatching(/^[0-9A-Z]{18}$/), fc.stringMatching(/^[0-9A-HJ-NP-RTUWXY]{18}$/));
const exchangeList = fc.array(fc.oneof(fc.constantFrom(...EXCHANGES), fc.string({ maxLength: 10 })), { maxLength: 40 });
const filter = fc.record(
  {
    text: hostileText,
    exchanges: exchangeList,
    categories: fc.array(fc.constantFrom('FINANCE', 'TRANSPORT', 'NOPE', 'HEALTH'), { maxLength: 3 }),
    providerUscc: uscc,
    minPrice: fc.oneof(fc.constantFrom('0', '10.5', '-1', 'abc', '1e9999'), fc.double()),
    synonyms: fc.oneof(fc.boolean(), fc.string({ maxLength: 3 })),
  },
  { requiredKeys: [] },
);

/** Queries a client may send, each with variables shaped (or not) for it. */
const validQuery = fc.oneof(
  fc.record({
    query: fc.constant(
      'query($f: DatasetFilter, $s: DatasetSort, $n: Int, $a: String) { datasets(filter: $f, sort: $s, first: $n, after: $a) { totalCount missingExchanges pageInfo { endCursor hasNextPage } edges { cursor node { id title price { model amount } } } } }',
    ),
    variables: fc.record(
      {
        f: fc.oneof(filter, fc.jsonValue({ maxDepth: 2 })),
        s: fc.constantFrom(...SORTS),
        n: fc.oneof(fc.integer({ min: -5, max: 300 }), fc.string({ maxLength: 4 })),
        a: fc.oneof(cursor, fc.constant(null)),
      },
      { requiredKeys: [] },
    ),
  }),
  fc.record({
    query: fc.constant('query($id: ID!) { dataset(id: $id) { id title exchange { id } provider { uscc name } } }'),
    variables: fc.record({ id: datasetId }),
  }),
  fc.record({ query: fc.constant('query($u: ID!) { provider(uscc: $u) { uscc name datasets(first: 3) { totalCount } } }'), variables: fc.record({ u: uscc }) }),
  fc.record({
    query: fc.constant('query($f: ProviderFilter, $a: String) { providers(filter: $f, after: $a, first: 5) { totalCount edges { node { uscc } } } }'),
    variables: fc.record({ f: fc.record({ text: hostileText, exchanges: exchangeList }, { requiredKeys: [] }), a: cursor }, { requiredKeys: [] }),
  }),
  fc.record({
    query: fc.constant('query($g: [StatsGroup!]!, $f: DatasetFilter) { priceStatistics(groupBy: $g, filter: $f) { buckets { count } } }'),
    variables: fc.record(
      { g: fc.array(fc.constantFrom('EXCHANGE', 'CATEGORY', 'PRICING_MODEL', 'NOPE'), { maxLength: 4 }), f: filter },
      { requiredKeys: ['g'] },
    ),
  }),
  fc.record({
    query: fc.constant('query($a: String) { products(first: 5, after: $a) { totalCount edges { node { productCode } } } }'),
    variables: fc.record({ a: cursor }),
  }),
  fc.record({
    query: fc.constantFrom(
      '{ exchanges { id name status } }',
      '{ __typename }',
      '{ __schema { queryType { name } } }',
      '{ __type(name: "Dataset") { fields { name } } }',
    ),
    variables: fc.constant(undefined),
  }),
);
const nested = (depth: number) => `{ ${'datasets(first: 1) { edges { node { provider { '.repeat(depth)}uscc${' } } } }'.repeat(depth)} }`;
const hostileQuery = fc.oneof(
  fc.integer({ min: 1, max: 12 }).map(nested),
  fc.integer({ min: 1, max: 120 }).map((n) => `{ ${Array.from({ length: n }, (_, i) => `a${i}: exchanges { id }`).join(' ')} }`),
  fc.integer({ min: 1, max: 120 }).map((n) => `{ ${'__typename @include(if: true) '.repeat(n)}}`),
  fc.integer({ min: 100, max: 6000 }).map((n) => `{ ${'__typename '.repeat(n)}}`),
  fc.constantFrom(
    'mutation { __typename }',
    'subscription { x }',
    'fragment A on Dataset { ...A } { datasets { edges { node { ...A } } } }',
    '{ datasets(first: 100) { edges { node { provider { datasets(first: 100) { edges { node { id } } } } } } } }',
    'query A { __typename } query B { __typename }',
    '{ nope }',
    '{ datasets { edges { node { id(x: 1) } } } }',
    'query($x: Int) { __typename }',
    '{ dataset(id: "bj:ds-000001") { id } dataset(id: "sh:ds-000001") { id } }',
  ),
);
/** A valid query cut, or with characters put in, or random text. */
const brokenQuery = fc.oneof(
  fc.tuple(validQuery, fc.nat()).map(([q, at]) => q.query.slice(0, at % q.query.length)),
  fc
    .tuple(validQuery, fc.nat(), fc.string({ maxLength: 5 }))
    .map(([q, at, junk]) => q.query.slice(0, at % q.query.length) + junk + q.query.slice(at % q.query.length)),
  fc.string({ maxLength: 200 }),
);

const body = fc.oneof(
  { weight: 5, arbitrary: validQuery.map((q) => JSON.stringify(q)) },
  {
    weight: 2,
    arbitrary: fc.record({ query: hostileQuery, variables: fc.jsonValue({ maxDepth: 2 }) }, { requiredKeys: ['query'] }).map((b) => JSON.stringify(b)),
  },
  {
    weight: 2,
    arbitrary: fc
      .record({ query: brokenQuery, operationName: fc.oneof(fc.string({ maxLength: 5 }), fc.integer()) }, { requiredKeys: ['query'] })
      .map((b) => JSON.stringify(b)),
  },
  {
    weight: 1,
    arbitrary: fc
      .record(
        {
          query: fc.jsonValue({ maxDepth: 1 }),
          variables: fc.jsonValue({ maxDepth: 2 }),
          extensions: fc.jsonValue({ maxDepth: 2 }),
          operationName: fc.jsonValue({ maxDepth: 1 }),
        },
        { requiredKeys: [] },
      )
      .map((b) => JSON.stringify(b)),
  },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 300 }) },
);
const headers = fc.record(
  {
    'content-type': fc.constantFrom(
      'application/json',
      'application/json; charset=utf-8',
      'text/plain',
      'application/graphql',
      'application/x-www-form-urlencoded',
      'nonsense/x',
    ),
    accept: fc.constantFrom(
      '*/*',
      'application/json',
      'application/graphql-response+json',
      'text/html',
      'application/graphql-response+json, application/json;q=0.9',
      'x',
    ),
    'x-request-id': printable(120),
    'apollo-require-preflight': fc.constant('true'),
    'x-api-key': printable(60),
    'x-forwarded-for': printable(60),
  },
  { requiredKeys: [] },
);
const request = fc.oneof(
  { weight: 6, arbitrary: fc.record({ method: fc.constant('POST' as const), body, headers }) },
  {
    weight: 1,
    arbitrary: fc.record({
      method: fc.constant('GET' as const),
      search: fc.oneof(
        validQuery.map((q) => `query=${encodeURIComponent(q.query)}&variables=${encodeURIComponent(JSON.stringify(q.variables ?? {}))}`),
        printable(100),
      ),
      headers,
    }),
  },
);

// Signs of an internal leaking out: a stack frame, a source file, this machine's paths.
const LEAKS = [/\n\s+at /, /\bat [\w.<>]+ \(/, /\.(?:ts|js|mjs|cjs):\d+/, /\/work\//, /node_modules/, /stacktrace/i, /\/home\//, /\/tmp\//];

type SentRequest = { method: 'POST'; body: string; headers: Record<string, string> } | { method: 'GET'; search: string; headers: Record<string, string> };

/** Sends one generated request and checks its answer. */
async function sendAndCheck(sent: SentRequest, statuses: Map<number, number>): Promise<void> {
  const url = sent.method === 'GET' ? `${stack.gatewayUrl}?${sent.search}` : stack.gatewayUrl;
  const response = await fetch(url, { method: sent.method, headers: sent.headers, ...(sent.method === 'POST' ? { body: sent.body } : {}) });
  const text = await response.text();
  statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
  expect(response.status === 200 || (response.status >= 400 && response.status < 500), `status ${response.status}: ${text.slice(0, 300)}`).toBe(true);
  for (const leak of LEAKS) expect(leak.test(text), `${leak}: ${text.slice(0, 500)}`).toBe(false);
  // A browser's GET (Accept: text/html, no query) gets GraphiQL, the one answer that is a page and not JSON.
  if (String(response.headers.get('content-type')).startsWith('text/html')) {
    expect(sent.method === 'GET' && String(sent.headers.accept ?? '').includes('text/html') && response.status === 200, text.slice(0, 200)).toBe(true);
    return;
  }
  const answer = JSON.parse(text) as { data?: unknown; errors?: Array<{ extensions?: { code?: unknown } }> };
  if (response.status !== 200) expect(answer.errors?.length, text.slice(0, 300)).toBeGreaterThan(0);
  for (const error of answer.errors ?? []) expect(typeof error.extensions?.code, text.slice(0, 300)).toBe('string');
  if (response.status === 200) expect('data' in answer || (answer.errors?.length ?? 0) > 0).toBe(true);
}

describe('fuzzing the gateway', () => {
  it('answers every generated request with 200 or a 4xx GraphQL error with a code, never 5xx or a leak, and serves the same catalog after', async () => {
    console.log(`fuzz: seed ${SEED}, ${RUNS} runs of ${PER_RUN} requests (replay with FUZZ_SEED=${SEED})`);
    const statuses = new Map<number, number>();
    let cases = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(request, { minLength: PER_RUN, maxLength: PER_RUN }), async (batch) => {
        await Promise.all(batch.map((sent) => sendAndCheck(sent, statuses)));
        cases += batch.length;
      }),
      { seed: SEED, numRuns: RUNS, endOnFailure: true },
    );
    console.log(`fuzz: ${cases} cases, statuses ${JSON.stringify(Object.fromEntries(statuses))}`);
    expect(cases).toBe(RUNS * PER_RUN);
    expect(statuses.get(200)).toBeGreaterThan(0);
    expect([...statuses.keys()].some((s) => s >= 400)).toBe(true);

    expect((await fetch(`${stack.gatewayBase}/health`)).status).toBe(200);
    expect(stack.services.gateway.state.phase).toBe('ready');
    expect(dataOf(await graphql(stack.gatewayUrl, CATALOG))).toEqual(catalogBefore);
  }, 300_000);
});
