import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exchangeTypeDefs } from '../../schema/typeDefs.ts';
import { ShardRouter, type ShardTarget } from '../../gateway/src/shards/ShardRouter.ts';
import { ExchangeClient } from '../../gateway/src/exchangeClient/ExchangeClient.ts';
import { DEFAULT_ALLOWLIST, parseAllowlist, type HostAllowlist } from '../../gateway/src/exchangeClient/hostAllowlist.ts';
import type { ResolveHost } from '../../gateway/src/exchangeClient/guardedLookup.ts';
import { startSeededExchange, type ExchangeFixture } from '../helpers/exchangeFixture.ts';

/**
 * The URL guard at query time: an exchange that was registered (and answered) later answers with a
 * redirect, or its name starts resolving to a private, link-local or IPv4-mapped address. Each call is
 * refused and reported like any failed exchange: missingExchanges and one error with its code, while the
 * other exchange's data stays. Real exchanges, real connections and a real shard router; the one stand-in
 * is the resolver (see below).
 */
let good: ExchangeFixture;
let turning: ExchangeFixture;
/** In front of `turning`: forwards, or answers a redirect; closes every connection (a new lookup each call). */
let front: { url: string; port: number; hits: number; redirectTo: string | null; close(): Promise<void> };
/** Where the redirects point: it must never be called. */
let elsewhere: { url: string; hits: number; close(): Promise<void> };

async function listen(handler: (req: IncomingMessage, res: ServerResponse, body: string) => void): Promise<{ server: Server; port: number }> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => handler(req, res, Buffer.concat(chunks).toString('utf8')));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port };
}
const closeServer = (server: Server) => {
  server.closeAllConnections();
  return new Promise<void>((resolve) => server.close(() => resolve()));
};

