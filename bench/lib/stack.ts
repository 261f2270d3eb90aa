/**
 * Processes and temporary files of a benchmark run. Every part of the system runs as its own process,
 * described in devkit/services.ts and started through devkit/processes.ts (as `npm start` and the tests
 * do); everything started or created here is registered on a BenchResources and removed by its
 * cleanup(), which run.ts calls in a finally block and on signals.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { startService, stopAll, REPO_ROOT, type Service } from '../../devkit/processes.ts';
import { exchangeService, gatewayService, providersService, writeExchangesFile } from '../../devkit/services.ts';

export { exchangeInfo } from '../../devkit/services.ts';

export class BenchResources {
  private readonly services: Service[] = [];
  private readonly tempDirs: string[] = [];
  private readonly children = new Set<ChildProcess>();
  private cleaning: Promise<void> | null = null;

  /** A fresh directory under the system temp dir, removed at cleanup. */
  tempDir(prefix: string): string {
    const dir = mkdtempSync(join(tmpdir(), `bench-${prefix}-`));
    this.tempDirs.push(dir);
    return dir;
  }

  async start(options: Parameters<typeof startService>[0]): Promise<Service> {
    const service = await startService({ quiet: true, ...options });
    this.services.push(service);
    return service;
  }

  /** Stops some services now (the others stay until cleanup). */
  async stop(...services: Service[]): Promise<void> {
    await stopAll(services);
  }

  trackChild(child: ChildProcess): void {
    this.children.add(child);
    child.once('exit', () => this.children.delete(child));
  }

  cleanup(): Promise<void> {
    this.cleaning ??= (async () => {
      for (const child of this.children) killGroup(child, 'SIGKILL');
      await stopAll(this.services);
      for (const dir of this.tempDirs) rmSync(dir, { recursive: true, force: true });
    })();
    return this.cleaning;
  }
}

/** Kills a child we spawned detached, with its whole process group (npm -> sh -> node -> workers). */
function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    child.kill(signal);
  }
}

export interface SeedResult {
  wallMs: number;
  /** The seed script's own output (per-exchange times and the total). */
  lines: string[];
}

/**
 * `npm run seed -- --per-exchange N --data-dir DIR [--exchange ...]`, timed from spawn to exit (wall
 * time as a user sees it, npm included). Killed with its process group after `timeoutMs`.
 */
export async function seedCatalog(
  resources: BenchResources,
  options: { perExchange: number; dataDir: string; exchanges?: string[]; timeoutMs: number },
): Promise<SeedResult> {
  const args = ['run', '--silent', 'seed', '--', '--per-exchange', String(options.perExchange), '--data-dir', options.dataDir];
  if (options.exchanges) args.push('--exchange', options.exchanges.join(','));
  const started = performance.now();
  const child = spawn('npm', args, { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  resources.trackChild(child);
  const lines: string[] = [];
  for (const stream of [child.stdout!, child.stderr!]) {
    createInterface({ input: stream, crlfDelay: Infinity }).on('line', (line) => lines.push(line));
  }
  const timer = setTimeout(() => killGroup(child, 'SIGKILL'), options.timeoutMs);
  const code = await new Promise<number | null>((resolve) => child.once('close', (c) => resolve(c)));
  clearTimeout(timer);
  const wallMs = performance.now() - started;
  if (code !== 0) throw new Error(`npm run seed ${args.slice(4).join(' ')} failed (exit ${code}, ${Math.round(wallMs)} ms):\n${lines.slice(-30).join('\n')}`);
  return { wallMs, lines };
}

/** One exchange subgraph over an existing database file, on a free port. */
export function startExchange(resources: BenchResources, id: string, dbPath: string, env: Record<string, string> = {}): Promise<Service> {
  return resources.start(
    exchangeService(id, {
      dbPath,
      env: { LOG_LEVEL: 'warn', EXCHANGE_ADMIN_TOKEN: undefined, ...env },
      timeoutMs: 300_000,
    }),
  );
}

export function startProviders(resources: BenchResources): Promise<Service> {
  return resources.start(providersService({ args: ['--port', '0', '--host', '127.0.0.1'], env: { LOG_LEVEL: 'warn' } }));
}

/**
 * The entry file to run, or bench/diagnose/profiledEntry.ts around it when `profileOut` is set (CPU profile
 * toggled by SIGUSR2, written to that path).
 */
function entry(file: string, profileOut: string | undefined): { file: string; env: Record<string, string> } {
  return profileOut ? { file: 'bench/diagnose/profiledEntry.ts', env: { PROFILE_ENTRY: file, PROFILE_OUT: profileOut } } : { file, env: {} };
}

/**
 * Rate limiting on, as shipped, with budgets no load here reaches (bench/suites/rateLimitCost.ts measures
 * what it costs against RATE_LIMIT_DISABLED): every gateway a suite loads, a baseline's too.
 */
export const UNREACHED_RATE_LIMIT = { RATE_LIMIT_ANON_COST_PER_MIN: '1000000000000' };

/** What every gateway the bench starts runs with: a free port on loopback, no Redis, rate limits out of reach. */
export function benchGatewayEnv(providersUrl: string, exchangesFile: string): Record<string, string | undefined> {
  return {
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
    PROVIDERS_URL: providersUrl,
    EXCHANGES_FILE: exchangesFile,
    REDIS_URL: undefined,
    REDIS_CLUSTER_NODES: undefined,
    NODE_ENV: undefined,
    ...UNREACHED_RATE_LIMIT,
  };
}

/** Our gateway over the given exchanges (an EXCHANGES_FILE written into `dir`). */
export function startOurGateway(
  resources: BenchResources,
  options: {
    name: string;
    dir: string;
    providersUrl: string;
    exchanges: Array<{ id: string; url: string }>;
    env?: Record<string, string>;
    profileOut?: string;
  },
): Promise<Service> {
  const file = join(options.dir, `${options.name}.exchanges.json`);
  writeExchangesFile(file, options.exchanges);
  const gateway = gatewayService();
  const run = entry(gateway.file, options.profileOut);
  return resources.start({
    ...gateway,
    name: options.name,
    file: run.file,
    env: {
      ...benchGatewayEnv(options.providersUrl, file),
      ...run.env,
      ...options.env,
    },
  });
}

/** Plain @apollo/gateway (bench/plainGateway.ts): the exchange contract as an ordinary subgraph at one URL. */
export function startPlainGateway(
  resources: BenchResources,
  options: { name: string; exchangeUrl: string; providersUrl: string; profileOut?: string },
): Promise<Service> {
  const run = entry('bench/plainGateway.ts', options.profileOut);
  return resources.start({
    name: options.name,
    file: run.file,
    readyMsg: 'plain gateway ready',
    env: { PORT: '0', EXCHANGE_URL: options.exchangeUrl, PROVIDERS_URL: options.providersUrl, NODE_ENV: undefined, ...run.env },
  });
}

/** FlakyProxy instances with a fixed delay in their own process (bench/delayProxies.ts), one per upstream; their URLs are in `readyRecord.urls`. */
export function startDelayProxies(resources: BenchResources, options: { name: string; upstreams: Record<string, string>; delayMs: number }): Promise<Service> {
  return resources.start({
    name: options.name,
    file: 'bench/delayProxies.ts',
    readyMsg: 'proxies ready',
    env: { UPSTREAMS: JSON.stringify(options.upstreams), DELAY_MS: String(options.delayMs) },
  });
}
