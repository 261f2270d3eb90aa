import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { createClient as createSseClient } from 'graphql-sse';
import { createClient as createWsClient } from 'graphql-ws';
import WebSocket from 'ws';
import { graphql, dataOf } from '../helpers/graphql.ts';
import { openSse } from '../helpers/liveStream.ts';
import { startStack, type Stack } from '../../devkit/stack.ts';
import { startService } from '../../devkit/processes.ts';
import { exchangeService } from '../../devkit/services.ts';

// Live prices end to end (docs/live-prices.md): the exchanges' change logs, the merged history, and
// subscriptions over SSE and graphql-ws, against real processes. Expected values are read from each
// exchange's SQLite database directly.

const EXCHANGE_ADMIN = 'exchange-admin-token';
const PER_EXCHANGE = 60;
let stack: Stack;

beforeAll(async () => {
  stack = await startStack({ perExchange: PER_EXCHANGE, exchangeEnv: { EXCHANGE_ADMIN_TOKEN: EXCHANGE_ADMIN }, gatewayEnv: { CACHE_DISABLED: '1' } });
}, 180_000);

afterAll(async () => {
  await stack?.stop();
});

const streamUrl = () => `${stack.gatewayBase}/graphql/stream`;

function database(exchange: string): Database.Database {
  return new Database(join(stack.dataDir, `${exchange}.db`), { readonly: true, fileMustExist: true });
}

/** The dataset ids of an exchange, read from its database. */
function idsOf(exchange: string, count: number): string[] {
  const db = database(exchange);
  try {
    return (db.prepare('SELECT id FROM datasets ORDER BY id LIMIT ?').all(count) as Array<{ id: string }>).map((r) => r.id);
  } finally {
    db.close();
  }
}

type LoggedChange = { sequence: number; dataset_id: string; current_micros: number | null; changed_ms: number };
function logOf(exchange: string): LoggedChange[] {
  const db = database(exchange);
  try {
    return db.prepare('SELECT sequence, dataset_id, current_micros, changed_ms FROM price_changes ORDER BY sequence').all() as LoggedChange[];
  } finally {
    db.close();
  }
}

let amountCounter = 100;
/** A fresh amount each call, so every change is a change. */
const nextAmount = () => `${amountCounter++}.25`;