beforeAll(async () => {
  [good, turning] = await Promise.all([startSeededExchange({ id: 'sz', count: 5 }), startSeededExchange({ id: 'sy', count: 3 })]);
  const elsewhereState = { hits: 0 };
  const other = await listen((_req, res) => {
    elsewhereState.hits++;
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{"data":{}}');
  });
  elsewhere = {
    url: `http://127.0.0.1:${other.port}/latest/meta-data`,
    get hits() {
      return elsewhereState.hits;
    },
    close: () => closeServer(other.server),
  };
  const state = { hits: 0, redirectTo: null as string | null };
  const proxy = await listen(async (req, res, body) => {
    state.hits++;
    if (state.redirectTo) {
      res.writeHead(307, { location: state.redirectTo, 'content-type': 'application/json', connection: 'close' });
      // A body that is a valid GraphQL answer: a client reading past the status would take it as data.
      res.end(JSON.stringify({ data: { datasets: { edges: [], totalCount: 999, pageInfo: { hasNextPage: false, endCursor: null } } } }));
      return;
    }
    const upstream = await fetch(turning.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    const headers: Record<string, string> = { connection: 'close' };
    upstream.headers.forEach((value, name) => {
      if (!['connection', 'keep-alive', 'transfer-encoding', 'content-length'].includes(name)) headers[name] = value;
    });
    res.writeHead(upstream.status, headers);
    res.end(await upstream.text());
  });
  front = {
    url: `http://localhost:${proxy.port}/graphql`,
    port: proxy.port,
    get hits() {
      return state.hits;
    },
    get redirectTo() {
      return state.redirectTo;
    },
    set redirectTo(value) {
      state.redirectTo = value;
    },
    close: () => closeServer(proxy.server),
  };
});
afterAll(async () => {
  await Promise.allSettled([good?.close(), turning?.close(), front?.close(), elsewhere?.close()]);
});

const QUERY = '{ datasets(first: 50) { totalCount missingExchanges edges { node { id } } } }';

/** A shard router over `sz` (direct) and `sy` (through `front`, resolved by `resolve`), as the gateway builds one. */
function routerWith(options: { allowlist: HostAllowlist; resolve: ResolveHost; url?: string }) {
  const clients = [
    new ExchangeClient({ exchange: 'sz', url: good.url, allowlist: DEFAULT_ALLOWLIST, timeoutMs: 5000 }),
    new ExchangeClient({ exchange: 'sy', url: options.url ?? front.url, allowlist: options.allowlist, resolve: options.resolve, timeoutMs: 5000 }),
  ];
  const targets: ShardTarget[] = clients.map((client) => ({ id: client.exchange, isAvailable: () => true, send: (body) => client.send(body) }));
  const router = new ShardRouter({
    contractSchema: buildSubgraphSchema([{ typeDefs: exchangeTypeDefs }]),
    targets: { get: (id) => targets.find((t) => t.id === id), all: () => targets },
    logger: { warn: () => {}, error: () => {} },
  });
  const ask = async () => (await router.process({ request: { query: QUERY }, context: {} } as never)) as any;
  return { ask, close: () => Promise.all(clients.map((c) => c.close())) };
}

/** The answer holds sz's 5 datasets only, names sy missing, and has one error with `code` for sy. */
function expectSyRefused(response: any, code: string): void {
  expect(response.data.datasets.missingExchanges).toEqual(['sy']);
  expect(response.data.datasets.totalCount).toBe(5);
  const ids = response.data.datasets.edges.map((e: any) => e.node.id as string);
  expect(ids).toHaveLength(5);
  expect(ids.every((id: string) => id.startsWith('sz:'))).toBe(true);
  expect(response.errors).toHaveLength(1);
  expect(response.errors[0].extensions).toMatchObject({ code, exchange: 'sy' });
}

describe('the URL guard at query time', () => {
  it('refuses a redirect from an exchange that answered before, follows nothing, and reports it missing', async () => {
    const { ask, close } = routerWith({ allowlist: DEFAULT_ALLOWLIST, resolve: async () => [{ address: '127.0.0.1', family: 4 }] });
    try {
      const before = await ask();
      expect(before.errors).toBeUndefined();
      expect(before.data.datasets.totalCount).toBe(8);
      for (const target of [elsewhere.url, 'http://169.254.169.254/latest/meta-data/', '/graphql?again=1']) {
        front.redirectTo = target;
        const hits = front.hits;
        const response = await ask();
        expectSyRefused(response, 'EXCHANGE_BAD_RESPONSE');
        expect(response.errors[0].message).toBe('exchange sy answered a redirect (HTTP 307); redirects are not followed');
        expect(front.hits).toBe(hits + 1);
      }
      expect(elsewhere.hits).toBe(0);
    } finally {
      front.redirectTo = null;
      await close();
    }
  });

  // The one stand-in: a name that resolved to loopback and then resolves elsewhere needs a DNS server the
  // test controls, which this machine does not have (a DNS change cannot be produced on loopback); the
  // resolver is a function whose answer the test changes. Connections, exchanges and the router are real.
  const turns: Array<{ name: string; address: string; family: number }> = [
    { name: 'a private address (10.0.0.1)', address: '10.0.0.1', family: 4 },
    { name: 'a private address (192.168.1.20)', address: '192.168.1.20', family: 4 },
    { name: 'a link-local address (169.254.169.254)', address: '169.254.169.254', family: 4 },
    { name: 'an IPv4-mapped IPv6 address (::ffff:10.0.0.1)', address: '::ffff:10.0.0.1', family: 6 },
    { name: 'an IPv4-mapped link-local address (::ffff:169.254.169.254)', address: '::ffff:169.254.169.254', family: 6 },
    { name: 'an IPv6 link-local address (fe80::1)', address: 'fe80::1', family: 6 },
  ];
  it('turns to private, link-local and IPv4-mapped addresses, of both families', () => {
    expect(turns.length).toBeGreaterThan(0);
    expect(new Set(turns.map((t) => t.family))).toEqual(new Set([4, 6]));
  });
  for (const turn of turns) {
    it(`refuses an exchange whose name starts resolving to ${turn.name}, reported like a failed exchange`, async () => {
      let answer = { address: '127.0.0.1', family: 4 };
      const { ask, close } = routerWith({ allowlist: DEFAULT_ALLOWLIST, resolve: async () => [answer] });
      try {
        const before = await ask();
        expect(before.errors).toBeUndefined();
        expect(before.data.datasets.totalCount).toBe(8);
        const hits = front.hits;
        answer = { address: turn.address, family: turn.family };
        const response = await ask();
        expectSyRefused(response, 'EXCHANGE_UNAVAILABLE');
        expect(response.errors[0].message).toBe('exchange sy is unavailable (its address is not allowed)');
        expect(front.hits).toBe(hits);
      } finally {
        await close();
      }
    });
  }

  it('refuses a link-local address even for a name a configured allow-list trusts, and serves it again once it resolves back', async () => {
    const allowlist = parseAllowlist('exchange.test, localhost');
    let answer = { address: '127.0.0.1', family: 4 };
    const { ask, close } = routerWith({ allowlist, resolve: async () => [answer], url: `http://exchange.test:${front.port}/graphql` });
    try {
      expect((await ask()).data.datasets.totalCount).toBe(8);
      answer = { address: '169.254.169.254', family: 4 };
      expectSyRefused(await ask(), 'EXCHANGE_UNAVAILABLE');
      answer = { address: '::ffff:169.254.169.254', family: 6 };
      expectSyRefused(await ask(), 'EXCHANGE_UNAVAILABLE');
      // A configured name is the operator's word for where it lives: back on an address that answers, it serves.
      answer = { address: '127.0.0.1', family: 4 };
      expect((await ask()).data.datasets.totalCount).toBe(8);
    } finally {
      await close();
    }
  });
});
