import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serverAudits, type AuditResult } from 'graphql-http';
import { getIntrospectionQuery } from 'graphql';
import { startStack, type Stack } from '../../devkit/stack.ts';
import { graphql } from '../helpers/graphql.ts';

/**
 * The gateway's front door over real HTTP: graphql-http's audit suite, introspection, operation types the
 * schema lacks, batches, CSRF prevention, body limits and the query-shape limits, each refused before any
 * exchange is called (counted at the FlakyProxy in front of every exchange).
 */
let stack: Stack;
const ADMIN = 'front-door-admin-token';
/** MAX_BODY_BYTES for this stack: below the 1 MiB default, so a body between the two shows the setting is honoured. */
const BODY_LIMIT = 512 * 1024;

beforeAll(async () => {
  // Generous budgets: on a loaded machine the conformance run at registration can take past its defaults.
  stack = await startStack({
    perExchange: 5,
    exchangeTimeoutMs: 10_000,
    gatewayEnv: { GATEWAY_ADMIN_TOKEN: ADMIN, REGISTRATION_CONFORMANCE_BUDGET_MS: '120000', MAX_BODY_BYTES: String(BODY_LIMIT) },
  });
});
afterAll(async () => {
  await stack?.stop();
});

/** GraphQL calls the exchanges received through their proxies (health probes counted apart). */
const exchangeCalls = () => Object.values(stack.proxies).reduce((sum, proxy) => sum + proxy.calls, 0);

async function post(url: string, body: string, headers: Record<string, string> = {}): Promise<{ status: number; body: any }> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
  const text = await response.text();
  return { status: response.status, body: JSON.parse(text) };
}

describe('GraphQL over HTTP', () => {
  it('passes every audit of graphql-http, each one ok', async () => {
    // Apollo's CSRF prevention (kept on) refuses a GET without a JSON content type or a preflight header,
    // which the audits' bare GETs are; a non-browser client sends apollo-require-preflight, so the audits'
    // fetch does on GET only. That the bare GET is refused is asserted in the CSRF test below.
    const fetchFn: typeof fetch = (input, init = {}) =>
      fetch(
        input,
        (init.method ?? 'GET') === 'GET' ? { ...init, headers: { ...(init.headers as Record<string, string>), 'apollo-require-preflight': 'true' } } : init,
      );
    const audits = serverAudits({ url: stack.gatewayUrl, fetchFn });
    expect(audits.length).toBeGreaterThan(50);
    const results: Array<{ name: string; result: AuditResult }> = [];
    for (const audit of audits) results.push({ name: audit.name, result: await audit.fn() });
    const counts: Record<string, number> = { ok: 0, warn: 0, notice: 0, error: 0 };
    for (const { result } of results) counts[result.status]++;
    console.log(`graphql-http serverAudits: ${JSON.stringify(counts)}`);
    const notOk = results
      .filter(({ result }) => result.status !== 'ok')
      .map(({ name, result }) => `${result.status}: ${name}: ${'reason' in result ? result.reason : ''}`);
    expect(notOk).toEqual([]);
    expect(counts.ok).toBe(audits.length);
  });

  it('answers an operation type the schema lacks with 400 and a GraphQL error, never 500', async () => {
    for (const query of ['mutation { __typename }', 'subscription { x }', 'mutation M { __typename } query Q { __typename }']) {
      const operationName = query.includes('M {') ? 'M' : undefined;
      const answer = await post(stack.gatewayUrl, JSON.stringify({ query, operationName }));
      expect(answer.status, query).toBe(400);
      expect(answer.body.errors).toHaveLength(1);
      expect(answer.body.errors[0].message).toMatch(/^this API has no (mutation|subscription) operations: the catalog is read-only/);
      expect(answer.body.errors[0].extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');
    }
  });

  it('answers an operationName that names no operation, or none for several, with 400, never 500', async () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ query: '{ __typename }', operationName: 'Nope' }, 'operationName: the document has no operation named "Nope"'],
      [{ query: 'query A { __typename } query B { __typename }' }, 'operationName: the document holds several operations; name the one to run'],
    ];
    for (const [body, message] of cases) {
      const answer = await post(stack.gatewayUrl, JSON.stringify(body));
      expect(answer.status).toBe(400);
      expect(answer.body.errors).toEqual([{ message, extensions: { code: 'OPERATION_RESOLUTION_FAILURE', argument: 'operationName' } }]);
    }
  });

  it('refuses a batched request (a JSON array) whole, with one error that says to send one operation', async () => {
    const before = exchangeCalls();
    const answer = await post(stack.gatewayUrl, JSON.stringify([{ query: '{ datasets { totalCount } }' }, { query: '{ exchanges { id } }' }]));
    expect(answer.status).toBe(400);
    expect(answer.body.errors).toEqual([
      {
        message: 'batched requests (a JSON array of 2 operations) are not accepted: send one operation per request, as a JSON object',
        extensions: { code: 'BAD_REQUEST', rule: 'no-batching' },
      },
    ]);
    expect(exchangeCalls()).toBe(before);
  });

  it('keeps CSRF prevention on: a bare GET is refused, the same GET with a preflight header answered', async () => {
    const url = `${stack.gatewayUrl}?query=${encodeURIComponent('{ __typename }')}`;
    const bare = await fetch(url);
    expect(bare.status).toBe(400);
    expect(JSON.stringify(await bare.json())).toContain('Cross-Site Request Forgery');
    const preflighted = await fetch(url, { headers: { 'apollo-require-preflight': 'true' } });
    expect(preflighted.status).toBe(200);
    expect(await preflighted.json()).toMatchObject({ data: { __typename: 'Query' } });
    const form = await fetch(stack.gatewayUrl, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: JSON.stringify({ query: '{ __typename }' }),
    });
    expect(form.status).toBe(400);
    await form.body?.cancel();
  });

  it('answers a request error with 200 only to a client that asks for application/json alone', async () => {
    const body = JSON.stringify({ query: '{ notAField }' });
    expect((await post(stack.gatewayUrl, body)).status).toBe(400);
    expect((await post(stack.gatewayUrl, body, { accept: 'application/graphql-response+json' })).status).toBe(400);
    const legacy = await post(stack.gatewayUrl, body, { accept: 'application/json' });
    expect(legacy.status).toBe(200);
    expect(legacy.body.errors[0].extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');
  });
});

