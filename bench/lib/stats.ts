/** Small statistics helpers for benchmark samples (all in the unit of the samples, usually ms). */

/** The q-quantile (0..1) of the samples, by linear interpolation between closest ranks. */
export function percentile(samples: readonly number[], q: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const position = (sorted.length - 1) * Math.min(1, Math.max(0, q));
  const lower = Math.floor(position);
  const upper = Math.ceil(position);
  return sorted[lower] + (sorted[upper] - sorted[lower]) * (position - lower);
}

export function median(samples: readonly number[]): number {
  return percentile(samples, 0.5);
}

/** Runs `fn` `warmup` times unmeasured, then `samples` times one after the other; returns the durations in ms. */
export async function timeSequential(fn: () => Promise<unknown> | unknown, options: { warmup: number; samples: number }): Promise<number[]> {
  for (let i = 0; i < options.warmup; i++) await fn();
  const durations: number[] = [];
  for (let i = 0; i < options.samples; i++) {
    const started = performance.now();
    await fn();
    durations.push(performance.now() - started);
  }
  return durations;
}

/** "12.3" for ms figures: one decimal under 100, none above. */
export function ms(value: number): string {
  if (!Number.isFinite(value)) return 'n/a';
  return value < 100 ? value.toFixed(1) : value.toFixed(0);
}

export function ratio(value: number): string {
  return Number.isFinite(value) ? `${value.toFixed(2)}×` : 'n/a';
}
