import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startService, stopAll, type Service } from '../../devkit/processes.ts';
import { FlakyProxy } from '../../devkit/FlakyProxy.ts';
import { exchangeService, gatewayService, providersService } from '../../devkit/services.ts';
import { startRedisServer, type RedisServer } from '../../devkit/redisServer.ts';

// Pruning by catalog summaries with real processes (docs/scale-out.md): six exchanges seeded unevenly
// (SEED_CATEGORIES), each behind a FlakyProxy that counts query calls and catalogSummary calls apart;
// two pruning gateways on one redis-server of this file's own (summaries are shared through it), and one
// gateway that calls every exchange (EXCHANGE_PRUNING=false, caches off) whose answers are the reference.
// Which exchanges can answer a filter is read from each exchange directly, not from the gateway.

const CATEGORIES_OF: Record<string, string[]> = {
  pa: ['AUDIO_SAMPLES', 'FINANCE'],
  pb: ['AUDIO_SAMPLES', 'TRANSPORT'],
  pc: ['AUDIO_SAMPLES', 'ENERGY'],
  pd: ['FINANCE', 'TRANSPORT'],
  pe: ['PUBLIC_HEALTH', 'ENERGY'],
  pf: ['PUBLIC_HEALTH', 'GEOSPATIAL'],
};
const IDS = Object.keys(CATEGORIES_OF);
const PER_EXCHANGE = 30;
const ADMIN_TOKEN = 'pruning-e2e-admin-token';

let dataDir: string;
let redis: RedisServer;
const services: Service[] = [];
const exchangeUrls: Record<string, string> = {};
const proxies: Record<string, FlakyProxy> = {};
let exchangesFile: string;
let providersUrl: string;
/** Pruning gateways on the shared Redis. */
let first: Service;
let second: Service;
/** Every exchange called, caches off: the answer pruning must equal. */
let reference: Service;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'pruning-e2e-'));
  redis = await startRedisServer();
  const common = { LOG_LEVEL: 'warn', NODE_ENV: undefined };
  const started = await Promise.all([
    startService(providersService({ args: ['--port', '0'], env: common, quiet: true, timeoutMs: 180_000 })),
    ...IDS.map((id) =>
      startService(
        exchangeService(id, {
          args: ['--division-code', '440300'],
          quiet: true,
          timeoutMs: 180_000,
          env: {
            ...common,
            DATA_DIR: dataDir,
            SEED_PER_EXCHANGE: String(PER_EXCHANGE),
            SEED_CATEGORIES: CATEGORIES_OF[id].join(','),
            EXCHANGE_ADMIN_TOKEN: ADMIN_TOKEN,
          },
        }),
      ),
    ),
  ]);
  services.push(...started);
  providersUrl = started[0].url;
  const infos = await Promise.all(
    IDS.map(async (id, i) => {
      exchangeUrls[id] = started[i + 1].url;
      proxies[id] = await new FlakyProxy(exchangeUrls[id]).start();
      const health = (await (await fetch(exchangeUrls[id].replace(/\/graphql$/, '/health'))).json()) as Record<string, unknown>;
      const { name, nameZh, city, province, divisionCode } = health;
      return { id, name, nameZh, city, province, divisionCode, url: proxies[id].url };
    }),
  );
  exchangesFile = join(dataDir, 'exchanges.json');
  writeFileSync(exchangesFile, JSON.stringify({ exchanges: infos }));
  [first, reference] = await Promise.all([
    startGateway('gateway-first', { REDIS_URL: redis.url }),
    startGateway('gateway-reference', { EXCHANGE_PRUNING: 'false', CACHE_DISABLED: '1' }),
  ]);
  await Promise.all([allOnline(first), allOnline(reference)]);
  await summariesLoaded(first);
}, 360_000);

