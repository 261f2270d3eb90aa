import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { describe, it, expect, beforeAll, afterAll, afterEach } from 'vitest';
import { Redis } from 'ioredis';
import { graphql, dataOf } from '../helpers/graphql.ts';
import { startStack, type Stack } from '../../devkit/stack.ts';
import { startRedisServer, type RedisServer } from '../helpers/redisServer.ts';
import { startSeededExchange, type ExchangeFixture } from '../helpers/exchangeFixture.ts';
import type { Service } from '../../devkit/processes.ts';
import { FlakyProxy } from '../../devkit/FlakyProxy.ts';

// The limits of registration, over real processes: a registration that hangs holds up no other change
// (on this replica or another), a large schema is checked off the event loop, a too-large one is refused,
// stored registrations pass each replica's own allow-list, tokens are stored hashed, /admin does not exist
// without GATEWAY_ADMIN_TOKEN, and the health states an exchange goes through.

const ADMIN = 'operator-token';
const PER_EXCHANGE = 20;
const REGISTRY_KEY = 'ecg:record:registry:exchanges';
/**
 * A replica applies a registration or a removal when the other publishes it, not at its next reload (every
 * 5 s): half that leaves room for a loaded machine and still fails a replica that waits for the reload.
 */
const PROPAGATION_BOUND_MS = 2500;
const TOKENS_KEY = 'ecg:record:registry:tokens';
const DEFAULTS = ['bj', 'gy', 'sh', 'ty'];

let stack: Stack;
let redis: RedisServer;
let redisClient: Redis;
let replica: Service;
const extra: Record<string, ExchangeFixture> = {};
const servers: Server[] = [];
const proxies: FlakyProxy[] = [];

const info = (id: string) => ({
  id,
  name: `${id.toUpperCase()} Data Exchange`,
  nameZh: `${id}数据交易所`,
  city: id,
  province: 'Guangdong',
  divisionCode: '440300',
});

