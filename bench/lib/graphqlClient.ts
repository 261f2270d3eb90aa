/**
 * A GraphQL-over-HTTP client for sequential latency measurements: one keep-alive connection (so a
 * sample is one request, not a TCP handshake), the body read to the end, GraphQL errors surfaced.
 */
import { Agent, request } from 'node:http';

export interface GraphqlAnswer<T = any> {
  status: number;
  body: { data?: T; errors?: Array<{ message: string; extensions?: Record<string, unknown> }> };
  headers: Record<string, string | string[] | undefined>;
  ms: number;
}

export class GraphqlClient {
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 1 });
  private readonly target: URL;

  constructor(readonly url: string) {
    this.target = new URL(url);
    if (this.target.hostname !== '127.0.0.1' && this.target.hostname !== 'localhost') throw new Error(`benchmarks only target 127.0.0.1, got ${url}`);
  }

  post<T = any>(query: string, variables: Record<string, unknown> = {}, timeoutMs = 30_000): Promise<GraphqlAnswer<T>> {
    const payload = JSON.stringify({ query, variables });
    return new Promise((resolve, reject) => {
      const started = performance.now();
      const req = request(
        {
          host: this.target.hostname,
          port: this.target.port,
          path: this.target.pathname,
          method: 'POST',
          agent: this.agent,
          headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) },
          timeout: timeoutMs,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const ms = performance.now() - started;
            const text = Buffer.concat(chunks).toString('utf8');
            try {
              resolve({ status: res.statusCode ?? 0, body: JSON.parse(text), headers: res.headers, ms });
            } catch {
              reject(new Error(`${this.url} answered ${res.statusCode} with non-JSON: ${text.slice(0, 200)}`));
            }
          });
          res.on('error', reject);
        },
      );
      req.on('timeout', () => req.destroy(new Error(`${this.url} did not answer within ${timeoutMs} ms`)));
      req.on('error', reject);
      req.end(payload);
    });
  }

  /** Like post, but throws unless the answer is 200 with data and no errors. */
  async data<T = any>(query: string, variables: Record<string, unknown> = {}): Promise<T> {
    const answer = await this.post<T>(query, variables);
    if (answer.status !== 200 || answer.body.errors?.length || !answer.body.data) {
      throw new Error(`${this.url} answered ${answer.status}: ${JSON.stringify(answer.body).slice(0, 500)}`);
    }
    return answer.body.data;
  }

  close(): void {
    this.agent.destroy();
  }
}
