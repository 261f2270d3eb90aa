import type { ServerResponse } from 'node:http';
import { sendJson } from '../../../shared/http/apolloHandler.ts';

/**
 * One refused admin request, in the one shape every admin refusal has (docs/registration.md, "Refusals"):
 *
 *   { "error": { "code": "INVALID_REGISTRATION", "message": "...", "problems": [{ "field", "rule", "message" }] },
 *     "problems": ["field: ...", ...] }
 *
 * `error.problems` is never empty: even a 401 names the field (`authorization`) and the rule it broke.
 * The top-level `problems` (the messages alone) is what 400 and 422 answers carried before this shape:
 * kept so scripts written against it still work.
 */
export interface AdminProblem {
  /** The field of the request the problem is about (`url`, `province`, `authorization`, `body`, ...). */
  field: string;
  /** A stable name of the rule it broke (`required`, `province-known`, `allowlist`, `conformance`, ...). */
  rule: string;
  /**
   * For a person, most starting with the field (`province: must name a province-level division of China,
   * ...`); a schema problem starts with what in the schema (`Dataset.price: ...`), a conflict with the id.
   */
  message: string;
}

export type RefusalCode =
  | 'BAD_REQUEST'
  | 'INVALID_REGISTRATION'
  | 'REGISTRATION_CHECK_FAILED'
  | 'CONFORMANCE_FAILED'
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'CONFLICT'
  | 'TOO_MANY_CHECKS'
  | 'TOO_MANY_FAILURES'
  | 'PAYLOAD_TOO_LARGE'
  | 'STORE_UNAVAILABLE';

export interface AdminRefusal {
  code: RefusalCode;
  /** One sentence for the whole refusal; the problems say the details. */
  message: string;
  problems: AdminProblem[];
  /** The conformance kit's report, for a registration the registration subset refused. */
  report?: unknown;
}

export function sendRefusal(res: ServerResponse, status: number, refusal: AdminRefusal, headers?: Record<string, string>): void {
  const { report, ...error } = refusal;
  sendJson(res, status, { error: report === undefined ? error : { ...error, report }, problems: refusal.problems.map((p) => p.message) }, headers);
}

/** What a problem's `field` may be: a field of an admin request, or the registry itself. */
const REQUEST_FIELDS = new Set([
  'id',
  'name',
  'nameZh',
  'city',
  'province',
  'divisionCode',
  'url',
  'body',
  'exchange',
  'authorization',
  'path',
  'registry',
  'costPerMin',
]);

/**
 * A problem from a message worded `field: rule text` (as the registry's checks word theirs): the field is
 * the part before the first colon when it is a field of the request, else `fallbackField` (a schema
 * problem such as `Dataset.price: expected Price!, found Float` is about the exchange at `url`).
 */
export function problemOf(message: string, rule: string, fallbackField: string): AdminProblem {
  const prefix = /^(\w+): /.exec(message)?.[1];
  return { field: prefix && REQUEST_FIELDS.has(prefix) ? prefix : fallbackField, rule, message };
}

/** A refusal with one problem, its message also the refusal's. */
export function singleProblem(code: RefusalCode, problem: { field: string; rule: string; message: string }): AdminRefusal {
  return { code, message: problem.message, problems: [problem] };
}
