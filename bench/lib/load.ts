/**
 * A bounded autocannon run against one GraphQL endpoint (POST, JSON body), with a discarded warm-up.
 * Only 127.0.0.1 targets are accepted: benchmarks never load anything but our own processes.
 */
import autocannon from 'autocannon';

export interface LoadOptions {
  url: string;
  query: string;
  variables?: Record<string, unknown>;
  /**
   * Variables per request (called once per request sent), e.g. to make every request distinct so that
   * no cache answers it; overrides `variables`.
   */
  variablesFor?: () => Record<string, unknown>;
  connections: number;
  /** Measured seconds (bounded: at most 30). */
  durationS: number;
  /** Unmeasured seconds first, same connections; 0 for none. */
  warmupS: number;
  /** Called (and awaited) after the warm-up, just before the measured run (e.g. to read CPU counters). */
  beforeMeasured?: () => void | Promise<void>;
  /** Extra request headers (e.g. Authorization). */
  headers?: Record<string, string>;
  /** Per-request timeout, seconds. Default 10. */
  timeoutS?: number;
  /**
   * Judges every answer's body (false: counted in `graphqlErrors`), e.g. that it holds the expected data.
   * Default: the body holds no GraphQL `errors`.
   */
  acceptBody?: (body: string) => boolean;
}

export interface LoadResult {
  reqPerSec: number;
  /** Latency in ms. */
  p50: number;
  p90: number;
  p99: number;
  mean: number;
  max: number;
  total: number;
  errors: number;
  timeouts: number;
  non2xx: number;
  /** 2xx answers whose body holds GraphQL `errors` (a partial result, an exchange timeout...), or that `acceptBody` refused. */
  graphqlErrors: number;
  durationS: number;
}

export const MAX_LOAD_SECONDS = 30;

function checkTarget(url: string): void {
  const host = new URL(url).hostname;
  if (host !== '127.0.0.1' && host !== 'localhost') throw new Error(`load tests only target 127.0.0.1, got ${url}`);
}

export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  checkTarget(options.url);
  if (!(options.durationS > 0 && options.durationS <= MAX_LOAD_SECONDS))
    throw new Error(`durationS must be in (0, ${MAX_LOAD_SECONDS}], got ${options.durationS}`);
  if (options.warmupS > MAX_LOAD_SECONDS) throw new Error(`warmupS must be at most ${MAX_LOAD_SECONDS}`);
  const body = JSON.stringify({ query: options.query, variables: options.variables ?? {} });
  const { variablesFor, query } = options;
  const common = {
    url: options.url.replace('://localhost', '://127.0.0.1'),
    method: 'POST',
    headers: { 'content-type': 'application/json', ...options.headers },
    body,
    ...(variablesFor
      ? {
          requests: [
            {
              setupRequest: (request: Record<string, unknown>) => ({ ...request, body: JSON.stringify({ query, variables: variablesFor() }) }),
            },
          ],
        }
      : {}),
    connections: options.connections,
    pipelining: 1,
    timeout: options.timeoutS ?? 10,
    verifyBody: options.acceptBody ?? ((responseBody: string) => !responseBody.includes('"errors"')),
  };
  if (options.warmupS > 0) await autocannon({ ...common, duration: options.warmupS });
  await options.beforeMeasured?.();
  const result = await autocannon({ ...common, duration: options.durationS });
  const durationS = result.duration > 0 ? result.duration : options.durationS;
  return {
    reqPerSec: result.requests.total / durationS,
    p50: result.latency.p50,
    p90: result.latency.p90,
    p99: result.latency.p99,
    mean: result.latency.mean ?? result.latency.average,
    max: result.latency.max,
    total: result.requests.total,
    errors: result.errors,
    timeouts: result.timeouts,
    non2xx: result.non2xx,
    graphqlErrors: result.mismatches ?? 0,
    durationS,
  };
}
