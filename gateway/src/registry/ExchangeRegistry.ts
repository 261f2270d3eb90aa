import type { Cache } from '../cache/Cache.ts';
import type { CatalogVersions } from '../cache/CatalogVersions.ts';
import type { ExchangeDirectory } from '../directory/ExchangeDirectory.ts';
import type { Logger } from '../logger.ts';
import { SdlChecker } from './SdlChecker.ts';
import { checkExchangeUrl, guardExchangeUrl, fetchServiceSdl, probeExchange, DEFAULT_SDL_MAX_BYTES } from './urlGuard.ts';
import type { HostAllowlist } from '../exchangeClient/hostAllowlist.ts';
import type { ExchangeRegistration } from './registrationInput.ts';
import { checkRegistrationConformance } from './registrationConformance.ts';
import type { ConformanceReport } from '../../../conformance/index.ts';

const REGISTRATIONS_KEY = 'registry:exchanges';
/**
 * A field of the registry's hash that is no exchange id (ids are 2-8 lowercase letters), written once the
 * registry is stored: a hash without it is a registry the store has lost (see `restoreLost`).
 */
const MARKER_FIELD = '~registry';
export const REGISTRY_CHANNEL = 'registry';
/** Registrations being checked at once on one replica, all ids together; more are refused with 429. */
export const MAX_CHECKS_IN_FLIGHT = 8;

export interface ExchangeRegistryOptions {
  directory: ExchangeDirectory;
  store: Cache;
  versions: CatalogVersions;
  allowlist: HostAllowlist;
  logger: Logger;
  /** Limit for each check's HTTP call. Default 3000. */
  checkTimeoutMs?: number;
  /** Largest SDL answer accepted, in bytes. Default 64 KiB (the contract is about 8 KiB). */
  maxSdlBytes?: number;
  /**
   * The registration conformance subset's time budget (REGISTRATION_CONFORMANCE_BUDGET_MS). Default 15000
   * (see registrationConformance.ts).
   */
  conformanceBudgetMs?: number;
  /** How often every replica re-reads the registrations, should a pub/sub message be lost. Default 5000. */
  reloadIntervalMs?: number;
  /**
   * How often a configured exchange refused at start is checked again (default 30 s): on a loaded machine
   * its start-up check can fail for a while (e.g. the conformance budget runs out), and a configured
   * exchange must not stay out of the catalog for good because of it.
   */
  defaultsRetryMs?: number;
  /**
   * Runs a registration's checks (URL, schema, probe). Default: the real ones, over the network and in a
   * worker thread. Unit tests pass a fake to drive the registry's own logic without an exchange.
   */
  checker?: (registration: ExchangeRegistration) => Promise<RegistrationCheck>;
}

/**
 * What a registration's checks found; `unreachable` failures may still register a default, OFFLINE.
 * `rule` names the check that refused (`url-allowed`, `reachable`, `contract`, `probe`, `conformance`),
 * and `report` is the conformance kit's report when that subset refused.
 */
export type RegistrationCheck =
  { ok: true; catalogVersion: string | null } | { ok: false; problems: string[]; unreachable: boolean; rule?: string; report?: ConformanceReport };
type CheckResult = RegistrationCheck;

export type RegistrationOutcome =
  | { ok: true; registration: ExchangeRegistration; created: boolean; catalogVersion: string | null }
  | { ok: false; status: number; problems: string[]; rule?: string; report?: ConformanceReport };

/** A stored registration this replica does not serve: its URL is off this replica's allow-list. */
/** How often a configured exchange refused at start is checked again. */
export const DEFAULT_DEFAULTS_RETRY_MS = 30_000;

export interface RefusedRegistration {
  registration: ExchangeRegistration;
  reason: string;
}

/**
 * What the registry holds for one id: a registration, or a tombstone left by a removal through the admin
 * API (so a configured exchange that was removed stays removed across restarts, see `start`).
 */
type StoredEntry = { kind: 'registration'; registration: ExchangeRegistration } | { kind: 'tombstone'; removedAt: string };