async function changePrice(exchange: string, id: string, amount = nextAmount()): Promise<string> {
  const response = await fetch(stack.exchangeUrls[exchange]!.replace(/\/graphql$/, '/admin/prices'), {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${EXCHANGE_ADMIN}` },
    body: JSON.stringify({ datasetId: id, model: 'PER_CALL', amount }),
  });
  expect(response.status).toBe(200);
  return amount;
}

const SUBSCRIPTION = `subscription ($filter: PriceChangeFilter, $after: String) {
  priceChanged(filter: $filter, after: $after) {
    dataset { id title exchange { id name } provider { uscc name } }
    exchange { id city }
    previous { amount }
    current { model amount }
    changedAt
  }
}`;

/** A graphql-ws subscription whose results are collected (the real client, no retries). */
function collectWs(gatewayUrl: string, query: string, variables: Record<string, unknown>) {
  const client = createWsClient({ url: gatewayUrl.replace(/^http/, 'ws'), webSocketImpl: WebSocket, retryAttempts: 0 });
  const events: any[] = [];
  const errors: unknown[] = [];
  const stop = client.subscribe({ query, variables }, { next: (r) => events.push(r), error: (e) => errors.push(e), complete: () => {} });
  return {
    events,
    errors,
    close: async () => {
      stop();
      await client.dispose();
    },
  };
}

async function until(condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!condition()) {
    if (performance.now() > deadline) throw new Error(`not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('the exchange change log', () => {
  it('answers priceChanges in the order of its log, with the amounts the database holds, and pages exactly', async () => {
    const [a, b] = idsOf('ty', 2);
    await changePrice('ty', a!);
    await changePrice('ty', b!);
    await changePrice('ty', a!);
    const expected = logOf('ty');
    expect(expected.length).toBeGreaterThanOrEqual(3);
    const seen: Array<{ id: string; amount: string }> = [];
    let after: string | null = null;
    for (let page = 0; page < 10; page++) {
      const data: any = dataOf(
        await graphql(
          stack.exchangeUrls.ty!,
          `
            query ($after: String) {
              priceChanges(after: $after, first: 2) {
                totalCount
                edges {
                  cursor
                  node {
                    dataset {
                      id
                    }
                    current {
                      amount
                    }
                  }
                }
                pageInfo {
                  hasNextPage
                  endCursor
                }
              }
            }
          `,
          { after },
        ),
      );
      expect(data.priceChanges.totalCount).toBe(expected.length);
      for (const edge of data.priceChanges.edges) seen.push({ id: edge.node.dataset.id, amount: edge.node.current.amount });
      after = data.priceChanges.pageInfo.endCursor;
      if (!data.priceChanges.pageInfo.hasNextPage) break;
    }
    expect(seen).toEqual(expected.map((r) => ({ id: r.dataset_id, amount: (r.current_micros! / 1e6).toFixed(2) })));
  });

  it('refuses a cursor that is not one, naming the argument', async () => {
    const result = await graphql(
      stack.exchangeUrls.ty!,
      `
        {
          priceChanges(after: "nope") {
            totalCount
          }
        }
      `,
    );
    expect(result.errors?.[0]?.message).toMatch(/^after: is not a price change cursor/);
    expect(result.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });
});

describe('the merged history on the gateway', () => {
  it('merges every exchange by changedAt, exchange and sequence, and pages through all of them once with composed cursors', async () => {
    for (const exchange of ['bj', 'sh', 'gy']) await changePrice(exchange, idsOf(exchange, 1)[0]!);
    const expected = ['bj', 'sh', 'ty', 'gy']
      .flatMap((exchange) => logOf(exchange).map((r) => ({ ...r, exchange })))
      .sort((x, y) => x.changed_ms - y.changed_ms || (x.exchange < y.exchange ? -1 : x.exchange > y.exchange ? 1 : 0) || x.sequence - y.sequence)
      .map((r) => r.dataset_id);
    expect(expected.length).toBeGreaterThanOrEqual(6);
    const seen: string[] = [];
    let after: string | null = null;
    for (let page = 0; page < 20; page++) {
      const data: any = dataOf(
        await graphql(
          stack.gatewayUrl,
          `
            query ($after: String) {
              priceChanges(after: $after, first: 2) {
                totalCount
                missingExchanges
                edges {
                  cursor
                  node {
                    dataset {
                      id
                      title
                    }
                  }
                }
                pageInfo {
                  hasNextPage
                  endCursor
                }
              }
            }
          `,
          { after },
        ),
      );
      expect(data.priceChanges.totalCount).toBe(expected.length);
      expect(data.priceChanges.missingExchanges).toEqual([]);
      seen.push(...data.priceChanges.edges.map((e: any) => e.node.dataset.id));
      after = data.priceChanges.pageInfo.endCursor;
      if (!data.priceChanges.pageInfo.hasNextPage) break;
    }
    expect(seen).toEqual(expected);
  });

  it('asks only the exchanges the filter names', async () => {
    const data: any = dataOf(
      await graphql(
        stack.gatewayUrl,
        `
          {
            priceChanges(filter: { exchanges: ["ty"] }) {
              totalCount
              edges {
                node {
                  dataset {
                    id
                  }
                }
              }
            }
          }
        `,
      ),
    );
    expect(data.priceChanges.totalCount).toBe(logOf('ty').length);
    expect(data.priceChanges.edges.length).toBeGreaterThan(0);
    for (const edge of data.priceChanges.edges) expect(edge.node.dataset.id.startsWith('ty:')).toBe(true);
  });
});

describe('priceChanged over Server-Sent Events', () => {
  it('pushes a change with its dataset, exchange and provider resolved as entities, and an event id that resumes exactly after it', async () => {
    const stream = await openSse(streamUrl(), { query: SUBSCRIPTION, variables: { filter: { exchanges: ['bj'] } } });
    expect(stream.status).toBe(200);
    await new Promise((r) => setTimeout(r, 300));
    const [id] = idsOf('bj', 1);
    const amount = await changePrice('bj', id!);
    const [event] = await stream.waitFor(1);
    const change = event!.data.data.priceChanged;
    const db = database('bj');
    const row = db.prepare('SELECT title, provider_uscc FROM datasets WHERE id = ?').get(id) as { title: string; provider_uscc: string };
    db.close();
    expect(change.dataset).toMatchObject({ id, title: row.title, exchange: { id: 'bj', name: 'Beijing International Big Data Exchange' } });
    expect(change.dataset.provider.uscc).toBe(row.provider_uscc);
    expect(typeof change.dataset.provider.name).toBe('string');
    expect(change.exchange).toEqual({ id: 'bj', city: 'Beijing' });
    expect(change.current).toEqual({ model: 'PER_CALL', amount });
    expect(event!.id).toBe(event!.data.extensions.cursor);
    stream.close();

    // Two changes while disconnected; Last-Event-ID resumes with exactly those, in order.
    const missed = [await changePrice('bj', id!), await changePrice('bj', id!)];
    const resumed = await openSse(streamUrl(), { query: SUBSCRIPTION, variables: { filter: { exchanges: ['bj'] } } }, { 'last-event-id': event!.id! });
    const events = await resumed.waitFor(2);
    await new Promise((r) => setTimeout(r, 800));
    expect(resumed.events.filter((e) => e.event === 'next').map((e) => e.data.data.priceChanged.current.amount)).toEqual(missed);
    resumed.close();
    expect(events[1]!.id).not.toBe(event!.id);
  });

  it('delivers the changes of one dataset in the order they were made', async () => {
    const stream = await openSse(streamUrl(), { query: `subscription { priceChanged(filter: { exchanges: ["sh"] }) { dataset { id } current { amount } } }` });
    await new Promise((r) => setTimeout(r, 300));
    const [id] = idsOf('sh', 1);
    const made: string[] = [];
    for (let i = 0; i < 8; i++) made.push(await changePrice('sh', id!));
    const events = await stream.waitFor(8);
    expect(events.map((e) => e.data.data.priceChanged.current.amount)).toEqual(made);
    stream.close();
  });

  it('refuses a query on the stream endpoint, and a bad cursor, naming what is wrong', async () => {
    const query = await fetch(streamUrl(), {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
      body: JSON.stringify({ query: '{ exchanges { id } }' }),
    });
    expect(query.status).toBe(400);
    expect((await query.json()).errors[0].message).toMatch(/serves subscriptions/);
    const cursor = await fetch(streamUrl(), {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream', 'last-event-id': 'garbage' },
      body: JSON.stringify({ query: SUBSCRIPTION }),
    });
    expect(cursor.status).toBe(400);
    expect((await cursor.json()).errors[0].message).toMatch(/^Last-Event-ID: is not a price change cursor/);
  });
});

describe('the real clients', () => {
  it('graphql-sse: receives a change made after it subscribed', async () => {
    const client = createSseClient({ url: streamUrl(), retryAttempts: 0 });
    const iterator = client.iterate<any>({ query: SUBSCRIPTION, variables: { filter: { exchanges: ['gy'] } } });
    const first = iterator.next();
    await new Promise((r) => setTimeout(r, 500));
    const [id] = idsOf('gy', 1);
    const amount = await changePrice('gy', id!);
    const result = await first;
    expect(result.value.data.priceChanged.dataset.id).toBe(id);
    expect(result.value.data.priceChanged.current.amount).toBe(amount);
    await iterator.return?.();
    client.dispose();
  });

  it('graphql-ws: receives changes and resumes with the after argument exactly after the last one it had', async () => {
    const client = createWsClient({ url: stack.gatewayUrl.replace(/^http/, 'ws'), webSocketImpl: WebSocket, retryAttempts: 0 });
    try {
      const iterator = client.iterate<any>({ query: SUBSCRIPTION, variables: { filter: { exchanges: ['ty'] } } });
      const first = iterator.next();
      await new Promise((r) => setTimeout(r, 500));
      const [id] = idsOf('ty', 1);
      const amount = await changePrice('ty', id!);
      const result = await first;
      expect(result.value.data.priceChanged.current.amount).toBe(amount);
      const cursor = result.value.extensions.cursor as string;
      await iterator.return?.();
      const missed = [await changePrice('ty', id!), await changePrice('ty', id!), await changePrice('ty', id!)];
      const resumed = client.iterate<any>({ query: SUBSCRIPTION, variables: { filter: { exchanges: ['ty'] }, after: cursor } });
      const got: string[] = [];
      for (let i = 0; i < 3; i++) got.push((await resumed.next()).value.data.priceChanged.current.amount);
      expect(got).toEqual(missed);
      await resumed.return?.();
    } finally {
      await client.dispose();
    }
  });
});

describe('filters', () => {
  it('pushes only changes whose dataset is in the categories and whose relative change reaches minRelativeChange', async () => {
    const db = database('bj');
    const rows = db.prepare('SELECT id, category FROM datasets ORDER BY id').all() as Array<{ id: string; category: string }>;
    db.close();
    const x = rows[0]!;
    const y = rows.find((r) => r.category !== x.category)!;
    expect(y).toBeDefined();
    await changePrice('bj', x.id, '100.00');
    // "From now" is from the feed's last pull (at most LIVE_POLL_MS behind): let it pass this change first.
    await new Promise((r) => setTimeout(r, 1500));
    const stream = await openSse(streamUrl(), {
      query: `subscription ($filter: PriceChangeFilter) { priceChanged(filter: $filter) { dataset { id category } previous { amount } current { amount } } }`,
      variables: { filter: { exchanges: ['bj'], categories: [x.category], minRelativeChange: 0.5 } },
    });
    await new Promise((r) => setTimeout(r, 300));
    await changePrice('bj', x.id, '105.00'); // +5%: under the minimum
    await changePrice('bj', y.id, '900.00'); // another category
    await changePrice('bj', x.id, '300.00'); // +185.7%
    const [event] = await stream.waitFor(1);
    await new Promise((r) => setTimeout(r, 800));
    expect(stream.events.filter((e) => e.event === 'next')).toHaveLength(1);
    expect(event!.data.data.priceChanged).toEqual({
      dataset: { id: x.id, category: x.category },
      previous: { amount: '105.00' },
      current: { amount: '300.00' },
    });
    stream.close();
  });
});

/**
 * A gateway that disconnects a subscriber once 5 changes wait for it. Aliases and tokens raised for
 * `largeEvents`, to their maximum: the gateway query that fetches the entities of the changes of one
 * pull carries a copy of the subscription's selections per change (renderChange.ts), and is held to
 * the same limits, so 10,000 aliases let up to 10 changes of `largeEvents(1000)` render together.
 */
function startSlowConsumerGateway(name: string) {
  return stack.startGateway(name, { CACHE_DISABLED: '1', LIVE_MAX_QUEUED_EVENTS: '5', MAX_QUERY_ALIASES: '10000', MAX_QUERY_TOKENS: '1000000' });
}

/**
 * Large events (one description `copies` times over) fill the socket buffers in a few hundred changes.
 * The buffers can be large: Linux lets a receive buffer grow to net.ipv4.tcp_rmem's maximum (32 MB here).
 */
const largeEvents = (copies: number) =>
  `subscription { priceChanged(filter: { exchanges: ["bj"] }) { dataset { ${Array.from({ length: copies }, (_, i) => `d${i}: description`).join(' ')} } } }`;
const LARGE_EVENTS = largeEvents(300);

/** The lines of a gateway's /metrics. */
async function metricsOf(gatewayUrl: string): Promise<string[]> {
  return (await (await fetch(gatewayUrl.replace(/\/graphql$/, '/metrics'))).text()).split('\n');
}

/** The value of the first metric line that starts with `name` (NaN: none). */
function value(lines: string[], name: string): number {
  return Number(
    lines
      .find((l) => l.startsWith(name))
      ?.split(' ')
      .at(-1) ?? NaN,
  );
}

describe('a client that does not read', () => {
  it('is disconnected with the reason once its queue passes LIVE_MAX_QUEUED_EVENTS, and its subscription is gone', async () => {
    const gateway = await startSlowConsumerGateway('gateway-slow-consumer');
    const base = new URL(gateway.url);
    const body = JSON.stringify({ query: LARGE_EVENTS });
    const [id] = idsOf('bj', 1);
    const probe = await openSse(gateway.url.replace(/\/graphql$/, '/graphql/stream'), JSON.parse(body));
    await new Promise((r) => setTimeout(r, 500));
    await changePrice('bj', id!);
    const [sample] = await probe.waitFor(1);
    probe.close();
    const eventBytes = JSON.stringify(sample!.data).length;
    expect(eventBytes, JSON.stringify(sample!.data).slice(0, 300)).toBeGreaterThan(20_000);
    const { connect } = await import('node:net');
    const socket = connect(Number(base.port), base.hostname);
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    let ended = false;
    socket.on('close', () => (ended = true));
    socket.on('error', () => (ended = true));
    socket.write(
      `POST /graphql/stream HTTP/1.1\r\nhost: ${base.host}\r\ncontent-type: application/json\r\naccept: text/event-stream\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    );
    await new Promise((r) => setTimeout(r, 500));
    socket.pause(); // never reads again
    const metrics = () => metricsOf(gateway.url);
    expect(value(await metrics(), 'gateway_live_subscriptions')).toBe(1);
    let disconnected = 0;
    for (let i = 0; i < 400 && disconnected === 0; i++) {
      await changePrice('bj', id!);
      if (i % 10 === 9) disconnected = value(await metrics(), 'gateway_live_slow_consumer_disconnects_total{reason="slow_consumer"}') || 0;
    }
    expect(disconnected).toBe(1);
    expect(value(await metrics(), 'gateway_live_subscriptions')).toBe(0);
    socket.resume();
    const tail: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => tail.push(chunk));
    for (let i = 0; i < 300 && !ended; i++) await new Promise((r) => setTimeout(r, 100));
    expect(ended).toBe(true);
    socket.destroy();
    await gateway.stop();
  }, 240_000);

  it('over graphql-ws too: the socket is closed once its queue passes LIVE_MAX_QUEUED_EVENTS, and its subscription is gone', async () => {
    const gateway = await startSlowConsumerGateway('gateway-slow-ws');
    // A plain WebSocket speaking graphql-transport-ws by hand, so that it can stop reading.
    const socket = new WebSocket(gateway.url.replace(/^http/, 'ws'), 'graphql-transport-ws');
    const messages: string[] = [];
    socket.on('message', (data) => messages.push(String(data)));
    const closed = new Promise<number>((resolve) => socket.once('close', (code) => resolve(code)));
    await new Promise<void>((resolve, reject) => socket.once('open', () => resolve()).once('error', reject));
    socket.send(JSON.stringify({ type: 'connection_init' }));
    for (let i = 0; i < 100 && !messages.some((m) => JSON.parse(m).type === 'connection_ack'); i++) await new Promise((r) => setTimeout(r, 100));
    socket.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: largeEvents(1000) } }));
    for (let i = 0; i < 300 && value(await metricsOf(gateway.url), 'gateway_live_subscriptions') !== 1; i++) await new Promise((r) => setTimeout(r, 100));
    expect(value(await metricsOf(gateway.url), 'gateway_live_subscriptions')).toBe(1);
    socket.pause(); // never reads again
    const [id] = idsOf('bj', 1);
    let disconnected = 0;
    for (let i = 0; i < 800 && disconnected === 0; i++) {
      await changePrice('bj', id!);
      if (i % 10 === 9) disconnected = value(await metricsOf(gateway.url), 'gateway_live_slow_consumer_disconnects_total{reason="slow_consumer"}') || 0;
    }
    expect(disconnected).toBe(1);
    expect(value(await metricsOf(gateway.url), 'gateway_live_subscriptions')).toBe(0);
    socket.resume();
    // 1008 when the close frame gets through; 1006 when the gateway cut the socket first (it does a second later).
    expect([1008, 1006]).toContain(await closed);
    await gateway.stop();
  }, 240_000);
});

describe('faults', () => {
  it('keeps other exchanges flowing while one is unreachable, and delivers its changes made meanwhile, in order, when it is back', async () => {
    const stream = await openSse(streamUrl(), {
      query: `subscription { priceChanged(filter: { exchanges: ["bj", "gy"] }) { dataset { id } current { amount } } }`,
    });
    await new Promise((r) => setTimeout(r, 300));
    stack.proxies.gy!.mode = 'reset';
    const [gyId] = idsOf('gy', 1);
    const [bjId] = idsOf('bj', 1);
    const meanwhile = [await changePrice('gy', gyId!), await changePrice('gy', gyId!)];
    const bjAmount = await changePrice('bj', bjId!);
    const [first] = await stream.waitFor(1);
    expect(first!.data.data.priceChanged).toEqual({ dataset: { id: bjId }, current: { amount: bjAmount } });
    stack.proxies.gy!.mode = 'forward';
    const events = await stream.waitFor(3);
    expect(events.slice(1).map((e) => e.data.data.priceChanged.current.amount)).toEqual(meanwhile);
    stream.close();
  });

  it('delivers a backlog larger than the alias limit, each change with its dataset, when the exchange is back', async () => {
    const stream = await openSse(streamUrl(), { query: `subscription { priceChanged(filter: { exchanges: ["gy"] }) { dataset { id } current { amount } } }` });
    await new Promise((r) => setTimeout(r, 300));
    stack.proxies.gy!.mode = 'reset';
    const [id] = idsOf('gy', 1);
    // More changes than MAX_QUERY_ALIASES (30): the feed pulls them in one page when gy answers again.
    const meanwhile: string[] = [];
    for (let i = 0; i < 40; i++) meanwhile.push(await changePrice('gy', id!));
    stack.proxies.gy!.mode = 'forward';
    const events = await stream.waitFor(40, 60_000);
    stream.close();
    expect(events.map((e) => e.data.errors ?? null)).toEqual(meanwhile.map(() => null));
    expect(events.map((e) => e.data.data?.priceChanged)).toEqual(meanwhile.map((amount) => ({ dataset: { id }, current: { amount } })));
  }, 120_000);

  it('loses and repeats nothing across an exchange restart', async () => {
    const stream = await openSse(streamUrl(), { query: `subscription { priceChanged(filter: { exchanges: ["gy"] }) { current { amount } } }` });
    await new Promise((r) => setTimeout(r, 300));
    const [id] = idsOf('gy', 1);
    const made = [await changePrice('gy', id!)];
    await stream.waitFor(1);
    const port = Number(new URL(stack.exchangeUrls.gy!).port);
    await stack.services.gy!.stop();
    stack.services.gy = await startService(
      exchangeService('gy', {
        port,
        quiet: true,
        env: { DATA_DIR: stack.dataDir, SEED_PER_EXCHANGE: String(PER_EXCHANGE), LOG_LEVEL: 'warn', NODE_ENV: undefined, EXCHANGE_ADMIN_TOKEN: EXCHANGE_ADMIN },
      }),
    );
    made.push(await changePrice('gy', id!), await changePrice('gy', id!));
    await stream.waitFor(3);
    await new Promise((r) => setTimeout(r, 800));
    expect(stream.events.filter((e) => e.event === 'next').map((e) => e.data.data.priceChanged.current.amount)).toEqual(made);
    stream.close();
  });

  it('loses and repeats nothing across a gateway restart: a new gateway resumes from the last event id', async () => {
    const query = `subscription { priceChanged(filter: { exchanges: ["sh"] }) { current { amount } } }`;
    const stream = await openSse(streamUrl(), { query });
    await new Promise((r) => setTimeout(r, 300));
    const [id] = idsOf('sh', 1);
    await changePrice('sh', id!);
    const [last] = await stream.waitFor(1);
    await stack.services.gateway!.stop();
    const missed = [await changePrice('sh', id!), await changePrice('sh', id!)];
    const gateway = await stack.startGateway('gateway-restarted', { CACHE_DISABLED: '1' });
    const resumed = await openSse(gateway.url.replace(/\/graphql$/, '/graphql/stream'), { query }, { 'last-event-id': last!.id! });
    await resumed.waitFor(2);
    await new Promise((r) => setTimeout(r, 800));
    expect(resumed.events.filter((e) => e.event === 'next').map((e) => e.data.data.priceChanged.current.amount)).toEqual(missed);
    resumed.close();
    stack.services.gateway = gateway;
  }, 240_000);

  it('graphql-ws: loses and repeats nothing across a gateway restart: a new gateway resumes with after, then goes on live', async () => {
    const query = `subscription ($after: String) { priceChanged(filter: { exchanges: ["sh"] }, after: $after) { current { amount } } }`;
    const [id] = idsOf('sh', 1);
    const first = await stack.startGateway('gateway-ws-before', { CACHE_DISABLED: '1' });
    const before = collectWs(first.url, query, {});
    const posted: string[] = [];
    // "From now" begins once the gateway holds the subscription: post until one arrives.
    while (before.events.length === 0) {
      expect(posted.length, 'nothing arrived over graphql-ws').toBeLessThan(20);
      posted.push(await changePrice('sh', id!));
      for (let i = 0; i < 40 && before.events.length === 0; i++) await new Promise((r) => setTimeout(r, 50));
    }
    await first.stop();
    await before.close();
    const last = before.events.at(-1)!;
    const missed = posted.slice(posted.indexOf(last.data.priceChanged.current.amount) + 1);
    missed.push(await changePrice('sh', id!), await changePrice('sh', id!));
    const second = await stack.startGateway('gateway-ws-after', { CACHE_DISABLED: '1' });
    const after = collectWs(second.url, query, { after: last.extensions.cursor });
    try {
      await until(() => after.events.length >= missed.length, 30_000);
      // Read from the log, then live: a change made now arrives once, after those.
      missed.push(await changePrice('sh', id!));
      await until(() => after.events.length >= missed.length, 30_000);
      await new Promise((r) => setTimeout(r, 800));
      expect(after.errors).toEqual([]);
      expect(after.events.map((e) => e.data.priceChanged.current.amount)).toEqual(missed);
    } finally {
      await after.close();
      await second.stop();
    }
  }, 240_000);
});
