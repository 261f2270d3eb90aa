import { Worker } from 'node:worker_threads';

/** How long one SDL check may take before the worker is ended and the check refused. */
export const DEFAULT_SDL_CHECK_TIMEOUT_MS = 15_000;
/** A worker with no job for this long is ended (it holds the composition library, tens of MB). */
const IDLE_MS = 60_000;

interface Job {
  sdl: string;
  resolve: (problems: string[]) => void;
  timer?: NodeJS.Timeout;
}

/**
 * Runs the contract check and the composition (sdlCheck.ts) in a worker thread, so that a large SDL,
 * which takes most of a second to check, never stalls the gateway's event loop: queries, /health and
 * pub/sub messages keep being served meanwhile. One worker, started on first use and ended after a
 * minute without work; jobs run in it one at a time, in order. A job that takes longer than `timeoutMs`
 * ends the worker (the next job starts a new one) and is refused; a worker that fails refuses its jobs.
 * `check` never rejects: every outcome is a list of problems, empty when the SDL passed.
 */
export class SdlChecker {
  private worker: Worker | null = null;
  private readonly jobs = new Map<number, Job>();
  private readonly waiting: number[] = [];
  private running: number | null = null;
  private nextId = 1;
  private idleTimer: NodeJS.Timeout | null = null;

  constructor(private readonly options: { timeoutMs?: number } = {}) {}

  check(sdl: string): Promise<string[]> {
    return new Promise((resolve) => {
      const id = this.nextId++;
      this.jobs.set(id, { sdl, resolve });
      this.waiting.push(id);
      this.pump();
    });
  }

  private pump(): void {
    if (this.running !== null || this.waiting.length === 0) return;
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = null;
    const id = this.waiting.shift()!;
    const job = this.jobs.get(id)!;
    const worker = this.worker ?? this.startWorker();
    this.running = id;
    const timeoutMs = this.options.timeoutMs ?? DEFAULT_SDL_CHECK_TIMEOUT_MS;
    job.timer = setTimeout(() => {
      this.finish(id, [`schema: checking it took longer than ${timeoutMs} ms; make it smaller`]);
      this.endWorker();
      this.pump();
    }, timeoutMs);
    worker.postMessage({ id, sdl: job.sdl });
  }

  private finish(id: number, problems: string[]): void {
    const job = this.jobs.get(id);
    if (!job) return;
    clearTimeout(job.timer);
    this.jobs.delete(id);
    if (this.running === id) this.running = null;
    job.resolve(problems);
  }

  private startWorker(): Worker {
    const worker = new Worker(new URL('./sdlCheckWorker.mjs', import.meta.url), {
      workerData: { entry: new URL('./sdlCheckWorker.ts', import.meta.url).href },
      // Not the main thread's flags (`--import tsx`, tsx's preflight, ...): the entry registers tsx itself.
      execArgv: [],
    });
    worker.unref();
    worker.on('message', (message: { id: number; problems: string[] }) => {
      this.finish(message.id, message.problems);
      if (this.waiting.length > 0) this.pump();
      else this.idleTimer = setTimeout(() => this.endWorker(), IDLE_MS).unref();
    });
    const failed = (why: string) => {
      if (this.worker !== worker) return;
      this.worker = null;
      if (this.running !== null) this.finish(this.running, [`schema: could not be checked (${why})`]);
      this.pump();
    };
    worker.on('error', (err) => failed(err.message));
    worker.on('exit', (code) => failed(`the check worker exited with code ${code}`));
    this.worker = worker;
    return worker;
  }

  private endWorker(): void {
    const worker = this.worker;
    this.worker = null;
    if (worker) void worker.terminate();
  }

  /** Ends the worker; jobs still waiting are refused. */
  async close(): Promise<void> {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    for (const id of [...this.jobs.keys()]) this.finish(id, ['schema: not checked, the gateway is stopping']);
    this.waiting.length = 0;
    const worker = this.worker;
    this.worker = null;
    if (worker) await worker.terminate();
  }
}
