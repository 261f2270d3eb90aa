/**
 * A circuit breaker in front of Redis, so that a Redis that hangs costs a request at most one command
 * timeout (closed, open, half-open): see docs/caching.md#the-circuit-breaker. Callers go through only while
 * it is closed; the trial that may close it again is a probe its owner sends in the background
 * (`tryProbe`), so no request ever waits on a Redis that may still hang.
 */
export interface CircuitBreakerOptions {
  /** Consecutive failures that open the breaker. Default 1: the first timeout opens it. */
  failureThreshold: number;
  /** How long the breaker stays open after a failed probe before the next may try. Default 500 ms. The first probe may go at once. */
  cooldownMs: number;
}

export const DEFAULT_CIRCUIT_BREAKER_OPTIONS: Readonly<CircuitBreakerOptions> = { failureThreshold: 1, cooldownMs: 500 };

export type BreakerState =
  { phase: 'closed'; consecutiveFailures: number } | { phase: 'open'; reopensAt: number } | { phase: 'half-open'; trialInFlight: boolean };

export type BreakerPhase = BreakerState['phase'];

export class CircuitBreaker {
  private state: BreakerState = { phase: 'closed', consecutiveFailures: 0 };
  readonly options: Readonly<CircuitBreakerOptions>;

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

  /** Milliseconds until a probe may try (0 when it may now, or when the breaker is closed). */
  get msUntilProbe(): number {
    return this.state.phase === 'open' ? Math.max(0, this.state.reopensAt - this.now()) : 0;
  }

  /** Asks to make one call: true only while closed (no side effect). The caller then reports `recordSuccess` or `recordFailure`. */
  tryAcquire(): boolean {
    return this.phase === 'closed';
  }

  /**
   * Asks to send the trial: true when half-open and no trial is running. The owner then reports its
   * outcome; a success closes the breaker, a failure opens it for another cool-down.
   */
  tryProbe(): boolean {
    if (this.phase !== 'half-open' || (this.state.phase === 'half-open' && this.state.trialInFlight)) return false;
    this.state = { phase: 'half-open', trialInFlight: true };
    return true;
  }

  recordSuccess(): void {
    if (this.state.phase === 'closed') this.state.consecutiveFailures = 0;
    else this.enter({ phase: 'closed', consecutiveFailures: 0 });
  }

  /**
   * Opens the breaker. From closed, a probe may go at once (a timeout that was only a slow moment then
   * costs one round trip of the probe); after a failed probe, one cool-down later. A failure while open (a
   * call sent before it opened) changes nothing.
   */
  recordFailure(): void {
    if (this.state.phase === 'open') return;
    if (this.state.phase === 'closed') {
      this.state.consecutiveFailures += 1;
      if (this.state.consecutiveFailures < this.options.failureThreshold) return;
      return this.enter({ phase: 'open', reopensAt: this.now() });
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