function admin(gatewayUrl: string, path: string, init: { method?: string; body?: unknown; token?: string | null } = {}) {
  const token = init.token === undefined ? ADMIN : init.token;
  return fetch(gatewayUrl.replace(/\/graphql$/, path), {
    method: init.method ?? 'GET',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
}

async function queryIds(url: string): Promise<string[]> {
  const data: any = dataOf(await graphql(url, '{ exchanges { id } }'));
  return data.exchanges.map((e: any) => e.id).sort();
}

/** Polls `read` every 25 ms until `accept` holds or `withinMs` passes; the last value and when it was read. */
async function until<T>(read: () => Promise<T>, accept: (value: T) => boolean, withinMs: number): Promise<{ value: T; at: number }> {
  const deadline = performance.now() + withinMs;
  let value = await read();
  while (!accept(value) && performance.now() < deadline) {
    await new Promise((r) => setTimeout(r, 25));
    value = await read();
  }
  return { value, at: performance.now() };
}

/** The contract's SDL, grown with unused types until its `_service` answer is just under `bytes`. */
function grownSdl(bytes: number): string {
  let sdl = readFileSync(new URL('../../schema/exchange.graphql', import.meta.url), 'utf8');
  for (let i = 0; ; i++) {
    const fields = Array.from({ length: 20 }, (_, f) => `  field${f}(arg: Int, other: String = "x"): [String!]`).join('\n');
    const next = `${sdl}\ntype Padding${i} {\n${fields}\n}\n`;
    if (Buffer.byteLength(JSON.stringify({ data: { _service: { sdl: next } } })) > bytes) return sdl;
    sdl = next;
  }
}

/** A server that answers `{ _service { sdl } }` with `sdl`, and every other query (the probe) with a GraphQL error. */
async function serveSdl(sdl: string): Promise<string> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const asked = Buffer.concat(chunks).toString('utf8');
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(asked.includes('_service') ? { data: { _service: { sdl } } } : { errors: [{ message: 'probe not served here' }] }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  servers.push(server);
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
}

beforeAll(async () => {
  redis = await startRedisServer();
  redisClient = new Redis(redis.url);
  stack = await startStack({
    perExchange: PER_EXCHANGE,
    exchangeTimeoutMs: 3000,
    healthIntervalMs: 300,
    gatewayEnv: { REDIS_URL: redis.url, GATEWAY_ADMIN_TOKEN: ADMIN },
  });
  replica = await stack.startGateway('replica');
  for (const id of ['hz', 'wh']) extra[id] = await startSeededExchange({ id, count: 5 });
}, 240_000);
// Each test starts from the configured four, even when the one before failed half-way with hz or wh registered.
afterEach(async () => {
  for (const id of ['hz', 'wh']) {
    const removed = await admin(stack.gatewayUrl, `/admin/exchanges/${id}`, { method: 'DELETE' });
    expect([200, 404]).toContain(removed.status);
  }
  for (const url of [stack.gatewayUrl, replica.url])
    expect(
      (
        await until(
          () => queryIds(url),
          (ids) => ids.join() === DEFAULTS.join(),
          3000,
        )
      ).value,
    ).toEqual(DEFAULTS);
});
afterAll(async () => {
  for (const server of servers) server.closeAllConnections();
  for (const server of servers) server.close();
  await Promise.all(proxies.map((p) => p.close()));
  await stack?.stop();
  await Promise.allSettled(Object.values(extra).map((e) => e.close()));
  redisClient?.disconnect();
  await redis?.stop();
});

describe('registration limits: a slow registration holds up nothing else', () => {
  it('registers and removes another exchange, on this replica and another, within a second while a registration hangs', async () => {
    const hanging = await new FlakyProxy(extra.hz.url).start();
    proxies.push(hanging);
    hanging.mode = 'hang';
    const slowStarted = performance.now();
    let slowSettled = false;
    const slow = admin(stack.gatewayUrl, '/admin/exchanges', { method: 'POST', body: { ...info('hz'), url: hanging.url } })
      .then(async (r) => ({ status: r.status, body: await r.json(), at: performance.now() }))
      .finally(() => {
        slowSettled = true;
      });
    await until(
      async () => hanging.calls,
      (calls) => calls > 0,
      2000,
    );
    expect(hanging.calls, 'the hanging registration reached its exchange').toBeGreaterThan(0);

    // Only one registration per id at a time: a second one for hz is refused at once, with a reason.
    const again = admin(replica.url, '/admin/exchanges', { method: 'POST', body: { ...info('hz'), url: hanging.url } });
    const sameGateway = await admin(stack.gatewayUrl, '/admin/exchanges', { method: 'POST', body: { ...info('hz'), url: hanging.url } });
    expect(sameGateway.status).toBe(409);
    expect((await sameGateway.json()).problems[0]).toMatch(/^hz: a registration of this exchange is already being checked/);
    // The replica had no check of hz under way: it checks it too, and hangs as well (awaited at the end),
    // while the removal below runs on that same replica.

    const registered = await admin(stack.gatewayUrl, '/admin/exchanges', { method: 'POST', body: { ...info('wh'), url: extra.wh.url } });
    const registeredAt = performance.now();
    expect(registered.status, await registered.clone().text()).toBe(201);
    // hz hangs until its 3 s check timeout: wh answered while hz was still being checked, so it did not wait for it.
    expect(slowSettled, 'the registration of wh did not wait for hz').toBe(false);
    const onReplica = await until(
      () => queryIds(replica.url),
      (ids) => ids.includes('wh'),
      3000,
    );
    expect(onReplica.value).toContain('wh');
    expect(onReplica.at - registeredAt, 'the replica applied it without waiting for a poll').toBeLessThan(PROPAGATION_BOUND_MS);

    const removed = await admin(replica.url, '/admin/exchanges/wh', { method: 'DELETE' });
    const removedAt = performance.now();
    expect(removed.status).toBe(200);
    const gone = await until(
      () => queryIds(stack.gatewayUrl),
      (ids) => !ids.includes('wh'),
      3000,
    );
    expect(gone.value).toEqual(DEFAULTS);
    expect(gone.at - removedAt, 'the first gateway applied the removal without waiting for a poll').toBeLessThan(PROPAGATION_BOUND_MS);
    expect(slowSettled, 'hz was still being checked').toBe(false);

    const { status, body, at } = await slow;
    expect(status).toBe(422);
    expect(body.problems).toEqual([expect.stringMatching(/^url: no answer within 3000 ms/)]);
    expect(at - slowStarted).toBeGreaterThan(2500);
    expect((await again).status).toBe(422);
    expect(await queryIds(stack.gatewayUrl)).toEqual(DEFAULTS);
    expect(await queryIds(replica.url)).toEqual(DEFAULTS);
  });

  it('refuses (409) a registration whose id was removed on another replica while it was checked; the removal stands', async () => {
    const slowly = await new FlakyProxy(extra.hz.url).start();
    proxies.push(slowly);
    const first = await admin(stack.gatewayUrl, '/admin/exchanges', { method: 'POST', body: { ...info('hz'), url: slowly.url } });
    expect(first.status, await first.clone().text()).toBe(201);
    await until(
      () => queryIds(replica.url),
      (ids) => ids.includes('hz'),
      2000,
    );

    slowly.delayMs = 1000;
    const update = admin(stack.gatewayUrl, '/admin/exchanges', { method: 'POST', body: { ...info('hz'), name: 'Renamed', url: slowly.url } });
    await new Promise((r) => setTimeout(r, 300));
    expect((await admin(replica.url, '/admin/exchanges/hz', { method: 'DELETE' })).status).toBe(200);
    const refused = await update;
    expect(refused.status).toBe(409);
    expect((await refused.json()).problems).toEqual([
      expect.stringMatching(/^hz: removed \(on this or another gateway replica\) while this registration was being checked; nothing changed/),
    ]);
    expect(JSON.parse((await redisClient.hget(REGISTRY_KEY, 'hz'))!)).toMatchObject({ id: 'hz', removed: true });
    for (const url of [stack.gatewayUrl, replica.url])
      expect(
        (
          await until(
            () => queryIds(url),
            (ids) => !ids.includes('hz'),
            2000,
          )
        ).value,
      ).toEqual(DEFAULTS);
  });
});

describe('registration limits: the schema', () => {
  it('checks a large SDL (just under the 64 KiB cap) off the event loop: /health answers fast meanwhile', async () => {
    const sdl = grownSdl(64 * 1024 - 64);
    expect(Buffer.byteLength(sdl)).toBeGreaterThan(55_000);
    const url = await serveSdl(sdl);
    const health = stack.gatewayUrl.replace(/\/graphql$/, '/health');
    let done = false;
    const latencies: number[] = [];
    const watch = (async () => {
      while (!done) {
        const t = performance.now();
        expect((await fetch(health)).status).toBe(200);
        latencies.push(performance.now() - t);
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    const started = performance.now();
    const response = await admin(stack.gatewayUrl, '/admin/exchanges', { method: 'POST', body: { ...info('big'), url } });
    const took = performance.now() - started;
    done = true;
    await watch;
    // The contract check and the composition passed (the refusal comes from the probe, after them).
    expect(response.status).toBe(422);
    expect((await response.json()).problems).toEqual(['url: answered GraphQL errors: probe not served here']);
    expect(latencies.length, `health polled while the check ran (${Math.round(took)} ms)`).toBeGreaterThan(3);
    // Checked on the event loop, the check would hold some /health answer for most of its duration; off it,
    // every answer is quick. The bound follows the check's own duration, so a loaded machine (which slows
    // both) does not fail the test, while a check on the event loop still does.
    const bound = Math.max(250, took / 3);
    expect(Math.max(...latencies), `health latencies: ${latencies.map(Math.round).join(', ')} (check took ${Math.round(took)} ms)`).toBeLessThan(bound);
  });

  it('refuses an SDL over the 64 KiB cap through the admin API, saying so', async () => {
    const url = await serveSdl(grownSdl(80 * 1024));
    const response = await admin(stack.gatewayUrl, '/admin/exchanges', { method: 'POST', body: { ...info('big'), url } });
    expect(response.status).toBe(422);
    expect((await response.json()).problems).toEqual([
      "url: the answer to { _service { sdl } } is larger than 65536 bytes, the gateway's cap on an exchange's schema; serve a smaller SDL (the contract's is about 8 KiB)",
    ]);
    expect(await queryIds(stack.gatewayUrl)).toEqual(DEFAULTS);
  });
});

describe("registration limits: each replica's allow-list", () => {
  it('serves no stored registration whose URL is off its own EXCHANGE_URL_ALLOWLIST, at start and after a change, and says why', async () => {
    const strict = await stack.startGateway('strict', { EXCHANGE_URL_ALLOWLIST: 'localhost' });
    try {
      // Every stored exchange is at 127.0.0.1, which this replica's list does not name.
      expect(await queryIds(strict.url)).toEqual([]);
      const listed = (await (await admin(strict.url, '/admin/exchanges')).json()).exchanges;
      expect(listed.map((e: any) => [e.id, e.status])).toEqual(DEFAULTS.map((id) => [id, 'REFUSED']));
      expect(listed[0].reason).toBe('url: host "127.0.0.1" is not on EXCHANGE_URL_ALLOWLIST (allowed: localhost)');
      expect(strict.tail().join('\n')).toMatch(/stored registration refused by this replica's EXCHANGE_URL_ALLOWLIST; not served here/);
      const all: any = dataOf(
        await graphql(
          strict.url,
          `
            {
              datasets(first: 1) {
                totalCount
              }
            }
          `,
          {},
          { authorization: 'Bearer reader' },
        ),
      );
      expect(all.datasets.totalCount).toBe(0);

      // Registered at a localhost URL on another replica: this one serves it after the pub/sub reload;
      // moved to 127.0.0.1, it stops serving it.
      const localhostUrl = `http://localhost:${new URL(extra.wh.url).port}/graphql`;
      expect((await admin(stack.gatewayUrl, '/admin/exchanges', { method: 'POST', body: { ...info('wh'), url: localhostUrl } })).status).toBe(201);
      expect(
        (
          await until(
            () => queryIds(strict.url),
            (ids) => ids.includes('wh'),
            1000,
          )
        ).value,
      ).toEqual(['wh']);
      expect((await admin(stack.gatewayUrl, '/admin/exchanges', { method: 'POST', body: { ...info('wh'), url: extra.wh.url } })).status).toBe(200);
      expect(
        (
          await until(
            () => queryIds(strict.url),
            (ids) => !ids.includes('wh'),
            1000,
          )
        ).value,
      ).toEqual([]);
      const wh = (await (await admin(strict.url, '/admin/exchanges')).json()).exchanges.find((e: any) => e.id === 'wh');
      expect(wh).toMatchObject({ id: 'wh', url: extra.wh.url, status: 'REFUSED', reason: expect.stringMatching(/is not on EXCHANGE_URL_ALLOWLIST/) });
    } finally {
      await strict.stop();
      await admin(stack.gatewayUrl, '/admin/exchanges/wh', { method: 'DELETE' });
    }
    expect(await queryIds(stack.gatewayUrl)).toEqual(DEFAULTS);
  });
});

describe('registration limits: the admin API and its tokens', () => {
  it('stores only a hash of each exchange token', async () => {
    const response = await admin(stack.gatewayUrl, '/admin/tokens', { method: 'POST', body: { exchange: 'hz' } });
    expect(response.status).toBe(201);
    const { token } = await response.json();
    expect(token).toMatch(/^ect_hz_/);
    const stored = await redisClient.hgetall(TOKENS_KEY);
    expect(Object.keys(stored)).toContain('hz');
    const secret = token.slice('ect_hz_'.length);
    for (const value of Object.values(stored)) {
      expect(value).not.toContain(secret);
      expect(value).not.toContain(token);
    }
    expect(stored.hz).toBe(createHash('sha256').update(token).digest('base64url'));
    // Nothing else in Redis holds it either.
    for (const key of await redisClient.keys('*')) {
      if ((await redisClient.type(key)) !== 'hash') continue;
      expect(JSON.stringify(await redisClient.hgetall(key)), key).not.toContain(secret);
    }
    expect((await admin(stack.gatewayUrl, '/admin/exchanges', { token })).status).toBe(200);
  });

  it('answers 404 on every /admin path when GATEWAY_ADMIN_TOKEN is unset', async () => {
    const open = await stack.startGateway('no-admin', { GATEWAY_ADMIN_TOKEN: undefined });
    try {
      for (const [path, method, token] of [
        ['/admin/exchanges', 'GET', null],
        ['/admin/exchanges', 'GET', ADMIN],
        ['/admin/tokens', 'POST', ADMIN],
        ['/admin/exchanges/bj', 'DELETE', ADMIN],
        ['/admin', 'GET', null],
      ] as const) {
        const response = await admin(open.url, path, { method, token, body: method === 'POST' ? { exchange: 'hz' } : undefined });
        expect(response.status, `${method} ${path}`).toBe(404);
      }
      expect(await queryIds(open.url)).toEqual(DEFAULTS);
    } finally {
      await open.stop();
    }
  });
});

describe('registration limits: health', () => {
  async function status(id: string): Promise<string> {
    const health = await (await fetch(stack.gatewayUrl.replace(/\/graphql$/, '/health'))).json();
    return health.exchanges.find((e: any) => e.id === id).status;
  }

  /** The distinct statuses `id` goes through while `during` runs, polled every 25 ms. */
  async function statusesWhile(id: string, during: () => Promise<void>): Promise<string[]> {
    const seen: string[] = [await status(id)];
    let done = false;
    const poll = (async () => {
      while (!done) {
        const now = await status(id);
        if (now !== seen.at(-1)) seen.push(now);
        await new Promise((r) => setTimeout(r, 25));
      }
    })();
    try {
      await during();
    } finally {
      done = true;
      await poll;
    }
    const last = await status(id);
    if (last !== seen.at(-1)) seen.push(last);
    return seen;
  }

  it('shows an exchange that answers probes slowly (over 1 s) as DEGRADED, and ONLINE once it is fast again', async () => {
    const proxy = stack.proxies.ty;
    const seen = await statusesWhile('ty', async () => {
      proxy.delayMs = 1300;
      try {
        await until(
          () => status('ty'),
          (s) => s === 'DEGRADED',
          6000,
        );
      } finally {
        proxy.delayMs = 0;
      }
      await until(
        () => status('ty'),
        (s) => s === 'ONLINE',
        6000,
      );
    });
    expect(seen).toEqual(['ONLINE', 'DEGRADED', 'ONLINE']);
    const listed = (await (await admin(stack.gatewayUrl, '/admin/exchanges')).json()).exchanges.find((e: any) => e.id === 'ty');
    expect(listed.status).toBe('ONLINE');
  });

  it('takes a failing exchange DEGRADED, then OFFLINE, then back ONLINE', async () => {
    const proxy = stack.proxies.gy;
    const seen = await statusesWhile('gy', async () => {
      proxy.mode = 'http500';
      try {
        await until(
          () => status('gy'),
          (s) => s === 'OFFLINE',
          6000,
        );
      } finally {
        proxy.mode = 'forward';
      }
      await until(
        () => status('gy'),
        (s) => s === 'ONLINE',
        6000,
      );
    });
    expect(seen).toEqual(['ONLINE', 'DEGRADED', 'OFFLINE', 'ONLINE']);
  });
});
