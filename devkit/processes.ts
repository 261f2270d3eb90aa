/**
 * Child processes for the stack: start a service (one of our `main.ts` files under node + tsx), prefix its
 * output with its name, wait for the JSON line it logs when it listens, and stop it (SIGTERM, then SIGKILL).
 * Used by `npm start`, and by end-to-end tests and benchmarks, which pass `quiet: true`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { isAbsolute, resolve } from 'node:path';

/** The repository root: every service file is resolved against it, and children run in it. */
export const REPO_ROOT = fileURLToPath(new URL('../', import.meta.url));

export const DEFAULT_READY_TIMEOUT_MS = 120_000;
export const DEFAULT_STOP_GRACE_MS = 5_000;
export const DEFAULT_TAIL_LINES = 50;

export interface ServiceOptions {
  /** Short name used as the output prefix (`[bj] ...`) and in error messages. */
  name: string;
  /** Entry file, relative to the repository root or absolute, e.g. `subgraphs/exchange/main.ts`. */
  file: string;
  args?: string[];
  /** Added to (and overriding) this process's environment; a value of `undefined` removes the variable. */
  env?: Record<string, string | undefined>;
  /** The `msg` of the JSON line the service logs when it is listening, e.g. `"exchange ready"`. */
  readyMsg: string;
  /** How long to wait for the ready line before the child is stopped. Default 120 000 ms. */
  timeoutMs?: number;
  /** Do not echo the child's output (tests); the last lines are still kept for error messages. Default false. */
  quiet?: boolean;
  /** How many of the last output lines to keep for `tail()` and error messages. Default 50. */
  tailLines?: number;
  /**
   * Also ready when GET on this URL answers 2xx (polled every 250 ms), for a service whose ready line may
   * be filtered out (LOG_LEVEL=warn). The service's `url` is then `urlWhenHealthy`.
   */
  healthUrl?: string;
  urlWhenHealthy?: string;
  /** Called with every output line, echoed or not (a test can watch the logs). */
  onLine?: (line: string, stream: 'stdout' | 'stderr') => void;
  /**
   * Run the child in a process group of its own, so that a terminal's Ctrl-C (SIGINT to the foreground
   * group) reaches only this process, which then stops the child once, with SIGTERM. The child is tied to
   * this process by an IPC channel instead: a service run by shared/runService.ts stops when the channel
   * closes, so it does not outlive a launcher killed with SIGKILL. Default false (`npm start` sets it).
   */
  ownProcessGroup?: boolean;
}

export interface ExitStatus {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** Where a service is in its life; `exited` covers both a crash and a stop we asked for. */
export type ServicePhase = { phase: 'starting' } | { phase: 'ready'; url: string } | { phase: 'stopping' } | { phase: 'exited'; status: ExitStatus };

export interface Service {
  readonly name: string;
  readonly child: ChildProcess;
  /** The `url` of the ready line; empty until the service is ready. */
  readonly url: string;
  /** The parsed ready line, once seen. */
  readonly readyRecord: Record<string, unknown> | undefined;
  readonly state: ServicePhase;
  /** Resolves with this service once its ready line is seen; rejects with a ServiceError if it exits or times out first. */
  readonly ready: Promise<Service>;
  /** Resolves when the process has exited and its output is drained. Never rejects. */
  readonly exited: Promise<ExitStatus>;
  /** True once `stop()` was called: an exit after that is not a failure. */
  readonly stopRequested: boolean;
  /** The last output lines, stdout and stderr interleaved, stderr ones marked `!`. */
  tail(): string[];
  /** SIGTERM, then SIGKILL after `graceMs` (default 5 000 ms); resolves when the process is gone. */
  stop(graceMs?: number): Promise<ExitStatus>;
}

export class ServiceError extends Error {
  constructor(
    message: string,
    readonly service: string,
    readonly reason: 'exited' | 'timeout' | 'spawn',
    readonly outputTail: string[],
    readonly status?: ExitStatus,
  ) {
    super(message);
    this.name = 'ServiceError';
  }
}

/**
 * Children still running when this process exits are killed, so a crashed `npm start` or a test worker
 * that dies never leaves orphans holding the ports. (Only a synchronous kill is possible in 'exit'.)
 */
const liveChildren = new Set<ChildProcess>();
let exitHookInstalled = false;
function track(child: ChildProcess): void {
  liveChildren.add(child);
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once('exit', () => {
      for (const c of liveChildren) c.kill('SIGKILL');
    });
  }
}

