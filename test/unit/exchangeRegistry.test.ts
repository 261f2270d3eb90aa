import { describe, it, expect, afterEach, vi } from 'vitest';
import { ExchangeRegistry, MAX_CHECKS_IN_FLIGHT, REGISTRY_CHANNEL, type RegistrationCheck } from '../../gateway/src/registry/ExchangeRegistry.ts';
import type { ExchangeRegistration } from '../../gateway/src/registry/registrationInput.ts';
import { ExchangeDirectory } from '../../gateway/src/directory/ExchangeDirectory.ts';
import { CatalogVersions } from '../../gateway/src/cache/CatalogVersions.ts';
import { MemoryCache } from '../../gateway/src/cache/MemoryCache.ts';
import { DEFAULT_ALLOWLIST, parseAllowlist, type HostAllowlist } from '../../gateway/src/exchangeClient/hostAllowlist.ts';

// The registry's own logic (what is stored, served, refused, and in which order) with the MemoryCache
// store and a fake checker in place of the network checks and the schema worker: the fake stands for an
// exchange's answers, which the end-to-end registration tests produce for real.

const STORE_KEY = 'registry:exchanges';

function registration(id: string, port = 4100): ExchangeRegistration {
  return {
    id,
    name: `Exchange ${id}`,
    nameZh: '数据交易所',
    city: 'Shenzhen',
    province: 'Guangdong',
    divisionCode: '440300',
    url: `http://127.0.0.1:${port}/graphql`,
  };
}

/** A checker whose every answer the test decides, and can hold back to keep a check in flight. */
class FakeChecker {
  readonly checked: string[] = [];
  private readonly held = new Map<string, () => void>();
  answers = new Map<string, RegistrationCheck>();

  check = async (r: ExchangeRegistration): Promise<RegistrationCheck> => {
    this.checked.push(r.id);
    if (this.held.has(r.id)) await new Promise<void>((resolve) => this.held.set(r.id, resolve));
    return this.answers.get(r.id) ?? { ok: true, catalogVersion: `v-${r.id}.1` };
  };

  hold(id: string): void {
    this.held.set(id, () => {});
  }

  release(id: string): void {
    const resume = this.held.get(id);
    this.held.delete(id);
    resume?.();
  }
}

interface Replica {
  registry: ExchangeRegistry;
  directory: ExchangeDirectory;
  versions: CatalogVersions;
  checker: FakeChecker;
  logs: Array<{ level: string; fields: Record<string, unknown>; msg: string }>;
}

const opened: Replica[] = [];
afterEach(async () => {
  for (const replica of opened.splice(0)) {
    await replica.registry.stop();
    await replica.directory.close();
  }
});

function replica(store: MemoryCache, allowlist: HostAllowlist = DEFAULT_ALLOWLIST, defaultsRetryMs?: number): Replica {
  const logs: Replica['logs'] = [];
  const log = (level: string) => (fields: Record<string, unknown>, msg: string) => logs.push({ level, fields, msg });
  const directory = new ExchangeDirectory({ timeoutMs: 1000 });
  const versions = new CatalogVersions(store);
  const checker = new FakeChecker();
  const registry = new ExchangeRegistry({
    directory,
    store,
    versions,
    allowlist,
    checker: checker.check,
    reloadIntervalMs: 60_000,
    ...(defaultsRetryMs === undefined ? {} : { defaultsRetryMs }),
    logger: { info: log('info'), warn: log('warn'), error: log('error') } as never,
  });
  const made = { registry, directory, versions, checker, logs };
  opened.push(made);
  return made;
}