describe('introspection', () => {
  it('is on by default, also under NODE_ENV=production', async () => {
    const production = await stack.startGateway('production-gateway', { NODE_ENV: 'production' });
    for (const url of [stack.gatewayUrl, production.url]) {
      const answer = await graphql(url, getIntrospectionQuery());
      expect(answer.status, url).toBe(200);
      expect(answer.errors, url).toBeUndefined();
      const types = (answer.data as any).__schema.types.map((t: { name: string }) => t.name);
      expect(types).toContain('Dataset');
    }
  });

  it('is refused with INTROSPECTION=false, while queries still run', async () => {
    const closed = await stack.startGateway('no-introspection', { INTROSPECTION: 'false' });
    const answer = await graphql(closed.url, '{ __schema { types { name } } }');
    expect(answer.status).toBe(400);
    expect(answer.errors?.[0].message).toMatch(/introspection/i);
    const typeOnly = await graphql(closed.url, '{ __type(name: "Dataset") { name } }');
    expect(typeOnly.status).toBe(400);
    const query = await graphql(closed.url, '{ exchanges { id } }');
    expect(query.status).toBe(200);
    expect((query.data as any).exchanges.length).toBeGreaterThan(0);
  });
});

describe('body limits', () => {
  it('answers 413 to a body over MAX_BODY_BYTES on /graphql and over 16 KiB on /admin, and stays up', async () => {
    // Under the limit (and far under the 1 MiB default) is read and answered; over it is refused unread.
    const fits = JSON.stringify({ query: '{ __typename }', variables: { pad: 'x'.repeat(BODY_LIMIT - 200) } });
    expect((await post(stack.gatewayUrl, fits)).status).toBe(200);
    const big = JSON.stringify({ query: '{ __typename }', variables: { pad: 'x'.repeat(BODY_LIMIT + 10) } });
    const graphqlAnswer = await post(stack.gatewayUrl, big);
    expect(graphqlAnswer.status).toBe(413);
    expect(graphqlAnswer.body.errors[0].message).toContain(String(BODY_LIMIT));
    expect(graphqlAnswer.body.errors[0].extensions.code).toBe('PAYLOAD_TOO_LARGE');
    const adminAnswer = await post(`${stack.gatewayBase}/admin/exchanges`, JSON.stringify({ pad: 'x'.repeat(17 * 1024) }), {
      authorization: `Bearer ${ADMIN}`,
    });
    expect(adminAnswer.status).toBe(413);
    expect(JSON.stringify(adminAnswer.body)).toContain('PAYLOAD_TOO_LARGE');
    expect((await fetch(`${stack.gatewayBase}/health`)).status).toBe(200);
  });
});

