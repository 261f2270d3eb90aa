import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloServer } from '@apollo/server';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { parse } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apolloHandler } from '../../shared/http/apolloHandler.ts';
import { checkContract } from '../../conformance/contractCheck.ts';
import { checkExchangeUrl, checkResolvedAddresses, fetchServiceSdl, guardExchangeUrl, probeExchange } from '../../gateway/src/registry/urlGuard.ts';
import { DEFAULT_ALLOWLIST, isLoopbackAddress, parseAllowlist } from '../../gateway/src/exchangeClient/hostAllowlist.ts';
import type { ResolveHost } from '../../gateway/src/exchangeClient/guardedLookup.ts';
import { ExchangeClient } from '../../gateway/src/exchangeClient/ExchangeClient.ts';
import { startSeededExchange, type ExchangeFixture } from '../helpers/exchangeFixture.ts';
import { FlakyProxy } from '../../devkit/FlakyProxy.ts';

/** A real HTTP server on a free loopback port that counts the requests it gets. */
interface TestServer {
  url: string;
  port: number;
  hits: number;
  close(): Promise<void>;
}

/** The handler runs once the request body is read, unless `readsBody` (then it reads it itself). */
async function startServer(handler: (req: IncomingMessage, res: ServerResponse) => void, options: { readsBody?: boolean } = {}): Promise<TestServer> {
  const state = { hits: 0 };
  const server: Server = createServer((req, res) => {
    state.hits++;
    if (options.readsBody) return handler(req, res);
    req.resume();
    req.on('end', () => handler(req, res));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/graphql`,
    port,
    get hits() {
      return state.hits;
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

const LIMITS = { timeoutMs: 3000, maxBytes: 1024 * 1024 };
const servers: TestServer[] = [];
async function serve(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<TestServer> {
  const server = await startServer(handler);
  servers.push(server);
  return server;
}
const json = (body: unknown) => (_req: IncomingMessage, res: ServerResponse) => {
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
};

let exchange: ExchangeFixture;
beforeAll(async () => {
  exchange = await startSeededExchange({ id: 'sz', count: 7 });
});
afterAll(async () => {
  await Promise.allSettled(servers.map((s) => s.close()));
  await exchange?.close();
});

describe('checkExchangeUrl', () => {
  it('accepts http and https URLs on the loopback default, IPv6 in brackets too', () => {
    for (const url of ['http://localhost:4011/graphql', 'https://127.0.0.1/graphql', 'http://[::1]:4011/graphql', 'http://127.1:4011/graphql']) {
      const checked = checkExchangeUrl(url, DEFAULT_ALLOWLIST);
      expect(checked.ok, url).toBe(true);
    }
  });

  it('refuses a scheme other than http or https', () => {
    expect(checkExchangeUrl('ftp://127.0.0.1/graphql', DEFAULT_ALLOWLIST)).toEqual({ ok: false, problem: 'url: scheme must be http or https, got "ftp:"' });
    expect(checkExchangeUrl('file:///etc/passwd', DEFAULT_ALLOWLIST)).toEqual({ ok: false, problem: 'url: scheme must be http or https, got "file:"' });
  });

  it('refuses a host off the allowlist, naming the host and the allowlist', () => {
    expect(checkExchangeUrl('http://10.1.2.3:4000/graphql', DEFAULT_ALLOWLIST)).toEqual({
      ok: false,
      problem: 'url: host "10.1.2.3" is not on EXCHANGE_URL_ALLOWLIST (allowed: localhost, 127.0.0.1, ::1)',
    });
    const refused = checkExchangeUrl('http://localhost.evil.com/graphql', DEFAULT_ALLOWLIST);
    expect(refused).toEqual({ ok: false, problem: expect.stringContaining('host "localhost.evil.com" is not on EXCHANGE_URL_ALLOWLIST') });
    expect(checkExchangeUrl('http://0.0.0.0:4000/graphql', DEFAULT_ALLOWLIST).ok).toBe(false);
  });

  it('refuses credentials in the URL without echoing them', () => {
    const refused = checkExchangeUrl('http://admin:s3cret@127.0.0.1:4000/graphql', DEFAULT_ALLOWLIST);
    expect(refused.ok).toBe(false);
    if (!refused.ok) {
      expect(refused.problem).toMatch(/^url: must not contain credentials/);
      expect(refused.problem).not.toContain('s3cret');
    }
  });

  it('refuses what is not an absolute URL', () => {
    expect(checkExchangeUrl('/graphql', DEFAULT_ALLOWLIST)).toEqual({ ok: false, problem: 'url: not an absolute URL: "/graphql"' });
    expect(checkExchangeUrl('', DEFAULT_ALLOWLIST)).toEqual({ ok: false, problem: 'url: missing' });
  });
});

describe('parseAllowlist', () => {
  it('is loopback only when EXCHANGE_URL_ALLOWLIST is unset or empty', () => {
    expect(parseAllowlist(undefined)).toBe(DEFAULT_ALLOWLIST);
    expect(parseAllowlist('')).toBe(DEFAULT_ALLOWLIST);
    expect(parseAllowlist(' , ')).toBe(DEFAULT_ALLOWLIST);
    expect(DEFAULT_ALLOWLIST.loopbackOnly).toBe(true);
  });

  it('reads names, IP addresses and *.domain wildcards, case and brackets aside', () => {
    const allowlist = parseAllowlist(' Exchange-SH.internal , 10.1.2.3,[FD00::1], *.exchanges.example.cn ,');
    expect(allowlist.loopbackOnly).toBe(false);
    expect(allowlist.description).toBe('Exchange-SH.internal, 10.1.2.3, [FD00::1], *.exchanges.example.cn');
    const ok = (url: string) => checkExchangeUrl(url, allowlist).ok;
    expect(ok('http://exchange-sh.internal:4011/graphql')).toBe(true);
    expect(ok('http://10.1.2.3/graphql')).toBe(true);
    expect(ok('http://[fd00::1]:4011/graphql')).toBe(true);
    expect(ok('https://sh.exchanges.example.cn/graphql')).toBe(true);
    expect(ok('https://a.b.exchanges.example.cn/graphql')).toBe(true);
    expect(ok('https://exchanges.example.cn/graphql')).toBe(false);
    expect(ok('https://evilexchanges.example.cn/graphql')).toBe(false);
    expect(ok('https://exchanges.example.cn.evil.com/graphql')).toBe(false);
    expect(ok('http://localhost:4011/graphql')).toBe(false);
    expect(checkExchangeUrl('http://10.1.2.4/graphql', allowlist)).toEqual({
      ok: false,
      problem: 'url: host "10.1.2.4" is not on EXCHANGE_URL_ALLOWLIST (allowed: Exchange-SH.internal, 10.1.2.3, [FD00::1], *.exchanges.example.cn)',
    });
  });

  it('throws on a bad entry, naming the variable, the rule and the value', () => {
    const bad: Array<[string, RegExp]> = [
      ['http://exchange.example.cn', /without scheme, port or path, but got "http:\/\/exchange\.example\.cn"$/],
      ['exchange.example.cn:4011', /without scheme, port or path, but got "exchange\.example\.cn:4011"$/],
      ['exchange example', /without scheme, port or path, but got "exchange example"$/],
      ['*', /a wildcard is "\*\." followed by a domain of at least two labels.*but got "\*"$/],
      ['*.cn', /a wildcard .*but got "\*\.cn"$/],
      ['a.*.example.cn', /a wildcard .*but got "a\.\*\.example\.cn"$/],
      ['10.1', /an IP address must be a complete IPv4 .*but got "10\.1"$/],
    ];
    for (const [value, message] of bad) {
      expect(() => parseAllowlist(`localhost, ${value}`), value).toThrow(/^EXCHANGE_URL_ALLOWLIST: /);
      expect(() => parseAllowlist(`localhost, ${value}`), value).toThrow(message);
    }
  });
});

describe('checkResolvedAddresses', () => {
  const resolvingTo =
    (...addresses: string[]): ResolveHost =>
    async () =>
      addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));

  it('accepts localhost as the system resolves it', async () => {
    const resolved = await guardExchangeUrl('http://localhost:4011/graphql', DEFAULT_ALLOWLIST);
    expect(resolved.ok).toBe(true);
    if (resolved.ok) expect(resolved.addresses.every(isLoopbackAddress)).toBe(true);
  });

  it('refuses, under the loopback default, a name that resolves to any address off loopback', async () => {
    const url = new URL('http://localhost:4011/graphql');
    expect(await checkResolvedAddresses(url, DEFAULT_ALLOWLIST, { resolve: resolvingTo('127.0.0.1', '10.0.0.5') })).toEqual({
      ok: false,
      problem:
        'url: host "localhost" resolves to 10.0.0.5, which is not a loopback address; with EXCHANGE_URL_ALLOWLIST unset only loopback exchanges are allowed',
    });
    expect(await checkResolvedAddresses(url, DEFAULT_ALLOWLIST, { resolve: resolvingTo('::ffff:127.0.0.1', '::1') })).toEqual({
      ok: true,
      addresses: ['::ffff:127.0.0.1', '::1'],
    });
  });

  it('trusts a configured name to resolve where its operator says, except localhost names', async () => {
    const allowlist = parseAllowlist('exchange.example.cn, localhost');
    expect((await checkResolvedAddresses(new URL('http://exchange.example.cn/graphql'), allowlist, { resolve: resolvingTo('10.0.0.5') })).ok).toBe(true);
    expect((await checkResolvedAddresses(new URL('http://localhost/graphql'), allowlist, { resolve: resolvingTo('10.0.0.5') })).ok).toBe(false);
  });

  it('names a host that does not resolve', async () => {
    const notFound: ResolveHost = async () => {
      throw Object.assign(new Error('getaddrinfo ENOTFOUND'), { code: 'ENOTFOUND' });
    };
    expect(await checkResolvedAddresses(new URL('http://exchange.example.cn/graphql'), parseAllowlist('exchange.example.cn'), { resolve: notFound })).toEqual({
      ok: false,
      problem: 'url: host not found: "exchange.example.cn" (ENOTFOUND)',
    });
  });
});

describe('fetchServiceSdl', () => {
  it('returns the SDL of a real reference exchange, which implements the contract', async () => {
    const fetched = await fetchServiceSdl(new URL(exchange.url), LIMITS);
    expect(fetched.ok).toBe(true);
    if (fetched.ok) {
      expect(fetched.sdl).toContain('type Dataset');
      expect(checkContract(fetched.sdl)).toEqual([]);
    }
  });

  it('returns the SDL of a non-conforming subgraph, whose problems checkContract names', async () => {
    const schema = buildSubgraphSchema({
      typeDefs: parse(`
        extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])
        type Query { datasets(first: Int): [Dataset] }
        type Dataset @key(fields: "id") { id: ID! title: String price: Float }
      `),
    });
    const apollo = new ApolloServer({ schema });
    await apollo.start();
    const handle = apolloHandler(apollo, { context: async () => ({}) });
    const server = await startServer((req, res) => void handle(req, res), { readsBody: true });
    try {
      const fetched = await fetchServiceSdl(new URL(server.url), LIMITS);
      expect(fetched).toMatchObject({ ok: true });
      const problems = fetched.ok ? checkContract(fetched.sdl) : [];
      expect(problems).toEqual(
        expect.arrayContaining([
          'Query.datasets: expected DatasetConnection!, found [Dataset]',
          'Query.datasets(sort:): missing argument',
          'Query.dataset: missing',
          'Dataset.title: expected String!, found String',
          'Dataset.price: expected Price!, found Float',
          'type DatasetConnection: missing',
          'enum Category: missing',
        ]),
      );
    } finally {
      await server.close();
      await apollo.stop();
    }
  });

  it('refuses a redirect and does not follow it', async () => {
    const target = await serve(json({ data: { _service: { sdl: 'type Query { a: Int }' } } }));
    const redirecting = await serve((_req, res) => {
      res.writeHead(302, { location: target.url });
      res.end();
    });
    expect(await fetchServiceSdl(new URL(redirecting.url), LIMITS)).toEqual({
      ok: false,
      problem: `url: answered a redirect (302) to ${target.url}; redirects are not followed`,
    });
    expect(redirecting.hits).toBe(1);
    expect(target.hits).toBe(0);
  });

  it('names a relative redirect by its full target', async () => {
    const redirecting = await serve((_req, res) => {
      res.writeHead(307, { location: '/elsewhere' });
      res.end();
    });
    expect(await fetchServiceSdl(new URL(redirecting.url), LIMITS)).toEqual({
      ok: false,
      problem: `url: answered a redirect (307) to http://127.0.0.1:${redirecting.port}/elsewhere; redirects are not followed`,
    });
  });

  it('cuts off an oversized answer, whether it declares its length or streams it', async () => {
    const big = JSON.stringify({ data: { _service: { sdl: `type Query { a: Int }\n${'#'.repeat(2 * 1024 * 1024)}` } } });
    const declared = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(big) });
      res.end(big);
    });
    const streamed = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      for (let i = 0; i < big.length; i += 64 * 1024) res.write(big.slice(i, i + 64 * 1024));
      res.end();
    });
    for (const server of [declared, streamed]) {
      expect(await fetchServiceSdl(new URL(server.url), LIMITS)).toEqual({
        ok: false,
        problem: expect.stringMatching(/^url: the answer to \{ _service \{ sdl \} \} is larger than 1048576 bytes, the gateway's cap on an exchange's schema/),
      });
    }
  });

  it('gives up on a server that never answers, at the timeout', async () => {
    const hang = await serve(() => undefined);
    const started = performance.now();
    expect(await fetchServiceSdl(new URL(hang.url), { timeoutMs: 300, maxBytes: LIMITS.maxBytes })).toEqual({
      ok: false,
      problem: 'url: no answer within 300 ms',
    });
    const elapsedMs = performance.now() - started;
    expect(elapsedMs).toBeGreaterThanOrEqual(280);
    expect(elapsedMs).toBeLessThan(2000);
  });

  it('gives up on an answer that stalls halfway, at the timeout', async () => {
    const stall = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': 1000 });
      res.write('{"data":{"_service":');
    });
    expect(await fetchServiceSdl(new URL(stall.url), { timeoutMs: 300, maxBytes: LIMITS.maxBytes })).toEqual({
      ok: false,
      problem: 'url: no answer within 300 ms',
    });
  });

  it('names a refused connection with its code', async () => {
    const gone = await startServer(() => undefined);
    await gone.close();
    expect(await fetchServiceSdl(new URL(gone.url), LIMITS)).toEqual({ ok: false, problem: 'url: connection refused (ECONNREFUSED)' });
  });

  it('names an answer that is not JSON, GraphQL errors, and a missing SDL', async () => {
    const html = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<html>hello</html>');
    });
    expect(await fetchServiceSdl(new URL(html.url), LIMITS)).toEqual({ ok: false, problem: 'url: answer is not JSON (content-type "text/html")' });

    const errors = await serve((_req, res) => {
      res.writeHead(400, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ errors: [{ message: 'Cannot query field "_service" on type "Query".' }] }));
    });
    expect(await fetchServiceSdl(new URL(errors.url), LIMITS)).toEqual({
      ok: false,
      problem: 'url: answered GraphQL errors: Cannot query field "_service" on type "Query".',
    });

    const noSdl = await serve(json({ data: { _service: null } }));
    expect(await fetchServiceSdl(new URL(noSdl.url), LIMITS)).toEqual({
      ok: false,
      problem: 'url: answer has no data._service.sdl; an exchange must be a federation subgraph that answers { _service { sdl } }',
    });

    const status = await serve((_req, res) => {
      res.writeHead(502, { 'content-type': 'text/plain' });
      res.end('bad gateway');
    });
    expect(await fetchServiceSdl(new URL(status.url), LIMITS)).toEqual({ ok: false, problem: 'url: answered HTTP 502, not a GraphQL response' });
  });

  it('checks the addresses again when it connects, so DNS cannot change its answer after the check', async () => {
    const url = new URL(`http://localhost:${new URL(exchange.url).port}/graphql`);
    const rebound: ResolveHost = async () => [{ address: '10.0.0.5', family: 4 }];
    expect(await fetchServiceSdl(url, { ...LIMITS, allowlist: DEFAULT_ALLOWLIST, resolve: rebound })).toEqual({
      ok: false,
      problem:
        'url: host "localhost" resolves to 10.0.0.5, which is not a loopback address; with EXCHANGE_URL_ALLOWLIST unset only loopback exchanges are allowed',
    });
    const loopback: ResolveHost = async () => [{ address: '127.0.0.1', family: 4 }];
    expect((await fetchServiceSdl(url, { ...LIMITS, allowlist: DEFAULT_ALLOWLIST, resolve: loopback })).ok).toBe(true);
  });
});

