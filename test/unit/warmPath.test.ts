import { afterEach, describe, expect, it } from 'vitest';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloServer } from '@apollo/server';
import { apolloHandler, jsonAnswer, RememberedBodies } from '../../shared/http/apolloHandler.ts';
import { DecodedResponses } from '../../gateway/src/cache/DecodedResponses.ts';
import { encodeStoredResponse } from '../../gateway/src/cache/cachedResponse.ts';
import { GatewayMetrics, REQUEST_DURATION_BATCH } from '../../gateway/src/metrics.ts';
import { nextRequestId, startHttpServer } from '../../gateway/src/http/startHttpServer.ts';
import { createLogger } from '../../shared/logger.ts';
import { catalogToken } from '../../gateway/src/cache/catalogToken.ts';
import { ExchangeDirectory } from '../../gateway/src/directory/ExchangeDirectory.ts';
import { CatalogVersions } from '../../gateway/src/cache/CatalogVersions.ts';
import { MemoryCache } from '../../gateway/src/cache/MemoryCache.ts';
import { DEFAULT_EXCHANGES } from '../../shared/domain.ts';

// The parts that make a response-cache hit cheap (issue 13, docs/caching.md "The warm path"): each keeps
// work from one hit for the next, so each is checked to give what doing the work again would give.

describe('remembered request bodies', () => {
  it('hands back the very object parsed before for the same body text, and a parse of its own for other text', () => {
    const bodies = new RememberedBodies();
    const text = JSON.stringify({ query: '{ exchanges { id } }', variables: {} });
    expect(bodies.get(text)).toBeUndefined();
    const first = bodies.remember(text);
    expect(first).toEqual({ query: '{ exchanges { id } }', variables: {} });
    // The same object, not an equal one: no JSON.parse ran for it.
    expect(bodies.get(text)).toBe(first);
    expect(bodies.get(text)).toBe(first);
    expect(bodies.foundCount).toBe(2);
    // Other bytes, even with the same meaning, are another body.
    expect(bodies.get(text.replace('{ exchanges', '{  exchanges'))).toBeUndefined();
  });

  it('forgets the oldest bodies past its bound in characters', () => {
    const bodies = new RememberedBodies(100);
    const texts = ['a', 'b', 'c'].map((name) => JSON.stringify({ query: name.repeat(30) }));
    for (const text of texts) bodies.remember(text);
    // Each text is 42 characters (`{"query":"` 10, the name 30, `"}` 2): three are over 100, so the first went.
    expect(texts[0].length).toBe(42);
    expect(bodies.get(texts[0])).toBeUndefined();
    expect(bodies.get(texts[1])).toEqual({ query: 'b'.repeat(30) });
    expect(bodies.get(texts[2])).toEqual({ query: 'c'.repeat(30) });
  });

  it('forgets the oldest bodies past its number of bodies', () => {
    const bodies = new RememberedBodies(1_000_000, 2);
    const texts = ['{"query":"a"}', '{"query":"b"}', '{"query":"c"}'];
    for (const text of texts) bodies.remember(text);
    expect(bodies.get(texts[0])).toBeUndefined();
    expect(bodies.get(texts[1])).toEqual({ query: 'b' });
    expect(bodies.get(texts[2])).toEqual({ query: 'c' });
  });
});

