import { describe, it, expect, afterAll } from 'vitest';
import { execFile, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import { DEFAULT_EXCHANGES } from '../../shared/domain.ts';
import { startStack, type Stack } from '../../devkit/stack.ts';
import { untilAllOnline } from '../../devkit/soak/runSoak.ts';
import { CatalogTruth } from '../../devkit/soak/catalogTruth.ts';
import { prepareWorkload, type SoakRequest } from '../../devkit/soak/workload.ts';
import { launchRedisOnFreePort, startRedisServer, type RedisServer } from '../helpers/redisServer.ts';

// Redis failing under a running gateway, over real processes: a redis-server of the test's own stopped
// with SIGSTOP (a hung host: the socket stays open, nothing answers), and a Redis Cluster of three masters
// and three replicas whose master is killed while queries run. Answers are checked against each exchange's
// SQLite file read directly (text-match counts: each exchange's own subgraph asked directly, as the soak
// does, devkit/soak/workload.ts), never through the gateway.

const run = promisify(execFile);

/** The default command timeout (gateway/src/cache/RedisCache.ts), which REDIS_COMMAND_TIMEOUT_MS overrides; left unset below. */
const DEFAULT_COMMAND_TIMEOUT_MS = 100;

const QUERY = `query Q($since: DateTime) { datasets(first: 20, filter: { categories: [PUBLIC_HEALTH], updatedSince: $since }) {
  totalCount missingExchanges nodes { id provider { uscc name } } } }`;

/** PUBLIC_HEALTH listings over the four exchanges, read from their databases. */
function publicHealthCount(stack: Stack): number {
  return DEFAULT_EXCHANGES.reduce((sum, e) => {
    const db = new Database(join(stack.dataDir, `${e.id}.db`), { readonly: true });
    try {
      return sum + (db.prepare("SELECT count(*) FROM datasets WHERE category = 'PUBLIC_HEALTH'").pluck().get() as number);
    } finally {
      db.close();
    }
  }, 0);
}

let sinceStep = 0;
/** A `since` one millisecond later each time, before every listing: the same rows, but no cache key seen before. */
function freshSince(): string {
  return new Date(Date.UTC(2000, 0, 1) + sinceStep++).toISOString();
}

async function timedQuery(url: string): Promise<{ ms: number; status: number; body: any }> {
  const started = performance.now();
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: QUERY, variables: { since: freshSince() } }),
    signal: AbortSignal.timeout(30_000),
  });
  const body = await response.json();
  return { ms: performance.now() - started, status: response.status, body };
}

function expectRight(answer: { status: number; body: any }, expected: number): void {
  expect(answer.status, JSON.stringify(answer.body).slice(0, 300)).toBe(200);
  expect(answer.body.errors, JSON.stringify(answer.body.errors)).toBeUndefined();
  expect(answer.body.data.datasets.missingExchanges).toEqual([]);
  expect(answer.body.data.datasets.totalCount).toBe(expected);
  expect(answer.body.data.datasets.nodes.length).toBe(20);
}

const ADMIN_TOKEN = 'redis-faults-admin-token';

interface Answer {
  kind: string;
  ms: number;
  status: number;
  wrong: string | null;
  /** The response cache's `x-response-cache` header: hit, miss or none. */
  cache: string | null;
}

const ALL_CERTAIN = { certain: DEFAULT_EXCHANGES.map((e) => e.id), maybe: [] };

let addressStep = 0;
/** A client address not seen before (TEST-NET-2, 198.51.100.0/24, and on), as a trusted proxy would name it in X-Forwarded-For. */
function freshAddress(): string {
  const n = addressStep++;
  return `198.51.${100 + Math.floor(n / 250)}.${1 + (n % 250)}`;
}

/** One soak request from a new client address: its time, status, and whether its answer is right. */
async function ask(url: string, request: SoakRequest): Promise<Answer> {
  const started = performance.now();
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-forwarded-for': freshAddress() },
    body: JSON.stringify({ query: request.query, variables: request.variables }),
    signal: AbortSignal.timeout(30_000),
  });
  const body = await response.json().catch(() => null);
  const ms = performance.now() - started;
  const wrong = response.status === 200 ? request.check(body, ALL_CERTAIN) : `HTTP ${response.status}: ${JSON.stringify(body).slice(0, 200)}`;
  return { kind: request.kind, ms, status: response.status, wrong, cache: response.headers.get('x-response-cache') };
}