/**
 * Exchanges joining, changing and leaving while the gateway serves: checked, stored, announced, applied in
 * one queue per replica; the checks end with the conformance kit's registration subset
 * (registrationConformance.ts). Ordering across replicas: docs/registration.md#why-the-registry-needs-no-lock; a
 * store that forgets: docs/caching.md#when-redis-fails; refusals: docs/registration.md#refusals.
 */
export class ExchangeRegistry {
  private queue: Promise<unknown> = Promise.resolve();
  private unsubscribe: (() => Promise<void>) | null = null;
  private timer: NodeJS.Timeout | null = null;
  /** A reload waiting in the queue: messages arriving meanwhile are served by it (a burst costs one read). */
  private pendingReload: Promise<void> | null = null;
  /** Defaults applied while the store was unavailable: stored at the next reload, never removed by it. */
  private readonly unstoredDefaults = new Map<string, ExchangeRegistration>();
  /** Configured exchanges refused at start, checked again every `defaultsRetryMs` until they serve. */
  private readonly refusedDefaults = new Map<string, ExchangeRegistration>();
  private retryTimer: NodeJS.Timeout | null = null;
  /**
   * This replica's copy of the stored entries (registrations and tombstones, as stored): what the last read
   * found, plus this replica's own writes since. It is what goes back to the store when the store lost it.
   */
  private readonly known = new Map<string, string>();
  /** Ids whose registration is being checked on this replica (one at a time per id). */
  private readonly checking = new Set<string>();
  /** Stored registrations this replica does not serve (URL off its allow-list), by id. */
  private readonly refusedEntries = new Map<string, RefusedRegistration>();
  private readonly sdlChecker: SdlChecker;

  constructor(private readonly options: ExchangeRegistryOptions) {
    this.sdlChecker = new SdlChecker();
  }

  /** Stored registrations this replica does not serve, with the reason. */
  refused(): RefusedRegistration[] {
    return [...this.refusedEntries.values()].sort((a, b) => (a.registration.id < b.registration.id ? -1 : 1));
  }

  private serialise<T>(work: () => Promise<T>): Promise<T> {
    const next = this.queue.then(work, work);
    this.queue = next.catch(() => undefined);
    return next;
  }

  /**
   * Restores the stored registrations, then registers the configured defaults over them, except a
   * default whose stored entry is a tombstone: it was removed through the admin API and stays removed
   * until it is registered again. A default whose stored registration differs (an older URL) is
   * replaced by the configuration: the configuration is the operator's word at every start.
   */
  async start(defaults: ExchangeRegistration[]): Promise<void> {
    this.unsubscribe = await this.options.store.subscribe(REGISTRY_CHANNEL, () => void this.reload());
    const stored = await this.serialise(() => this.reloadNow());
    const pending = defaults.filter((registration) => {
      const entry = stored?.get(registration.id);
      if (entry?.kind !== 'tombstone') return true;
      this.options.logger.info(
        { exchange: registration.id, removedAt: entry.removedAt },
        'configured exchange stays removed: it was removed through the admin API (register it again to bring it back)',
      );
      return false;
    });
    // Checked side by side (startup time), then applied one at a time in the queue like any change.
    const checks = await Promise.all(pending.map((registration) => this.check(registration)));
    for (const [index, registration] of pending.entries()) {
      const outcome = await this.serialise(() => this.apply(registration, checks[index], { lenient: true, unlessTombstoned: true }));
      if (outcome.ok) continue;
      // The stored registration restored above may still serve this id: say which is the case.
      const serving = this.options.directory.get(registration.id);
      if (serving) {
        this.options.logger.warn(
          { exchange: registration.id, problems: outcome.problems, configuredUrl: registration.url, servedUrl: serving.url },
          'configured exchange refused; its stored registration stays in service',
        );
      } else {
        this.options.logger.warn(
          { exchange: registration.id, problems: outcome.problems },
          'configured exchange not registered; it is checked again every defaultsRetryMs until it passes',
        );
        this.refusedDefaults.set(registration.id, registration);
      }
    }
    if (this.refusedDefaults.size > 0) {
      this.retryTimer = setInterval(() => void this.retryRefusedDefaults(), this.options.defaultsRetryMs ?? DEFAULT_DEFAULTS_RETRY_MS);
      this.retryTimer.unref();
    }
    this.timer = setInterval(() => void this.reload(), this.options.reloadIntervalMs ?? 5000);
    this.timer.unref();
  }