describe('the early answer of a remembered body, on a real server', () => {
  let server: Server | undefined;
  let apollo: ApolloServer | undefined;
  afterEach(async () => {
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    await apollo?.stop();
    [server, apollo] = [undefined, undefined];
  });

  it('hands answerBefore the same object for the same bytes without parsing them again, and Apollo an object of its own', async () => {
    const seenByApollo: unknown[] = [];
    apollo = new ApolloServer({
      typeDefs: 'type Query { echo(word: String!): String! }',
      resolvers: { Query: { echo: (_: unknown, { word }: { word: string }) => word } },
      plugins: [{ requestDidStart: async ({ request }) => void seenByApollo.push(request.variables) }],
    });
    await apollo.start();
    const rememberedBodies = new RememberedBodies();
    const asked: object[] = [];
    const handle = apolloHandler(apollo, {
      context: async () => ({}),
      rememberedBodies,
      // Answers early a body whose variables say so; every other body goes on to Apollo.
      answerBefore: (_req: IncomingMessage, body: object) => {
        asked.push(body);
        const word = (body as { variables?: { word?: string } }).variables?.word;
        return word === 'early' ? jsonAnswer(200, { data: { echo: 'answered early' } }, ['x-early', 'yes']) : null;
      },
    });
    server = createServer((req, res) => void handle(req, res));
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    const post = (word: string) =>
      fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: 'query ($word: String!) { echo(word: $word) }', variables: { word } }),
      });

    for (let i = 0; i < 3; i++) expect(await (await post('late')).json()).toEqual({ data: { echo: 'late' } });
    expect(asked.length).toBe(3);
    // The first sight was parsed twice (one copy remembered, the one answerBefore got); the next two
    // were found by their text: the same object each time.
    expect(asked[1]).toBe(asked[0]);
    expect(asked[2]).toBe(asked[0]);
    expect(rememberedBodies.foundCount).toBe(2);
    // Apollo never got the remembered object's variables: each request parsed its own.
    expect(seenByApollo.length).toBe(3);
    for (const variables of seenByApollo) expect(variables).not.toBe((asked[1] as { variables: unknown }).variables);

    const early = await post('early');
    expect(early.headers.get('x-early')).toBe('yes');
    const text = await early.text();
    expect(early.headers.get('content-length')).toBe(String(Buffer.byteLength(text)));
    expect(JSON.parse(text)).toEqual({ data: { echo: 'answered early' } });
    expect(seenByApollo.length).toBe(3);
  });
});

describe('decoded stored responses', () => {
  const response = {
    data: { datasets: { totalCount: 2, nodes: [{ title: '北京公交客流' }] } },
    extensions: { catalog: { exchanges: { bj: 'v.1' }, missingExchanges: ['sh'] } },
  };
  const stored = encodeStoredResponse(response, 'max-age=30, public');

  it('sends the stored JSON and a newline as bytes, with their length and the stored Cache-Control', () => {
    const hit = new DecodedResponses().servable('k', stored)!;
    const expectedText = `${JSON.stringify(response)}\n`;
    expect(hit.bytes.toString('utf8')).toBe(expectedText);
    expect(hit.head).toEqual([
      'content-type',
      'application/json; charset=utf-8',
      'cache-control',
      'max-age=30, public',
      'x-response-cache',
      'hit',
      'content-length',
      String(Buffer.byteLength(expectedText, 'utf8')),
    ]);
    expect(hit.drewFrom).toEqual(['bj']);
    expect(hit.missing).toEqual(['sh']);
  });

  it('decodes a key once while the store holds the same text, again when the text changes, and forgets a key the store lost', () => {
    const decoded = new DecodedResponses();
    const first = decoded.servable('k', stored);
    // Equal text (as Redis returns: a new string each time) is the same entry.
    expect(decoded.servable('k', `${stored}`.slice(0))).toBe(first);
    expect(decoded.servable('k', stored)).toBe(first);
    expect(decoded.decodedCount).toBe(1);
    const changed = encodeStoredResponse({ ...response, data: { datasets: { totalCount: 3, nodes: [] } } });
    const second = decoded.servable('k', changed);
    expect(second).not.toBe(first);
    expect(JSON.parse(second!.bytes.toString())).toEqual({ ...response, data: { datasets: { totalCount: 3, nodes: [] } } });
    expect(decoded.decodedCount).toBe(2);
    expect(decoded.servable('k', null)).toBeNull();
    decoded.servable('k', changed);
    expect(decoded.decodedCount).toBe(3);
  });

  it('serves nothing for an entry that is not a stored response', () => {
    expect(new DecodedResponses().servable('k', JSON.stringify({ data: {} }))).toBeNull();
  });

  it('keeps at most its number of entries, oldest out', () => {
    const decoded = new DecodedResponses({ maxEntries: 2 });
    for (const key of ['a', 'b', 'c']) decoded.servable(key, stored);
    expect(decoded.decodedCount).toBe(3);
    decoded.servable('c', stored);
    decoded.servable('b', stored);
    expect(decoded.decodedCount).toBe(3);
    decoded.servable('a', stored);
    expect(decoded.decodedCount).toBe(4);
  });
});

