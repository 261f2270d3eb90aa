/**
 * A circuit breaker in front of Redis, so that a Redis that hangs costs requests nothing (closed, open,
 * half-open): see docs/caching.md#the-circuit-breaker.
 */
export interface CircuitBreakerOptions {
  /** Consecutive failures that open the breaker. Default 5. */
  failureThreshold: number;
  /** How long the breaker stays open before one trial call. Default 1000 ms. */
  cooldownMs: number;
}

export const DEFAULT_CIRCUIT_BREAKER_OPTIONS: Readonly<CircuitBreakerOptions> = { failureThreshold: 5, cooldownMs: 1000 };

export type BreakerState =
  { phase: 'closed'; consecutiveFailures: number } | { phase: 'open'; reopensAt: number } | { phase: 'half-open'; trialInFlight: boolean };

export type BreakerPhase = BreakerState['phase'];

export class CircuitBreaker {
  private state: BreakerState = { phase: 'closed', consecutiveFailures: 0 };
  private readonly options: CircuitBreakerOptions;

  constructor(
    options: Partial<CircuitBreakerOptions> = {},
    private readonly now: () => number = Date.now,
    private readonly onPhaseChange: (phase: BreakerPhase) => void = () => {},
  ) {
    this.options = { ...DEFAULT_CIRCUIT_BREAKER_OPTIONS, ...options };
    const { failureThreshold, cooldownMs } = this.options;
    if (!Number.isInteger(failureThreshold) || failureThreshold < 1) throw new RangeError(`failureThreshold must be an integer >= 1, got ${failureThreshold}`);
    if (!Number.isFinite(cooldownMs) || cooldownMs < 0) throw new RangeError(`cooldownMs must be a finite number >= 0, got ${cooldownMs}`);
  }

  /** The phase now; an open breaker whose cool-down has passed reads as half-open. */
  get phase(): BreakerPhase {
    if (this.state.phase === 'open' && this.now() >= this.state.reopensAt) this.enter({ phase: 'half-open', trialInFlight: false });
    return this.state.phase;
  }

  /**
   * Asks to make one call. True when closed, or when half-open and no trial is running (this call becomes
   * the trial); the caller must then report the outcome with `recordSuccess` or `recordFailure`.
   */
  tryAcquire(): boolean {
    const phase = this.phase;
    if (phase === 'closed') return true;
    if (phase === 'open' || (this.state.phase === 'half-open' && this.state.trialInFlight)) return false;
    this.state = { phase: 'half-open', trialInFlight: true };
    return true;
  }

  recordSuccess(): void {
    if (this.state.phase === 'closed') this.state.consecutiveFailures = 0;
    else this.enter({ phase: 'closed', consecutiveFailures: 0 });
  }

  recordFailure(): void {
    if (this.state.phase === 'closed') {
      this.state.consecutiveFailures += 1;
      if (this.state.consecutiveFailures < this.options.failureThreshold) return;
    }
    this.enter({ phase: 'open', reopensAt: this.now() + this.options.cooldownMs });
  }

  /** Closes the breaker, e.g. when the connection has just been re-established. */
  reset(): void {
    this.enter({ phase: 'closed', consecutiveFailures: 0 });
  }

  private enter(next: BreakerState): void {
    const changed = next.phase !== this.state.phase;
    this.state = next;
    if (changed) this.onPhaseChange(next.phase);
  }
}