afterAll(async () => {
  await stopAll(services);
  await Promise.all(Object.values(proxies).map((proxy) => proxy.close()));
  await redis?.stop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

async function startGateway(name: string, env: Record<string, string | undefined>): Promise<Service> {
  const service = await startService(
    gatewayService({
      name,
      quiet: true,
      timeoutMs: 180_000,
      env: {
        LOG_LEVEL: 'warn',
        NODE_ENV: undefined,
        PORT: '0',
        PROVIDERS_URL: providersUrl,
        EXCHANGES_FILE: exchangesFile,
        EXCHANGE_TIMEOUT_MS: '5000',
        HEALTH_INTERVAL_MS: '600000',
        REDIS_URL: undefined,
        REDIS_CLUSTER_NODES: undefined,
        ...env,
      },
    }),
  );
  services.push(service);
  return service;
}

async function until(what: string, condition: () => Promise<boolean>, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** On a loaded machine an exchange may miss its check at start and begin OFFLINE; a probe brings it back. */
async function allOnline(gateway: Service): Promise<void> {
  await until(`${gateway.name}: every exchange ONLINE`, async () => {
    const health = (await (await fetch(gateway.url.replace(/\/graphql$/, '/health'))).json()) as { exchanges: Array<{ status: string }> };
    return health.exchanges.length === IDS.length && health.exchanges.every((e) => e.status === 'ONLINE');
  });
}

async function metric(gateway: Service, pattern: RegExp): Promise<number> {
  const text = await (await fetch(gateway.url.replace(/\/graphql$/, '/metrics'))).text();
  return Number(pattern.exec(text)?.[1] ?? 0);
}

/** A filtered query asks for the summaries not held; the gauge says when every one is. */
async function summariesLoaded(gateway: Service): Promise<void> {
  await until(`${gateway.name}: every catalog summary held`, async () => {
    await post(gateway, datasets('{ categories: [AUDIO_SAMPLES] }'));
    return (await metric(gateway, /^gateway_catalog_summaries (\d+)/m)) === IDS.length;
  });
}

async function post(gateway: Service, query: string): Promise<any> {
  const response = await fetch(gateway.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query }) });
  expect(response.status).toBe(200);
  return response.json();
}

let queryNumber = 0;
/**
 * A datasets query no cache has seen, so its calls reach the exchanges: an alias of its own differs from
 * every earlier one (the alias reaches the exchanges' query text; `first` alone may not, as each exchange is
 * asked for a small page of its own: docs/scale-out.md#small-pages). `first` grows up to the contract's 100.
 */
function datasets(filter?: string): string {
  queryNumber++;
  return `{ datasets(first: ${Math.min(queryNumber, 100)}${filter ? `, filter: ${filter}` : ''}) { totalCount missingExchanges nodes { id } q${queryNumber}: __typename } }`;
}

/** An unfiltered page of `first` in `sort` after `after`, with an alias of its own (so no cache answers it). */
function unfilteredPage(sort: string, first: number, after: string | null): string {
  queryNumber++;
  const cursor = after ? `, after: ${JSON.stringify(after)}` : '';
  return `{ datasets(sort: ${sort}, first: ${first}${cursor}) { totalCount missingExchanges pageInfo { hasNextPage endCursor } edges { cursor node { id } } q${queryNumber}: __typename } }`;
}

/** The exchanges whose own catalog holds a listing matching `filter`, asked directly. */
async function holdersOf(filter: string): Promise<string[]> {
  const counts = await directCounts(filter);
  return IDS.filter((_, i) => counts[i] > 0);
}

/** Each exchange's own count of the listings matching `filter`, in the order of IDS. */
async function directCounts(filter: string): Promise<number[]> {
  return Promise.all(
    IDS.map(async (id) => {
      const response = await fetch(exchangeUrls[id], {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: `{ datasets(first: 0, filter: ${filter}) { totalCount } }` }),
      });
      return ((await response.json()) as any).data.datasets.totalCount as number;
    }),
  );
}

/** Runs `query` on `gateway`; returns its answer and the exchanges it called (counted at the proxies). */
async function calledBy(gateway: Service, query: string): Promise<{ answer: any; called: string[]; summaries: number }> {
  const calls = IDS.map((id) => proxies[id].calls);
  const summaries = IDS.reduce((sum, id) => sum + proxies[id].summaries, 0);
  const answer = await post(gateway, query);
  return {
    answer,
    called: IDS.filter((id, i) => proxies[id].calls > calls[i]),
    summaries: IDS.reduce((sum, id) => sum + proxies[id].summaries, 0) - summaries,
  };
}