export function describeExit(status: ExitStatus): string {
  return status.signal ? `was killed by ${status.signal}` : `exited with code ${status.code}`;
}

/**
 * Spawns a service and returns its handle at once, before it is ready; most callers want `startService`.
 * `npm start` uses this so that a Ctrl-C during startup can stop the services that are not ready yet.
 */
export function spawnService(options: ServiceOptions): Service {
  const { name, readyMsg } = options;
  const timeoutMs = options.timeoutMs ?? DEFAULT_READY_TIMEOUT_MS;
  const tailLimit = options.tailLines ?? DEFAULT_TAIL_LINES;
  const file = isAbsolute(options.file) ? options.file : resolve(REPO_ROOT, options.file);
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const [key, value] of Object.entries(options.env ?? {})) {
    if (value === undefined) delete env[key];
    else env[key] = value;
  }

  // `--import tsx` is resolved from the cwd, so children run in the repository root, with this same node.
  const child = spawn(process.execPath, ['--import', 'tsx', file, ...(options.args ?? [])], {
    cwd: REPO_ROOT,
    env,
    stdio: options.ownProcessGroup ? ['ignore', 'pipe', 'pipe', 'ipc'] : ['ignore', 'pipe', 'pipe'],
    detached: options.ownProcessGroup ?? false,
  });
  track(child);

  const lines: string[] = [];
  let state: ServicePhase = { phase: 'starting' };
  let readyRecord: Record<string, unknown> | undefined;
  let stopRequested = false;
  let settleReady: { resolve(s: Service): void; reject(e: Error): void } | undefined;
  // Set once below, after the handlers that clear it are in place.
  // eslint-disable-next-line prefer-const
  let timer: NodeJS.Timeout | undefined;

  const keep = (line: string) => {
    lines.push(line);
    if (lines.length > tailLimit) lines.shift();
  };
  const quietTail = () => (options.quiet && lines.length ? `\n--- last output of ${name} ---\n${lines.join('\n')}` : '');

  const exited = new Promise<ExitStatus>((resolveExit) => {
    let spawnError: Error | undefined;
    child.once('error', (err) => {
      // Only a failed spawn reaches here in practice; 'close' follows (or not, if it never started).
      spawnError = err;
      if (child.pid === undefined) finish({ code: null, signal: null });
    });
    // 'close' rather than 'exit': it comes after the stdio streams end, so the tail holds the last words.
    child.once('close', (code, signal) => finish({ code, signal }));
    function finish(status: ExitStatus): void {
      if (state.phase === 'exited') return;
      liveChildren.delete(child);
      clearTimeout(timer);
      state = { phase: 'exited', status };
      if (settleReady) {
        const why = spawnError ? `could not be started: ${spawnError.message}` : `${stopRequested ? 'was stopped' : describeExit(status)} before it was ready`;
        settleReady.reject(new ServiceError(`${name} ${why}${quietTail()}`, name, spawnError ? 'spawn' : 'exited', [...lines], status));
        settleReady = undefined;
      }
      resolveExit(status);
    }
  });

  const ready = new Promise<Service>((resolveReady, rejectReady) => {
    settleReady = { resolve: resolveReady, reject: rejectReady };
  });
  // The caller may only ever await `exited` (or nothing); a rejected `ready` must not crash the process.
  ready.catch(() => {});

  timer = setTimeout(() => {
    if (!settleReady) return;
    settleReady.reject(
      new ServiceError(
        `${name} did not log {"msg":"${readyMsg}"}${options.healthUrl ? ` nor answer ${options.healthUrl}` : ''} within ${timeoutMs} ms${quietTail()}`,
        name,
        'timeout',
        [...lines],
      ),
    );
    settleReady = undefined;
    void service.stop();
  }, timeoutMs);
  timer.unref();

  const markReady = (record: Record<string, unknown>) => {
    if (!settleReady) return;
    readyRecord = record;
    state = { phase: 'ready', url: typeof record.url === 'string' ? record.url : '' };
    clearTimeout(timer);
    settleReady.resolve(service);
    settleReady = undefined;
  };

  const watch = (stream: NodeJS.ReadableStream, kind: 'stdout' | 'stderr') => {
    const out = kind === 'stdout' ? process.stdout : process.stderr;
    createInterface({ input: stream, crlfDelay: Infinity }).on('line', (line) => {
      keep(kind === 'stderr' ? `! ${line}` : line);
      if (!options.quiet) out.write(`[${name}] ${line}\n`);
      options.onLine?.(line, kind);
      if (kind === 'stdout' && settleReady && line.includes(readyMsg)) {
        const record = parseJsonLine(line);
        if (record?.msg === readyMsg) markReady(record);
      }
    });
  };
  watch(child.stdout!, 'stdout');
  watch(child.stderr!, 'stderr');

  if (options.healthUrl)
    void pollHealth(options.healthUrl, () => settleReady !== undefined).then((healthy) => {
      if (healthy) markReady({ msg: readyMsg, url: options.urlWhenHealthy ?? '', via: options.healthUrl });
    });

  const service: Service = {
    name,
    child,
    get url() {
      return readyRecord && typeof readyRecord.url === 'string' ? readyRecord.url : '';
    },
    get readyRecord() {
      return readyRecord;
    },
    get state() {
      return state;
    },
    get stopRequested() {
      return stopRequested;
    },
    ready,
    exited,
    tail: () => [...lines],
    async stop(graceMs = DEFAULT_STOP_GRACE_MS) {
      stopRequested = true;
      if (state.phase === 'exited') return state.status;
      state = { phase: 'stopping' };
      child.kill('SIGTERM');
      const kill = setTimeout(() => child.kill('SIGKILL'), graceMs);
      try {
        return await exited;
      } finally {
        clearTimeout(kill);
      }
    },
  };
  return service;
}

