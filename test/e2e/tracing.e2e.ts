import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { startStack, type Stack } from '../../devkit/stack.ts';
import { DEFAULT_EXCHANGES } from '../../shared/domain.ts';

// Tracing end to end: a real OTLP/HTTP receiver (node:http, in this test) collects the spans the real
// gateway, exchange and providers processes export, and the span tree of one query is read from it.

interface ReceivedSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  service: string;
  attributes: Record<string, unknown>;
}

/** OTLP JSON ids are hex strings; attribute values are { stringValue } / { intValue } / { boolValue }. */
function spansOf(body: any): ReceivedSpan[] {
  return (body.resourceSpans ?? []).flatMap((resourceSpans: any) => {
    const service = resourceSpans.resource?.attributes?.find((a: any) => a.key === 'service.name')?.value?.stringValue ?? '';
    return (resourceSpans.scopeSpans ?? []).flatMap((scope: any) =>
      (scope.spans ?? []).map((span: any) => ({
        traceId: span.traceId,
        spanId: span.spanId,
        parentSpanId: span.parentSpanId ?? '',
        name: span.name,
        service,
        attributes: Object.fromEntries(
          (span.attributes ?? []).map((a: any) => [
            a.key,
            a.value.stringValue ?? a.value.boolValue ?? (a.value.intValue !== undefined ? Number(a.value.intValue) : undefined),
          ]),
        ),
      })),
    );
  });
}

let receiver: Server;
const received: ReceivedSpan[] = [];
const contentTypes = new Set<string>();
let stack: Stack;

