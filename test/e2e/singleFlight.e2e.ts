import { describe, it, expect, beforeAll, afterAll, afterEach } from 'vitest';
import { startStack, type Stack } from '../../devkit/stack.ts';
import { DEFAULT_EXCHANGES } from '../../shared/domain.ts';

// With the caches off, identical exchange calls in flight at once are sent once (SingleFlightFetcher):
// counted by the FlakyProxy in front of each real exchange, whose delay keeps the first call in flight
// while the others arrive.

let stack: Stack;
const DELAY_MS = 1500;
const QUERY = '{ datasets(first: 5, filter: { categories: [PUBLIC_HEALTH] }) { totalCount nodes { id title } } }';
const VARIABLE_QUERY =
  'query ($since: DateTime) { datasets(first: 5, filter: { categories: [PUBLIC_HEALTH], updatedSince: $since }) { totalCount nodes { id title } } }';

beforeAll(async () => {
  stack = await startStack({ perExchange: 40, exchangeTimeoutMs: 10_000, healthIntervalMs: 500, gatewayEnv: { CACHE_DISABLED: '1' } });
  // On a loaded machine an exchange may miss its check at start and begin OFFLINE; a probe brings it back.
  const deadline = performance.now() + 60_000;
  while ((await (await fetch(`${stack.gatewayBase}/health`)).json()).status !== 'ok' && performance.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}, 240_000);

afterAll(async () => {
  await stack?.stop();
});

afterEach(() => {
  for (const proxy of Object.values(stack.proxies)) proxy.delayMs = 0;
});

function callsByExchange(): Record<string, number> {
  return Object.fromEntries(Object.entries(stack.proxies).map(([id, proxy]) => [id, proxy.calls]));
}

async function post(body: unknown, headers: Record<string, string> = {}): Promise<any> {
  const response = await fetch(stack.gatewayUrl, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  expect(response.status).toBe(200);
  return response.json();
}

describe('identical exchange calls in flight at once, caches off', () => {
  it('sends eight identical concurrent queries (from different clients) to each exchange once, and every client gets the full answer', async () => {
    // The expected answer, asked alone: its totalCount is the four exchanges' sum, read from each directly.
    const direct = await Promise.all(
      DEFAULT_EXCHANGES.map(async (e) => {
        const response = await fetch(stack.exchangeUrls[e.id], {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ query: QUERY }),
        });
        return ((await response.json()) as any).data.datasets.totalCount as number;
      }),
    );
    const expectedTotal = direct.reduce((sum, n) => sum + n, 0);
    expect(expectedTotal).toBeGreaterThan(0);

    for (const proxy of Object.values(stack.proxies)) proxy.delayMs = DELAY_MS;
    const before = callsByExchange();
    const answers = await Promise.all(Array.from({ length: 8 }, (_, i) => post({ query: QUERY }, { authorization: `Bearer client-${i}` })));
    const after = callsByExchange();
    expect(answers).toHaveLength(8);
    for (const answer of answers) {
      expect(answer.errors).toBeUndefined();
      expect(answer.data.datasets.totalCount).toBe(expectedTotal);
      expect(answer.data).toEqual(answers[0].data);
    }
    const ids = DEFAULT_EXCHANGES.map((e) => e.id);
    expect(ids.length).toBeGreaterThan(0);
    for (const id of ids) expect(after[id] - before[id], id).toBe(1);
  }, 60_000);

  it('still sends concurrent queries that differ in their variables once each', async () => {
    for (const proxy of Object.values(stack.proxies)) proxy.delayMs = 300;
    const before = callsByExchange();
    const answers = await Promise.all(
      Array.from({ length: 5 }, (_, i) => post({ query: VARIABLE_QUERY, variables: { since: `2000-01-0${i + 1}T00:00:00Z` } })),
    );
    const after = callsByExchange();
    for (const answer of answers) expect(answer.errors).toBeUndefined();
    const ids = DEFAULT_EXCHANGES.map((e) => e.id);
    expect(ids.length).toBeGreaterThan(0);
    for (const id of ids) expect(after[id] - before[id], id).toBe(5);
  }, 60_000);

  it('sends an identical query again once the first call has answered (nothing is kept)', async () => {
    const before = callsByExchange();
    await post({ query: QUERY });
    await post({ query: QUERY });
    const after = callsByExchange();
    for (const id of DEFAULT_EXCHANGES.map((e) => e.id)) expect(after[id] - before[id], id).toBe(2);
  }, 60_000);
});