/** The pruned answer and the reference's to the same query are the same data. */
async function expectSameAsUnpruned(query: string, pruned: any): Promise<any> {
  const expected = await post(reference, query);
  expect(expected.errors).toBeUndefined();
  expect(pruned.errors).toBeUndefined();
  expect(pruned.data).toEqual(expected.data);
  return expected;
}

async function setPrice(exchange: string, model: string, amount: string): Promise<string> {
  const id = (await holdersOfIds(exchange))[0];
  const response = await fetch(exchangeUrls[exchange].replace(/\/graphql$/, '/admin/prices'), {
    method: 'POST',
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ datasetId: id, model, amount }),
  });
  expect(response.status, await response.clone().text()).toBe(200);
  await response.body?.cancel();
  return id;
}

async function holdersOfIds(exchange: string): Promise<string[]> {
  const response = await fetch(exchangeUrls[exchange], {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: '{ datasets(first: 5) { nodes { id } } }' }),
  });
  return ((await response.json()) as any).data.datasets.nodes.map((n: { id: string }) => n.id);
}

/**
 * The gateway learns every exchange's current version from the answers to a query every exchange answers:
 * statistics with no filter (an unfiltered page goes only to the exchanges holding its rows). Its alias
 * is new each time, so no cache answers it.
 */
async function learnVersions(gateway: Service): Promise<void> {
  queryNumber++;
  const answer = await post(gateway, `{ priceStatistics(groupBy: [EXCHANGE]) { missingExchanges buckets { keys } q${queryNumber}: __typename } }`);
  expect(answer.data.priceStatistics.missingExchanges).toEqual([]);
  expect(answer.data.priceStatistics.buckets).toHaveLength(IDS.length);
}

