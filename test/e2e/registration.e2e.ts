import { spawn } from 'node:child_process';
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'graphql';
import { ApolloServer } from '@apollo/server';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { graphql, dataOf } from '../helpers/graphql.ts';
import { startStack, type Stack } from '../../devkit/stack.ts';
import { startRedisServer, type RedisServer } from '../helpers/redisServer.ts';
import { startService, freePort, REPO_ROOT, type Service } from '../../devkit/processes.ts';
import { apolloHandler } from '../../shared/http/apolloHandler.ts';
import { FlakyProxy } from '../../devkit/FlakyProxy.ts';
import { startSeededExchange } from '../helpers/exchangeFixture.ts';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

// Exchanges joining the catalog at runtime, over real processes: a fifth exchange process, two gateway
// replicas on one Redis of the test's own, and purpose-built servers for what must be refused.

const ADMIN = 'operator-token';
let stack: Stack;
let redis: RedisServer;
let sz: Service;
let szProxy: FlakyProxy;
let replica: Service;
const servers: Server[] = [];

const SZ = { id: 'sz', name: 'Shenzhen Data Exchange', nameZh: '深圳数据交易所', city: 'Shenzhen', province: 'Guangdong', divisionCode: '440300' };

function admin(gatewayUrl: string, path: string, init: { method?: string; token?: string; body?: unknown } = {}) {
  return fetch(gatewayUrl.replace(/\/graphql$/, path), {
    method: init.method ?? 'GET',
    headers: { 'content-type': 'application/json', ...(init.token ? { authorization: `Bearer ${init.token}` } : {}) },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
}

async function issueToken(exchange: string): Promise<string> {
  const response = await admin(stack.services.gateway.url, '/admin/tokens', { method: 'POST', token: ADMIN, body: { exchange } });
  expect(response.status).toBe(201);
  return (await response.json()).token;
}

async function exchangeIds(url: string): Promise<string[]> {
  const data: any = dataOf(await graphql(url, '{ exchanges { id } }'));
  return data.exchanges.map((e: any) => e.id);
}

/** Polls `read` every 50 ms until it gives `want` or `timeoutMs` passes; returns the last value read. */
/** sz's status as the gateway's directory shows it. */
async function szStatus(): Promise<string> {
  return ((await graphql(stack.gatewayUrl, '{ exchange(id: "sz") { status } }')).data as any).exchange.status;
}

async function until<T>(read: () => Promise<T>, want: (value: T) => boolean, timeoutMs = 2000): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  let value = await read();
  while (!want(value) && performance.now() < deadline) {
    await new Promise((r) => setTimeout(r, 50));
    value = await read();
  }
  return value;
}

/**
 * Registers sz at `url` (the admin token; 201 when new, 200 when it was registered) and waits until the
 * replica serves it there: a test that needs sz live sets it up itself rather than count on an earlier test.
 */
async function registerSz(url = szProxy.url, name = SZ.name): Promise<void> {
  // The gateway service, not stack.gatewayUrl: a test restarts it, on another port.
  const response = await admin(stack.services.gateway.url, '/admin/exchanges', { method: 'POST', token: ADMIN, body: { ...SZ, name, url } });
  expect([200, 201], await response.clone().text()).toContain(response.status);
  const served = async () => ((await (await admin(replica.url, '/admin/exchanges', { token: ADMIN })).json()).exchanges as any[]).find((e) => e.id === 'sz');
  expect(await until(served, (e) => e?.url === url && e?.name === name)).toMatchObject({ url, name });
}

/** Serves the contract with `edit` applied to its SDL: an exchange that does not conform. */
async function serveEditedContract(edit: (sdl: string) => string): Promise<string> {
  const sdl = edit(readFileSync(new URL('../../schema/exchange.graphql', import.meta.url), 'utf8'));
  const apollo = new ApolloServer({ schema: buildSubgraphSchema({ typeDefs: parse(sdl) }) });
  await apollo.start();
  const handle = apolloHandler(apollo, { context: async () => ({}) });
  const server = createServer((req, res) => void handle(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  servers.push(server);
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
}

beforeAll(async () => {
  redis = await startRedisServer();
  stack = await startStack({
    perExchange: 200,
    healthIntervalMs: 300,
    gatewayEnv: { REDIS_URL: redis.url, GATEWAY_ADMIN_TOKEN: ADMIN, REDIS_COMMAND_TIMEOUT_MS: '500' },
  });
  replica = await stack.startGateway('replica');
  sz = await startService({
    name: 'sz',
    file: 'subgraphs/exchange/main.ts',
    readyMsg: 'exchange ready',
    quiet: true,
    args: [
      '--id',
      'sz',
      '--port',
      String(await freePort()),
      '--name',
      SZ.name,
      '--city',
      SZ.city,
      '--province',
      SZ.province,
      '--division-code',
      SZ.divisionCode,
    ],
    env: { DATA_DIR: stack.dataDir, SEED_PER_EXCHANGE: '150' },
  });
  szProxy = await new FlakyProxy(sz.url).start();
}, 240_000);
afterAll(async () => {
  await sz?.stop();
  await szProxy?.close();
  for (const server of servers) server.close();
  await stack?.stop();
  await redis?.stop();
});

describe('registration: authentication', () => {
  it('refuses admin calls without a valid token, and exchange tokens for another id', async () => {
    expect((await admin(stack.gatewayUrl, '/admin/exchanges')).status).toBe(401);
    expect((await admin(stack.gatewayUrl, '/admin/exchanges', { token: 'wrong' })).status).toBe(401);
    const body = { ...SZ, url: szProxy.url };
    expect((await admin(stack.gatewayUrl, '/admin/exchanges', { method: 'POST', body })).status).toBe(401);
    const bjToken = await issueToken('bj');
    const cross = await admin(stack.gatewayUrl, '/admin/exchanges', { method: 'POST', token: bjToken, body });
    expect(cross.status).toBe(403);
    expect((await admin(stack.gatewayUrl, '/admin/exchanges/sh', { method: 'DELETE', token: bjToken })).status).toBe(403);
    expect((await admin(stack.gatewayUrl, '/admin/tokens', { method: 'POST', token: bjToken, body: { exchange: 'bj' } })).status).toBe(403);
    expect(await exchangeIds(stack.gatewayUrl)).toEqual(['bj', 'gy', 'sh', 'ty']);
  });

  it('stops accepting a revoked token', async () => {
    const token = await issueToken('qq');
    expect((await admin(stack.gatewayUrl, '/admin/exchanges', { token })).status).toBe(200);
    expect((await admin(stack.gatewayUrl, '/admin/tokens/qq', { method: 'DELETE', token: ADMIN })).status).toBe(200);
    expect((await admin(stack.gatewayUrl, '/admin/exchanges', { token })).status).toBe(401);
  });
});

describe('registration: checks before going live', () => {
  it('refuses bad input, naming every field', async () => {
    const response = await admin(stack.gatewayUrl, '/admin/exchanges', {
      method: 'POST',
      token: ADMIN,
      body: { id: 'SZ1', name: '', divisionCode: '4403', url: 'ftp://127.0.0.1/x' },
    });
    expect(response.status).toBe(400);
    const { problems } = await response.json();
    expect(problems.join('\n')).toMatch(/id: must match/);
    expect(problems.join('\n')).toMatch(/name: required/);
    expect(problems.join('\n')).toMatch(/nameZh: required/);
    expect(problems.join('\n')).toMatch(/divisionCode: must be 6 digits/);
    expect(problems.join('\n')).toMatch(/url: scheme must be http or https/);
  });

  it('refuses a schema that does not implement the contract, naming each problem', async () => {
    const url = await serveEditedContract((sdl) =>
      sdl
        .replace('  titleZh: String!\n', '')
        .replace('  price: Price!\n', '  price: Float\n')
        .replace(/ {2}"[^"\n]*"\n {2}AUDIO_SAMPLES\n/, ''),
    );
    const response = await admin(stack.gatewayUrl, '/admin/exchanges', { method: 'POST', token: ADMIN, body: { ...SZ, id: 'bad', url } });
    expect(response.status).toBe(422);
    const { problems } = await response.json();
    expect(problems).toEqual(
      expect.arrayContaining(['Dataset.titleZh: missing', 'Dataset.price: expected Price!, found Float', 'enum Category: missing value AUDIO_SAMPLES']),
    );
    expect(await exchangeIds(stack.gatewayUrl)).not.toContain('bad');
  });

  it('refuses a URL off the allow-list, a redirect to one, and a non-http scheme', async () => {
    const off = await admin(stack.gatewayUrl, '/admin/exchanges', { method: 'POST', token: ADMIN, body: { ...SZ, url: 'http://203.0.113.7:4015/graphql' } });
    expect(off.status).toBe(422);
    expect((await off.json()).problems[0]).toMatch(/not on EXCHANGE_URL_ALLOWLIST/);

    const redirector = createServer((_req, res) => {
      res.writeHead(302, { location: 'http://203.0.113.7:4015/graphql' });
      res.end();
    });
    await new Promise<void>((resolve) => redirector.listen(0, '127.0.0.1', resolve));
    servers.push(redirector);
    const redirect = await admin(stack.gatewayUrl, '/admin/exchanges', {
      method: 'POST',
      token: ADMIN,
      body: { ...SZ, url: `http://127.0.0.1:${(redirector.address() as AddressInfo).port}/graphql` },
    });
    expect(redirect.status).toBe(422);
    expect((await redirect.json()).problems[0]).toMatch(/redirect/);

    const scheme = await admin(stack.gatewayUrl, '/admin/exchanges', { method: 'POST', token: ADMIN, body: { ...SZ, url: 'file:///etc/passwd' } });
    expect(scheme.status).toBe(400);
    expect((await scheme.json()).problems[0]).toMatch(/scheme must be http or https/);
    expect(await exchangeIds(stack.gatewayUrl)).toEqual(['bj', 'gy', 'sh', 'ty']);
  });
  it("refuses an endpoint that serves another exchange's ids, naming whose (npm run register)", async () => {
    const token = await issueToken('sz');
    const bjUrl = stack.exchangeUrls.bj;
    const refused = await promisify(execFile)(process.execPath, [
      '--import',
      'tsx',
      'scripts/register.ts',
      '--gateway',
      stack.gatewayBase,
      '--token',
      token,
      '--id',
      'sz',
      '--url',
      bjUrl,
      '--name',
      SZ.name,
      '--name-zh',
      SZ.nameZh,
      '--city',
      SZ.city,
      '--province',
      SZ.province,
      '--division-code',
      SZ.divisionCode,
    ]).then(
      () => null,
      (err: { code: number; stderr: string }) => err,
    );
    expect(refused?.code).toBe(1);
    expect(refused?.stderr).toContain('refused: HTTP 422');
    expect(refused?.stderr).toMatch(new RegExp(`- url: the exchange at ${bjUrl} serves ids of exchange bj \\(bj:ds-\\d+\\), not sz:…`));
    expect(await exchangeIds(stack.gatewayUrl)).toEqual(['bj', 'gy', 'sh', 'ty']);
    expect(await exchangeIds(replica.url)).toEqual(['bj', 'gy', 'sh', 'ty']);
  });

  it('registers an exchange that has no datasets yet', async () => {
    const empty = await startSeededExchange({ id: 'wh', count: 0 });
    try {
      const response = await admin(stack.gatewayUrl, '/admin/exchanges', { method: 'POST', token: ADMIN, body: { ...SZ, id: 'wh', url: empty.url } });
      expect(response.status, await response.clone().text()).toBe(201);
      const data: any = dataOf(
        await graphql(
          stack.gatewayUrl,
          `
            {
              datasets(filter: { exchanges: ["wh"] }, first: 1) {
                totalCount
                missingExchanges
              }
            }
          `,
        ),
      );
      expect(data.datasets).toEqual({ totalCount: 0, missingExchanges: [] });
    } finally {
      expect((await admin(stack.gatewayUrl, '/admin/exchanges/wh', { method: 'DELETE', token: ADMIN })).status).toBe(200);
      await empty.close();
    }
  });
});

describe('registration: going live', () => {
  it('adds a fifth exchange while queries run, with no failed query, on every replica within a second', async () => {
    const token = await issueToken('sz');
    let stop = false;
    const failures: unknown[] = [];
    let queries = 0;
    const stream = (async () => {
      while (!stop) {
        const result = await graphql(
          stack.gatewayUrl,
          `
            {
              datasets(first: 5, sort: PRICE_ASC) {
                totalCount
                missingExchanges
                nodes {
                  id
                }
              }
            }
          `,
          {},
          { authorization: 'Bearer reader' },
        );
        queries++;
        if (result.errors || (result.data as any).datasets.missingExchanges.length) failures.push(result.errors ?? result.data);
        await new Promise((r) => setTimeout(r, 10));
      }
    })();
    await new Promise((r) => setTimeout(r, 300));
    const response = await admin(stack.gatewayUrl, '/admin/exchanges', { method: 'POST', token, body: { ...SZ, url: szProxy.url } });
    const registeredAt = performance.now();
    expect(response.status).toBe(201);

    let onReplica = false;
    while (!onReplica && performance.now() - registeredAt < 1000) {
      onReplica = (await exchangeIds(replica.url)).includes('sz');
      if (!onReplica) await new Promise((r) => setTimeout(r, 50));
    }
    expect(onReplica).toBe(true);

    const data: any = dataOf(
      await graphql(
        stack.gatewayUrl,
        `
          {
            datasets(filter: { exchanges: ["sz"] }, first: 3) {
              totalCount
              nodes {
                id
                exchange {
                  id
                  name
                  city
                }
              }
            }
          }
        `,
      ),
    );
    expect(data.datasets.totalCount).toBe(150);
    expect(data.datasets.nodes[0].exchange).toEqual({ id: 'sz', name: SZ.name, city: SZ.city });
    await new Promise((r) => setTimeout(r, 300));
    stop = true;
    await stream;
    expect(queries).toBeGreaterThan(10);
    expect(failures).toEqual([]);
    const all: any = dataOf(
      await graphql(
        stack.gatewayUrl,
        `
          {
            datasets(first: 1) {
              totalCount
            }
          }
        `,
      ),
    );
    expect(all.datasets.totalCount).toBe(4 * 200 + 150);
  });

  it('lets an exchange move to a new URL with its own token: every replica serves the new URL and name, the old URL gets nothing', async () => {
    await registerSz();
    const token = await issueToken('sz');
    const moved = await new FlakyProxy(sz.url).start();
    const newName = 'Shenzhen Data Exchange (SZDE)';
    try {
      const response = await admin(stack.gatewayUrl, '/admin/exchanges', { method: 'POST', token, body: { ...SZ, name: newName, url: moved.url } });
      expect(response.status, await response.clone().text()).toBe(200);
      expect(await response.json()).toMatchObject({ created: false });
      for (const gateway of [stack.gatewayUrl, replica.url]) {
        const name = async () =>
          (
            dataOf(
              await graphql(
                gateway,
                `
                  {
                    exchange(id: "sz") {
                      name
                    }
                  }
                `,
              ),
            ) as any
          ).exchange.name;
        expect(await until(name, (n) => n === newName)).toBe(newName);
      }
      szProxy.reset();
      moved.reset();
      // Two queries no one asked before (the shared cache would answer a repeat without calling anyone).
      for (const [gateway, first] of [
        [stack.gatewayUrl, 3],
        [replica.url, 4],
      ] as const) {
        const data: any = dataOf(
          await graphql(
            gateway,
            `
              query ($first: Int) {
                datasets(filter: { exchanges: ["sz"] }, first: $first, sort: TITLE_ASC) {
                  totalCount
                  nodes {
                    id
                  }
                }
              }
            `,
            { first },
          ),
        );
        expect(data.datasets.totalCount).toBe(150);
        expect(data.datasets.nodes).toHaveLength(first);
      }
      expect(moved.calls).toBe(2);
      expect(szProxy.calls).toBe(0);
    } finally {
      await registerSz(szProxy.url, SZ.name);
      await moved.close();
    }
  });

  it('npm run register prints the verdict: every problem and exit 1 when refused, exit 0 when accepted', async () => {
    await registerSz();
    const token = await issueToken('sz');
    const run = (args: string[]) =>
      new Promise<{ code: number | null; out: string }>((resolve) => {
        const child = spawn(
          process.execPath,
          ['--import', 'tsx', 'scripts/register.ts', '--gateway', stack.gatewayBase, '--token', token, '--id', 'sz', ...args],
          { cwd: REPO_ROOT },
        );
        let out = '';
        child.stdout.on('data', (chunk: Buffer) => {
          out += chunk.toString();
        });
        child.stderr.on('data', (chunk: Buffer) => {
          out += chunk.toString();
        });
        child.once('exit', (code) => resolve({ code, out }));
      });
    const refused = await run(['--url', szProxy.url, '--name', SZ.name, '--division-code', '44030']);
    expect(refused.code).toBe(1);
    expect(refused.out).toMatch(/^refused: HTTP 400/m);
    for (const field of ['nameZh', 'city', 'province', 'divisionCode']) expect(refused.out).toMatch(new RegExp(`^  - ${field}: `, 'm'));
    const accepted = await run([
      '--url',
      szProxy.url,
      '--name',
      SZ.name,
      '--name-zh',
      SZ.nameZh,
      '--city',
      SZ.city,
      '--province',
      SZ.province,
      '--division-code',
      SZ.divisionCode,
    ]);
    expect(accepted.out).toMatch(/^updated: exchange sz \(catalog version \S+\) — HTTP 200$/m);
    expect(accepted.code).toBe(0);
  });

  it("npm run register takes the token from GATEWAY_TOKEN or --token-file, keeps the gateway URL's path, and refuses a bad --gateway clearly", async () => {
    const token = await issueToken('sz');
    const run = (args: string[], env: Record<string, string> = {}) =>
      new Promise<{ code: number | null; out: string }>((resolve) => {
        const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/register.ts', ...args], {
          cwd: REPO_ROOT,
          env: { ...process.env, GATEWAY_TOKEN: '', ...env },
        });
        let out = '';
        child.stdout.on('data', (chunk: Buffer) => {
          out += chunk.toString();
        });
        child.stderr.on('data', (chunk: Buffer) => {
          out += chunk.toString();
        });
        child.once('exit', (code) => resolve({ code, out }));
      });
    const fields = [
      '--id',
      'sz',
      '--url',
      szProxy.url,
      '--name',
      SZ.name,
      '--name-zh',
      SZ.nameZh,
      '--city',
      SZ.city,
      '--province',
      SZ.province,
      '--division-code',
      SZ.divisionCode,
    ];

    const fromEnv = await run(['--gateway', stack.gatewayBase, ...fields], { GATEWAY_TOKEN: token });
    expect(fromEnv.out).toMatch(/^updated: exchange sz/m);
    expect(fromEnv.code).toBe(0);

    const dir = mkdtempSync(join(tmpdir(), 'register-token-'));
    try {
      writeFileSync(join(dir, 'token'), `${token}\n`, { mode: 0o600 });
      const fromFile = await run(['--gateway', stack.gatewayBase, '--token-file', join(dir, 'token'), ...fields]);
      expect(fromFile.out).toMatch(/^updated: exchange sz/m);
      expect(fromFile.code).toBe(0);
      const noFile = await run(['--gateway', stack.gatewayBase, '--token-file', join(dir, 'missing'), ...fields]);
      expect(noFile.code).toBe(2);
      expect(noFile.out).toMatch(/^register: --token-file: cannot read ".*missing" \(ENOENT\)/m);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }

    const noToken = await run(['--gateway', stack.gatewayBase, ...fields]);
    expect(noToken.code).toBe(2);
    expect(noToken.out).toMatch(/^register: missing token: set GATEWAY_TOKEN/m);

    const badGateway = await run(['--gateway', 'not-a-url', ...fields], { GATEWAY_TOKEN: token });
    expect(badGateway.code).toBe(2);
    expect(badGateway.out).toMatch(/^register: --gateway must be the gateway's http\(s\) URL, e\.g\. http:\/\/localhost:4000, got "not-a-url"$/m);
    expect(badGateway.out).not.toMatch(/^\s+at /m);

    // A gateway behind a path prefix (a reverse proxy): the admin API is under it.
    const paths: string[] = [];
    const prefixed = createServer((req, res) => {
      paths.push(`${req.method} ${req.url}`);
      req.resume();
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ exchange: { id: 'sz' }, created: false, removed: true }));
    });
    await new Promise<void>((resolve) => prefixed.listen(0, '127.0.0.1', resolve));
    servers.push(prefixed);
    const base = `http://127.0.0.1:${(prefixed.address() as AddressInfo).port}`;
    expect((await run(['--gateway', `${base}/gw`, ...fields], { GATEWAY_TOKEN: token })).code).toBe(0);
    expect((await run(['--gateway', `${base}/gw/`, '--id', 'sz', '--remove'], { GATEWAY_TOKEN: token })).code).toBe(0);
    expect(paths).toEqual(['POST /gw/admin/exchanges', 'DELETE /gw/admin/exchanges/sz']);
  });

  it('takes an exchange that dies OFFLINE, skips it at once, and brings it back ONLINE', async () => {
    await registerSz();
    szProxy.mode = 'reset';
    try {
      const deadline = performance.now() + 5000;
      while ((await szStatus()) !== 'OFFLINE' && performance.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      expect(await szStatus()).toBe('OFFLINE');
      const health = await (await fetch(stack.gatewayUrl.replace(/\/graphql$/, '/health'))).json();
      expect(health.exchanges.find((e: any) => e.id === 'sz').status).toBe('OFFLINE');

      szProxy.mode = 'hang';
      const callsBefore = szProxy.calls;
      const result: any = await graphql(
        stack.gatewayUrl,
        `
          {
            datasets(first: 2, filter: { exchanges: ["sz", "bj"] }) {
              missingExchanges
            }
          }
        `,
        {},
        { authorization: 'Bearer reader' },
      );
      // Skipped at once: the hanging exchange is not called at all (a call would wait for its timeout).
      expect(szProxy.calls - callsBefore).toBe(0);
      expect(result.data.datasets.missingExchanges).toEqual(['sz']);
      expect(result.errors[0].extensions).toMatchObject({ code: 'EXCHANGE_UNAVAILABLE', exchange: 'sz' });
    } finally {
      szProxy.mode = 'forward';
    }
    const back = performance.now() + 5000;
    while ((await szStatus()) !== 'ONLINE' && performance.now() < back) await new Promise((r) => setTimeout(r, 100));
    expect(await szStatus()).toBe('ONLINE');
  });

  it("takes an exchange that starts serving another exchange's catalog OFFLINE, and back ONLINE when it stops", async () => {
    await registerSz();
    expect(await until(szStatus, (s) => s === 'ONLINE', 5000)).toBe('ONLINE');
    szProxy.upstreamUrl = stack.exchangeUrls.bj;
    try {
      const deadline = performance.now() + 5000;
      while ((await szStatus()) !== 'OFFLINE' && performance.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      expect(await szStatus()).toBe('OFFLINE');
      // Skipped at once, as unavailable: no query carries the lie any more.
      const result: any = await graphql(
        stack.gatewayUrl,
        `
          {
            datasets(first: 2, filter: { exchanges: ["sz", "bj"] }) {
              missingExchanges
              nodes {
                id
              }
            }
          }
        `,
        {},
        { authorization: 'Bearer reader' },
      );
      expect(result.data.datasets.missingExchanges).toEqual(['sz']);
      expect(result.errors[0].extensions).toMatchObject({ code: 'EXCHANGE_UNAVAILABLE', exchange: 'sz' });
      expect(result.data.datasets.nodes.every((n: any) => n.id.startsWith('bj:'))).toBe(true);
    } finally {
      szProxy.upstreamUrl = sz.url;
    }
    const back = performance.now() + 5000;
    while ((await szStatus()) !== 'ONLINE' && performance.now() < back) await new Promise((r) => setTimeout(r, 100));
    expect(await szStatus()).toBe('ONLINE');
  });

  it('keeps registrations across a gateway restart', async () => {
    await registerSz();
    await stack.services.gateway.stop();
    const restarted = await stack.startGateway('gateway');
    expect(await exchangeIds(restarted.url)).toEqual(['bj', 'gy', 'sh', 'sz', 'ty']);
    const data: any = dataOf(
      await graphql(
        restarted.url,
        `
          {
            datasets(filter: { exchanges: ["sz"] }, first: 1) {
              totalCount
            }
          }
        `,
      ),
    );
    expect(data.datasets.totalCount).toBe(150);
  });

  it('removes an exchange on its own request, on every replica', async () => {
    await registerSz();
    const token = await issueToken('sz');
    const response = await admin(stack.services.gateway.url, '/admin/exchanges/sz', { method: 'DELETE', token });
    expect(response.status).toBe(200);
    const deadline = performance.now() + 1000;
    while ((await exchangeIds(replica.url)).includes('sz') && performance.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(await exchangeIds(replica.url)).toEqual(['bj', 'gy', 'sh', 'ty']);
  });
});
