import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import Database from 'better-sqlite3';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { openSse } from '../helpers/liveStream.ts';
import { startStack, type Stack } from '../../devkit/stack.ts';
import { catalogClient, priceNow, watchPrices } from '../../examples/recipes/apolloLivePrices.ts';

// What a client of live prices meets first: the curl example of docs/live-prices.md, sent as written
// against a real stack, the Apollo Client example (examples/recipes/apolloLivePrices.ts, which the docs
// hold verbatim) run as it is, and introspection through POST /graphql listing Subscription.priceChanged (what
// codegen and GraphiQL read). Expected values come from the exchange's SQLite database and the docs' text.

const EXCHANGE_ADMIN = 'exchange-admin-token';
let stack: Stack;

beforeAll(async () => {
  // A generous exchange timeout: on a loaded machine an exchange can miss the gateway's start-up check.
  stack = await startStack({
    perExchange: 20,
    exchangeTimeoutMs: 10_000,
    exchangeEnv: { EXCHANGE_ADMIN_TOKEN: EXCHANGE_ADMIN },
    gatewayEnv: { CACHE_DISABLED: '1' },
  });
  await everyExchangeAnswering(stack.gatewayUrl);
}, 300_000);

afterAll(async () => {
  await stack?.stop();
});

/** The curl command of the docs' `### curl` section: its URL, headers and body, read from the markdown. */
function curlExample(): { url: URL; headers: Record<string, string>; body: string } {
  const doc = readFileSync(new URL('../../docs/live-prices.md', import.meta.url), 'utf8');
  const block = /### curl\s+```sh\n([\s\S]*?)```/.exec(doc)?.[1];
  expect(block, 'docs/live-prices.md has a ### curl section with a sh block').toBeTruthy();
  const command = block!.replace(/\\\n/g, ' ');
  const url = /curl -N (\S+)/.exec(command)?.[1];
  const headers = Object.fromEntries([...command.matchAll(/-H '([^:']+):\s*([^']*)'/g)].map((m) => [m[1]!.toLowerCase(), m[2]!]));
  const body = /-d '([^']*)'/.exec(command)?.[1];
  expect(url).toBeTruthy();
  expect(body).toBeTruthy();
  return { url: new URL(url!), headers, body: body! };
}

