import type { IncomingMessage } from 'node:http';

/**
 * Two rules of the GraphQL-over-HTTP spec that Apollo Server leaves to us (docs/front-door.md):
 * the shape of a POST body (one operation, `extensions` a map), checked before the response cache can
 * answer it, and the status of a request error for a client that accepts only `application/json`.
 */

export interface HttpRefusal {
  status: number;
  body: { errors: Array<{ message: string; extensions: Record<string, unknown> }> };
}

function refusal(message: string, rule: string): HttpRefusal {
  return { status: 400, body: { errors: [{ message, extensions: { code: 'BAD_REQUEST', rule } }] } };
}

/**
 * Refuses a POST body that is not one operation. A batch (a JSON array) is refused whole: each operation
 * of it could fan out to every exchange, so a batch would multiply one request's cost past the per-query
 * limits; clients send one operation per request (HTTP/1.1 keep-alive and HTTP/2 make that cheap).
 */
export function refuseRequestShape(body: unknown): HttpRefusal | null {
  if (Array.isArray(body)) {
    return refusal(
      `batched requests (a JSON array of ${body.length} operations) are not accepted: send one operation per request, as a JSON object`,
      'no-batching',
    );
  }
  if (typeof body !== 'object' || body === null) return null;
  const { extensions } = body as { extensions?: unknown };
  if (extensions !== undefined && extensions !== null && (typeof extensions !== 'object' || Array.isArray(extensions))) {
    const kind = Array.isArray(extensions) ? 'array' : typeof extensions;
    return refusal(`extensions: must be a map (a JSON object), got ${kind}`, 'extensions-map');
  }
  return null;
}

/** Codes of a request error: the request was well-formed HTTP, but not a GraphQL request we execute. */
const REQUEST_ERROR_CODES = new Set([
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_USER_INPUT',
  'OPERATION_RESOLUTION_FAILURE',
  'QUERY_TOO_COSTLY',
]);

/** The client named `application/json` and not `application/graphql-response+json` in Accept. */
export function acceptsOnlyLegacyJson(req: IncomingMessage): boolean {
  const accept = String(req.headers.accept ?? '').toLowerCase();
  return accept.includes('application/json') && !accept.includes('application/graphql-response+json');
}

/**
 * The status of a response. The spec: a response of media type `application/json` (the legacy one) uses
 * 200 for a request error (a parse, validation or variable error), since clients of that type read errors
 * from the body; `application/graphql-response+json`, and the default for a client that names neither,
 * keep 400. Only a client that asked for `application/json` by name gets 200; nothing else changes.
 */
export function legacyJsonStatus(req: IncomingMessage, status: number, bodyText: string): number {
  if (status !== 400 || !acceptsOnlyLegacyJson(req)) return status;
  try {
    const body = JSON.parse(bodyText) as { data?: unknown; errors?: Array<{ extensions?: { code?: unknown } }> };
    const errors = body.errors ?? [];
    const requestError = !('data' in body) && errors.length > 0 && errors.every((e) => REQUEST_ERROR_CODES.has(String(e.extensions?.code)));
    return requestError ? 200 : status;
  } catch {
    return status;
  }
}
