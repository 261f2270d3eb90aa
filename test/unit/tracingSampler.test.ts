import { describe, it, expect, afterEach } from 'vitest';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { trace, context, propagation } from '@opentelemetry/api';
import { configReader } from '../../shared/config/configReader.ts';
import { readServiceSettings } from '../../shared/config/serviceSettings.ts';
import { startTracing, tracedHandler, withSpan, withTraceHeaders } from '../../shared/tracing/tracing.ts';

// The sampler settings, through a real OTLP/HTTP receiver and a real node:http server in this process.

interface Exported {
  traceId: string;
  name: string;
}

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  trace.disable();
  context.disable();
  propagation.disable();
});

async function listen(server: Server): Promise<string> {
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function receiver(into: Exported[]): Server {
  return createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      for (const rs of body.resourceSpans ?? [])
        for (const ss of rs.scopeSpans ?? []) for (const span of ss.spans ?? []) into.push({ traceId: span.traceId, name: span.name });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{}');
    });
  });
}

describe('OTEL_TRACES_SAMPLER', () => {
  it('defaults to parentbased_always_on with ratio 1 and reads the ratio sampler and its argument', () => {
    const endpoint = { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318' };
    expect(readServiceSettings(configReader(endpoint)).tracing?.sampler).toEqual({ name: 'parentbased_always_on', ratio: 1 });
    const env = { ...endpoint, OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '0.25' };
    expect(readServiceSettings(configReader(env)).tracing?.sampler).toEqual({ name: 'parentbased_traceidratio', ratio: 0.25 });
  });

  it('refuses an unknown sampler or a ratio outside 0 to 1 with an error naming the setting', () => {
    const endpoint = { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318' };
    expect(() => readServiceSettings(configReader({ ...endpoint, OTEL_TRACES_SAMPLER: 'sometimes' }))).toThrow(/OTEL_TRACES_SAMPLER .*"sometimes"/);
    for (const bad of ['1.5', '-0.1', 'half']) {
      expect(() => readServiceSettings(configReader({ ...endpoint, OTEL_TRACES_SAMPLER_ARG: bad }))).toThrow(
        `OTEL_TRACES_SAMPLER_ARG must be a number from 0 to 1, got "${bad}"`,
      );
    }
  });

  it('with parentbased_traceidratio at 0 exports no span for a root request but follows a sampled client traceparent', async () => {
    const exported: Exported[] = [];
    const endpoint = await listen(receiver(exported));
    const tracing = await startTracing({ endpoint, scheduledDelayMs: 10, sampler: { name: 'parentbased_traceidratio', ratio: 0 } }, 'sampler-test');
    const outgoing: Array<Record<string, string>> = [];
    const url = await listen(
      createServer(
        tracedHandler('test.http', async (_req, res) => {
          await withSpan('test.child', {}, async () => {
            outgoing.push(withTraceHeaders({}));
          });
          res.end('ok');
        }),
      ),
    );
    const sampledTrace = randomBytes(16).toString('hex');
    const unsampledRequests = 20;
    for (let i = 0; i < unsampledRequests; i++) expect((await fetch(url)).status).toBe(200);
    const followed = await fetch(url, { headers: { traceparent: `00-${sampledTrace}-${randomBytes(8).toString('hex')}-01` } });
    expect(followed.status).toBe(200);
    await tracing.stop();

    // The sampled client trace: the request span and its child, both exported, and flags 01 passed on.
    expect(
      exported
        .filter((s) => s.traceId === sampledTrace)
        .map((s) => s.name)
        .sort(),
    ).toEqual(['test.child', 'test.http']);
    // Nothing else: none of the 20 root requests was exported.
    expect(exported.filter((s) => s.traceId !== sampledTrace)).toEqual([]);
    // The unsampled ones still pass a traceparent on, marked not sampled (flags 00), so callees drop them too.
    expect(outgoing).toHaveLength(unsampledRequests + 1);
    const flags = outgoing.map((h) => h.traceparent?.split('-')[3]);
    expect(flags.slice(0, unsampledRequests).every((f) => f === '00')).toBe(true);
    expect(outgoing[unsampledRequests].traceparent).toMatch(new RegExp(`^00-${sampledTrace}-[0-9a-f]{16}-01$`));
  });
});
