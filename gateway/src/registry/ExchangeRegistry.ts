import { parse } from 'graphql';
import type { Cache } from '../cache/Cache.ts';
import type { CatalogVersions } from '../cache/CatalogVersions.ts';
import type { ExchangeDirectory } from '../directory/ExchangeDirectory.ts';
import { composeSupergraph } from '../supergraph/composeSupergraph.ts';
import type { Logger } from '../logger.ts';
import { checkContract } from './contractCheck.ts';
import { guardExchangeUrl, fetchServiceSdl, probeExchange, type HostAllowlist } from './urlGuard.ts';
import type { ExchangeRegistration } from './registrationInput.ts';

const REGISTRATIONS_KEY = 'registry:exchanges';
export const REGISTRY_CHANNEL = 'registry';
export const DEFAULT_MAX_SDL_BYTES = 128 * 1024;

export interface ExchangeRegistryOptions {
  directory: ExchangeDirectory;
  store: Cache;
  versions: CatalogVersions;
  allowlist: HostAllowlist;
  logger: Logger;
  /** Limit for each check's HTTP call. Default 3000. */
  checkTimeoutMs?: number;
  /** Largest SDL accepted, in bytes. Default 128 KiB (the contract is about 8 KiB; checking is synchronous). */
  maxSdlBytes?: number;
  /** How often every replica re-reads the registrations, should a pub/sub message be lost. Default 5000. */
  reloadIntervalMs?: number;
}

type CheckResult = { ok: true; catalogVersion: string | null } | { ok: false; problems: string[]; unreachable: boolean };

export type RegistrationOutcome =
  | { ok: true; registration: ExchangeRegistration; created: boolean; catalogVersion: string | null }
  | { ok: false; status: number; problems: string[] };

/**
 * Exchanges joining, changing and leaving while the gateway serves.
 *
 * Every change goes through `register` or `remove`, one at a time (a promise chain serialises them), and
 * an exchange goes live only after all checks pass: its URL (scheme, allow-list, no redirects, size cap),
 * its schema against the contract, the supergraph composed with it, and a probe query. Then it is stored
 * durably (Redis, or memory) and announced on pub/sub; every replica applies it to its directory, which the
 * shard router reads at each fetch, so the very next query sees it and requests in flight finish on the
 * set they started with.
 */
export class ExchangeRegistry {
  private queue: Promise<unknown> = Promise.resolve();
  private unsubscribe: (() => Promise<void>) | null = null;
  private timer: NodeJS.Timeout | null = null;
  /** Defaults applied while the store was unavailable: stored at the next reload, never removed by it. */
  private readonly unstoredDefaults = new Map<string, ExchangeRegistration>();

  constructor(private readonly options: ExchangeRegistryOptions) {}

  private serialise<T>(work: () => Promise<T>): Promise<T> {
    const next = this.queue.then(work, work);
    this.queue = next.catch(() => undefined);
    return next;
  }

  /** Loads stored registrations, then registers the configured defaults over them. */
  async start(defaults: ExchangeRegistration[]): Promise<void> {
    this.unsubscribe = await this.options.store.subscribe(REGISTRY_CHANNEL, () => void this.reload());
    await this.reload();
    // The configured defaults are the operator's word at every start: they are (re)registered from the
    // configuration, over any stored entry of the same id. They are checked side by side (startup time),
    // then applied one at a time like any change.
    const pending = defaults;
    const checks = await Promise.all(pending.map((registration) => this.check(registration)));
    for (const [index, registration] of pending.entries()) {
      const outcome = await this.serialise(() => this.apply(registration, checks[index], { lenient: true }));
      if (!outcome.ok) this.options.logger.warn({ exchange: registration.id, problems: outcome.problems }, 'default exchange not registered');
    }
    this.timer = setInterval(() => void this.reload(), this.options.reloadIntervalMs ?? 5000);
    this.timer.unref();
  }