beforeAll(async () => {
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      if (req.method === 'POST' && req.url === '/v1/traces') {
        contentTypes.add(String(req.headers['content-type']));
        received.push(...spansOf(JSON.parse(Buffer.concat(chunks).toString('utf8'))));
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{}');
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const endpoint = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
  stack = await startStack({
    perExchange: 30,
    proxies: false,
    gatewayEnv: { CACHE_DISABLED: '1' },
    commonEnv: { OTEL_EXPORTER_OTLP_ENDPOINT: endpoint, OTEL_BSP_SCHEDULE_DELAY: '100' },
  });
}, 120_000);

afterAll(async () => {
  await stack?.stop();
  await new Promise<void>((resolve) => receiver?.close(() => resolve()));
});

async function spansOfTrace(traceId: string, until: (spans: ReceivedSpan[]) => boolean): Promise<ReceivedSpan[]> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const spans = received.filter((s) => s.traceId === traceId);
    if (until(spans) || Date.now() > deadline) return spans;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('tracing over OTLP/HTTP', () => {
  it("continues the client's traceparent through the gateway to each of four exchanges and the providers, one child span per exchange fetch", async () => {
    // The gateway fetches the exchanges' catalog summaries on the first page it plans: done here, out of the trace.
    await (
      await fetch(stack.gatewayUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: '{ datasets(first: 1) { totalCount } }' }),
      })
    ).text();
    const traceId = randomBytes(16).toString('hex');
    const clientSpanId = randomBytes(8).toString('hex');
    const response = await fetch(stack.gatewayUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', traceparent: `00-${traceId}-${clientSpanId}-01` },
      // With statistics by exchange, which every exchange answers (a page alone goes only where its rows
      // are: docs/scale-out.md#leading-cursors); both fields go to each exchange in one fetch.
      body: JSON.stringify({
        query: '{ datasets(first: 5) { totalCount nodes { id provider { name } } } priceStatistics(groupBy: [EXCHANGE]) { missingExchanges } }',
      }),
    });
    const body: any = await response.json();
    expect(body.errors).toBeUndefined();
    expect(Object.keys(body.extensions.catalog.exchanges).sort()).toEqual(DEFAULT_EXCHANGES.map((e) => e.id).sort());

    const exchangeIds = DEFAULT_EXCHANGES.map((e) => e.id);
    const spans = await spansOfTrace(
      traceId,
      // Each service exports in its own batches: wait for the gateway's request span too (it ends last).
      (all) =>
        all.filter((s) => s.name === 'exchange.request').length >= exchangeIds.length &&
        all.some((s) => s.name === 'providers.request') &&
        all.some((s) => s.name === 'gateway.http'),
    );
    expect(spans.length).toBeGreaterThan(0);
    // Every span the gateway, the exchanges and the providers made for this request is in the client's trace.
    const byId = new Map(spans.map((s) => [s.spanId, s]));

    // One parent span for the request, child of the client's span.
    const requestSpans = spans.filter((s) => s.name === 'gateway.http');
    expect(requestSpans).toHaveLength(1);
    const [requestSpan] = requestSpans;
    expect(requestSpan.parentSpanId).toBe(clientSpanId);
    expect(requestSpan.service).toBe('gateway');
    const descends = (span: ReceivedSpan, ancestor: ReceivedSpan): boolean => {
      for (let at = byId.get(span.parentSpanId); at; at = byId.get(at.parentSpanId)) if (at.spanId === ancestor.spanId) return true;
      return false;
    };

    // Planning (Apollo's and the shard router's) and the merge, under the request.
    for (const name of ['gateway.plan', 'shards.plan', 'shards.merge']) {
      const named = spans.filter((s) => s.name === name);
      expect(named.length, name).toBeGreaterThan(0);
      for (const span of named) expect(descends(span, requestSpan), name).toBe(true);
    }

    // One fetch span per exchange, each naming its exchange, a miss (caches are off) and HTTP 200.
    const fetches = spans.filter((s) => s.name === 'exchange.fetch');
    expect(fetches.map((s) => s.attributes['exchange.id']).sort()).toEqual([...exchangeIds].sort());
    for (const fetchSpan of fetches) {
      expect(descends(fetchSpan, requestSpan)).toBe(true);
      expect(fetchSpan.attributes['cache.hit']).toBe(false);
      expect(fetchSpan.attributes['http.response.status_code']).toBe(200);
      expect(fetchSpan.attributes['exchange.outcome']).toBe('ok');
    }

    // Each exchange continues the trace: its server span's parent is the gateway's fetch span for it.
    const exchangeSpans = spans.filter((s) => s.name === 'exchange.request');
    expect(exchangeSpans.map((s) => s.service).sort()).toEqual(exchangeIds.map((id) => `exchange-${id}`).sort());
    for (const exchangeSpan of exchangeSpans) {
      const parent = byId.get(exchangeSpan.parentSpanId);
      expect(parent?.name).toBe('exchange.fetch');
      expect(`exchange-${parent?.attributes['exchange.id']}`).toBe(exchangeSpan.service);
    }

    // The providers subgraph continues it too, under the request.
    const providersSpans = spans.filter((s) => s.name === 'providers.request');
    expect(providersSpans.length).toBeGreaterThan(0);
    for (const span of providersSpans) {
      expect(span.service).toBe('providers');
      expect(descends(span, requestSpan)).toBe(true);
    }
    expect([...contentTypes]).toEqual(['application/json']);
  }, 60_000);

  it('records a response-cache layer span with its hit or miss when the cache is on', async () => {
    const gateway = await stack.startGateway('gateway-cached', { CACHE_DISABLED: undefined });
    const query = '{ datasets(first: 3) { nodes { id } } priceStatistics(groupBy: [EXCHANGE]) { missingExchanges } }';
    const traces: string[] = [];
    for (let i = 0; i < 2; i++) {
      const traceId = randomBytes(16).toString('hex');
      traces.push(traceId);
      const response = await fetch(gateway.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', traceparent: `00-${traceId}-${randomBytes(8).toString('hex')}-01` },
        body: JSON.stringify({ query }),
      });
      expect(response.status).toBe(200);
      await response.text();
    }
    const first = await spansOfTrace(traces[0], (all) => all.filter((s) => s.name === 'cache.shard').length >= 4);
    const second = await spansOfTrace(traces[1], (all) => all.some((s) => s.name === 'cache.response'));
    expect(first.filter((s) => s.name === 'cache.response').map((s) => s.attributes['cache.hit'])).toContain(false);
    const shardLookups = first.filter((s) => s.name === 'cache.shard');
    expect(shardLookups.map((s) => s.attributes['exchange.id']).sort()).toEqual(DEFAULT_EXCHANGES.map((e) => e.id).sort());
    for (const lookup of shardLookups) expect(lookup.attributes['cache.hit']).toBe(false);
    // The second, identical request is answered by the response cache: a hit, and no exchange fetch.
    expect(second.filter((s) => s.name === 'cache.response').map((s) => s.attributes['cache.hit'])).toEqual([true]);
    expect(second.filter((s) => s.name === 'exchange.fetch')).toHaveLength(0);
  }, 60_000);
});