/** Every request once, sent by four clients at a time, each sending its next request when answered. */
async function runRound(url: string, requests: SoakRequest[]): Promise<Answer[]> {
  expect(requests.length).toBeGreaterThan(0);
  const queue = [...requests];
  const answers: Answer[] = [];
  const client = async () => {
    for (let request = queue.shift(); request; request = queue.shift()) answers.push(await ask(url, request));
  };
  await Promise.all(Array.from({ length: 4 }, client));
  return answers;
}

/** Each answer right as the exchanges' own data says (workload.ts checks them against it). */
function expectAllRight(answers: Answer[]): void {
  expect(answers.length).toBeGreaterThan(0);
  for (const answer of answers) expect(answer.wrong, `${answer.kind}: HTTP ${answer.status}`).toBeNull();
}

function median(sorted: number[]): number {
  return sorted[Math.floor(sorted.length / 2)];
}

async function admin(stack: Stack, path: string): Promise<{ status: number }> {
  const response = await fetch(`${stack.gatewayBase}${path}`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
  await response.arrayBuffer();
  return { status: response.status };
}

async function health(stack: Stack): Promise<any> {
  const response = await fetch(`${stack.gatewayBase}/health`, { signal: AbortSignal.timeout(30_000) });
  return response.json();
}

async function untilTrue(condition: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

const cleanups: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

describe('a gateway whose Redis hangs', () => {
  it(
    "costs each request of the soak's mix at most about one command timeout while Redis is stopped with SIGSTOP, and uses Redis again after SIGCONT",
    { timeout: 600_000 },
    async () => {
      const redis: RedisServer = await startRedisServer();
      cleanups.push(() => redis.stop());
      const stack = await startStack({
        perExchange: 200,
        proxies: false,
        gatewayEnv: {
          REDIS_URL: redis.url,
          REDIS_COMMAND_TIMEOUT_MS: undefined,
          GATEWAY_ADMIN_TOKEN: ADMIN_TOKEN,
          // Clients behind one trusted proxy, each request from a new address (X-Forwarded-For): each takes
          // its budget's first lease from Redis, as many clients' first requests do. The soak, all from one
          // address, met a lease renewal every ~20 s; here every request meets one.
          TRUST_PROXY_HOPS: '1',
        },
      });
      cleanups.push(() => stack.stop());
      await untilAllOnline(stack.gatewayUrl, 120_000);
      const truth = new CatalogTruth();
      for (const e of DEFAULT_EXCHANGES) truth.addExchange(e.id, join(stack.dataDir, `${e.id}.db`));
      const requests = (await prepareWorkload({ truth, gatewayUrl: stack.gatewayUrl, exchangeUrls: stack.exchangeUrls })).flatMap((pool) => pool);
      const variants = [...new Set(requests)];
      expect(new Set(variants.map((r) => r.kind)).size).toBe(4);

      // With Redis answering and every cache cold (each exchange's epoch bumped before each round): what
      // the mix costs with nothing cached, as every request costs while Redis is stopped.
      const cold: Answer[] = [];
      for (let round = 0; round < 2; round++) {
        // A 503 means a Redis call was slow enough to open the breaker a moment (a crowded machine): ask again.
        for (const e of DEFAULT_EXCHANGES)
          await untilTrue(async () => (await admin(stack, `/admin/exchanges/${e.id}/invalidate`)).status === 200, 30_000, `invalidate ${e.id}`);
        cold.push(...(await runRound(stack.gatewayUrl, variants)));
      }
      expectAllRight(cold);

      redis.pause();
      let stopped: Answer[];
      try {
        stopped = [...(await runRound(stack.gatewayUrl, variants)), ...(await runRound(stack.gatewayUrl, variants))];
        expect((await health(stack)).cache.status).toBe('degraded');
      } finally {
        redis.resume();
      }
      expectAllRight(stopped);
      // Against the same requests with Redis answering and nothing cached, both relative (the machine's
      // load moves both): each request at most the slowest cold one plus five command timeouts, and the
      // median request at most the cold median plus three. Before the rate limiter went through the breaker,
      // every request waited for ioredis's own 1 s timeout: the median rose by about 1 s.
      const times = (answers: Answer[]) => answers.map((a) => a.ms).sort((a, b) => a - b);
      const [coldTimes, stoppedTimes] = [times(cold), times(stopped)];
      const figures = `cold ${coldTimes.map(Math.round).join(' ')}; stopped ${stoppedTimes.map(Math.round).join(' ')} (ms)`;
      const perRequestBound = coldTimes.at(-1)! + 5 * DEFAULT_COMMAND_TIMEOUT_MS;
      for (const ms of stoppedTimes) expect(ms, figures).toBeLessThanOrEqual(perRequestBound);
      expect(median(stoppedTimes), figures).toBeLessThanOrEqual(median(coldTimes) + 3 * DEFAULT_COMMAND_TIMEOUT_MS);

      // Resumed: the breaker closes by its own probe, answers stay right, and the caches answer again.
      await untilTrue(async () => (await health(stack)).cache.status === 'redis', 30_000, 'cache.status redis after SIGCONT');
      expectAllRight(await runRound(stack.gatewayUrl, variants));
      await untilTrue(
        async () => {
          const answer = await ask(stack.gatewayUrl, variants[0]);
          expect(answer.wrong).toBeNull();
          return answer.cache === 'hit';
        },
        30_000,
        'a response-cache hit after SIGCONT',
      );
    },
  );
});

describe('a gateway on a Redis Cluster that loses a master', () => {
  it('answers every query rightly while a master is killed and its replica takes over', { timeout: 600_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'redis-failover-'));
    const nodes: Array<{ port: number; child: ChildProcess }> = [];
    cleanups.push(async () => {
      for (const node of nodes) node.child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    });
    for (let i = 0; i < 6; i++) {
      nodes.push(
        await launchRedisOnFreePort(
          // A short node timeout: the replica is promoted ~2 s after its master stops answering.
          (p) => ['--cluster-enabled', 'yes', '--cluster-config-file', join(dir, `nodes-${p}.conf`), '--dir', dir, '--cluster-node-timeout', '2000'],
          65535 - 10000,
        ),
      );
    }
    const cli = (port: number, ...args: string[]) => run('redis-cli', ['-p', String(port), ...args], { encoding: 'utf8' }).then((r) => r.stdout);
    await run('redis-cli', ['--cluster', 'create', ...nodes.map((n) => `127.0.0.1:${n.port}`), '--cluster-replicas', '1', '--cluster-yes']);
    const clusterOk = async (port: number) => (await cli(port, 'CLUSTER', 'INFO')).includes('cluster_state:ok');
    const waitOk = async (ports: number[]) => {
      const deadline = Date.now() + 60_000;
      for (const port of ports)
        while (!(await clusterOk(port))) {
          if (Date.now() > deadline) throw new Error(`cluster_state never became ok on ${port}`);
          await new Promise((r) => setTimeout(r, 200));
        }
    };
    await waitOk(nodes.map((n) => n.port));
    const masters = async (port: number) =>
      (await cli(port, 'CLUSTER', 'NODES'))
        .split('\n')
        .filter((line) => /\bmaster\b/.test(line) && !/\bfail\b/.test(line))
        .map((line) => Number(/:(\d+)@/.exec(line)![1]));
    // The replicas are assigned after cluster_state is ok: until every node has taken its role, a replica
    // still shows as a master with no slots. Wait for the three masters the cluster was made with.
    let mastersBefore = await masters(nodes[0].port);
    for (const deadline = Date.now() + 30_000; mastersBefore.length !== 3 && Date.now() < deadline;) {
      await new Promise((r) => setTimeout(r, 200));
      mastersBefore = await masters(nodes[0].port);
    }
    expect(mastersBefore.length).toBe(3);

    const stack = await startStack({
      perExchange: 200,
      proxies: false,
      gatewayEnv: { REDIS_CLUSTER_NODES: nodes.map((n) => `127.0.0.1:${n.port}`).join(','), REDIS_URL: undefined },
    });
    cleanups.push(() => stack.stop());
    await untilAllOnline(stack.gatewayUrl, 120_000);
    const expected = publicHealthCount(stack);

    // Load: four clients, each asking one after the other, both fresh queries (every cache misses and writes)
    // and a repeated one (the caches answer when they can), until told to stop.
    const answers: Array<{ status: number; body: any }> = [];
    let running = true;
    const client = async () => {
      while (running) answers.push(await timedQuery(stack.gatewayUrl));
    };
    const clients = Array.from({ length: 4 }, client);
    await new Promise((r) => setTimeout(r, 3_000));
    const victim = mastersBefore[0];
    nodes.find((n) => n.port === victim)!.child.kill('SIGKILL');
    const survivors = nodes.filter((n) => n.port !== victim).map((n) => n.port);
    // The load runs through the failover and a while after it.
    await new Promise((r) => setTimeout(r, 4_000));
    await waitOk(survivors);
    await new Promise((r) => setTimeout(r, 3_000));
    running = false;
    await Promise.all(clients);

    const mastersAfter = await masters(survivors[0]);
    expect(mastersAfter).not.toContain(victim);
    expect(mastersAfter.length, 'a replica took over the killed master').toBe(3);
    expect(answers.length).toBeGreaterThan(10);
    for (const answer of answers) expectRight(answer, expected);
  });
});
