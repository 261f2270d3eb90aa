/**
 * What a gateway's memory is made of while a benchmark runs: its heap by space (young, old, large objects),
 * Buffers outside the heap and RSS, every 100 ms, as JSON lines. Plain JavaScript, loaded by Node before
 * tsx (NODE_OPTIONS applies to every process the benchmark starts; only the gateway, the one with
 * EXCHANGES_FILE, and only its main thread, write):
 *
 *   HEAP_SAMPLES=/tmp/heap NODE_OPTIONS="--import $PWD/bench/diagnose/heapSampler.mjs" npm run bench -- --only export ...
 *
 * writes /tmp/heap-<pid>.jsonl: {t, rss, heapTotal, heapUsed, external, arrayBuffers, <space>: "used/size"},
 * in MB. How docs/exports.md measured the export's old space and Buffers.
 */
import { appendFileSync } from 'node:fs';
import { getHeapSpaceStatistics } from 'node:v8';
import { isMainThread } from 'node:worker_threads';

const SAMPLE_INTERVAL_MS = 100;
const out = process.env.HEAP_SAMPLES;

if (out && isMainThread && process.env.EXCHANGES_FILE) {
  const file = `${out}-${process.pid}.jsonl`;
  const mb = (bytes) => Math.round(bytes / 1e5) / 10;
  setInterval(() => {
    const usage = process.memoryUsage();
    const spaces = Object.fromEntries(getHeapSpaceStatistics().map((s) => [s.space_name, `${mb(s.space_used_size)}/${mb(s.space_size)}`]));
    const sample = {
      t: Date.now(),
      rss: mb(usage.rss),
      heapTotal: mb(usage.heapTotal),
      heapUsed: mb(usage.heapUsed),
      external: mb(usage.external),
      arrayBuffers: mb(usage.arrayBuffers),
      ...spaces,
    };
    appendFileSync(file, `${JSON.stringify(sample)}\n`);
  }, SAMPLE_INTERVAL_MS).unref();
}
