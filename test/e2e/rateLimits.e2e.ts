import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from '../../devkit/stack.ts';
import type { Service } from '../../devkit/processes.ts';
import { graphql } from '../helpers/graphql.ts';
import { startRedisServer, type RedisServer } from '../helpers/redisServer.ts';

// Rate limits on real processes: the four exchanges behind FlakyProxies (to count their calls), gateways
// sharing a redis-server of the test's own (it is killed in one test), small budgets so they run out fast.

const ADMIN = 'rate-limit-admin';
const ANON_BUDGET = 500;
const KEY_BUDGET = 5000;

// The cost rule (docs/rate-limits.md, "What a request spends"): the objects a query may return, a page of
// `first` items counting each item once plus the objects selected in it. `nodes { id }` selects no object,
// so `datasets(first: n) { nodes { id } }` is n x (1 + 1): the connection object and the list under it.
const costOfPage = (first: number) => first * (1 + 1);
const page = (first: number) => `{ datasets(first: ${first}) { nodes { id } } }`;

let stack: Stack;
let redis: RedisServer;
/** A second replica on the same Redis that trusts one proxy hop. */
let proxied: Service;

const exchangeCalls = () => Object.values(stack.proxies).reduce((sum, proxy) => sum + proxy.calls, 0);

function admin(base: string, path: string, init: { method?: string; body?: unknown; token?: string; headers?: Record<string, string> } = {}) {
  return fetch(`${base}${path}`, {
    method: init.method ?? 'GET',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${init.token ?? ADMIN}`, ...init.headers },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
}

/** Parses `"anon";r=12;t=30` into its parameters. */
function fieldParams(value: string | null): Record<string, string> {
  expect(value).not.toBeNull();
  return Object.fromEntries(
    value!
      .split(';')
      .slice(1)
      .map((p) => p.split('=') as [string, string]),
  );
}

beforeAll(async () => {
  redis = await startRedisServer();
  const env = {
    REDIS_URL: redis.url,
    GATEWAY_ADMIN_TOKEN: ADMIN,
    RATE_LIMIT_ANON_COST_PER_MIN: String(ANON_BUDGET),
    RATE_LIMIT_KEY_COST_PER_MIN: String(KEY_BUDGET),
    ADMIN_AUTH_FAILURES_PER_MIN: '3',
  };
  stack = await startStack({ perExchange: 30, gatewayEnv: env });
  proxied = await stack.startGateway('proxied', { TRUST_PROXY_HOPS: '1' });
}, 240_000);
afterAll(async () => {
  await stack?.stop();
  await redis?.stop();
});

describe('public rate limits in query cost', () => {
  it('spends each query its cost, and refuses the one over budget with 429 and the draft headers before any exchange is called', async () => {
    const client = { 'x-forwarded-for': '203.0.113.1' }; // ignored by a gateway trusting no hop
    const first = await graphql(stack.gatewayUrl, page(100), undefined, client);
    expect(first.status).toBe(200);
    expect(first.headers.get('ratelimit-policy')).toBe(`"anon";q=${ANON_BUDGET};w=60`);
    expect(Number(fieldParams(first.headers.get('ratelimit')).r)).toBe(ANON_BUDGET - costOfPage(100));
    // The same query again is a response-cache hit, and still spends its cost.
    const hit = await graphql(stack.gatewayUrl, page(100), undefined, client);
    expect(hit.headers.get('x-response-cache')).toBe('hit');
    expect(Number(fieldParams(hit.headers.get('ratelimit')).r)).toBe(ANON_BUDGET - 2 * costOfPage(100));

    const spent = 2 * costOfPage(100);
    const fitting = Math.floor((ANON_BUDGET - spent) / 2) - 10; // a page that fits: 10 items under what is left
    const third = await graphql(stack.gatewayUrl, page(fitting), undefined, client);
    expect(third.status).toBe(200);
    const left = ANON_BUDGET - spent - costOfPage(fitting);
    expect(Number(fieldParams(third.headers.get('ratelimit')).r)).toBe(left);

    const callsBefore = exchangeCalls();
    const refused = await graphql(stack.gatewayUrl, page(left), undefined, client); // costs 2 x left
    expect(refused.status).toBe(429);
    expect(refused.errors?.[0]?.extensions?.code).toBe('RATE_LIMITED');
    expect(refused.errors?.[0]?.message).toContain('RATE_LIMIT_ANON_COST_PER_MIN');
    const retryAfter = Number(refused.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(refused.headers.get('ratelimit-policy')).toBe(`"anon";q=${ANON_BUDGET};w=60`);
    expect(fieldParams(refused.headers.get('ratelimit'))).toEqual({ r: '0', t: String(retryAfter) });
    expect(exchangeCalls()).toBe(callsBefore);

    // Blocked for the rest of the window: even a cheap query and other public routes are refused,
    // without an exchange call; static assets stay free.
    expect((await graphql(stack.gatewayUrl, '{ __typename }')).status).toBe(429);
    expect((await fetch(`${stack.gatewayBase}/schema.graphql`)).status).toBe(429);
    expect((await fetch(`${stack.gatewayBase}/health`)).status).toBe(429);
    expect(exchangeCalls()).toBe(callsBefore);
    expect((await fetch(`${stack.gatewayBase}/_assets/graphiql.min.js`)).status).not.toBe(429);
  });

  it('is shared by the replicas through Redis: a client refused by one is refused by the other', async () => {
    // The first test spent 127.0.0.1's budget on the first gateway; the second sees it through Redis.
    // (The second trusts one hop, so it takes the client from X-Forwarded-For: the proxy says 127.0.0.1.)
    const other = await graphql(proxied.url, page(5), undefined, { 'x-forwarded-for': '127.0.0.1' });
    expect(other.status).toBe(429);
    expect(other.errors?.[0]?.extensions?.code).toBe('RATE_LIMITED');
  });

  it('takes the client address from X-Forwarded-For only as far as TRUST_PROXY_HOPS trusts it', async () => {
    // One trusted hop: the last entry (written by the trusted proxy) is the client; what the client wrote
    // before it is not.
    const spender = { 'x-forwarded-for': '198.51.100.7' };
    for (const first of [100, 100, 25]) expect((await graphql(proxied.url, page(first), undefined, spender)).status).toBe(200);
    // 450 of 500 spent: 30 more items (60) are over, whatever the client claims before the proxy's entry.
    const overBudget = await graphql(proxied.url, page(30), undefined, { 'x-forwarded-for': '10.9.9.9, 198.51.100.7' });
    expect(overBudget.status).toBe(429);
    const someoneElse = await graphql(proxied.url, page(10), undefined, { 'x-forwarded-for': '198.51.100.7, 198.51.100.8' });
    expect(someoneElse.status).toBe(200);
    expect(Number(fieldParams(someoneElse.headers.get('ratelimit')).r)).toBe(ANON_BUDGET - costOfPage(10));
  });

  it('gives a researcher key its own budget, lists keys without their secret, and refuses a revoked key', async () => {
    const issued = await admin(stack.gatewayBase, '/admin/keys', { method: 'POST', body: { name: 'Dr. Wang, Tsinghua', costPerMin: 3000 } });
    expect(issued.status).toBe(201);
    const { id, key } = (await issued.json()) as { id: string; key: string };
    // The anonymous budget of 127.0.0.1 is spent (first test); the key has its own.
    const keyed = await graphql(stack.gatewayUrl, page(100), undefined, { 'x-api-key': key });
    expect(keyed.status).toBe(200);
    expect(keyed.headers.get('ratelimit-policy')).toBe('"key";q=3000;w=60');
    expect(Number(fieldParams(keyed.headers.get('ratelimit')).r)).toBe(3000 - costOfPage(100));
    // Another replica knows the key too (Redis), and spends from the same budget.
    const elsewhere = await graphql(proxied.url, page(50), undefined, { 'x-api-key': key });
    expect(elsewhere.status).toBe(200);
    expect(Number(fieldParams(elsewhere.headers.get('ratelimit')).r)).toBe(3000 - costOfPage(100) - costOfPage(50));

    const listed = (await (await admin(stack.gatewayBase, '/admin/keys')).json()) as { keys: Array<Record<string, unknown>> };
    const entry = listed.keys.find((k) => k.id === id);
    expect(entry).toMatchObject({ id, name: 'Dr. Wang, Tsinghua', costPerMin: 3000 });
    expect(JSON.stringify(listed)).not.toContain(key.slice(-20));
    expect(Object.keys(entry!).sort()).toEqual(['costPerMin', 'createdAt', 'id', 'name']);

    expect((await admin(stack.gatewayBase, `/admin/keys/${id}`, { method: 'DELETE' })).status).toBe(200);
    const revoked = await graphql(stack.gatewayUrl, page(5), undefined, { 'x-api-key': key });
    expect(revoked.status).toBe(401);
    expect(revoked.errors?.[0]?.message).toContain('x-api-key');
    expect((await graphql(stack.gatewayUrl, page(5), undefined, { 'x-api-key': 'eck_000000000000_guessed' })).status).toBe(401);
  });

  it('refuses a malformed key request naming the field', async () => {
    const bad = await admin(stack.gatewayBase, '/admin/keys', { method: 'POST', body: { name: 'x', costPerMin: -5 } });
    expect(bad.status).toBe(400);
    expect((await bad.json()).error.problems[0]).toMatchObject({ field: 'costPerMin', rule: 'budget' });
  });

  it('limits failed admin authentications per address, even before a right token is compared', async () => {
    const from = { 'x-forwarded-for': '192.0.2.44' };
    for (let i = 0; i < 3; i++) {
      expect((await admin(proxied.url.replace(/\/graphql$/, ''), '/admin/keys', { token: `guess-${i}`, headers: from })).status).toBe(401);
    }
    const blocked = await admin(proxied.url.replace(/\/graphql$/, ''), '/admin/keys', { headers: from });
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect((await blocked.json()).error.code).toBe('TOO_MANY_FAILURES');
    // Another address with the right token is not affected.
    expect((await admin(proxied.url.replace(/\/graphql$/, ''), '/admin/keys', { headers: { 'x-forwarded-for': '192.0.2.45' } })).status).toBe(200);
  });

  it('keeps limiting at the same budget, per replica in memory, while Redis is down', async () => {
    await redis.kill();
    try {
      const client = { 'x-forwarded-for': '198.51.100.99' };
      for (const first of [100, 100, 20]) expect((await graphql(proxied.url, page(first), undefined, client)).status).toBe(200);
      // 440 of 500 spent, counted in this replica's memory: 40 more items (80) are over.
      const callsBefore = exchangeCalls();
      const refused = await graphql(proxied.url, page(40), undefined, client);
      expect(refused.status).toBe(429);
      expect(refused.headers.get('ratelimit-policy')).toBe(`"anon";q=${ANON_BUDGET};w=60`);
      expect(exchangeCalls()).toBe(callsBefore);
    } finally {
      await redis.restart();
    }
  });
});