  /**
   * Checks the configured exchanges refused at start again. One that serves meanwhile (registered through
   * the admin API) or was removed through it is dropped from the list: the admin API's word stands.
   */
  async retryRefusedDefaults(): Promise<void> {
    for (const [id, registration] of [...this.refusedDefaults]) {
      if (this.options.directory.get(id) || this.checking.has(id)) {
        this.refusedDefaults.delete(id);
        continue;
      }
      this.checking.add(id);
      try {
        const checked = await this.check(registration);
        const outcome = await this.serialise(() => this.apply(registration, checked, { lenient: true, unlessTombstoned: true }));
        if (outcome.ok) {
          this.refusedDefaults.delete(id);
          this.options.logger.info({ exchange: id }, 'configured exchange registered on a later check');
        } else if (outcome.status === 409) {
          this.refusedDefaults.delete(id);
        }
      } catch (err) {
        this.options.logger.warn({ exchange: id, err: (err as Error).message }, 'configured exchange: a later check failed');
      } finally {
        this.checking.delete(id);
      }
    }
    if (this.refusedDefaults.size === 0 && this.retryTimer) {
      clearInterval(this.retryTimer);
      this.retryTimer = null;
    }
  }

  /** Makes the directory match the stored registrations (this replica's view of the shared truth), in the queue. */
  reload(): Promise<void> {
    this.pendingReload ??= this.serialise(async () => {
      // From here on a new message needs a new read: this one may already be under way.
      this.pendingReload = null;
      await this.reloadNow();
    }).catch((err: unknown) => {
      // Reloads run from timers and messages: nobody awaits them, so they must not reject.
      this.options.logger.error({ err }, 'registry reload failed; keeping the current set');
    });
    return this.pendingReload;
  }

  /** Runs only inside the queue. Resolves to what was read, or null when the store could not be read. */
  private async reloadNow(): Promise<Map<string, StoredEntry> | null> {
    let stored: Map<string, StoredEntry>;
    try {
      const read = await this.readStored();
      stored = read.marked ? read.entries : await this.restoreLost(read.entries);
    } catch (err) {
      this.options.logger.warn({ err: (err as Error).message }, 'registrations could not be read; keeping the current set');
      return null;
    }
    for (const [id, registration] of this.unstoredDefaults) {
      // Redis is back: a removal made meanwhile through another replica wins over this process's default.
      if (stored.get(id)?.kind === 'tombstone') {
        this.unstoredDefaults.delete(id);
        continue;
      }
      try {
        await this.recordSet(id, JSON.stringify(registration));
        stored.set(id, { kind: 'registration', registration });
        this.unstoredDefaults.delete(id);
      } catch {
        break;
      }
    }
    const { directory, allowlist, logger } = this.options;
    const refusedNow = new Set<string>();
    for (const [id, entry] of stored) {
      if (entry.kind !== 'registration') continue;
      const { registration } = entry;
      // Written by a replica with another allow-list, or by this one before its list changed: not served here.
      const allowed = checkExchangeUrl(registration.url, allowlist);
      if (!allowed.ok) {
        refusedNow.add(id);
        const before = this.refusedEntries.get(id);
        if (before?.registration.url !== registration.url || before.reason !== allowed.problem) {
          logger.warn(
            { exchange: id, url: registration.url, rule: allowed.problem },
            "stored registration refused by this replica's EXCHANGE_URL_ALLOWLIST; not served here",
          );
        }
        this.refusedEntries.set(id, { registration, reason: allowed.problem });
        continue;
      }
      const current = directory.get(id);
      if (!current || current.url !== registration.url || JSON.stringify(current.info) !== JSON.stringify(infoOf(registration))) {
        try {
          directory.upsert(infoOf(registration), registration.url);
        } catch (err) {
          // Only a store written by something else than a gateway holds an unusable URL: skip it, keep serving.
          logger.warn({ exchange: id, err: (err as Error).message }, 'stored registration cannot be applied; ignored');
        }
      }
    }
    for (const id of this.refusedEntries.keys()) if (!refusedNow.has(id)) this.refusedEntries.delete(id);
    for (const exchange of directory.all()) {
      if ((stored.get(exchange.id)?.kind !== 'registration' || refusedNow.has(exchange.id)) && !this.unstoredDefaults.has(exchange.id)) {
        directory.remove(exchange.id);
        this.options.versions.forget(exchange.id);
      }
    }
    return stored;
  }