describe('probeExchange', () => {
  it('reads a well-formed connection and the catalog version from a real reference exchange', async () => {
    const probed = await probeExchange(new URL(exchange.url), { timeoutMs: 3000, exchange: 'sz' });
    expect(probed).toMatchObject({ ok: true, totalCount: 7, catalogVersion: exchange.store.catalogVersion });
    expect(exchange.store.catalogVersion).toBeTruthy();
  });

  it('refuses a real exchange probed under another id: its ids and its Exchange entity are not that id', async () => {
    const probed = await probeExchange(new URL(exchange.url), { timeoutMs: 3000, exchange: 'bj' });
    expect(probed.ok).toBe(false);
    expect((probed as { problem: string }).problem).toMatch(
      new RegExp(`^url: the exchange at ${exchange.url} serves ids of exchange sz \\(sz:ds-\\d+\\), not bj:…$`),
    );
  });

  it('accepts an exchange with no datasets by its Exchange entity, and refuses one whose entity is another id', async () => {
    const empty = await startSeededExchange({ id: 'wh', count: 0 });
    try {
      expect(await probeExchange(new URL(empty.url), { timeoutMs: 3000, exchange: 'wh' })).toMatchObject({ ok: true, totalCount: 0 });
      expect(await probeExchange(new URL(empty.url), { timeoutMs: 3000, exchange: 'cq' })).toEqual({
        ok: false,
        problem: `url: the exchange at ${empty.url} does not answer as exchange cq (the Exchange entity "cq" came back as null)`,
      });
    } finally {
      await empty.close();
    }
  });

  it('reports a problem against a server answering garbage', async () => {
    const garbage = await new FlakyProxy(exchange.url).start();
    garbage.mode = 'garbage';
    try {
      expect(await probeExchange(new URL(garbage.url), { timeoutMs: 3000, exchange: 'sz' })).toEqual({
        ok: false,
        problem: 'url: answer is not JSON (content-type "application/json")',
      });
      expect(garbage.calls).toBe(1);
    } finally {
      await garbage.close();
    }
  });

  it('reports a connection that is not well formed', async () => {
    const cases: Array<[unknown, string]> = [
      [{ data: { datasets: null } }, 'url: probe answer: data.datasets must be a connection object, got null'],
      [{ data: { datasets: { totalCount: 'many', edges: [] } } }, 'url: probe answer: datasets.totalCount must be a non-negative integer, got "many"'],
      [{ data: { datasets: { totalCount: 3, edges: {} } } }, 'url: probe answer: datasets.edges must be a list, got {}'],
      [{ data: { datasets: { totalCount: 3, edges: [] } } }, 'url: probe answer: datasets.totalCount is 3 but no edge came back'],
      [{ data: { datasets: { totalCount: 3, edges: [{ cursor: 'a' }, { cursor: 'b' }] } } }, 'url: probe answer: asked for first: 1, got 2 edges'],
      [{ data: { datasets: { totalCount: 3, edges: [{ cursor: '' }] } } }, 'url: probe answer: datasets.edges[0].cursor must be a non-empty string, got ""'],
      [{ data: null, errors: [{ message: 'boom' }] }, 'url: answered GraphQL errors: boom'],
      [
        { data: { datasets: { totalCount: 0, edges: [] } } },
        'url: probe answer: the Exchange entity "sz" must come back as a list from _entities, got nothing',
      ],
      [
        { data: { datasets: { totalCount: 9, edges: [{ cursor: 'c', node: { id: 'ds-1' } }] }, self: [{ id: 'sz' }] } },
        'url: the exchange at URL serves ids without an exchange prefix (ds-1), not sz:…',
      ],
      [
        { data: { datasets: { totalCount: 9, edges: [{ cursor: 'c', node: { id: 7 } }] }, self: [{ id: 'sz' }] } },
        'url: the exchange at URL answers a dataset id that is not a non-empty string: 7',
      ],
    ];
    for (const [body, problem] of cases) {
      const server = await serve(json(body));
      expect(await probeExchange(new URL(server.url), { timeoutMs: 3000, exchange: 'sz' })).toEqual({ ok: false, problem: problem.replace('URL', server.url) });
    }
  });
});

