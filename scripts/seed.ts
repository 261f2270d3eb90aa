/**
 * `npm run seed [-- --per-exchange N] [--exchange bj,sh] [--data-dir DIR] [--workers N]`
 *
 * Writes a fresh `<data dir>/<id>.db` for each exchange from the deterministic generator. Each exchange
 * seeds in its own child process (SQLite and the generator are single-threaded), up to one per core, so
 * four exchanges of 250 000 datasets take about two single seeds' time on two cores.
 */
import { rmSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { DEFAULT_EXCHANGES } from '../shared/domain.ts';
import { ConfigError } from '../shared/config/configReader.ts';
import { planFromArgs, type SeedJob, type SeedPlan } from './seedConfig.ts';
import { spawnService, stopAll, describeExit, ServiceError, type Service, type ExitStatus } from '../devkit/processes.ts';

const USAGE = `usage: npm run seed -- [--per-exchange N] [--exchange bj,sh] [--data-dir DIR] [--workers N]
  --per-exchange  datasets per exchange, 1 to 250000 (default: SEED_PER_EXCHANGE or 2000)
  --exchange      comma-separated exchange codes (default: ${DEFAULT_EXCHANGES.map((e) => e.id).join(',')})
  --data-dir      where <id>.db files go (default: DATA_DIR or ./data)
  --workers       exchanges seeded at once (default: the number of cores)`;

/** Generous: a worker that hangs this long is broken, not slow (250 000 datasets take well under a minute). */
const WORKER_TIMEOUT_MS = 30 * 60_000;

/**
 * seedExchangeDatabase writes into `<db>.seeding` and renames it into place when done; a worker we stopped
 * (or that crashed) leaves that file behind, several hundred MB at full size, so it goes now.
 */
function removeUnfinished(jobs: SeedJob[]): void {
  for (const job of jobs) {
    for (const suffix of ['', '-wal', '-shm']) rmSync(`${job.dbPath}.seeding${suffix}`, { force: true });
  }
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

async function runPlan(plan: SeedPlan): Promise<void> {
  const started = performance.now();
  const queue = [...plan.jobs];
  const running = new Set<Service>();
  let failed = false;
  let total = 0;

  const seedOne = async (job: SeedJob): Promise<void> => {
    const worker = spawnService({
      name: job.id,
      file: 'scripts/seedWorker.ts',
      args: ['--id', job.id, '--division-code', job.divisionCode, '--count', String(job.count), '--db', job.dbPath],
      readyMsg: 'seeded',
      timeoutMs: WORKER_TIMEOUT_MS,
      quiet: true,
    });
    running.add(worker);
    try {
      const failedWith = (status: ExitStatus | undefined) =>
        new Error(`${job.id}: seed worker ${status ? describeExit(status) : 'failed'}\n${worker.tail().join('\n')}`);
      try {
        await worker.ready;
      } catch (err) {
        throw err instanceof ServiceError && err.reason === 'exited' ? failedWith(err.status) : err;
      }
      const status = await worker.exited;
      if (status.code !== 0) throw failedWith(status);
      const record = worker.readyRecord ?? {};
      const count = Number(record.count);
      total += count;
      console.log(`${job.id}: ${count} datasets in ${seconds(Number(record.ms))}`);
    } finally {
      running.delete(worker);
    }
  };

  // A pool of `workers` loops, each taking the next exchange; the first failure stops the rest at once.
  const loop = async (): Promise<void> => {
    for (let job = queue.shift(); job && !failed; job = queue.shift()) {
      try {
        await seedOne(job);
      } catch (err) {
        if (failed) return; // already reporting the first failure; this one is a worker we stopped
        failed = true;
        queue.length = 0;
        await stopAll([...running]);
        removeUnfinished(plan.jobs);
        throw err;
      }
    }
  };
  await Promise.all(Array.from({ length: plan.workers }, loop));

  const workersNote = plan.workers === 1 ? '1 worker' : `${plan.workers} workers`;
  console.log(`total: ${total} datasets in ${plan.jobs.length} exchanges in ${seconds(performance.now() - started)} (${workersNote})`);
}

async function main(): Promise<number> {
  let plan: SeedPlan | 'help';
  try {
    plan = planFromArgs(process.argv.slice(2), process.env, availableParallelism());
  } catch (err) {
    const code = (err as { code?: string }).code ?? '';
    if (err instanceof ConfigError || code.startsWith('ERR_PARSE_ARGS')) {
      console.error(`seed: ${(err as Error).message}\n${USAGE}`);
      return 2;
    }
    throw err;
  }
  if (plan === 'help') {
    console.log(USAGE);
    return 0;
  }
  const first = plan.jobs[0];
  console.log(`seeding ${plan.jobs.length} exchanges x ${first.count} datasets into ${resolve(first.dbPath, '..')} with ${plan.workers} workers`);
  try {
    await runPlan(plan);
    return 0;
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    console.error(`seed: failed: ${message}`);
    return 1;
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