describe('exchange registry', () => {
  it('stores, serves and announces a registration whose checks pass', async () => {
    const store = new MemoryCache();
    const messages: string[] = [];
    await store.subscribe(REGISTRY_CHANNEL, (m) => messages.push(m));
    const { registry, directory } = replica(store);
    await registry.start([]);

    const outcome = await registry.register(registration('sz'));
    expect(outcome).toEqual({ ok: true, registration: registration('sz'), created: true, catalogVersion: 'v-sz.1' });
    expect(directory.get('sz')?.url).toBe('http://127.0.0.1:4100/graphql');
    expect(JSON.parse((await store.recordGet(STORE_KEY, 'sz'))!)).toEqual(registration('sz'));
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(messages).toContain(JSON.stringify({ id: 'sz', action: 'upsert' }));

    const moved = await registry.register(registration('sz', 4200));
    expect(moved).toMatchObject({ ok: true, created: false });
    expect(directory.get('sz')?.url).toBe('http://127.0.0.1:4200/graphql');
  });

  it('refuses a registration whose checks fail with 422 and every problem, and changes nothing', async () => {
    const store = new MemoryCache();
    const { registry, directory, checker } = replica(store);
    await registry.start([]);
    checker.answers.set('sz', { ok: false, problems: ['type Dataset: field price missing', 'enum DatasetSort: RELEVANCE missing'], unreachable: false });
    expect(await registry.register(registration('sz'))).toEqual({
      ok: false,
      status: 422,
      problems: ['type Dataset: field price missing', 'enum DatasetSort: RELEVANCE missing'],
    });
    expect(directory.get('sz')).toBeUndefined();
    expect(await store.recordGet(STORE_KEY, 'sz')).toBeNull();
    expect(checker.checked).toEqual(['sz']);
  });

  it('checks a configured exchange refused at start again until it passes, and serves it then', async () => {
    const store = new MemoryCache();
    const { registry, directory, checker, logs } = replica(store, DEFAULT_ALLOWLIST, 20);
    // A start-up check that fails without the exchange being unreachable (its conformance budget ran out on a loaded machine).
    checker.answers.set('hz', { ok: false, problems: ['conformance: the registration subset did not finish within 15000 ms'], unreachable: false });
    await registry.start([registration('hz', 4101)]);
    expect(directory.get('hz')).toBeUndefined();
    expect(logs.some((l) => l.msg.startsWith('configured exchange not registered'))).toBe(true);

    checker.answers.delete('hz');
    await vi.waitFor(() => expect(directory.get('hz')?.url).toBe('http://127.0.0.1:4101/graphql'), { timeout: 5000, interval: 10 });
    expect(JSON.parse((await store.recordGet(STORE_KEY, 'hz'))!)).toEqual(registration('hz', 4101));
    const checksAfter = checker.checked.length;
    await new Promise((resolve) => setTimeout(resolve, 100));
    // Once it serves, it is not checked again.
    expect(checker.checked.length).toBe(checksAfter);
  });

  it('stops checking a refused configured exchange once the admin API removed it', async () => {
    const store = new MemoryCache();
    const { registry, directory, checker } = replica(store, DEFAULT_ALLOWLIST, 20);
    checker.answers.set('hz', { ok: false, problems: ['type Dataset: field price missing'], unreachable: false });
    await registry.start([registration('hz', 4101)]);
    expect(await registry.remove('hz')).toBe(true);
    const checksAtRemoval = checker.checked.length;
    checker.answers.delete('hz');
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(directory.get('hz')).toBeUndefined();
    expect(checker.checked.length).toBe(checksAtRemoval);
  });

  it('registers a configured exchange that cannot be reached yet as OFFLINE, but not one with a wrong schema', async () => {
    const store = new MemoryCache();
    const { registry, directory, checker } = replica(store);
    checker.answers.set('sz', { ok: false, problems: ['url: connection refused'], unreachable: true });
    checker.answers.set('hz', { ok: false, problems: ['type Dataset: field price missing'], unreachable: false });
    await registry.start([registration('sz'), registration('hz', 4101)]);
    expect(directory.get('sz')?.health.phase).toBe('offline');
    expect(directory.get('sz')?.isAvailable()).toBe(false);
    expect(directory.get('hz')).toBeUndefined();
    // At run time the same unreachable exchange is refused: only configured defaults are lenient.
    checker.answers.set('gz', { ok: false, problems: ['url: connection refused'], unreachable: true });
    expect(await registry.register(registration('gz', 4102))).toMatchObject({ ok: false, status: 422 });
  });

  it('refuses a second registration of an id while the first is checked (409), and more than the limit at once (429)', async () => {
    const store = new MemoryCache();
    const { registry, checker } = replica(store);
    await registry.start([]);
    const ids = Array.from({ length: MAX_CHECKS_IN_FLIGHT }, (_, i) => `ex${String.fromCharCode(97 + i)}`);
    for (const id of ids) checker.hold(id);
    const first = ids.map((id, i) => registry.register(registration(id, 4300 + i)));
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(checker.checked).toEqual(ids);

    const again = await registry.register(registration(ids[0], 4400));
    expect(again).toMatchObject({ ok: false, status: 409 });
    expect((again as { problems: string[] }).problems[0]).toMatch(new RegExp(`^${ids[0]}: a registration of this exchange is already being checked`));
    expect(await registry.register(registration('other'))).toMatchObject({ ok: false, status: 429 });

    for (const id of ids) checker.release(id);
    expect((await Promise.all(first)).every((o) => o.ok)).toBe(true);
    expect(checker.checked).toHaveLength(MAX_CHECKS_IN_FLIGHT);
  });

  it('refuses a registration (409) when the id was removed while it was checked: the removal stands', async () => {
    const store = new MemoryCache();
    const { registry, directory, checker } = replica(store);
    await registry.start([]);
    await registry.register(registration('sz'));
    checker.hold('sz');
    const pending = registry.register(registration('sz', 4500));
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(await registry.remove('sz')).toBe(true);
    checker.release('sz');
    const outcome = await pending;
    expect(outcome).toMatchObject({ ok: false, status: 409 });
    expect((outcome as { problems: string[] }).problems[0]).toMatch(
      /^sz: removed \(on this or another gateway replica\) while this registration was being checked/,
    );
    expect(directory.get('sz')).toBeUndefined();
    expect(JSON.parse((await store.recordGet(STORE_KEY, 'sz'))!)).toMatchObject({ id: 'sz', removed: true });
  });

  it('keeps a configured exchange removed through the admin API removed at the next start', async () => {
    const store = new MemoryCache();
    const first = replica(store);
    await first.registry.start([registration('sz')]);
    expect(first.directory.get('sz')).toBeDefined();
    expect(await first.registry.remove('sz')).toBe(true);
    expect(await first.registry.remove('sz')).toBe(false);

    const restarted = replica(store);
    await restarted.registry.start([registration('sz')]);
    expect(restarted.directory.get('sz')).toBeUndefined();
    expect(restarted.checker.checked).toEqual([]);
    expect(restarted.logs.some((l) => l.msg.startsWith('configured exchange stays removed'))).toBe(true);
  });

  it("applies another replica's registration on reload, and restores a registry the store lost", async () => {
    const store = new MemoryCache();
    const a = replica(store);
    const b = replica(store);
    await a.registry.start([]);
    await b.registry.start([]);
    await a.registry.register(registration('sz'));
    await b.registry.reload();
    expect(b.directory.get('sz')?.url).toBe('http://127.0.0.1:4100/graphql');

    // The store forgets everything (a Redis restarted without persistence): a replica writes back what it knew.
    for (const field of Object.keys(await store.recordGetAll(STORE_KEY))) await store.recordDelete(STORE_KEY, field);
    await b.registry.reload();
    expect(b.directory.get('sz')).toBeDefined();
    expect(JSON.parse((await store.recordGet(STORE_KEY, 'sz'))!)).toEqual(registration('sz'));
    expect(b.logs.some((l) => l.level === 'warn' && l.msg === 'Redis lost the registry; restored 1 entries from this replica')).toBe(true);
  });

  it("does not serve a stored registration off this replica's allow-list, and lists it as refused", async () => {
    const store = new MemoryCache();
    const open = replica(store, parseAllowlist('127.0.0.1,exchange.example.cn'));
    await open.registry.start([]);
    const elsewhere = { ...registration('hz'), url: 'http://exchange.example.cn/graphql' };
    expect(await open.registry.register(elsewhere)).toMatchObject({ ok: true });

    const strict = replica(store);
    await strict.registry.start([]);
    expect(strict.directory.get('hz')).toBeUndefined();
    expect(strict.registry.refused()).toHaveLength(1);
    expect(strict.registry.refused()[0].registration.id).toBe('hz');
    expect(strict.registry.refused()[0].reason).toMatch(/exchange\.example\.cn/);
  });
});
