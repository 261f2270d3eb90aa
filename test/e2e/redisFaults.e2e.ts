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
import { launchRedisOnFreePort, startRedisServer, type RedisServer } from '../helpers/redisServer.ts';

// Redis failing under a running gateway, over real processes: a redis-server of the test's own stopped
// with SIGSTOP (a hung host: the socket stays open, nothing answers), and a Redis Cluster of three masters
// and three replicas whose master is killed while queries run. Expected counts are read from each
// exchange's SQLite file directly, never through the gateway.

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

const cleanups: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

describe('a gateway whose Redis hangs', () => {
  it('costs each request at most the default command timeout (plus slack) while Redis is stopped with SIGSTOP', { timeout: 600_000 }, async () => {
    const redis: RedisServer = await startRedisServer();
    cleanups.push(() => redis.stop());
    const stack = await startStack({
      perExchange: 200,
      proxies: false,
      gatewayEnv: { REDIS_URL: redis.url, REDIS_COMMAND_TIMEOUT_MS: undefined },
    });
    cleanups.push(() => stack.stop());
    // On a loaded machine a configured exchange's first checks can be slow: start from all four serving.
    await untilAllOnline(stack.gatewayUrl, 120_000);
    const expected = publicHealthCount(stack);
    expect(expected).toBeGreaterThan(20);

    // With Redis answering: every layer misses (a new `since` each time), as it will while Redis hangs.
    for (let i = 0; i < 5; i++) expectRight(await timedQuery(stack.gatewayUrl), expected);
    const baseline: number[] = [];
    for (let i = 0; i < 10; i++) {
      const answer = await timedQuery(stack.gatewayUrl);
      expectRight(answer, expected);
      baseline.push(answer.ms);
    }
    const slowestBaseline = Math.max(...baseline);

    redis.pause();
    try {
      // The first requests after the stop meet a closed circuit breaker: their Redis calls wait for the
      // timeout. Each may cost one timeout, not one per Redis call it makes.
      const stopped: number[] = [];
      for (let i = 0; i < 10; i++) {
        const answer = await timedQuery(stack.gatewayUrl);
        expectRight(answer, expected);
        stopped.push(answer.ms);
      }
      const bound = slowestBaseline + DEFAULT_COMMAND_TIMEOUT_MS + 150;
      expect(stopped.length).toBe(10);
      for (const ms of stopped)
        expect(ms, `while stopped: ${stopped.map(Math.round)} ms; with Redis: ${baseline.map(Math.round)} ms`).toBeLessThanOrEqual(bound);
    } finally {
      redis.resume();
    }
    // Back to normal once Redis answers.
    expectRight(await timedQuery(stack.gatewayUrl), expected);
  });
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