describe('the curl example of docs/live-prices.md', () => {
  it('receives a change of the exchange its filter names, with the id line equal to the cursor, as the docs show', async () => {
    const example = curlExample();
    expect(example.headers.accept).toBe('text/event-stream');
    const request = JSON.parse(example.body) as { query: string };
    const exchange = /exchanges: \["(\w+)"\]/.exec(request.query)?.[1];
    expect(exchange, 'the example filters by one exchange').toBeTruthy();
    const db = new Database(join(stack.dataDir, `${exchange}.db`), { readonly: true, fileMustExist: true });
    const row = db.prepare('SELECT id, title FROM datasets ORDER BY id LIMIT 1').get() as { id: string; title: string };
    db.close();

    const url = `${stack.gatewayBase}${example.url.pathname}`;
    const stream = await openSse(url, request, example.headers);
    try {
      expect(stream.status).toBe(200);
      const amount = '4321.50';
      const posted = await fetch(stack.exchangeUrls[exchange!]!.replace(/\/graphql$/, '/admin/prices'), {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${EXCHANGE_ADMIN}` },
        body: JSON.stringify({ datasetId: row.id, model: 'PER_CALL', amount }),
      });
      expect(posted.status).toBe(200);
      const [event] = await stream.waitFor(1, 30_000);
      expect(event!.event).toBe('next');
      expect(event!.data.data.priceChanged).toEqual({ dataset: { id: row.id, title: row.title }, current: { amount } });
      expect(event!.id).toMatch(/^pc1\./);
      expect(event!.data.extensions.cursor).toBe(event!.id);
    } finally {
      stream.close();
    }
  }, 60_000);
});

/** POST /admin/prices on an exchange, as its operator would. */
async function changePrice(exchange: string, datasetId: string, amount: string): Promise<void> {
  const posted = await fetch(stack.exchangeUrls[exchange]!.replace(/\/graphql$/, '/admin/prices'), {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${EXCHANGE_ADMIN}` },
    body: JSON.stringify({ datasetId, model: 'PER_CALL', amount }),
  });
  expect(posted.status).toBe(200);
}

async function until(condition: () => boolean, timeoutMs: number): Promise<void> {
  for (const deadline = performance.now() + timeoutMs; !condition() && performance.now() < deadline;) await new Promise((r) => setTimeout(r, 50));
}

/** Waits until a gateway has every exchange registered and answering (a loaded machine can make it slow). */
async function everyExchangeAnswering(url: string, timeoutMs = 120_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query":"{ exchanges { id status } }"}' });
    const exchanges = ((await response.json()) as any).data?.exchanges ?? [];
    if (exchanges.length === 4 && exchanges.every((e: { status: string }) => e.status !== 'OFFLINE')) return;
    if (performance.now() > deadline) throw new Error(`the gateway at ${url} did not see every exchange answering: ${JSON.stringify(exchanges)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('the Apollo Client example (split link)', () => {
  it('receives a change posted on an exchange over graphql-ws, then queries the price over HTTP', async () => {
    const db = new Database(join(stack.dataDir, 'gy.db'), { readonly: true, fileMustExist: true });
    const row = db.prepare('SELECT id, title FROM datasets ORDER BY id LIMIT 1').get() as { id: string; title: string };
    const { client, close } = catalogClient(`${stack.gatewayBase}/graphql`);
    const received: Parameters<Parameters<typeof watchPrices>[2]>[0][] = [];
    const stop = watchPrices(client, ['gy'], (change) => received.push(change));
    const posted: string[] = [];
    try {
      // "From now" begins once the gateway holds the subscription, which the client does not report:
      // post a new amount until one arrives, rather than guess how long that takes.
      while (received.length === 0) {
        expect(posted.length, 'no change arrived over graphql-ws').toBeLessThan(20);
        posted.push(`${700 + posted.length}.40`);
        await changePrice('gy', row.id, posted.at(-1)!);
        await until(() => received.length > 0, 2000);
      }
      stop();
      expect(posted).toContain(received[0]!.current.amount);
      expect(received[0]).toMatchObject({ dataset: { id: row.id, title: row.title }, current: { model: 'PER_CALL', currency: 'CNY' } });
      const { model, micros } = db.prepare('SELECT price_model AS model, price_micros AS micros FROM datasets WHERE id = ?').get(row.id) as {
        model: string;
        micros: number;
      };
      expect((micros / 1e6).toFixed(2)).toBe(posted.at(-1));
      expect(await priceNow(client, row.id)).toMatchObject({ model, amount: (micros / 1e6).toFixed(2), currency: 'CNY' });
    } finally {
      stop();
      db.close();
      await close();
    }
  }, 90_000);

  it('is in docs/live-prices.md and docs/recipes.md verbatim', () => {
    const example = readFileSync(new URL('../../examples/recipes/apolloLivePrices.ts', import.meta.url), 'utf8').trim();
    for (const doc of ['live-prices.md', 'recipes.md']) expect(readFileSync(new URL(`../../docs/${doc}`, import.meta.url), 'utf8'), doc).toContain(example);
  });
});

describe('introspection through POST /graphql', () => {
  it('lists the Subscription type with priceChanged(filter, after): PriceChange!, as codegen and GraphiQL ask', async () => {
    const response = await fetch(`${stack.gatewayBase}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        query: `query Introspect {
          __schema { subscriptionType { name } queryType { name } }
          __type(name: "Subscription") { fields { name args { name type { name } } type { kind ofType { name } } } }
        }`,
      }),
    });
    expect(response.status).toBe(200);
    const body = (await response.json()) as any;
    expect(body.errors).toBeUndefined();
    expect(body.data.__schema.subscriptionType).toEqual({ name: 'Subscription' });
    expect(body.data.__schema.queryType).toEqual({ name: 'Query' });
    const fields = body.data.__type.fields as any[];
    expect(fields.map((f) => f.name)).toEqual(['priceChanged']);
    expect(fields[0].type).toEqual({ kind: 'NON_NULL', ofType: { name: 'PriceChange' } });
    expect(fields[0].args).toEqual([
      { name: 'filter', type: { name: 'PriceChangeFilter' } },
      { name: 'after', type: { name: 'String' } },
    ]);
  }, 30_000);

  it('still answers a query that mixes introspection and data through the federated plan', async () => {
    const response = await fetch(`${stack.gatewayBase}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ __typename exchanges { id } }' }),
    });
    const body = (await response.json()) as any;
    expect(body.errors).toBeUndefined();
    expect(body.data.__typename).toBe('Query');
    expect(body.data.exchanges.length).toBeGreaterThan(0);
  }, 30_000);

  it('answers __schema and __type from the public schema in a query that mixes them with data, cached or not', async () => {
    const total = ['bj', 'sh', 'ty', 'gy']
      .map((exchange) => {
        const db = new Database(join(stack.dataDir, `${exchange}.db`), { readonly: true, fileMustExist: true });
        const { n } = db.prepare('SELECT count(*) AS n FROM datasets').get() as { n: number };
        db.close();
        return n;
      })
      .reduce((a, b) => a + b, 0);
    expect(total).toBeGreaterThan(0);
    const query = `query Mixed {
      schema: __schema { subscriptionType { name fields { name } } queryType { name } }
      __type(name: "Subscription") { name kind }
      datasets(first: 1) { totalCount }
    }`;
    const ask = async (url: string) => {
      const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query }) });
      return { cache: response.headers.get('x-response-cache'), body: (await response.json()) as any };
    };
    // The stack's gateway runs without the response cache; a second one with it answers twice (miss, then hit).
    const cached = await stack.startGateway('gateway-with-cache', { CACHE_DISABLED: undefined, EXCHANGE_TIMEOUT_MS: '15000' });
    try {
      await everyExchangeAnswering(cached.url);
      const answers = [await ask(`${stack.gatewayBase}/graphql`), await ask(cached.url), await ask(cached.url)];
      expect(answers.map((a) => a.cache)).toEqual([null, 'miss', 'hit']);
      for (const { body } of answers) {
        expect(body.errors).toBeUndefined();
        expect(body.data.schema).toEqual({ subscriptionType: { name: 'Subscription', fields: [{ name: 'priceChanged' }] }, queryType: { name: 'Query' } });
        expect(body.data.__type).toEqual({ name: 'Subscription', kind: 'OBJECT' });
        expect(body.data.datasets.totalCount).toBe(total);
      }
    } finally {
      await cached.stop();
    }
  }, 120_000);
});