describe('batched metrics', () => {
  /** The value of one sample line of the exposition text. */
  const sample = (text: string, line: string): number => {
    const found = text.split('\n').find((l) => l.startsWith(`${line} `));
    expect(found, line).toBeDefined();
    return Number(found!.split(' ').at(-1));
  };

  it('shows every request duration on /metrics, folded in batches, with the right buckets, count and sum', async () => {
    const metrics = new GatewayMetrics({ defaultMetrics: false });
    const durations = Array.from({ length: REQUEST_DURATION_BATCH + 100 }, (_, i) => (i % 10) / 1000);
    expect(durations.length).toBeGreaterThan(REQUEST_DURATION_BATCH);
    for (const seconds of durations) metrics.observeRequest(200, seconds);
    metrics.observeRequest(500, 2);
    // One batch folded as soon as it was full, before any scrape.
    expect(metrics.requestDurationsFolded).toBe(REQUEST_DURATION_BATCH);
    const text = await metrics.registry.metrics();
    expect(metrics.requestDurationsFolded).toBe(durations.length + 1);
    expect(sample(text, 'gateway_request_duration_seconds_count{status="200"}')).toBe(durations.length);
    expect(sample(text, 'gateway_request_duration_seconds_count{status="500"}')).toBe(1);
    expect(sample(text, 'gateway_request_duration_seconds_bucket{le="0.001",status="200"}')).toBe(durations.filter((s) => s <= 0.001).length);
    expect(sample(text, 'gateway_request_duration_seconds_bucket{le="0.005",status="200"}')).toBe(durations.filter((s) => s <= 0.005).length);
    expect(sample(text, 'gateway_request_duration_seconds_sum{status="200"}')).toBeCloseTo(
      durations.reduce((a, b) => a + b, 0),
      9,
    );
    expect(sample(text, 'gateway_request_duration_seconds_bucket{le="2.5",status="500"}')).toBe(1);
    expect(sample(text, 'gateway_request_duration_seconds_bucket{le="1",status="500"}')).toBe(0);
  });

  it('counts cache hits and misses by layer when read, however many came between two reads', async () => {
    const metrics = new GatewayMetrics({ defaultMetrics: false });
    for (let i = 0; i < 1000; i++) metrics.hit('response');
    metrics.hit('shard', 3);
    metrics.miss('response');
    let text = await metrics.registry.metrics();
    expect(sample(text, 'gateway_cache_hits_total{layer="response"}')).toBe(1000);
    expect(sample(text, 'gateway_cache_hits_total{layer="shard"}')).toBe(3);
    expect(sample(text, 'gateway_cache_misses_total{layer="response"}')).toBe(1);
    metrics.hit('response', 2);
    text = await metrics.registry.metrics();
    expect(sample(text, 'gateway_cache_hits_total{layer="response"}')).toBe(1002);
    expect((await metrics.cacheHits.get()).values.find((v) => v.labels.layer === 'response')?.value).toBe(1002);
  });
});

describe('request ids made by the gateway', () => {
  it('gives every request without an id a distinct one, under a per-process random prefix', () => {
    const ids = Array.from({ length: 20_000 }, () => nextRequestId());
    expect(new Set(ids).size).toBe(ids.length);
    const prefixes = new Set(ids.map((id) => id.split('-')[0]));
    expect(prefixes.size).toBe(1);
    expect([...prefixes][0]).toMatch(/^[0-9a-f]{12}$/);
    for (const id of ids.slice(0, 50)) expect(id).toMatch(/^[0-9a-f]{12}-[0-9a-z]+$/);
  });
});

