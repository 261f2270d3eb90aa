/**
 * Run by `npm run bench` before bench/run.ts: installs bench/package.json (Hive Gateway, autocannon and
 * what only the benchmark needs, kept out of the root install) with `npm ci --prefix bench` when
 * bench/node_modules is missing or does not match bench/package-lock.json. Bench code resolves those
 * packages from bench/node_modules and everything else from the root node_modules.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const BENCH_DIR = fileURLToPath(new URL('.', import.meta.url));

interface Lockfile {
  packages: Record<string, { version?: string }>;
}

function readLock(path: string): Lockfile | undefined {
  return existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as Lockfile) : undefined;
}

/** npm writes node_modules/.package-lock.json after an install; it lists what is actually there. */
function benchInstallIsCurrent(benchDir: string): boolean {
  const wanted = readLock(`${benchDir}/package-lock.json`);
  const installed = readLock(`${benchDir}/node_modules/.package-lock.json`);
  if (!wanted || !installed) return false;
  // Optional packages for other platforms are in the lockfile but not installed, so only compare those present.
  return (
    Object.entries(installed.packages).every(([path, entry]) => wanted.packages[path]?.version === entry.version) &&
    Object.entries(wanted.packages).every(([path, entry]) => !path || path in installed.packages || 'optional' in entry)
  );
}

if (!benchInstallIsCurrent(BENCH_DIR)) {
  console.log("bench: installing the benchmark's own dependencies (npm ci --prefix bench) ...");
  const result = spawnSync('npm', ['ci', '--prefix', BENCH_DIR, '--no-audit', '--no-fund'], { stdio: 'inherit' });
  if (result.status !== 0) {
    console.error(`bench: npm ci --prefix bench failed (exit ${result.status ?? result.signal})`);
    process.exit(result.status ?? 1);
  }
}
