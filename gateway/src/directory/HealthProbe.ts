import type { ExchangeDirectory, RegisteredExchange } from './ExchangeDirectory.ts';
import { exchangeFailure } from '../exchangeClient/exchangeErrors.ts';
import type { ExchangeResult } from '../exchangeClient/ExchangeClient.ts';
import { IDENTITY_FIELDS, IDENTITY_VARIABLES_DECLARATION, identityProblem, identityVariables } from './exchangeIdentity.ts';

export interface HealthProbeOptions {
  directory: ExchangeDirectory;
  /** Time between probes (HEALTH_INTERVAL_MS). Default 5000. */
  intervalMs?: number;
  /**
   * Time between probes of an exchange that is not ONLINE (HEALTH_RECOVERY_INTERVAL_MS), used when shorter
   * than intervalMs. Default 2000.
   */
  recoveryIntervalMs?: number;
  /** Where an exchange that starts (or stops) serving another exchange's catalog is reported. Default: none. */
  logger?: { warn(fields: Record<string, unknown>, message: string): void; info(fields: Record<string, unknown>, message: string): void };
}

export const DEFAULT_HEALTH_INTERVAL_MS = 5000;
export const DEFAULT_HEALTH_RECOVERY_INTERVAL_MS = 2000;
const PROBE_QUERY = `query HealthProbe(${IDENTITY_VARIABLES_DECLARATION}) { ${IDENTITY_FIELDS} }`;

/**
 * Probes every exchange on a timer with a small query (its first dataset's id, and itself as an Exchange
 * entity): it measures latency, reads the catalog version header, checks that the exchange still serves
 * its own catalog (see exchangeIdentity.ts; one that serves another's counts as a failed probe, so it
 * goes DEGRADED, then OFFLINE, instead of staying ONLINE while every answer of it is refused), and is the
 * only way an OFFLINE exchange (which queries skip) comes back.
 *
 * An exchange that is not ONLINE is also probed every HEALTH_RECOVERY_INTERVAL_MS (when that is shorter):
 * one that missed its registration check at start (a loaded machine, a slow start) joins OFFLINE, and with
 * a long HEALTH_INTERVAL_MS it would otherwise stay out that long although it answers. So an exchange that
 * answers again is ONLINE within min(HEALTH_INTERVAL_MS, HEALTH_RECOVERY_INTERVAL_MS) + EXCHANGE_TIMEOUT_MS
 * (a probe whose answer is slow, such as the one in flight while it was frozen, makes it DEGRADED first,
 * and the next probe ONLINE). Each exchange has at most one probe in flight: a hung one is not piled on.
 */
export class HealthProbe {
  private timer: NodeJS.Timeout | null = null;
  private recoveryTimer: NodeJS.Timeout | null = null;
  /** Probes in flight, by the entry they were sent to (an updated registration is a new entry). */
  private readonly inFlight = new Map<RegisteredExchange, Promise<void>>();
  /** Exchanges whose last probe showed another exchange's catalog: logged once when it starts, once when it ends. */
  private readonly strangers = new Set<string>();

  constructor(private readonly options: HealthProbeOptions) {}

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.probeAll(), this.options.intervalMs ?? DEFAULT_HEALTH_INTERVAL_MS);
    this.timer.unref();
    const intervalMs = this.options.intervalMs ?? DEFAULT_HEALTH_INTERVAL_MS;
    const recoveryMs = this.options.recoveryIntervalMs ?? DEFAULT_HEALTH_RECOVERY_INTERVAL_MS;
    if (recoveryMs < intervalMs) {
      this.recoveryTimer = setInterval(() => void this.probeRecovering(), recoveryMs);
      this.recoveryTimer.unref();
    }
  }

  /** Probes all exchanges once (an exchange whose probe is still in flight shares it). */
  probeAll(): Promise<void> {
    return this.probe(this.options.directory.all());
  }

  /** Probes once every exchange that is DEGRADED or OFFLINE. */
  probeRecovering(): Promise<void> {
    return this.probe(this.options.directory.all().filter((exchange) => exchange.health.phase !== 'online'));
  }

  private probe(exchanges: RegisteredExchange[]): Promise<void> {
    return Promise.all(exchanges.map((exchange) => this.probeOne(exchange))).then(() => undefined);
  }

  private probeOne(exchange: RegisteredExchange): Promise<void> {
    let probe = this.inFlight.get(exchange);
    if (!probe) {
      probe = exchange
        .send({ query: PROBE_QUERY, operationName: 'HealthProbe', variables: identityVariables(exchange.id) })
        .then((sent) => this.options.directory.observe(this.checked(sent, exchange.url), 'probe', new Date(), exchange))
        .finally(() => this.inFlight.delete(exchange));
      this.inFlight.set(exchange, probe);
    }
    return probe;
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
    if (this.recoveryTimer) clearInterval(this.recoveryTimer);
    this.timer = null;
    this.recoveryTimer = null;
  }
}

/** Starts probing on its interval, and probes at once: a configured exchange unreachable at start is OFFLINE until then. */
export function startHealthProbe(options: HealthProbeOptions): HealthProbe {
  const probe = new HealthProbe(options);
  probe.start();
  void probe.probeAll();
  return probe;
}
