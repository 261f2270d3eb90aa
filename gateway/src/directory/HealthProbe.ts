import type { ExchangeDirectory } from './ExchangeDirectory.ts';
import { exchangeFailure } from '../exchangeClient/exchangeErrors.ts';
import type { ExchangeResult } from '../exchangeClient/ExchangeClient.ts';
import { IDENTITY_FIELDS, IDENTITY_VARIABLES_DECLARATION, identityProblem, identityVariables } from './exchangeIdentity.ts';

export interface HealthProbeOptions {
  directory: ExchangeDirectory;
  /** Time between probes (HEALTH_INTERVAL_MS). Default 5000. */
  intervalMs?: number;
  /** Where an exchange that starts (or stops) serving another exchange's catalog is reported. Default: none. */
  logger?: { warn(fields: Record<string, unknown>, message: string): void; info(fields: Record<string, unknown>, message: string): void };
}

export const DEFAULT_HEALTH_INTERVAL_MS = 5000;
const PROBE_QUERY = `query HealthProbe(${IDENTITY_VARIABLES_DECLARATION}) { ${IDENTITY_FIELDS} }`;

/**
 * Probes every exchange on a timer with a small query (its first dataset's id, and itself as an Exchange
 * entity): it measures latency, reads the catalog version header, checks that the exchange still serves
 * its own catalog (see exchangeIdentity.ts; one that serves another's counts as a failed probe, so it
 * goes DEGRADED, then OFFLINE, instead of staying ONLINE while every answer of it is refused), and is the
 * only way an OFFLINE exchange (which queries skip) comes back.
 */
export class HealthProbe {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  /** Exchanges whose last probe showed another exchange's catalog: logged once when it starts, once when it ends. */
  private readonly strangers = new Set<string>();

  constructor(private readonly options: HealthProbeOptions) {}

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.probeAll(), this.options.intervalMs ?? DEFAULT_HEALTH_INTERVAL_MS);
    this.timer.unref();
  }

  /** Probes all exchanges once (concurrent calls share one round). */
  probeAll(): Promise<void> {
    this.running ??= Promise.all(
      this.options.directory.all().map(async (exchange) => {
        const sent = await exchange.send({ query: PROBE_QUERY, operationName: 'HealthProbe', variables: identityVariables(exchange.id) });
        this.options.directory.observe(this.checked(sent, exchange.url), 'probe', new Date(), exchange);
      }),
    )
      .then(() => undefined)
      .finally(() => {
        this.running = null;
      });
    return this.running;
  }

  /** The probe's result, or a bad response when the answer shows another exchange's catalog. */
  private checked(result: ExchangeResult, url: string): ExchangeResult {
    if (!result.ok) return result;
    const problem = identityProblem(result.data, result.exchange);
    if (!problem) {
      if (this.strangers.delete(result.exchange)) this.options.logger?.info({ exchange: result.exchange, url }, 'exchange serves its own catalog again');
      return result;
    }
    if (!this.strangers.has(result.exchange)) {
      this.strangers.add(result.exchange);
      this.options.logger?.warn(
        { exchange: result.exchange, url, problem },
        "exchange serves another exchange's catalog; probes count it as failing until it stops",
      );
    }
    return exchangeFailure(result.exchange, 'EXCHANGE_BAD_RESPONSE', `exchange ${result.exchange} gave a bad response`, problem);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
}

/** Starts probing on its interval, and probes at once: a configured exchange unreachable at start is OFFLINE until then. */
export function startHealthProbe(options: HealthProbeOptions): HealthProbe {
  const probe = new HealthProbe(options);
  probe.start();
  void probe.probeAll();
  return probe;
}