describe('ExchangeClient: the allow-list at connect time', () => {
  /** Answers every call and closes the connection, so each call needs a new connection (a new lookup). */
  const closing = (_req: IncomingMessage, res: ServerResponse) => {
    res.writeHead(200, { 'content-type': 'application/json', connection: 'close' });
    res.end(JSON.stringify({ data: { __typename: 'Query' } }));
  };
  const QUERY = { query: '{ __typename }' };

  it('connects to localhost as the system resolves it, under the loopback default', async () => {
    const server = await serve(closing);
    const client = new ExchangeClient({ exchange: 'sz', url: `http://localhost:${server.port}/graphql`, allowlist: DEFAULT_ALLOWLIST });
    try {
      expect(await client.send(QUERY)).toMatchObject({ ok: true, data: { __typename: 'Query' } });
      expect(await client.send(QUERY)).toMatchObject({ ok: true });
      expect(server.hits).toBe(2);
    } finally {
      await client.close();
    }
  });

  it('refuses a new connection of a long-lived pool once the name resolves off the allow-list (DNS rebinding)', async () => {
    // The one injected part: a name that resolves to loopback, then elsewhere, needs a DNS server the test
    // controls, which this machine does not have; so the resolver is a function whose answer the test
    // changes. The connections, the pool and the server are real.
    const server = await serve(closing);
    let address = '127.0.0.1';
    const resolve: ResolveHost = async () => [{ address, family: 4 }];
    const warnings: Array<{ fields: Record<string, unknown>; message: string }> = [];
    const logger = { warn: (fields: Record<string, unknown>, message: string) => warnings.push({ fields, message }) };
    const client = new ExchangeClient({ exchange: 'sz', url: `http://localhost:${server.port}/graphql`, allowlist: DEFAULT_ALLOWLIST, resolve, logger });
    try {
      expect(await client.send(QUERY)).toMatchObject({ ok: true });
      expect(server.hits).toBe(1);

      address = '10.0.0.5';
      const refused = await client.send(QUERY);
      expect(refused).toMatchObject({
        ok: false,
        exchange: 'sz',
        code: 'EXCHANGE_UNAVAILABLE',
        message: 'exchange sz is unavailable (its address is not allowed)',
      });
      // The client's message names no address; the log line does, with the rule.
      expect(JSON.stringify(refused.ok ? null : refused.message)).not.toContain('10.0.0.5');
      expect(server.hits).toBe(1);
      expect(warnings).toEqual([
        {
          message: 'exchange connection refused: its host resolved to an address the allow-list does not allow',
          fields: {
            exchange: 'sz',
            host: 'localhost',
            problem:
              'url: host "localhost" resolves to 10.0.0.5, which is not a loopback address; with EXCHANGE_URL_ALLOWLIST unset only loopback exchanges are allowed',
          },
        },
      ]);

      address = '127.0.0.1';
      expect(await client.send(QUERY)).toMatchObject({ ok: true });
      expect(server.hits).toBe(2);
    } finally {
      await client.close();
    }
  });

  it('applies the rule to localhost names under a configured allow-list too, and leaves other names to their operator', async () => {
    const server = await serve(closing);
    const allowlist = parseAllowlist('localhost, exchange.test');
    const offLoopback: ResolveHost = async () => [{ address: '10.0.0.5', family: 4 }];
    const localhostClient = new ExchangeClient({ exchange: 'sz', url: `http://localhost:${server.port}/graphql`, allowlist, resolve: offLoopback });
    // A name on a configured list is vouched for by the operator: wherever it resolves, it is connected to.
    const vouched: ResolveHost = async () => [{ address: '127.0.0.1', family: 4 }];
    const namedClient = new ExchangeClient({ exchange: 'sz', url: `http://exchange.test:${server.port}/graphql`, allowlist, resolve: vouched });
    try {
      expect(await localhostClient.send(QUERY)).toMatchObject({ ok: false, code: 'EXCHANGE_UNAVAILABLE' });
      expect(await namedClient.send(QUERY)).toMatchObject({ ok: true });
      expect(server.hits).toBe(1);
    } finally {
      await localhostClient.close();
      await namedClient.close();
    }
  });
});
