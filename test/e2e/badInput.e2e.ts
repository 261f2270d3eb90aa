import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from '../../devkit/stack.ts';
import { graphql, dataOf, type GraphQLResult } from '../helpers/graphql.ts';

/**
 * Bad input sent through the gateway (not to a subgraph): each answers one error naming the argument,
 * decided before any exchange is called (counted at the FlakyProxy in front of each), no partial data;
 * the process stays up and the catalog is the same after.
 */
let stack: Stack;
let fingerprintBefore: string;
/**
 * The exchanges the gateway registered at start. On a heavily loaded machine the schema check of a
 * configured exchange can run past its fixed 15 s limit, and that exchange is then not registered: the
 * tests use those that are (at least one), so what they check does not depend on the machine's load.
 */
let registered: string[];

const CATALOG = `query Catalog($after: String) { datasets(first: 100, after: $after, sort: TITLE_ASC) {
  edges { node { id title updatedAt price { model amount } } } pageInfo { hasNextPage endCursor } totalCount } }`;

/** Every dataset of every exchange, asked of each exchange directly (not through the gateway), hashed. */
async function catalogFingerprint(): Promise<string> {
  const rows: string[] = [];
  for (const url of registered.map((id) => stack.exchangeUrls[id])) {
    let after: string | null = null;
    for (;;) {
      const page: any = dataOf(await graphql(url, CATALOG, { after })).datasets;
      for (const { node } of page.edges) rows.push(JSON.stringify(node));
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor;
    }
  }
  expect(rows.length).toBeGreaterThan(0);
  return createHash('sha256').update(rows.sort().join('\n')).digest('hex');
}

const exchangeCalls = () => Object.values(stack.proxies).reduce((sum, proxy) => sum + proxy.calls, 0);

beforeAll(async () => {
  // Generous budgets: on a loaded machine the conformance run at registration can take past its defaults.
  stack = await startStack({ perExchange: 6, exchangeTimeoutMs: 10_000, gatewayEnv: { REGISTRATION_CONFORMANCE_BUDGET_MS: '120000' } });
  const listed: any = dataOf(await graphql(stack.gatewayUrl, '{ exchanges { id } }')).exchanges;
  registered = listed.map((e: { id: string }) => e.id).sort();
  expect(registered.length, stack.services.gateway.tail().join('\n')).toBeGreaterThan(0);
  fingerprintBefore = await catalogFingerprint();
});
afterAll(async () => {
  await stack?.stop();
});

/** One error, with `code`, naming `argument`, no data, and no exchange called for it. */
async function expectOneError(send: () => Promise<GraphQLResult>, argument: string, code = 'BAD_USER_INPUT'): Promise<GraphQLResult> {
  const before = exchangeCalls();
  const answer = await send();
  expect(answer.errors, JSON.stringify(answer)).toHaveLength(1);
  const [error] = answer.errors!;
  expect(error.extensions?.code).toBe(code);
  expect(error.message).toContain(argument);
  // No partial result: no data at all, or the refused field null.
  const values = answer.data ? Object.values(answer.data) : [];
  expect(values.every((value) => value === null)).toBe(true);
  expect(exchangeCalls()).toBe(before);
  return answer;
}

const query = (text: string, variables?: Record<string, unknown>) => () => graphql(stack.gatewayUrl, text, variables);
const TEXT_QUERY = 'query($text: String) { datasets(filter: { text: $text }) { totalCount edges { node { id } } } }';

