/** Why an exchange's part of a fetch is missing. One error per failed exchange reaches the client. */
export type ExchangeFailureCode = 'EXCHANGE_UNAVAILABLE' | 'EXCHANGE_TIMEOUT' | 'EXCHANGE_BAD_RESPONSE';

export interface ExchangeFailure {
  ok: false;
  exchange: string;
  code: ExchangeFailureCode;
  /** Safe to show to clients: says what happened, not where the exchange lives. */
  message: string;
  /** The real cause (e.g. ECONNREFUSED), for the log only. */
  cause?: unknown;
  /** How long the call took before it failed; absent when no call was made (an OFFLINE exchange). */
  latencyMs?: number;
  /** A copy of the failure of another request's identical call (single flight): that call was observed already. */
  shared?: boolean;
}

export function exchangeFailure(exchange: string, code: ExchangeFailureCode, message: string, cause?: unknown): ExchangeFailure {
  return { ok: false, exchange, code, message, cause };
}

export function toGraphQLError(failure: ExchangeFailure, path?: ReadonlyArray<string | number>) {
  return {
    message: failure.message,
    ...(path ? { path } : {}),
    extensions: { code: failure.code, exchange: failure.exchange },
  };
}

/** The root cause of a fetch error: undici and fetch wrap the socket error in `cause`. */
export function rootCause(err: unknown): { code?: string; message: string } {
  let current: any = err;
  for (let depth = 0; depth < 5 && current?.cause; depth++) current = current.cause;
  return { code: current?.code ?? (err as any)?.code, message: String(current?.message ?? current) };
}