  /**
   * Every stored entry, and whether the marker is there; an entry that cannot be read is logged and
   * skipped (it must not stop the others). Refreshes `known` from what it read.
   */
  private async readStored(): Promise<{ entries: Map<string, StoredEntry>; marked: boolean }> {
    const raw = await this.options.store.recordGetAll(REGISTRATIONS_KEY);
    const entries = new Map<string, StoredEntry>();
    let marked = false;
    for (const [id, json] of Object.entries(raw)) {
      if (id === MARKER_FIELD) {
        marked = true;
        continue;
      }
      const entry = parseStored(json);
      if (entry) entries.set(id, entry);
      else this.options.logger.warn({ exchange: id, stored: json.slice(0, 200) }, 'stored registration is not readable; ignored');
    }
    if (marked) {
      // A markerless read is not the truth yet: `known` must survive it, to be restored from.
      this.known.clear();
      for (const [id, entry] of entries) this.known.set(id, JSON.stringify(storedValue(id, entry)));
    }
    return { entries, marked };
  }

  /**
   * The store has no marker: it lost the registry (or has never held one: the first start on this Redis,
   * or a registry stored before markers existed). Writes back what this replica knows and the store lacks,
   * each entry only if still absent, then the marker, and resolves to what the store then holds. Runs only
   * inside the queue; rejects when the store fails (the caller keeps the current set).
   */
  private async restoreLost(read: Map<string, StoredEntry>): Promise<Map<string, StoredEntry>> {
    const { store, logger } = this.options;
    const restored: string[] = [];
    for (const [id, json] of this.known) {
      if (!read.has(id) && (await store.recordSetIfAbsent(REGISTRATIONS_KEY, id, json))) restored.push(id);
    }
    await store.recordSet(REGISTRATIONS_KEY, MARKER_FIELD, JSON.stringify({ since: new Date().toISOString() }));
    if (this.known.size > 0) {
      logger.warn(
        { restored, tokens: 'exchange tokens are not restored: issue new ones (POST /admin/tokens)' },
        `Redis lost the registry; restored ${restored.length} entries from this replica`,
      );
      await store.publish(REGISTRY_CHANNEL, JSON.stringify({ action: 'restore' }));
    }
    const after = await this.readStored();
    return after.entries;
  }

  /** One write of one id's whole entry, remembered in `known`. */
  private async recordSet(id: string, json: string): Promise<void> {
    await this.options.store.recordSet(REGISTRATIONS_KEY, id, json);
    this.known.set(id, json);
  }

  /**
   * Checks, then stores and applies. `lenient` (the configured defaults at start): an exchange that cannot
   * be reached yet is registered anyway and starts OFFLINE until a probe succeeds; a wrong schema is still refused.
   */
  async register(registration: ExchangeRegistration, options: { lenient?: boolean } = {}): Promise<RegistrationOutcome> {
    const { id } = registration;
    if (this.checking.has(id)) {
      return { ok: false, status: 409, problems: [`${id}: a registration of this exchange is already being checked; wait for its answer, then try again`] };
    }
    if (this.checking.size >= MAX_CHECKS_IN_FLIGHT) {
      return { ok: false, status: 429, problems: [`registry: ${MAX_CHECKS_IN_FLIGHT} registrations are being checked already; try again in a few seconds`] };
    }
    this.checking.add(id);
    try {
      // What the store holds for this id now: the registration is refused if that changes while it is checked.
      let seen: string | null;
      try {
        seen = await this.options.store.recordGet(REGISTRATIONS_KEY, id);
      } catch (err) {
        return { ok: false, status: 503, problems: [`registry: could not read the registry (${(err as Error).message}); nothing changed`] };
      }
      const checked = await this.check(registration);
      return await this.serialise(() => this.apply(registration, checked, { ...options, unlessChangedFrom: seen }));
    } finally {
      this.checking.delete(id);
    }
  }