describe('bad input through the gateway', () => {
  it('answers malformed JSON with one 400 error', async () => {
    const before = exchangeCalls();
    for (const body of ['{"query": ', '{query: "{ __typename }"}', '\u0000\u0001', '[{"query": "{ __typename }"']) {
      const response = await fetch(stack.gatewayUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      expect(response.status, body).toBe(400);
      expect(await response.json()).toEqual({ errors: [{ message: 'request body is not valid JSON', extensions: { code: 'BAD_REQUEST' } }] });
    }
    expect(exchangeCalls()).toBe(before);
  });

  it('answers variables of the wrong type with one 400 error naming the variable', async () => {
    const answer = await expectOneError(query('query($n: Int) { datasets(first: $n) { totalCount } }', { n: 'ten' }), '$n');
    expect(answer.status).toBe(400);
    await expectOneError(query('query($f: DatasetFilter) { datasets(filter: $f) { totalCount } }', { f: { synonyms: 'yes' } }), '$f').then((a) =>
      expect(a.status).toBe(400),
    );
    await expectOneError(query('query($f: DatasetFilter) { datasets(filter: $f) { totalCount } }', { f: { categories: ['NOT_A_CATEGORY'] } }), '$f');
  });

  it('answers a garbage or tampered after cursor with one error naming after', async () => {
    const first: any = dataOf(await graphql(stack.gatewayUrl, '{ datasets(first: 2) { pageInfo { endCursor } } }')).datasets;
    const real = String(first.pageInfo.endCursor);
    const [sort, key, id] = JSON.parse(Buffer.from(real, 'base64url').toString('utf8'));
    const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const bad = [
      'garbage',
      '!!!',
      'x'.repeat(5000),
      encode({ not: 'a cursor' }),
      encode([sort, typeof key === 'number' ? 'not-a-number' : 42, id]),
      encode([sort, key, '']),
      encode(['TITLE_ASC', key, id]),
      `${real}$`,
    ];
    expect(sort).toBe('UPDATED_DESC');
    for (const after of bad) {
      await expectOneError(query('query($after: String) { datasets(first: 2, after: $after) { totalCount edges { node { id } } } }', { after }), 'after');
    }
  });

  it('answers a malformed USCC with one 400 error naming the argument', async () => {
    for (const uscc of ['123', '91110000MA01ABCDEI', '9111000010000000XX', 'x'.repeat(10_000)]) {
      const answer = await expectOneError(query('query($u: ID!) { provider(uscc: $u) { name } }', { u: uscc }), 'uscc');
      expect(answer.status).toBe(400);
    }
    await expectOneError(query('{ datasets(filter: { providerUscc: "nope" }) { totalCount } }'), 'filter.providerUscc');
  });

  it('answers a malformed dataset id, or one of an unknown exchange, with one error naming id; a well-formed unknown id is null', async () => {
    for (const id of ['nonsense', ':', 'zz:ds-1', 'x'.repeat(10_000)]) {
      await expectOneError(query('query($id: ID!) { dataset(id: $id) { id title } }', { id }), 'id');
    }
    const unknown = await graphql(stack.gatewayUrl, `{ dataset(id: "${registered[0]}:no-such-dataset") { id } }`);
    expect(unknown).toMatchObject({ status: 200, data: { dataset: null } });
    expect(unknown.errors).toBeUndefined();
  });

  it('answers filter.exchanges naming an unknown exchange, or too many, with one 400 error naming it', async () => {
    const unknown = await expectOneError(
      query(`{ datasets(filter: { exchanges: ["${registered[0]}", "xx"] }) { totalCount missingExchanges } }`),
      'filter.exchanges',
    );
    expect(unknown.status).toBe(400);
    expect(unknown.errors![0].message).toBe(`filter.exchanges: no exchange "xx" is registered (registered: ${registered.join(', ')})`);
    const many = Array.from({ length: 33 }, (_, i) => `e${String.fromCharCode(97 + (i % 26))}${String.fromCharCode(97 + Math.floor(i / 26))}`);
    expect(new Set(many).size).toBe(33);
    const tooMany = await expectOneError(query('query($e: [ID!]) { datasets(filter: { exchanges: $e }) { totalCount } }', { e: many }), 'filter.exchanges');
    expect(tooMany.errors![0].message).toBe('filter.exchanges: at most 32 exchanges, got 33');
    await expectOneError(query('{ providers(filter: { exchanges: ["zz"] }) { totalCount } }'), 'filter.exchanges');
    await expectOneError(query('{ products(filter: { datasets: { exchanges: ["zz"] } }) { totalCount } }'), 'filter.datasets.exchanges');
  });

  it('answers control characters and 10 KB strings in filter.text with one 400 error naming filter.text', async () => {
    for (const text of ['data\u0000set', 'a\u0007b', 'line\nbreak', '\u007f', 'x'.repeat(10 * 1024), '数据'.repeat(5 * 1024)]) {
      const answer = await expectOneError(query(TEXT_QUERY, { text }), 'filter.text');
      expect(answer.status).toBe(400);
    }
    await expectOneError(query('query($t: String) { providers(filter: { text: $t }) { totalCount } }', { t: 'a\u0000' }), 'filter.text');
  });

  it('stays up and serves the same catalog after all of it', async () => {
    expect((await fetch(`${stack.gatewayBase}/health`)).status).toBe(200);
    expect(stack.services.gateway.state.phase).toBe('ready');
    expect(await catalogFingerprint()).toBe(fingerprintBefore);
    const total: any = dataOf(await graphql(stack.gatewayUrl, '{ datasets { totalCount } }')).datasets;
    expect(total.totalCount).toBe(6 * registered.length);
  });
});
