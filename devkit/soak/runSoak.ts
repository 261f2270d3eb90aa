/**
 * The soak: the whole stack (devkit/stack.ts) on a Redis of its own, mixed load at a fixed rate
 * (workload.ts) while faults happen on schedule (faultSchedule.ts): an exchange is killed with SIGKILL
 * and started again, another hangs (its FlakyProxy stops answering), Redis is stopped with SIGSTOP and
 * resumed with SIGCONT, a fifth exchange registers through the admin API and is removed. Every answer is
 * checked against the catalog read directly. `npm run bench -- --only soak` and test/e2e/soak.e2e.ts run it.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_EXCHANGES } from '../../shared/domain.ts';
import { startService, type Service } from '../processes.ts';
import { startRedisServer, type RedisServer } from '../redisServer.ts';
import { exchangeService } from '../services.ts';
import { startStack, type Stack } from '../stack.ts';
import { CatalogTruth } from './catalogTruth.ts';
import { faultSchedule, phaseAt, type FaultAction, type FaultSchedule } from './faultSchedule.ts';
import { postGraphql, prepareWorkload, type Membership, type SoakRequest } from './workload.ts';

export interface SoakOptions {
  durationMs: number;
  /** Requests started per second, whatever the answers' times (open loop). */
  ratePerSecond: number;
  perExchange: number;
  log?: (message: string) => void;
}

