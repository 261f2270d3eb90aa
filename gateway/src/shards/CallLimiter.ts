/**
 * A cap on the exchange calls one client request has in flight at once (EXCHANGE_CALLS_PER_REQUEST): a
 * query over 48 exchanges, with its nested fetches, cannot open more sockets than this, whatever the
 * number registered. Calls past the cap wait in order for one to finish.
 */
export class CallLimiter {
  private active = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(readonly max: number) {}

  async run<T>(call: () => Promise<T>): Promise<T> {
    if (this.active >= this.max) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.active++;
    try {
      return await call();
    } finally {
      // The slot passes straight to the next waiter (active stays the same), or is freed.
      const next = this.waiting.shift();
      if (next) next();
      else this.active--;
    }
  }
}
