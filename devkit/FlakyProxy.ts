import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A purpose-built "flaky exchange" for resilience tests: a real HTTP server in front of a real exchange
 * that forwards (and counts) GraphQL calls, or misbehaves on demand. Every fault here is produced for
 * real on the wire: a hang is a socket that never answers, a 500 is a real 500, garbage is real bytes.
 */
export type ProxyMode = 'forward' | 'hang' | 'http500' | 'garbage' | 'reset' | 'olderContract' | 'beforeCursors';

/**
 * What an exchange of a contract before a CatalogSummary field answers a query that asks for it: a GraphQL
 * validation error (HTTP 400, no data), as Apollo Server writes it.
 */
function olderContractRefusal(field: string): string {
  return JSON.stringify({
    errors: [{ message: `Cannot query field "${field}" on type "CatalogSummary".`, extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } }],
  });
}

/** The summary field each older-contract mode lacks: before tokensVersion (and firstCursors), or before firstCursors alone. */
const LACKED_FIELD: Partial<Record<ProxyMode, string>> = { olderContract: 'tokensVersion', beforeCursors: 'firstCursors' };

export class FlakyProxy {
  mode: ProxyMode = 'forward';
  /** What the gateway's catalogSummary calls get, when set (an exchange that serves no summary: 'http500'); null: `mode`. */
  summaryMode: ProxyMode | null = null;
  /** GraphQL calls received (probes, whose operation is HealthProbe, and catalog summaries are counted apart). */
  calls = 0;
  probes = 0;
  /** The gateway's catalogSummary calls (operation GatewayCatalogSummary, docs/scale-out.md). */
  summaries = 0;
  /** The answers to those calls that were forwarded, in order: their bodies' bytes and text (kept while recordBodies). */
  summaryAnswers: Array<{ bytes: number; text: string }> = [];
  /** The bodies of those calls, parsed, in order. */
  summaryBodies: Array<{ query?: string; variables?: Record<string, any> }> = [];
  /** Bodies of the GraphQL calls received (probes excluded), parsed. */
  bodies: Array<{ query?: string; variables?: Record<string, any> }> = [];
  /** False: `bodies` stays empty (a long benchmark run would parse and keep every body). */
  recordBodies = true;
  delayMs = 0;
  /** In forward mode, rewrites the upstream's answer body (a lying exchange). */
  transform: ((body: string) => string) | null = null;
  /** In forward mode, headers set on (or, when null, removed from) every forwarded answer, e.g. Cache-Control. */
  headers: Record<string, string | null> | null = null;
  private server: Server | null = null;
  port = 0;

  constructor(public upstreamUrl: string) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}/graphql`;
  }

  async start(port = 0): Promise<this> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks);
        const summary = body.includes('GatewayCatalogSummary');
        if (body.includes('HealthProbe') || body.includes('VersionProbe')) this.probes++;
        else if (summary) {
          this.summaries++;
          if (this.recordBodies) {
            try {
              this.summaryBodies.push(JSON.parse(body.toString('utf8')));
            } catch {
              this.summaryBodies.push({});
            }
          }
        } else {
          this.calls++;
          if (this.recordBodies) {
            try {
              this.bodies.push(JSON.parse(body.toString('utf8')));
            } catch {
              this.bodies.push({});
            }
          }
        }
        const act = () => {
          switch ((summary ? this.summaryMode : null) ?? this.mode) {
            case 'hang':
              return; // never answers; the socket stays open until the client gives up
            case 'http500':
              res.writeHead(500, { 'content-type': 'text/plain' });
              return res.end('internal error');
            case 'garbage':
              res.writeHead(200, { 'content-type': 'application/json' });
              return res.end('<html>this is not json');
            case 'reset':
              return req.socket.destroy();
            case 'olderContract':
            case 'beforeCursors': {
              // An exchange of an older contract: a summary query that names a field it lacks is refused,
              // any other (an older summary query) is served by the real exchange.
              const lacked = LACKED_FIELD[(summary ? this.summaryMode : null) ?? this.mode]!;
              if (body.includes(lacked)) {
                res.writeHead(400, { 'content-type': 'application/json' });
                return res.end(olderContractRefusal(lacked));
              }
              return forwardTo();
            }
            default:
              return forwardTo();
          }
        };
        const forwardTo = () => {
          const upstream = new URL(this.upstreamUrl);
          const forward = httpRequest(
            { host: upstream.hostname, port: upstream.port, path: upstream.pathname, method: req.method, headers: req.headers },
            (up) => {
              const transform = this.transform;
              const upHeaders = { ...up.headers };
              for (const [name, value] of Object.entries(this.headers ?? {})) {
                if (value === null) delete upHeaders[name];
                else upHeaders[name] = value;
              }
              if (summary && this.recordBodies) {
                const parts: Buffer[] = [];
                up.on('data', (c: Buffer) => parts.push(c));
                up.on('end', () => {
                  const whole = Buffer.concat(parts);
                  this.summaryAnswers.push({ bytes: whole.length, text: whole.toString('utf8') });
                });
              }
              if (!transform || body.includes('Probe')) {
                res.writeHead(up.statusCode ?? 502, upHeaders);
                up.pipe(res);
                return;
              }
              const parts: Buffer[] = [];
              up.on('data', (c: Buffer) => parts.push(c));
              up.on('end', () => {
                const text = transform(Buffer.concat(parts).toString('utf8'));
                const { 'content-length': _length, ...headers } = upHeaders;
                res.writeHead(up.statusCode ?? 502, { ...headers, 'content-length': Buffer.byteLength(text) });
                res.end(text);
              });
            },
          );
          forward.on('error', () => req.socket.destroy());
          forward.end(body);
        };
        if (this.delayMs > 0) setTimeout(act, this.delayMs);
        else act();
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(port, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  reset(): void {
    this.mode = 'forward';
    this.summaryMode = null;
    this.calls = 0;
    this.probes = 0;
    this.summaries = 0;
    this.summaryAnswers = [];
    this.summaryBodies = [];
    this.bodies = [];
    this.delayMs = 0;
    this.transform = null;
    this.headers = null;
  }

  async close(): Promise<void> {
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server!.close(() => resolve()));
  }
}