describe('query limits, each refused before any exchange is called', () => {
  /** Sends `query`, expects one 400 error whose message names `limit` and `value`, and no exchange call. */
  async function expectRefused(query: string, limit: string, value: number, variables?: Record<string, unknown>): Promise<string> {
    const before = exchangeCalls();
    const answer = await graphql(stack.gatewayUrl, query, variables);
    expect(answer.status, query.slice(0, 80)).toBe(400);
    expect(answer.errors).toHaveLength(1);
    expect(answer.errors![0].message).toContain(limit);
    expect(answer.errors![0].message).toContain(`${value}`);
    expect(answer.data ?? null).toBeNull();
    expect(exchangeCalls()).toBe(before);
    return answer.errors![0].message;
  }
  const fields = (count: number, make: (i: number) => string) => Array.from({ length: count }, (_, i) => make(i)).join(' ');

  it('a query within every limit reaches the exchanges', async () => {
    const before = exchangeCalls();
    const answer = await graphql(stack.gatewayUrl, `{ ${fields(30, (i) => `a${i}: datasets(first: 1, sort: TITLE_ASC) { totalCount }`)} }`);
    expect(answer.errors).toBeUndefined();
    expect(exchangeCalls()).toBeGreaterThan(before);
  });

  it('refuses more aliases than MAX_QUERY_ALIASES (30)', async () => {
    // graphql-armor does not count aliases of __typename (they cost nothing), so these alias a real field.
    const message = await expectRefused(`{ ${fields(31, (i) => `a${i}: exchanges { id }`)} }`, 'MAX_QUERY_ALIASES', 30);
    expect(message).toMatch(/^query has 31 aliases, over the limit of 30 \(MAX_QUERY_ALIASES\)/);
  });

  it('refuses more directives than MAX_QUERY_DIRECTIVES (50)', async () => {
    // On 51 fields, not one: graphql-js refuses a directive repeated at one location by itself.
    const message = await expectRefused(`{ datasets { totalCount } ${fields(51, () => '__typename @include(if: true)')} }`, 'MAX_QUERY_DIRECTIVES', 50);
    expect(message).toMatch(/^query has 51 directives, over the limit of 50/);
  });

  it('refuses a document over MAX_QUERY_TOKENS (2000) at parse', async () => {
    const message = await expectRefused(`{ datasets { totalCount } ${fields(2100, () => '__typename')} }`, 'MAX_QUERY_TOKENS', 2000);
    expect(message).toBe('query has more than 2000 tokens, the limit (MAX_QUERY_TOKENS): send a shorter document');
  });

  it('refuses a query deeper than MAX_QUERY_DEPTH (15), also when fragments hide the depth', async () => {
    // Each fragment adds 3 levels (datasets > edges > node, then provider): depth 3 + 4 x 4 = 19 once inlined.
    const deep = `query { datasets(first: 1) { edges { node { ...A } } } }
      fragment A on Dataset { provider { datasets(first: 1) { edges { node { ...B } } } } }
      fragment B on Dataset { provider { datasets(first: 1) { edges { node { ...C } } } } }
      fragment C on Dataset { provider { datasets(first: 1) { edges { node { ...D } } } } }
      fragment D on Dataset { provider { datasets(first: 1) { edges { node { id } } } } }`;
    const message = await expectRefused(deep, 'MAX_QUERY_DEPTH', 15);
    expect(message).toMatch(/^query depth \d+ is over the limit of 15 \(MAX_QUERY_DEPTH\)/);
    expect(Number(/depth (\d+)/.exec(message)![1])).toBeGreaterThan(15);
  });

  it('refuses a query whose cost is over MAX_QUERY_COST (10000), counted with its variables', async () => {
    const query = 'query($n: Int) { datasets(first: $n) { edges { node { provider { datasets(first: $n) { edges { node { id } } } } } } } }';
    await expectRefused(query, 'MAX_QUERY_COST', 10000, { n: 100 });
  });

  it('answers the limits from their environment variables', async () => {
    const tight = await stack.startGateway('tight-limits', { MAX_QUERY_ALIASES: '2', MAX_QUERY_DIRECTIVES: '1', MAX_QUERY_TOKENS: '20', MAX_QUERY_DEPTH: '3' });
    const cases: Array<[string, string]> = [
      ['{ a: exchanges { id } b: exchanges { id } c: exchanges { id } }', 'MAX_QUERY_ALIASES'],
      ['{ __typename @include(if: true) @skip(if: false) }', 'MAX_QUERY_DIRECTIVES'],
      [`{ ${fields(25, () => '__typename')} }`, 'MAX_QUERY_TOKENS'],
      ['{ datasets { edges { node { id } } } }', 'MAX_QUERY_DEPTH'],
    ];
    for (const [query, limit] of cases) {
      const answer = await graphql(tight.url, query);
      expect(answer.status, query).toBe(400);
      expect(answer.errors?.[0].message, query).toContain(limit);
    }
  });
});
