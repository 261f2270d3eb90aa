import type { ExchangeDirectory, RegisteredExchange } from '../directory/ExchangeDirectory.ts';
import type { CatalogVersions } from './CatalogVersions.ts';

export interface VersionWatcherOptions {
  directory: ExchangeDirectory;
  versions: CatalogVersions;
  /** VERSION_POLL_MS, default 2000: the longest a changed price can stay unseen when nobody tells the gateway. */
  intervalMs?: number;
}

export const DEFAULT_VERSION_POLL_MS = 2000;
const PROBE = { query: 'query VersionProbe { __typename }', operationName: 'VersionProbe' };

/**
 * Asks every available exchange for its catalog version on a timer (the `x-catalog-version` header of a
 * trivial query). Answers to real queries report versions too; this loop is what bounds staleness when
 * every query is served from cache. It also re-reads the shared epochs, in case a pub/sub message was lost.
 *
 * Each exchange is probed on its own: a probe still running (an exchange that hangs until
 * EXCHANGE_TIMEOUT_MS) only skips that exchange's next turn, and never holds back the others'.
 */
export class VersionWatcher {
  private timer: NodeJS.Timeout | null = null;
  /** Probes in flight, by the entry they were sent to (an updated registration is a new entry). */
  private readonly probes = new Map<RegisteredExchange, Promise<void>>();
  private epochs: Promise<void> | null = null;

  constructor(private readonly options: VersionWatcherOptions) {}

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.poll(), this.options.intervalMs ?? DEFAULT_VERSION_POLL_MS);
    this.timer.unref();
  }

  /** Starts a probe of every available exchange that has none in flight; resolves when this turn's work is done. */
  poll(): Promise<void> {
    const { directory, versions } = this.options;
    const turn: Promise<void>[] = [];
    for (const exchange of directory.all()) {
      if (!exchange.isAvailable()) continue;
      let probe = this.probes.get(exchange);
      if (!probe) {
        probe = exchange
          .send(PROBE)
          .then((result) => {
            if (result.ok) versions.observe(exchange.id, result.catalogVersion, result.sentAt);
          })
          .finally(() => this.probes.delete(exchange));
        this.probes.set(exchange, probe);
      }
      turn.push(probe);
    }
    this.epochs ??= versions.refresh(directory.all().map((e) => e.id)).finally(() => {
      this.epochs = null;
    });
    turn.push(this.epochs);
    return Promise.all(turn).then(() => undefined);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
}
