/**
 * The kit's only way to the exchange: POSTs GraphQL and counts every request against the run's budget.
 * A request over the budget throws BudgetExhausted before it is sent, so a run never exceeds its bounds.
 */
export class BudgetExhausted extends Error {}

export interface GraphQLAnswer<T = any> {
  status: number;
  headers: Headers;
  data?: T | null;
  errors?: Array<{ message: string; extensions?: Record<string, any> }>;
}

export interface ClientOptions {
  url: string;
  maxRequests: number;
  timeBudgetMs: number;
  requestTimeoutMs: number;
  fetch: typeof fetch;
}

export class GraphQLClient {
  requests = 0;
  private readonly deadline: number;

  constructor(private readonly options: ClientOptions) {
    this.deadline = Date.now() + options.timeBudgetMs;
  }

  /** Throws when the next request would go over the request count or the time budget. */
  reserve(): number {
    if (this.requests >= this.options.maxRequests) throw new BudgetExhausted(`the run reached its request budget (${this.options.maxRequests} requests)`);
    const leftMs = this.deadline - Date.now();
    if (leftMs <= 0) throw new BudgetExhausted(`the run reached its time budget (${this.options.timeBudgetMs} ms)`);
    this.requests++;
    return Math.min(leftMs, this.options.requestTimeoutMs);
  }

  async query<T = any>(query: string, variables?: Record<string, unknown>): Promise<GraphQLAnswer<T>> {
    const timeoutMs = this.reserve();
    let response: Response;
    try {
      response = await this.options.fetch(this.options.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify({ query, variables }),
        signal: AbortSignal.timeout(timeoutMs),
        redirect: 'manual',
      });
    } catch (err) {
      throw new ExchangeUnreachable(`POST ${this.options.url}: ${(err as Error).message}`);
    }
    const text = await response.text();
    let body: { data?: T | null; errors?: GraphQLAnswer['errors'] };
    try {
      body = JSON.parse(text);
    } catch {
      throw new ExchangeUnreachable(`POST ${this.options.url}: HTTP ${response.status}, not JSON: ${text.slice(0, 200)}`);
    }
    return { status: response.status, headers: response.headers, data: body.data, errors: body.errors };
  }

  /** A query that must answer data without errors; anything else fails the check with the errors. */
  async data<T = any>(query: string, variables?: Record<string, unknown>): Promise<T> {
    const answer = await this.query<T>(query, variables);
    if (answer.errors?.length || !answer.data) {
      throw new CheckFailure(
        `${describeCall(query, variables)} answered ${answer.errors?.length ? `errors: ${answer.errors.map((e) => e.message).join('; ')}` : `HTTP ${answer.status} without data`}`,
      );
    }
    return answer.data;
  }

  /** Another endpoint of the exchange (e.g. /admin/prices), counted against the same budget. */
  async post(url: string, body: unknown, headers: Record<string, string>): Promise<{ status: number; headers: Headers; json: any }> {
    const timeoutMs = this.reserve();
    const response = await this.options.fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
      redirect: 'manual',
    });
    const text = await response.text();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = text;
    }
    return { status: response.status, headers: response.headers, json };
  }
}

/** Thrown by a check with its first counterexample. */
export class CheckFailure extends Error {}

/** The exchange could not be reached or did not answer GraphQL: every check that needs it fails. */
export class ExchangeUnreachable extends CheckFailure {}

function describeCall(query: string, variables?: Record<string, unknown>): string {
  const field = /\{\s*(\w+)/.exec(query)?.[1] ?? 'query';
  return `${field}${variables ? ` ${JSON.stringify(variables)}` : ''}`;
}