  private async apply(
    registration: ExchangeRegistration,
    checked: CheckResult,
    options: { lenient?: boolean; unlessTombstoned?: boolean; unlessChangedFrom?: string | null },
  ): Promise<RegistrationOutcome> {
    if (!checked.ok && !(options.lenient && checked.unreachable)) {
      return {
        ok: false,
        status: 422,
        problems: checked.problems,
        ...(checked.rule ? { rule: checked.rule } : {}),
        ...(checked.report ? { report: checked.report } : {}),
      };
    }
    const created = !this.options.directory.get(registration.id);
    try {
      const current =
        options.unlessTombstoned || options.unlessChangedFrom !== undefined ? await this.options.store.recordGet(REGISTRATIONS_KEY, registration.id) : null;
      // A default checked at start while another replica removed it: the removal stands.
      if (options.unlessTombstoned && parseStored(current ?? '')?.kind === 'tombstone') {
        return { ok: false, status: 409, problems: [`${registration.id}: removed through the admin API meanwhile; not restored`] };
      }
      // Another change of this id was stored while this one was checked: it stands, this one does not.
      if (options.unlessChangedFrom !== undefined && current !== options.unlessChangedFrom) {
        const what = parseStored(current ?? '')?.kind === 'tombstone' ? 'removed' : 'registered again';
        return {
          ok: false,
          status: 409,
          problems: [
            `${registration.id}: ${what} (on this or another gateway replica) while this registration was being checked; nothing changed, register again if this one should stand`,
          ],
        };
      }
      await this.recordSet(registration.id, JSON.stringify(registration));
    } catch (err) {
      // A configured default still serves when Redis is down at start; a runtime change must be durable or not happen.
      if (!options.lenient)
        return { ok: false, status: 503, problems: [`registry: could not store the registration (${(err as Error).message}); nothing changed`] };
      this.options.logger.warn(
        { exchange: registration.id, err: (err as Error).message },
        'default exchange registered in this process only: the registry store is unavailable',
      );
      this.unstoredDefaults.set(registration.id, registration);
    }
    this.refusedEntries.delete(registration.id);
    const entry = this.options.directory.upsert(infoOf(registration), registration.url);
    if (checked.ok) this.options.versions.observe(registration.id, checked.catalogVersion);
    else this.options.directory.markOffline(entry.id);
    await this.options.store.publish(REGISTRY_CHANNEL, JSON.stringify({ id: registration.id, action: 'upsert' }));
    this.options.logger.info({ exchange: registration.id, url: registration.url, created }, 'exchange registered');
    return { ok: true, registration, created, catalogVersion: checked.ok ? checked.catalogVersion : null };
  }

  /**
   * Removes an exchange everywhere: its stored registration becomes a tombstone (one write, see the class
   * comment), so a configured exchange stays removed after a restart. Resolves whether it was registered
   * (stored, or in this replica's directory); an unknown id changes nothing. Rejects with
   * CacheUnavailableError when the store cannot record the removal; then nothing changed.
   */
  remove(id: string): Promise<boolean> {
    return this.serialise(async () => {
      const stored = parseStored((await this.options.store.recordGet(REGISTRATIONS_KEY, id)) ?? '');
      const known = stored?.kind === 'registration' || Boolean(this.options.directory.get(id)) || this.refusedEntries.has(id) || this.refusedDefaults.has(id);
      if (!known) return false;
      const tombstone: StoredEntry = { kind: 'tombstone', removedAt: new Date().toISOString() };
      await this.recordSet(id, JSON.stringify(storedValue(id, tombstone)));
      this.unstoredDefaults.delete(id);
      this.refusedEntries.delete(id);
      this.refusedDefaults.delete(id);
      this.options.directory.remove(id);
      this.options.versions.forget(id);
      await this.options.store.publish(REGISTRY_CHANNEL, JSON.stringify({ id, action: 'remove' }));
      this.options.logger.info({ exchange: id }, 'exchange removed');
      return true;
    });
  }

