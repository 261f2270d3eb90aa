import type { IncomingMessage, ServerResponse } from 'node:http';
import { context, propagation, trace, SpanKind, SpanStatusCode, type Attributes, type Span, type Tracer } from '@opentelemetry/api';

/** OTEL_* settings every service reads (shared/config/serviceSettings.ts); null: tracing is off. */
export interface TracingSettings {
  /** OTEL_EXPORTER_OTLP_ENDPOINT, e.g. http://127.0.0.1:4318: spans are POSTed as JSON to `<endpoint>/v1/traces`. */
  endpoint: string;
  /** OTEL_SERVICE_NAME, default the service's own name (gateway, exchange-bj, providers). */
  serviceName?: string;
  /** OTEL_BSP_SCHEDULE_DELAY, default 5000: how long finished spans wait to be sent in one batch. */
  scheduledDelayMs: number;
  /** OTEL_TRACES_SAMPLER / OTEL_TRACES_SAMPLER_ARG, default parentbased_always_on (every request traced). */
  sampler: SamplerSettings;
}

/** The OpenTelemetry specification's sampler names (OTEL_TRACES_SAMPLER). */
export const SAMPLER_NAMES = [
  'always_on',
  'always_off',
  'traceidratio',
  'parentbased_always_on',
  'parentbased_always_off',
  'parentbased_traceidratio',
] as const;
export type SamplerName = (typeof SAMPLER_NAMES)[number];

export interface SamplerSettings {
  name: SamplerName;
  /** OTEL_TRACES_SAMPLER_ARG: the ratio of root traces kept by the *traceidratio samplers, 0 to 1 (default 1). */
  ratio: number;
}

/**
 * The process's tracer, set once by startTracing; null while tracing is off. Every helper below checks it
 * first and does nothing else when it is null: with tracing off no SDK module is loaded and no span or
 * context object is made on any request.
 */
let tracer: Tracer | null = null;

export function tracingEnabled(): boolean {
  return tracer !== null;
}

/**
 * Loads the SDK (only now, and only when an endpoint is set) and makes it the process's global tracer
 * provider, context manager (AsyncLocalStorage) and W3C trace-context propagator. @apollo/gateway's own
 * spans (gateway.request, gateway.plan, gateway.fetch, ...) use the same global registration.
 */
export async function startTracing(settings: TracingSettings | null, defaultServiceName: string): Promise<{ stop(): Promise<void> }> {
  if (!settings) return { stop: async () => undefined };
  const [
    { TracerProvider, BatchSpanProcessor, AlwaysOnSampler, AlwaysOffSampler, TraceIdRatioBasedSampler, ParentBasedSampler },
    { OTLPTraceExporter },
    { AsyncLocalStorageContextManager },
    { W3CTraceContextPropagator },
    { resourceFromAttributes },
  ] = await Promise.all([
    import('@opentelemetry/sdk-trace'),
    import('@opentelemetry/exporter-trace-otlp-http'),
    import('@opentelemetry/context-async-hooks'),
    import('@opentelemetry/core'),
    import('@opentelemetry/resources'),
  ]);
  const exporter = new OTLPTraceExporter({ url: `${settings.endpoint.replace(/\/+$/, '')}/v1/traces` });
  // A span not sampled is a non-recording one: nothing is exported, but its context (flags 00) is still
  // propagated, so exchanges and providers following their parent drop the same trace.
  const root = { always_on: AlwaysOnSampler, always_off: AlwaysOffSampler } as const;
  const { name, ratio } = settings.sampler;
  const base = name.endsWith('traceidratio') ? new TraceIdRatioBasedSampler(ratio) : new root[name.endsWith('always_off') ? 'always_off' : 'always_on']();
  const sampler = name.startsWith('parentbased_') ? new ParentBasedSampler({ root: base }) : base;
  const provider = new TracerProvider({
    sampler,
    resource: resourceFromAttributes({ 'service.name': settings.serviceName ?? defaultServiceName }),
    spanProcessors: [new BatchSpanProcessor({ exporter, scheduledDelayMillis: settings.scheduledDelayMs })],
  });
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  trace.setGlobalTracerProvider(provider);
  tracer = trace.getTracer('catalog-gateway');
  return {
    // Spans still in the batch are sent before the process exits.
    stop: async () => {
      tracer = null;
      await provider.shutdown().catch(() => undefined);
    },
  };
}

/**
 * A server span around each request, continuing the client's trace when it sent a `traceparent`. Whether
 * tracing is on is asked at each call (one comparison when it is off), so a handler built before
 * startTracing ran still gets its spans.
 */
export function tracedHandler(
  name: string,
  handler: (req: IncomingMessage, res: ServerResponse) => Promise<void>,
): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  return (req, res) => {
    if (tracer === null) return handler(req, res);
    const parent = propagation.extract(context.active(), req.headers);
    return tracer.startActiveSpan(
      name,
      { kind: SpanKind.SERVER, attributes: { 'http.request.method': req.method ?? '', 'url.path': (req.url ?? '').split('?')[0] } },
      parent,
      (span) =>
        ended(span, async () => {
          await handler(req, res);
          span.setAttribute('http.response.status_code', res.statusCode);
          if (res.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
        }),
    );
  };
}

/** Runs `work` in a child span of the active one; with tracing off, runs it as it is (span undefined). */
export function withSpan<T>(name: string, attributes: Attributes, work: (span: Span | undefined) => Promise<T>): Promise<T> {
  if (tracer === null) return work(undefined);
  return tracer.startActiveSpan(name, { attributes }, (span) => ended(span, () => work(span)));
}

/** Runs `work`, marks the span failed when it throws, and ends the span either way. */
async function ended<T>(span: Span, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    span.recordException(err as Error);
    span.setStatus({ code: SpanStatusCode.ERROR });
    throw err;
  } finally {
    span.end();
  }
}

/** The synchronous form of withSpan (the merge, the planning). */
export function withSpanSync<T>(name: string, attributes: Attributes, work: (span: Span | undefined) => T): T {
  if (tracer === null) return work(undefined);
  return tracer.startActiveSpan(name, { attributes }, (span) => {
    try {
      return work(span);
    } finally {
      span.end();
    }
  });
}

/** Sets attributes on the active span (a fetch's HTTP status, a cache's hit), when tracing is on. */
export function annotateSpan(attributes: Attributes): void {
  if (tracer === null) return;
  trace.getActiveSpan()?.setAttributes(attributes);
}

/**
 * The headers of an outgoing call with the active trace context added (`traceparent`), so the service
 * called continues the trace; with tracing off, the same object.
 */
export function withTraceHeaders(headers: Record<string, string>): Record<string, string> {
  if (tracer === null) return headers;
  const carrier = { ...headers };
  propagation.inject(context.active(), carrier);
  return carrier;
}