/** Spawns a service and resolves once it logged its ready line; on failure the child is already gone. */
export async function startService(options: ServiceOptions): Promise<Service> {
  return spawnService(options).ready;
}

/** Stops every service at once (each SIGTERM, then SIGKILL after `graceMs`). Safe to call twice. */
export async function stopAll(services: Iterable<Service | undefined>, graceMs = DEFAULT_STOP_GRACE_MS): Promise<void> {
  await Promise.all([...services].filter((s): s is Service => s !== undefined).map((s) => s.stop(graceMs)));
}

/** A TCP port that was free a moment ago on 127.0.0.1 (for tests that start services on their own ports). */
export async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

/** Polls until the URL answers 2xx (true) or `stillWaiting()` turns false (false). */
async function pollHealth(url: string, stillWaiting: () => boolean, intervalMs = 250): Promise<boolean> {
  while (stillWaiting()) {
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(2_000) });
      await response.body?.cancel();
      if (response.ok) return stillWaiting();
    } catch {
      // not listening yet
    }
    await new Promise((resolveDelay) => setTimeout(resolveDelay, intervalMs));
  }
  return false;
}

function parseJsonLine(line: string): Record<string, unknown> | undefined {
  const start = line.indexOf('{');
  if (start < 0) return undefined;
  try {
    const value: unknown = JSON.parse(line.slice(start));
    return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
