import type { ExchangeDirectory } from '../directory/ExchangeDirectory.ts';
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
 */
export class VersionWatcher {
  private timer: NodeJS.Timeout | null = null;
  private round: Promise<void> | null = null;

  constructor(private readonly options: VersionWatcherOptions) {}

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.poll(), this.options.intervalMs ?? DEFAULT_VERSION_POLL_MS);
    this.timer.unref();
  }

  poll(): Promise<void> {
    this.round ??= (async () => {
      const exchanges = this.options.directory.all().filter((e) => e.isAvailable());
      await Promise.all([
        ...exchanges.map(async (exchange) => {
          const result = await exchange.send(PROBE);
          if (result.ok) this.options.versions.observe(exchange.id, result.catalogVersion, result.sentAt);
        }),
        this.options.versions.refresh(this.options.directory.all().map((e) => e.id)),
      ]);
    })().finally(() => { this.round = null; });
    return this.round;
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
}
