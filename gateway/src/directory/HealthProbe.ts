import type { ExchangeDirectory } from './ExchangeDirectory.ts';

export interface HealthProbeOptions {
  directory: ExchangeDirectory;
  /** Time between probes (HEALTH_INTERVAL_MS). Default 5000. */
  intervalMs?: number;
}

export const DEFAULT_HEALTH_INTERVAL_MS = 5000;
const PROBE_QUERY = 'query HealthProbe { __typename }';

/**
 * Probes every exchange on a timer with a trivial query: it measures latency, reads the catalog version
 * header, and is the only way an OFFLINE exchange (which queries skip) comes back.
 */
export class HealthProbe {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;

  constructor(private readonly options: HealthProbeOptions) {}

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.probeAll(), this.options.intervalMs ?? DEFAULT_HEALTH_INTERVAL_MS);
    this.timer.unref();
  }

  /** Probes all exchanges once (concurrent calls share one round). */
  probeAll(): Promise<void> {
    this.running ??= Promise.all(this.options.directory.all().map(async (exchange) => {
      const result = await exchange.send({ query: PROBE_QUERY, operationName: 'HealthProbe' });
      this.options.directory.observe(result, 'probe', new Date(), exchange);
    })).then(() => undefined).finally(() => { this.running = null; });
    return this.running;
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
}