describe('the request log and timings, with one finish listener per server', () => {
  it('logs every failed request and one in REQUEST_LOG_EVERY of the others, each with the id it answered with, and times /graphql only', async () => {
    const lines: Array<{ msg: string; requestId?: string; status?: number; path?: string }> = [];
    const logger = createLogger({ service: 'test', level: 'info', destination: { write: (line: string) => void lines.push(JSON.parse(line)) } });
    const metrics = new GatewayMetrics({ defaultMetrics: false });
    const { server, port } = await startHttpServer(
      { port: 0, host: '127.0.0.1', requestLogEvery: 4 },
      {
        metrics,
        logger,
        handle: async (req, res) => {
          if (req.url === '/fail') throw new Error('handler broke');
          res.writeHead(req.url === '/missing' ? 404 : 200, { 'content-type': 'text/plain' });
          res.end('ok');
        },
      },
    );
    try {
      const base = `http://127.0.0.1:${port}`;
      const ids: string[] = [];
      for (let i = 0; i < 8; i++) ids.push((await fetch(`${base}/graphql`, { method: 'POST', body: '{}' })).headers.get('x-request-id')!);
      const missing = await fetch(`${base}/missing`);
      const failed = await fetch(`${base}/fail`, { headers: { 'x-request-id': 'given-1' } });
      expect(failed.status).toBe(500);
      expect(((await failed.json()) as { errors: Array<{ extensions: { requestId: string } }> }).errors[0].extensions.requestId).toBe('given-1');
      await new Promise((resolve) => setTimeout(resolve, 50));
      const requestLines = lines.filter((l) => l.msg === 'request');
      // The 4th and 8th quick successes, the 404 and the 500.
      expect(requestLines.map((l) => [l.path, l.status, l.requestId])).toEqual([
        ['/graphql', 200, ids[3]],
        ['/graphql', 200, ids[7]],
        ['/missing', 404, missing.headers.get('x-request-id')],
        ['/fail', 500, 'given-1'],
      ]);
      expect(lines.filter((l) => l.msg === 'request failed').map((l) => l.requestId)).toEqual(['given-1']);
      const text = await metrics.registry.metrics();
      expect(text).toContain('gateway_request_duration_seconds_count{status="200"} 8');
      expect(text).not.toContain('status="404"');
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});

describe('the catalog token between moves', () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0)) await cleanup();
  });

  it('stays while nothing moves and always equals a token built from scratch after a version, an epoch or a registration moved', async () => {
    const cache = new MemoryCache();
    const directory = new ExchangeDirectory({ timeoutMs: 1000 });
    const versions = new CatalogVersions(cache);
    cleanups.push(
      () => directory.close(),
      () => cache.close(),
    );
    const [bj, sh] = DEFAULT_EXCHANGES;
    directory.upsert(bj, 'http://127.0.0.1:1/graphql');
    directory.upsert(sh, 'http://127.0.0.1:2/graphql');
    await versions.refresh(['bj', 'sh']);
    const token = catalogToken(directory, versions);
    const fresh = () => catalogToken(directory, versions)();
    const seen = [token()];
    expect(token()).toBe(seen[0]);
    expect(fresh()).toBe(seen[0]);
    const moves: Array<() => unknown> = [
      () => versions.observe('bj', '1700000000000.1'),
      () => versions.observe('sh', '1700000000000.7'),
      () => versions.invalidate('bj'),
      () => directory.upsert({ ...sh, name: 'Shanghai Data Exchange (renamed)' }, 'http://127.0.0.1:2/graphql'),
      () => directory.remove('sh'),
    ];
    for (const move of moves) {
      await move();
      const now = token();
      expect(now).toBe(fresh());
      expect(seen).not.toContain(now);
      seen.push(now);
      expect(token()).toBe(now);
    }
    expect(seen.length).toBe(moves.length + 1);
  });
});