describe('pruning by catalog summaries, real processes', () => {
  it('calls exactly the three exchanges that list a category, and answers as calling all six does', async () => {
    const filter = '{ categories: [AUDIO_SAMPLES] }';
    const holders = await holdersOf(filter);
    expect(holders).toEqual(['pa', 'pb', 'pc']);
    const query = datasets(filter);
    const { answer, called, summaries } = await calledBy(first, query);
    expect(called).toEqual(holders);
    expect(summaries).toBe(0);
    expect(answer.data.datasets.missingExchanges).toEqual([]);
    const expected = await expectSameAsUnpruned(query, answer);
    expect(expected.data.datasets.totalCount).toBeGreaterThan(0);
    // The gateway's own count of the calls it sent agrees with the proxies'.
    for (const id of IDS) {
      const pruned = await metric(first, new RegExp(`^gateway_fanout_decisions_total\\{exchange="${id}",decision="pruned"\\} (\\d+)`, 'm'));
      expect(pruned > 0, id).toBe(!holders.includes(id));
    }
  });

  it('prunes text-search filters only where the text index lacks a term, with the same answer', async () => {
    const texts = ['speech', '语音', 'speech corpus', 'qwertyuiopzx', 'Finance'];
    let pruned = 0;
    for (const text of texts) {
      const filter = `{ text: ${JSON.stringify(text)} }`;
      const holders = await holdersOf(filter);
      const query = datasets(filter);
      const { answer, called } = await calledBy(first, query);
      for (const id of holders) expect(called, `${text}: ${id} holds a match`).toContain(id);
      pruned += IDS.length - called.length;
      await expectSameAsUnpruned(query, answer);
    }
    // Not vacuous: the audio words are in three catalogs only, and the made-up word in none.
    expect(pruned).toBeGreaterThanOrEqual(8);
  });

  it("calls for a provider's datasets only the exchanges that may list the provider, with the same answer", async () => {
    // Who lists whom, read from each exchange directly.
    const listed = await Promise.all(
      IDS.map(async (id) => {
        const response = await fetch(exchangeUrls[id], {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ query: `{ datasets(first: ${PER_EXCHANGE * 2}) { nodes { provider { uscc } } } }` }),
        });
        return new Set(((await response.json()) as any).data.datasets.nodes.map((n: { provider: { uscc: string } }) => n.provider.uscc) as string[]);
      }),
    );
    const holdersByUscc = new Map<string, string[]>();
    IDS.forEach((id, i) => {
      for (const uscc of listed[i]) holdersByUscc.set(uscc, [...(holdersByUscc.get(uscc) ?? []), id]);
    });
    const fewest = [...holdersByUscc].sort((a, b) => a[1].length - b[1].length).slice(0, 5);
    expect(fewest.length).toBeGreaterThan(0);
    let pruned = 0;
    for (const [uscc, holders] of fewest) {
      expect(holders.length).toBeLessThan(IDS.length);
      queryNumber++;
      const query = `{ provider(uscc: "${uscc}") { uscc datasets(first: ${queryNumber}) { totalCount missingExchanges nodes { id } } q${queryNumber}: __typename } }`;
      const { answer, called } = await calledBy(first, query);
      for (const id of holders) expect(called, `${uscc}: ${id} lists it`).toContain(id);
      pruned += IDS.length - called.length;
      expect(answer.data.provider.datasets.missingExchanges).toEqual([]);
      const expected = await expectSameAsUnpruned(query, answer);
      expect(expected.data.provider.datasets.totalCount).toBeGreaterThan(0);
    }
    // Not vacuous: each of these providers is listed by fewer than all six (a Bloom filter's false positive
    // may add a call, rarely).
    expect(pruned).toBeGreaterThanOrEqual(fewest.length);

    // Many providers at once (a lifted fan-out: each representation goes to its own exchanges), including
    // any the exchanges do not list, whose connection is empty rather than null.
    queryNumber++;
    const list = `{ providers(first: 100) { nodes { uscc datasets(first: ${queryNumber}) { totalCount missingExchanges nodes { id } } } } }`;
    const { answer, called } = await calledBy(first, list);
    expect(called.length).toBeGreaterThan(0);
    const expected = await expectSameAsUnpruned(list, answer);
    const nodes = expected.data.providers.nodes as Array<{ uscc: string; datasets: { totalCount: number } }>;
    expect(nodes.length).toBeGreaterThan(0);
    for (const node of nodes) {
      const count = IDS.reduce((sum, id, i) => sum + (listed[i].has(node.uscc) ? 1 : 0), 0);
      expect(node.datasets.totalCount > 0, node.uscc).toBe(count > 0);
    }
  });

  it('shares summaries through Redis: a second replica and a restarted gateway ask no exchange for one', async () => {
    const before = IDS.map((id) => proxies[id].summaries);
    expect(before.every((n) => n >= 1)).toBe(true);
    second = await startGateway('gateway-second', { REDIS_URL: redis.url });
    await allOnline(second);
    await summariesLoaded(second);
    const filter = '{ categories: [AUDIO_SAMPLES] }';
    const { answer, called } = await calledBy(second, datasets(filter));
    expect(called).toEqual(['pa', 'pb', 'pc']);
    expect(answer.data.datasets.missingExchanges).toEqual([]);
    expect(IDS.map((id) => proxies[id].summaries)).toEqual(before);
    expect(await metric(second, /^gateway_summary_fetches_total\{[^}]*\} (\d+)/m)).toBe(0);

    // The first gateway, restarted: its memory is gone, Redis is not.
    await stopAll([first]);
    first = await startGateway('gateway-first-again', { REDIS_URL: redis.url });
    await allOnline(first);
    await summariesLoaded(first);
    expect((await calledBy(first, datasets(filter))).called).toEqual(['pa', 'pb', 'pc']);
    expect(IDS.map((id) => proxies[id].summaries)).toEqual(before);
  });

  it('fetches a summary again once the catalog version moves, before pruning by it', async () => {
    const bound = '50000000';
    const filter = `{ minPrice: "${bound}" }`;
    expect(await holdersOf(filter)).toEqual([]);
    const before = await calledBy(first, datasets(filter));
    expect(before.answer.data.datasets.totalCount).toBe(0);
    // At least one exchange is always called (the answer's shape comes from one); the others are pruned.
    expect(before.called.length).toBeLessThanOrEqual(1);
    expect(before.called).not.toContain('pd');

    const changed = await setPrice('pd', 'ONE_TIME', '60000000.00');
    expect(await holdersOf(filter)).toEqual(['pd']);
    await learnVersions(first);
    const summaries = proxies.pd.summaries;
    const query = datasets(filter);
    const after = await calledBy(first, query);
    expect(proxies.pd.summaries).toBe(summaries + 1);
    expect(after.called).toContain('pd');
    expect(after.answer.data.datasets.nodes.map((n: { id: string }) => n.id)).toEqual([changed]);
    await expectSameAsUnpruned(query, after.answer);
    // The new summary is kept: the same filter again fetches none.
    const again = await calledBy(first, datasets(filter));
    expect(again.summaries).toBe(0);
    expect(again.called).toContain('pd');
  });

  it('after a price change fetches the summary without its token filter, and prunes text by the filter it holds', async () => {
    // A word some catalogs hold and pc's does not: pruning pc for it needs pc's token filter.
    const candidates = ['finance', 'transport', 'energy', 'health', 'geospatial', 'traffic'];
    let word = '';
    for (const candidate of candidates) {
      const holders = await holdersOf(`{ text: ${JSON.stringify(candidate)} }`);
      if (holders.length > 0 && !holders.includes('pc')) {
        word = candidate;
        break;
      }
    }
    expect(word).not.toBe('');
    const filter = `{ text: ${JSON.stringify(word)} }`;
    // Every summary pc has answered so far carried its filter (the first fetch of each version, none held).
    expect(proxies.pc.summaryAnswers.length).toBeGreaterThan(0);
    const whole = proxies.pc.summaryAnswers.at(-1)!;
    const wholeSummary = JSON.parse(whole.text).data.catalogSummary;
    expect(wholeSummary.tokens.base64.length).toBeGreaterThan(1000);

    await setPrice('pc', 'ONE_TIME', '23.45');
    await learnVersions(first);
    const asked = proxies.pc.summaryBodies.length;
    const answered = proxies.pc.summaryAnswers.length;
    const query = datasets(filter);
    const { answer, called } = await calledBy(first, query);
    // One summary fetch, naming the filter held; the answer is the summary without it.
    expect(proxies.pc.summaryBodies.length).toBe(asked + 1);
    expect(proxies.pc.summaryBodies.at(-1)!.variables).toEqual({ heldTokens: wholeSummary.tokensVersion });
    expect(proxies.pc.summaryAnswers.length).toBe(answered + 1);
    const light = proxies.pc.summaryAnswers.at(-1)!;
    const lightSummary = JSON.parse(light.text).data.catalogSummary;
    expect(lightSummary.catalogVersion).not.toBe(wholeSummary.catalogVersion);
    expect(lightSummary.tokensVersion).toBe(wholeSummary.tokensVersion);
    expect(lightSummary.tokens).toBeNull();
    expect(light.bytes).toBeLessThan(whole.bytes - wholeSummary.tokens.base64.length);
    // pc is still pruned for the word (by the filter held), and the answer is the unpruned one.
    expect(called).not.toContain('pc');
    expect(called.length).toBeGreaterThan(0);
    await expectSameAsUnpruned(query, answer);
  });

  it('falls back to the older summary query for an exchange that lacks tokensVersion, and remembers it', async () => {
    const filter = '{ categories: [TRANSPORT] }';
    expect(await holdersOf(filter)).toEqual(['pb', 'pd']);
    proxies.pe.summaryMode = 'olderContract';
    try {
      await setPrice('pe', 'ONE_TIME', '34.56');
      await learnVersions(first);
      const asked = proxies.pe.summaryBodies.length;
      const query = datasets(filter);
      const { answer, called } = await calledBy(first, query);
      // Refused twice (validation errors: the newest query, then the one before firstCursors), then served by
      // the older query: pe is pruned by that summary.
      const bodies = proxies.pe.summaryBodies.slice(asked);
      expect(bodies.map((b) => [b.query?.includes('firstCursors'), b.query?.includes('tokensVersion')])).toEqual([
        [true, true],
        [false, true],
        [false, false],
      ]);
      expect(called).toEqual(['pb', 'pd']);
      await expectSameAsUnpruned(query, answer);
      const olderAnswer = JSON.parse(proxies.pe.summaryAnswers.at(-1)!.text).data.catalogSummary;
      expect(olderAnswer.tokens.base64.length).toBeGreaterThan(1000);

      // The next version: asked the older query alone.
      await setPrice('pe', 'ONE_TIME', '34.57');
      await learnVersions(first);
      const again = proxies.pe.summaryBodies.length;
      const next = await calledBy(first, datasets(filter));
      expect(proxies.pe.summaryBodies.slice(again).map((b) => b.query?.includes('tokensVersion'))).toEqual([false]);
      expect(next.called).toEqual(['pb', 'pd']);
    } finally {
      proxies.pe.summaryMode = null;
    }
  });

  it('asks an exchange of the contract before firstCursors the query before them, and keeps pruning it by its summary', async () => {
    const filter = '{ categories: [ENERGY] }';
    expect(await holdersOf(filter)).toEqual(['pc', 'pe']);
    proxies.pd.summaryMode = 'beforeCursors';
    try {
      await setPrice('pd', 'ONE_TIME', '45.67');
      await learnVersions(first);
      const asked = proxies.pd.summaryBodies.length;
      const query = datasets(filter);
      const { answer, called } = await calledBy(first, query);
      const bodies = proxies.pd.summaryBodies.slice(asked);
      expect(bodies.map((b) => [b.query?.includes('firstCursors'), b.query?.includes('tokensVersion')])).toEqual([
        [true, true],
        [false, true],
      ]);
      // The query before firstCursors still names the token filter held: the answer comes without it.
      expect(bodies[1].variables?.heldTokens).toEqual(expect.any(String));
      expect(JSON.parse(proxies.pd.summaryAnswers.at(-1)!.text).data.catalogSummary.tokens).toBeNull();
      expect(called).toEqual(['pc', 'pe']);
      await expectSameAsUnpruned(query, answer);
      // Without leading cursors pd is called for every unfiltered page, and the pages stay exact.
      for (const sort of ['UPDATED_DESC', 'TITLE_ASC']) {
        const page = unfilteredPage(sort, 2, null);
        const outcome = await calledBy(first, page);
        expect(outcome.called).toContain('pd');
        await expectSameAsUnpruned(page, outcome.answer);
      }
      // The next version: asked the query before firstCursors alone.
      await setPrice('pd', 'ONE_TIME', '45.68');
      await learnVersions(first);
      const again = proxies.pd.summaryBodies.length;
      expect((await calledBy(first, datasets(filter))).called).toEqual(['pc', 'pe']);
      expect(proxies.pd.summaryBodies.slice(again).map((b) => b.query?.includes('firstCursors'))).toEqual([false]);
    } finally {
      proxies.pd.summaryMode = null;
    }
  });

  it('calls for an unfiltered page only the exchanges holding its rows, with the same answer, page after page', async () => {
    let skipped = 0;
    let pages = 0;
    for (const sort of ['UPDATED_DESC', 'PRICE_ASC', 'PRICE_DESC', 'TITLE_ASC']) {
      for (const size of [1, 3, 7, 20]) {
        let after: string | null = null;
        for (let walk = 0; walk < 3; walk++) {
          const query = unfilteredPage(sort, size, after);
          const { answer, called } = await calledBy(first, query);
          const expected = await expectSameAsUnpruned(query, answer);
          const page = expected.data.datasets;
          pages++;
          // Which exchanges hold the page's rows, read from the reference's ids.
          const holders = [...new Set<string>(page.edges.map((e: { node: { id: string } }) => e.node.id.slice(0, e.node.id.indexOf(':'))))];
          expect(holders.length).toBeGreaterThan(0);
          for (const id of holders) expect(called, `${sort} first ${size}: ${id} holds a row of the page`).toContain(id);
          expect(page.missingExchanges).toEqual([]);
          skipped += IDS.length - called.length;
          if (!page.pageInfo.hasNextPage) break;
          after = page.pageInfo.endCursor;
        }
      }
    }
    expect(pages).toBeGreaterThan(30);
    // Not vacuous: small pages hold rows of few of the six exchanges.
    expect(skipped).toBeGreaterThan(pages);
  });

  it('shows a repriced listing of a skipped exchange at the top of the newest page once the version watcher sees it', async () => {
    const top = await calledBy(first, unfilteredPage('UPDATED_DESC', 1, null));
    const skipped = IDS.filter((id) => !top.called.includes(id));
    expect(skipped.length).toBeGreaterThan(0);
    const exchange = skipped[0];
    const changed = await setPrice(exchange, 'ONE_TIME', '56.78');
    // No query teaches the gateway the new version here: the version watcher does (VERSION_POLL_MS, 2000 by default).
    const started = Date.now();
    let answer: any;
    await until(
      'the repriced listing leads the newest page',
      async () => {
        answer = (await calledBy(first, unfilteredPage('UPDATED_DESC', 1, null))).answer;
        return answer.data.datasets.edges[0]?.node.id === changed;
      },
      15_000,
    );
    expect(Date.now() - started).toBeLessThan(2000 + 5000);
    expect(answer.data.datasets.totalCount).toBe((await directCounts('{}')).reduce((sum, n) => sum + n, 0));
  });

  it('always calls an exchange that serves no summary, and its listings are in the answer', async () => {
    // pf stops serving summaries, and its version moves: the one it served before is no longer trusted.
    proxies.pf.summaryMode = 'http500';
    const summaries = proxies.pf.summaries;
    await setPrice('pf', 'ONE_TIME', '12.34');
    await learnVersions(first);
    const filter = '{ categories: [FINANCE] }';
    expect(await holdersOf(filter)).toEqual(['pa', 'pd']);
    for (let i = 0; i < 3; i++) {
      const query = datasets(filter);
      const { answer, called } = await calledBy(first, query);
      expect(called).toEqual(['pa', 'pd', 'pf']);
      expect(answer.data.datasets.missingExchanges).toEqual([]);
      await expectSameAsUnpruned(query, answer);
    }
    // It was asked for a summary of its new version (and refused).
    expect(proxies.pf.summaries).toBeGreaterThan(summaries);
    // A filter pf can answer: its listings are counted, as each exchange counts its own.
    const health = '{ categories: [PUBLIC_HEALTH] }';
    const counts = await directCounts(health);
    expect(counts[IDS.indexOf('pf')]).toBeGreaterThan(0);
    const query = datasets(health);
    const { answer, called } = await calledBy(first, query);
    expect(called).toContain('pf');
    expect(answer.data.datasets.totalCount).toBe(counts.reduce((sum, n) => sum + n, 0));
    await expectSameAsUnpruned(query, answer);
  });
  it('does not move an exchange to an older summary query for an error that is not a refusal of the query', async () => {
    // pb's catalog moves; its next summary answer is an error of its own (a locked database), not a validation error.
    await setPrice('pb', 'ONE_TIME', '67.89');
    await learnVersions(first);
    const asked = proxies.pb.summaryBodies.length;
    proxies.pb.transform = () => {
      proxies.pb.transform = null;
      return JSON.stringify({ errors: [{ message: 'database is locked' }], data: null });
    };
    const query = datasets('{ categories: [TRANSPORT] }');
    const { answer, called } = await calledBy(first, query);
    // Asked once, the newest query: no older query followed the error.
    expect(proxies.pb.summaryBodies.slice(asked).map((b) => b.query?.includes('firstCursors'))).toEqual([true]);
    // Without a summary pb is called, and the answer is the unpruned one.
    expect(called).toContain('pb');
    await expectSameAsUnpruned(query, answer);
  });
});
