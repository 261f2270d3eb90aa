import type { Logger } from '../logger.ts';
import type { Cache, ServerSettingsReport } from './Cache.ts';

/**
 * Whether the Redis the gateway was given keeps what must not vanish: the registry, exchange tokens and
 * API keys live there without a TTL, next to caches that may go (docs/operations.md#what-lives-in-redis).
 * `at-risk`: a restart or memory pressure could lose them; `unknown`: Redis could not be asked (down, or a
 * managed Redis that refuses CONFIG GET); `ok`: persistence on and no eviction of keys without a TTL.
 */
export type Durability = { durability: 'ok' } | { durability: 'at-risk' | 'unknown'; reasons: string[] };

export const DURABILITY_SETTINGS = ['appendonly', 'save', 'maxmemory-policy'] as const;

/** Judges each node's settings; the worst node decides. */
export function judgeDurability(reports: readonly ServerSettingsReport[]): Durability {
  const atRisk: string[] = [];
  const unknown: string[] = [];
  for (const report of reports) {
    if ('error' in report) {
      unknown.push(
        `Redis ${report.node} refused CONFIG GET (${report.error}): check by hand that it persists (appendonly yes) and never evicts keys without a TTL`,
      );
      continue;
    }
    const { appendonly, save, 'maxmemory-policy': policy } = report.settings;
    if (appendonly !== 'yes' && !save?.trim()) {
      atRisk.push(
        `Redis ${report.node} persists nothing (appendonly ${appendonly ?? '?'}, save "${save ?? ''}"): a restart loses registrations, exchange tokens and API keys; fix: appendonly yes, appendfsync everysec`,
      );
    }
    if (policy?.startsWith('allkeys-')) {
      atRisk.push(
        `Redis ${report.node} has maxmemory-policy ${policy}: under memory pressure it evicts registrations, tokens and API keys; fix: maxmemory-policy noeviction or volatile-lru`,
      );
    }
  }
  if (atRisk.length > 0) return { durability: 'at-risk', reasons: [...atRisk, ...unknown] };
  if (unknown.length > 0 || reports.length === 0) return { durability: 'unknown', reasons: unknown.length ? unknown : ['no Redis node answered'] };
  return { durability: 'ok' };
}

/**
 * Reads the durability settings at start and again on every reconnect (a failover may have put another
 * Redis behind the same address), logging one warning per new finding. `current()` is for /health.
 */
export class DurabilityCheck {
  private last: Durability = { durability: 'unknown', reasons: ['not checked yet'] };
  private lastLogged = '';

  constructor(private readonly options: { cache: Cache; logger: Logger }) {}

  current(): Durability {
    return this.last;
  }

  async check(): Promise<Durability> {
    const { cache, logger } = this.options;
    if (!cache.serverSettings) {
      this.last = { durability: 'unknown', reasons: ['no Redis (REDIS_URL unset): the registry, tokens and API keys live in this process only'] };
      return this.last;
    }
    if (cache.status() !== 'redis') {
      this.last = { durability: 'unknown', reasons: ['Redis is unreachable now; checked again when it is back'] };
      return this.last;
    }
    this.last = judgeDurability(await cache.serverSettings(DURABILITY_SETTINGS));
    const text = JSON.stringify(this.last);
    if (text !== this.lastLogged) {
      this.lastLogged = text;
      if (this.last.durability === 'at-risk')
        logger.warn({ durability: 'at-risk', reasons: this.last.reasons }, `durable state at risk: ${this.last.reasons.join('; ')}`);
      else if (this.last.durability === 'unknown') logger.info({ durability: 'unknown', reasons: this.last.reasons }, 'Redis durability unknown');
    }
    return this.last;
  }
}