  /** Makes the directory match the stored registrations (this replica's view of the shared truth). */
  async reload(): Promise<void> {
    for (const [id, registration] of this.unstoredDefaults) {
      try {
        await this.options.store.recordSet(REGISTRATIONS_KEY, id, JSON.stringify(registration));
        this.unstoredDefaults.delete(id);
      } catch {
        break;
      }
    }
    let stored: Record<string, string>;
    try {
      stored = await this.options.store.recordGetAll(REGISTRATIONS_KEY);
    } catch (err) {
      this.options.logger.warn({ err: (err as Error).message }, 'registrations could not be read; keeping the current set');
      return;
    }
    const { directory } = this.options;
    for (const [id, json] of Object.entries(stored)) {
      const registration = JSON.parse(json) as ExchangeRegistration;
      const current = directory.get(id);
      if (!current || current.url !== registration.url || JSON.stringify(current.info) !== JSON.stringify(infoOf(registration))) {
        directory.upsert(infoOf(registration), registration.url);
      }
    }
    for (const exchange of directory.all()) {
      if (!(exchange.id in stored) && !this.unstoredDefaults.has(exchange.id)) {
        directory.remove(exchange.id);
        this.options.versions.forget(exchange.id);
      }
    }
  }

  /**
   * Checks, then stores and applies. `lenient` (the configured defaults at start): an exchange that cannot
   * be reached yet is registered anyway and starts OFFLINE until a probe succeeds; a wrong schema is still refused.
   */
  register(registration: ExchangeRegistration, options: { lenient?: boolean } = {}): Promise<RegistrationOutcome> {
    return this.serialise(async () => this.apply(registration, await this.check(registration), options));
  }

  private async apply(registration: ExchangeRegistration, checked: CheckResult, options: { lenient?: boolean }): Promise<RegistrationOutcome> {
    if (!checked.ok && !(options.lenient && checked.unreachable)) return { ok: false, status: 422, problems: checked.problems };
    const created = !this.options.directory.get(registration.id);
    try {
      await this.options.store.recordSet(REGISTRATIONS_KEY, registration.id, JSON.stringify(registration));
    } catch (err) {
      // A configured default still serves when Redis is down at start; a runtime change must be durable or not happen.
      if (!options.lenient) return { ok: false, status: 503, problems: [`registry: could not store the registration (${(err as Error).message}); nothing changed`] };
      this.options.logger.warn({ exchange: registration.id, err: (err as Error).message }, 'default exchange registered in this process only: the registry store is unavailable');
      this.unstoredDefaults.set(registration.id, registration);
    }
    const entry = this.options.directory.upsert(infoOf(registration), registration.url);
    if (checked.ok) this.options.versions.observe(registration.id, checked.catalogVersion);
    else this.options.directory.markOffline(entry.id);
    await this.options.store.publish(REGISTRY_CHANNEL, JSON.stringify({ id: registration.id, action: 'upsert' }));
    this.options.logger.info({ exchange: registration.id, url: registration.url, created }, 'exchange registered');
    return { ok: true, registration, created, catalogVersion: checked.ok ? checked.catalogVersion : null };
  }

  remove(id: string): Promise<boolean> {
    return this.serialise(async () => {
      const existed = await this.options.store.recordDelete(REGISTRATIONS_KEY, id);
      const removed = this.options.directory.remove(id);
      this.options.versions.forget(id);
      await this.options.store.publish(REGISTRY_CHANNEL, JSON.stringify({ id, action: 'remove' }));
      if (existed || removed) this.options.logger.info({ exchange: id }, 'exchange removed');
      return existed || removed;
    });
  }

  private async check(registration: ExchangeRegistration): Promise<CheckResult> {
    const timeoutMs = this.options.checkTimeoutMs ?? 3000;
    const { allowlist } = this.options;
    const guarded = await guardExchangeUrl(registration.url, allowlist);
    if (!guarded.ok) return { ok: false, problems: [guarded.problem], unreachable: false };
    const sdl = await fetchServiceSdl(guarded.url, { timeoutMs, maxBytes: this.options.maxSdlBytes ?? DEFAULT_MAX_SDL_BYTES, allowlist });
    if (!sdl.ok) return { ok: false, problems: [sdl.problem], unreachable: true };
    const problems = checkContract(sdl.sdl);
    if (problems.length > 0) return { ok: false, problems, unreachable: false };
    try {
      composeSupergraph({ exchanges: parse(sdl.sdl) });
    } catch (err) {
      return { ok: false, problems: [`supergraph: ${(err as Error).message}`], unreachable: false };
    }
    const probe = await probeExchange(guarded.url, { timeoutMs, allowlist });
    if (!probe.ok) return { ok: false, problems: [probe.problem], unreachable: true };
    return { ok: true, catalogVersion: probe.catalogVersion };
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.unsubscribe?.();
  }
}

function infoOf(registration: ExchangeRegistration) {
  const { url: _url, ...info } = registration;
  return info;
}