export interface PhaseFigures {
  phase: string;
  requests: number;
  http5xx: number;
  /** Answers that fail their check (errors without data included). */
  wrong: number;
  /** Requests with no HTTP answer at all (connection refused, client timeout). */
  noAnswer: number;
  /** Answers that name a missing exchange. */
  partial: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

export interface SoakResult {
  phases: PhaseFigures[];
  total: PhaseFigures;
  rss: { baselineMb: number; endMb: number; growthPct: number; baselineAtS: number };
  /** Up to 20 wrong answers: when, which kind, why. */
  wrongSamples: string[];
  /** What happened when (fault actions and their own times). */
  events: string[];
}

const ADMIN_TOKEN = 'soak-admin-token';
const EXTRA = { id: 'sz', name: 'Shenzhen Data Exchange', nameZh: '深圳数据交易所', city: 'Shenzhen', province: 'Guangdong', divisionCode: '440300' };
const KILLED = 'bj';
const CHAIN_OF: Record<FaultAction, string> = {
  'kill exchange': 'kill',
  'restart exchange': 'kill',
  'hang exchange': 'hang',
  'unhang exchange': 'hang',
  'stop redis': 'redis',
  'resume redis': 'redis',
  'register exchange': 'registration',
  'remove exchange': 'registration',
};
const HUNG = 'sh';

interface Outcome {
  phase: string;
  ms: number;
  status: number;
  wrong: string | null;
  partial: boolean;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

function figures(phase: string, outcomes: Outcome[]): PhaseFigures {
  const times = outcomes.map((o) => o.ms).sort((a, b) => a - b);
  return {
    phase,
    requests: outcomes.length,
    http5xx: outcomes.filter((o) => o.status >= 500).length,
    wrong: outcomes.filter((o) => o.wrong !== null).length,
    noAnswer: outcomes.filter((o) => o.status === 0).length,
    partial: outcomes.filter((o) => o.partial).length,
    p50Ms: percentile(times, 50),
    p99Ms: percentile(times, 99),
    maxMs: times.at(-1) ?? 0,
  };
}

function rssMb(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) / 1024 : Number.NaN;
}

function missingOf(body: any): string[] {
  const data = body?.data ?? {};
  return Object.values(data).flatMap((v: any) => (Array.isArray(v?.missingExchanges) ? v.missingExchanges : []));
}

export async function runSoak(options: SoakOptions): Promise<SoakResult> {
  const log = options.log ?? (() => {});
  const schedule = faultSchedule(options.durationMs);
  let redis: RedisServer | undefined;
  let stack: Stack | undefined;
  let extra: Service | undefined;
  try {
    redis = await startRedisServer();
    stack = await startStack({
      perExchange: options.perExchange,
      exchangeTimeoutMs: 1000,
      healthIntervalMs: 1000,
      readyTimeoutMs: 600_000,
      gatewayEnv: { REDIS_URL: redis.url, GATEWAY_ADMIN_TOKEN: ADMIN_TOKEN },
    });
    for (const proxy of Object.values(stack.proxies)) proxy.recordBodies = false;
    const common = { DATA_DIR: stack.dataDir, SEED_PER_EXCHANGE: String(options.perExchange), LOG_LEVEL: 'warn', NODE_ENV: undefined };
    extra = await startService(
      exchangeService(EXTRA.id, {
        args: ['--name', EXTRA.name, '--name-zh', EXTRA.nameZh, '--city', EXTRA.city, '--province', EXTRA.province, '--division-code', EXTRA.divisionCode],
        env: common,
        quiet: true,
        timeoutMs: 600_000,
      }),
    );
    await untilAllOnline(stack.gatewayUrl);
    const truth = new CatalogTruth();
    for (const id of [...DEFAULT_EXCHANGES.map((e) => e.id), EXTRA.id]) truth.addExchange(id, join(stack.dataDir, `${id}.db`));
    const pools = await prepareWorkload({
      truth,
      gatewayUrl: stack.gatewayUrl,
      exchangeUrls: { ...stack.exchangeUrls, [EXTRA.id]: extra.url },
    });
    log(`soak: stack ready, ${pools.flat().length} query variants, ${options.ratePerSecond} req/s for ${options.durationMs / 1000} s`);
    return await drive({ options, schedule, stack, redis, extraUrl: extra.url, pools, common, log });
  } finally {
    await stack?.stop();
    await extra?.stop();
    await redis?.stop();
  }
}

interface DriveContext {
  options: SoakOptions;
  schedule: FaultSchedule;
  stack: Stack;
  redis: RedisServer;
  extraUrl: string;
  pools: SoakRequest[][];
  common: Record<string, string | undefined>;
  log: (message: string) => void;
}

async function drive(context: DriveContext): Promise<SoakResult> {
  const { options, schedule, stack, redis, pools, log } = context;
  const membership: { certain: string[]; maybe: string[] } = { certain: DEFAULT_EXCHANGES.map((e) => e.id), maybe: [] };
  const outcomes: Outcome[] = [];
  const wrongSamples: string[] = [];
  const events: string[] = [];
  const gatewayPid = stack.services.gateway.child.pid!;
  let baselineMb = Number.NaN;
  const started = performance.now();
  const elapsed = () => performance.now() - started;
  const note = (text: string) => {
    const line = `${(elapsed() / 1000).toFixed(1)} s: ${text}`;
    events.push(line);
    log(`soak: ${line}`);
  };

  const act = async (action: FaultAction): Promise<void> => {
    switch (action) {
      case 'kill exchange':
        stack.services[KILLED].child.kill('SIGKILL');
        return note(`${KILLED} killed (SIGKILL)`);
      case 'restart exchange': {
        const service = await startService(exchangeService(KILLED, { env: context.common, quiet: true, timeoutMs: 600_000 }));
        stack.services[KILLED] = service;
        stack.proxies[KILLED].upstreamUrl = service.url;
        return note(`${KILLED} restarted, serving`);
      }
      case 'hang exchange':
        stack.proxies[HUNG].mode = 'hang';
        return note(`${HUNG} hangs`);
      case 'unhang exchange':
        stack.proxies[HUNG].mode = 'forward';
        return note(`${HUNG} answers again`);
      case 'stop redis':
        redis.pause();
        return note('Redis stopped (SIGSTOP)');
      case 'resume redis':
        redis.resume();
        return note('Redis resumed (SIGCONT)');
      case 'register exchange': {
        // Either membership may be answered while the registration spreads.
        membership.maybe = [EXTRA.id];
        let response = await adminCall(stack, 'POST', '/admin/exchanges', { ...EXTRA, url: context.extraUrl });
        // On a loaded machine the schema check can run out of its 15 s: an operator would register again.
        for (let attempt = 2; attempt <= 3 && response.status === 422 && /took longer than/.test(response.text); attempt++) {
          note(`${EXTRA.id} refused for time (${response.text.slice(0, 120)}); registering again`);
          response = await adminCall(stack, 'POST', '/admin/exchanges', { ...EXTRA, url: context.extraUrl });
        }
        if (response.status !== 201 && response.status !== 200) throw new Error(`soak: registering ${EXTRA.id} answered ${response.status}: ${response.text}`);
        note(`${EXTRA.id} registered (HTTP ${response.status})`);
        // Served "in the very next query" (docs/registration.md): a second later every answer must count it.
        setTimeout(() => {
          membership.certain = [...membership.certain, EXTRA.id];
          membership.maybe = [];
        }, 1_000);
        return;
      }
      case 'remove exchange': {
        membership.certain = membership.certain.filter((id) => id !== EXTRA.id);
        membership.maybe = [EXTRA.id];
        const response = await adminCall(stack, 'DELETE', `/admin/exchanges/${EXTRA.id}`);
        if (response.status !== 200 && response.status !== 204) throw new Error(`soak: removing ${EXTRA.id} answered ${response.status}: ${response.text}`);
        note(`${EXTRA.id} removed (HTTP ${response.status})`);
        // Requests sent before the removal may still count it; a second later none may.
        setTimeout(() => (membership.maybe = []), 2_000);
        return;
      }
    }
  };

  const send = async (request: SoakRequest, phase: string): Promise<void> => {
    const snapshot: Membership = { certain: [...membership.certain], maybe: [...membership.maybe] };
    const sent = performance.now();
    let status = 0;
    let wrong: string | null;
    let partial = false;
    try {
      const answer = await postGraphql(stack.gatewayUrl, request.query, request.variables);
      status = answer.status;
      partial = missingOf(answer.body).length > 0;
      // The membership of either end of the request: a registration or a removal may land while it runs.
      // Certain is what was certain at both ends; an exchange that stopped being certain meanwhile (a removal
      // begun after the request was sent) may or may not be in the answer.
      const certainNow = new Set(membership.certain);
      const certain = snapshot.certain.filter((id) => certainNow.has(id));
      const maybe = [...new Set([...snapshot.maybe, ...membership.maybe, ...snapshot.certain.filter((id) => !certainNow.has(id))])].filter(
        (id) => !certain.includes(id),
      );
      const after: Membership = { certain, maybe };
      wrong = status >= 200 && status < 300 ? request.check(answer.body, after) : `HTTP ${status}: ${JSON.stringify(answer.body).slice(0, 200)}`;
      // What the answer says it drew from, for the diagnosis of a wrong one.
      if (wrong !== null && status >= 200 && status < 300)
        wrong += ` (x-response-cache ${answer.responseCache}, extensions.catalog ${JSON.stringify(answer.body?.extensions?.catalog ?? null)})`;
    } catch (err) {
      wrong = `no answer: ${err instanceof Error ? err.message : String(err)}`;
    }
    const ms = performance.now() - sent;
    outcomes.push({ phase, ms, status, wrong, partial });
    if (wrong !== null && wrongSamples.length < 20)
      wrongSamples.push(`${(elapsed() / 1000).toFixed(1)} s, ${request.kind} ${JSON.stringify(request.variables)}: ${wrong}`);
  };

  const pending = new Set<Promise<void>>();
  const track = (promise: Promise<void>) => {
    pending.add(promise);
    void promise.finally(() => pending.delete(promise));
  };
  const faults = [...schedule.events];
  const interval = 1000 / options.ratePerSecond;
  let faultError: unknown;
  const chains = new Map<string, Promise<void>>();
  for (let i = 0; ; i++) {
    const due = i * interval;
    if (due >= options.durationMs) break;
    const wait = due - elapsed();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    while (faults.length > 0 && faults[0].atMs <= elapsed()) {
      const event = faults.shift()!;
      // Each fault's end waits for its start (a restart for its kill, a removal for its registration,
      // whose checks take a while); faults of different kinds overlap as scheduled.
      const chain = CHAIN_OF[event.action];
      const next = (chains.get(chain) ?? Promise.resolve()).then(() =>
        act(event.action).catch((err: unknown) => {
          faultError ??= err;
        }),
      );
      chains.set(chain, next);
      track(next);
    }
    if (Number.isNaN(baselineMb) && elapsed() >= schedule.rssBaselineMs) baselineMb = rssMb(gatewayPid);
    const pool = pools[Math.floor(Math.random() * pools.length)];
    track(send(pool[Math.floor(Math.random() * pool.length)], phaseAt(schedule, elapsed())));
  }
  await Promise.all(pending);
  if (faultError) throw faultError;
  const endMb = rssMb(gatewayPid);

  const phases = schedule.phases.map((p) =>
    figures(
      p.name,
      outcomes.filter((o) => o.phase === p.name),
    ),
  );
  return {
    phases,
    total: figures('whole run', outcomes),
    rss: { baselineMb, endMb, growthPct: ((endMb - baselineMb) / baselineMb) * 100, baselineAtS: schedule.rssBaselineMs / 1000 },
    wrongSamples,
    events,
  };
}

async function adminCall(stack: Stack, method: string, path: string, body?: unknown): Promise<{ status: number; text: string }> {
  const response = await fetch(`${stack.gatewayBase}${path}`, {
    method,
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
    // Registration checks the exchange's schema and behaviour: slow on a loaded machine.
    signal: AbortSignal.timeout(90_000),
  });
  return { status: response.status, text: (await response.text()).slice(0, 500) };
}

/** The load starts from a healthy catalog: every exchange ONLINE as the gateway sees it (a loaded machine can make a first probe slow). */
export async function untilAllOnline(gatewayUrl: string, timeoutMs = 60_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const { body } = await postGraphql(gatewayUrl, '{ exchanges { id status } }');
    const exchanges: Array<{ id: string; status: string }> = body?.data?.exchanges ?? [];
    const last = JSON.stringify(exchanges);
    if (exchanges.length === DEFAULT_EXCHANGES.length && exchanges.every((e) => e.status === 'ONLINE')) return;
    if (performance.now() > deadline) throw new Error(`soak: the exchanges never were all ONLINE: ${last}`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}
