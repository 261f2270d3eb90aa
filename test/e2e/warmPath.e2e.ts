import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from '../../devkit/stack.ts';

// The warm path (issue 13, docs/caching.md "The warm path") on real processes: a gateway with the memory
// store, the four exchanges behind FlakyProxies (to count their calls). A repeated body is answered from
// what the gateway kept of it (its parse, its key, the decoded response), and everything a hit did before
// still happens on each one: its cost spent, CORS, the request id, the counters on /metrics.

let stack: Stack;

// The cost rule (docs/rate-limits.md): `datasets(first: n) { nodes { id } }` is n x (1 + 1).
const FIRST = 12;
const QUERY = `{ datasets(first: ${FIRST}, sort: TITLE_ASC) { nodes { id } } }`;
const COST = FIRST * 2;

const exchangeCalls = () => Object.values(stack.proxies).reduce((sum, proxy) => sum + proxy.calls, 0);

function post(body: string, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(stack.gatewayUrl, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
}

async function metric(name: string, labels: string): Promise<number> {
  const text = await (await fetch(stack.gatewayUrl.replace(/\/graphql$/, '/metrics'))).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name}{${labels}} `));
  return line ? Number(line.split(' ').at(-1)) : 0;
}

/** `r` of a RateLimit header: `"anon";r=599976;t=60`. */
function remaining(response: Response): number {
  const match = /;r=(\d+);/.exec(response.headers.get('ratelimit') ?? '');
  expect(match, 'a RateLimit header with r=').not.toBeNull();
  return Number(match![1]);
}

beforeAll(async () => {
  stack = await startStack({ perExchange: 60 });
}, 180_000);
afterAll(async () => {
  await stack?.stop();
});

describe('the warm path', () => {
  it('answers the same body again and again with the same bytes, spending its cost, with CORS and request ids, counted on /metrics', async () => {
    const body = JSON.stringify({ query: QUERY, variables: {} });
    const miss = await post(body);
    expect(miss.headers.get('x-response-cache')).toBe('miss');
    const expected = await miss.text();
    const callsAfterMiss = exchangeCalls();
    expect(callsAfterMiss).toBeGreaterThan(0);
    const hitsBefore = await metric('gateway_cache_hits_total', 'layer="response"');
    const timedBefore = await metric('gateway_request_duration_seconds_count', 'status="200"');

    const rounds = 30;
    const left: number[] = [];
    const ids = new Set<string>();
    for (let i = 0; i < rounds; i++) {
      const hit = await post(body);
      expect(hit.status).toBe(200);
      expect(hit.headers.get('x-response-cache')).toBe('hit');
      expect(hit.headers.get('access-control-allow-origin')).toBe('*');
      expect(hit.headers.get('content-type')).toBe('application/json; charset=utf-8');
      const text = await hit.text();
      // The very bytes the miss sent (Apollo ends its JSON with a newline; a hit adds the same).
      expect(expected.endsWith('}\n')).toBe(true);
      expect(text).toBe(expected);
      expect(hit.headers.get('content-length')).toBe(String(Buffer.byteLength(text)));
      ids.add(hit.headers.get('x-request-id') ?? '');
      left.push(remaining(hit));
    }
    expect(exchangeCalls()).toBe(callsAfterMiss);
    expect(ids.size).toBe(rounds);
    expect(left.length).toBe(rounds);
    for (let i = 1; i < rounds; i++) expect(left[i - 1] - left[i]).toBe(COST);
    expect(await metric('gateway_cache_hits_total', 'layer="response"')).toBe(hitsBefore + rounds);
    expect(await metric('gateway_request_duration_seconds_count', 'status="200"')).toBe(timedBefore + rounds);

    const given = await post(body, { 'x-request-id': 'client-chosen-id-7' });
    expect(given.headers.get('x-request-id')).toBe('client-chosen-id-7');
    expect(given.headers.get('x-response-cache')).toBe('hit');
  });

  it('answers a body with other spacing or key order from the same stored response', async () => {
    const first = await post(JSON.stringify({ query: QUERY, variables: {} }));
    const expected = (await first.text()).trim();
    const reordered = await post(`{ "variables": {},\n  "query": ${JSON.stringify(QUERY)} }`);
    expect(reordered.headers.get('x-response-cache')).toBe('hit');
    expect((await reordered.text()).trim()).toBe(expected);
  });

  it('still refuses a batch of a cached query, however often it is sent', async () => {
    const batch = JSON.stringify([{ query: QUERY }]);
    for (let i = 0; i < 3; i++) {
      const refused = await post(batch);
      expect(refused.status).toBe(400);
      const answer = (await refused.json()) as { errors: Array<{ extensions: { rule: string } }> };
      expect(answer.errors[0].extensions.rule).toBe('no-batching');
    }
  });

  it('goes through Apollo for a hit sent with an Authorization header (never answered from the response cache)', async () => {
    const body = JSON.stringify({ query: QUERY, variables: {} });
    await post(body);
    const authorised = await post(body, { authorization: 'Bearer someone' });
    expect(authorised.status).toBe(200);
    expect(authorised.headers.get('x-response-cache')).toBeNull();
  });
});