  /** The checks, outside the queue: network calls (seconds at worst) and the schema checks (in a worker thread). */
  private async check(registration: ExchangeRegistration): Promise<CheckResult> {
    if (this.options.checker) return this.options.checker(registration);
    const timeoutMs = this.options.checkTimeoutMs ?? 3000;
    const { allowlist } = this.options;
    const guarded = await guardExchangeUrl(registration.url, allowlist);
    if (!guarded.ok) return { ok: false, problems: [guarded.problem], unreachable: false, rule: 'url-allowed' };
    const sdl = await fetchServiceSdl(guarded.url, { timeoutMs, maxBytes: this.options.maxSdlBytes ?? DEFAULT_SDL_MAX_BYTES, allowlist });
    if (!sdl.ok) return { ok: false, problems: [sdl.problem], unreachable: true, rule: 'reachable' };
    const problems = await this.sdlChecker.check(sdl.sdl);
    if (problems.length > 0) return { ok: false, problems, unreachable: false, rule: 'contract' };
    const probe = await probeExchange(guarded.url, { timeoutMs, allowlist, exchange: registration.id });
    if (!probe.ok) return { ok: false, problems: [probe.problem], unreachable: true, rule: 'probe' };
    // The schema can be right and the behaviour wrong (tie order, cursors, counts): the kit's short subset
    // catches what would spoil every merged answer, before the exchange joins the shard set. An exchange
    // with no listings yet has no behaviour to judge (and nothing to spoil): it is checked when it
    // registers again with listings.
    if (probe.totalCount === 0) {
      this.options.logger.info({ exchange: registration.id }, 'exchange has no listings yet: the registration conformance subset is skipped');
      return { ok: true, catalogVersion: probe.catalogVersion };
    }
    const conformance = await checkRegistrationConformance(guarded.url, registration.id, {
      allowlist,
      timeBudgetMs: this.options.conformanceBudgetMs,
      requestTimeoutMs: timeoutMs,
    });
    if (!conformance.ok) {
      this.options.logger.warn(
        { exchange: registration.id, url: registration.url, problems: conformance.problems },
        'exchange failed the registration conformance subset',
      );
      return { ok: false, problems: conformance.problems, unreachable: conformance.unreachable, rule: 'conformance', report: conformance.report };
    }
    return { ok: true, catalogVersion: probe.catalogVersion };
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    if (this.retryTimer) clearInterval(this.retryTimer);
    await this.unsubscribe?.();
    // Let a change or reload under way finish before the directory and store it uses are closed.
    await this.sdlChecker.close();
    await this.queue;
  }
}

/** What is stored for an entry (the inverse of parseStored). */
function storedValue(id: string, entry: StoredEntry): object {
  return entry.kind === 'registration' ? entry.registration : { id, removed: true, removedAt: entry.removedAt };
}

/** A stored value: a registration, a tombstone, or null when it is neither (corrupt, or empty). */
function parseStored(json: string): StoredEntry | null {
  let value: any;
  try {
    value = JSON.parse(json);
  } catch {
    return null;
  }
  if (value === null || typeof value !== 'object') return null;
  if (value.removed === true) return { kind: 'tombstone', removedAt: String(value.removedAt ?? '') };
  if (typeof value.id === 'string' && typeof value.url === 'string') return { kind: 'registration', registration: value as ExchangeRegistration };
  return null;
}

function infoOf(registration: ExchangeRegistration) {
  const { url: _url, ...info } = registration;
  return info;
}
