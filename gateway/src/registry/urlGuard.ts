import { isIP } from 'node:net';
import { IDENTITY_FIELDS, IDENTITY_VARIABLES_DECLARATION, identityProblem, identityVariables } from '../directory/exchangeIdentity.ts';
import { EXCHANGE_URL_ALLOWLIST_ENV, hostOf, isAllowedHost, addressProblem, type HostAllowlist } from '../exchangeClient/hostAllowlist.ts';
import { systemResolve, type ResolveHost } from '../exchangeClient/guardedLookup.ts';
import { postGraphQLOnce, type ExchangeCallOptions } from '../exchangeClient/postGraphQLOnce.ts';
import { connectionWords, shortJson } from '../exchangeClient/connectionWords.ts';

/**
 * Before the gateway calls a URL that an exchange registered, it checks it: the gateway sits inside the
 * network, and a registration must not be a way to make it call anything else (its own admin API, a
 * cloud metadata address, a database). Every problem is one string starting with "url:", the field of
 * the registration it is about, worded for the person who registers the exchange. The allowlist and its
 * address rule are in exchangeClient/hostAllowlist.ts; the calls go through exchangeClient/.
 */
/**
 * Default cap on the `_service { sdl }` answer: 64 KiB. The contract's SDL is about 8 KiB; checking an
 * SDL against it and composing the supergraph takes time in proportion (most of a second at the cap).
 */
export const DEFAULT_SDL_MAX_BYTES = 64 * 1024;
/** Default cap on the probe's answer (one edge and a count). */
export const DEFAULT_PROBE_MAX_BYTES = 64 * 1024;

const MAX_URL_LENGTH = 2048;
/**
 * Checks a registered URL by its text alone: absolute http(s), no credentials, host on the allowlist.
 * Resolution is `checkResolvedAddresses`; `guardExchangeUrl` does both.
 */
export function checkExchangeUrl(text: string, allowlist: HostAllowlist): { ok: true; url: URL } | { ok: false; problem: string } {
  if (typeof text !== 'string' || text.trim() === '') return { ok: false, problem: 'url: missing' };
  if (text.length > MAX_URL_LENGTH) return { ok: false, problem: `url: longer than ${MAX_URL_LENGTH} characters` };
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return { ok: false, problem: `url: not an absolute URL: ${JSON.stringify(text.slice(0, 200))}` };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return { ok: false, problem: `url: scheme must be http or https, got ${JSON.stringify(url.protocol)}` };
  }
  // Never echo them: the message goes back over the API and into logs.
  if (url.username !== '' || url.password !== '') {
    return { ok: false, problem: 'url: must not contain credentials (user:password@); exchanges are called without them' };
  }
  const host = hostOf(url);
  if (!isAllowedHost(host, allowlist)) {
    return { ok: false, problem: `url: host ${JSON.stringify(host)} is not on ${EXCHANGE_URL_ALLOWLIST_ENV} (allowed: ${allowlist.description})` };
  }
  return { ok: true, url };
}

/**
 * Resolves the URL's host (every address) and applies the address rule: loopback only for the default
 * allowlist and for localhost names. A host that does not resolve is a problem under any allowlist.
 */
export async function checkResolvedAddresses(
  url: URL,
  allowlist: HostAllowlist,
  options: { resolve?: ResolveHost } = {},
): Promise<{ ok: true; addresses: string[] } | { ok: false; problem: string }> {
  const host = hostOf(url);
  let addresses: string[];
  if (isIP(host) !== 0) {
    addresses = [host];
  } else {
    try {
      addresses = (await (options.resolve ?? systemResolve)(host)).map((a) => a.address);
    } catch (err) {
      return { ok: false, problem: `url: ${connectionWords(err, host)}` };
    }
    if (addresses.length === 0) return { ok: false, problem: `url: host ${JSON.stringify(host)} has no address` };
  }
  const problem = addressProblem(host, addresses, allowlist);
  return problem ? { ok: false, problem } : { ok: true, addresses };
}

/** Both checks: the URL's text, then the addresses its host resolves to. */
export async function guardExchangeUrl(
  text: string,
  allowlist: HostAllowlist,
  options: { resolve?: ResolveHost } = {},
): Promise<{ ok: true; url: URL; addresses: string[] } | { ok: false; problem: string }> {
  const checked = checkExchangeUrl(text, allowlist);
  if (!checked.ok) return checked;
  const resolved = await checkResolvedAddresses(checked.url, allowlist, options);
  return resolved.ok ? { ok: true, url: checked.url, addresses: resolved.addresses } : resolved;
}

const SDL_QUERY = '{ _service { sdl } }';
const PROBE_QUERY = `query RegistrationProbe(${IDENTITY_VARIABLES_DECLARATION}) { ${IDENTITY_FIELDS} }`;

/** Fetches the exchange's subgraph SDL. Never throws: every failure is a problem string. */
export async function fetchServiceSdl(
  url: URL,
  options: ExchangeCallOptions & { timeoutMs: number; maxBytes: number },
): Promise<{ ok: true; sdl: string } | { ok: false; problem: string }> {
  const answer = await postGraphQLOnce(url, SDL_QUERY, {
    ...options,
    tooLarge: `url: the answer to { _service { sdl } } is larger than ${options.maxBytes} bytes, the gateway's cap on an exchange's schema; serve a smaller SDL (the contract's is about 8 KiB)`,
  });
  if (!answer.ok) return answer;
  const sdl = (answer.json as any)?.data?._service?.sdl;
  if (typeof sdl !== 'string' || sdl.trim() === '') {
    return { ok: false, problem: 'url: answer has no data._service.sdl; an exchange must be a federation subgraph that answers { _service { sdl } }' };
  }
  return { ok: true, sdl };
}

export interface ProbeResult {
  ok: true;
  /** The x-catalog-version header, or null when the exchange did not send one. */
  catalogVersion: string | null;
  totalCount: number;
  latencyMs: number;
}

/**
 * Asks the exchange for its first dataset and checks the answer is a well-formed connection: a
 * non-negative integer totalCount, at most one edge, each with a non-empty cursor, and an edge whenever
 * totalCount says there is one; then that the endpoint is the exchange `exchange` (its ids carry the
 * `<exchange>:` prefix and it answers as that Exchange entity, see exchangeIdentity.ts). Never throws.
 */
export async function probeExchange(url: URL, options: ExchangeCallOptions & { exchange: string }): Promise<ProbeResult | { ok: false; problem: string }> {
  const started = performance.now();
  const answer = await postGraphQLOnce(
    url,
    PROBE_QUERY,
    { ...options, maxBytes: options.maxBytes ?? DEFAULT_PROBE_MAX_BYTES },
    identityVariables(options.exchange),
  );
  if (!answer.ok) return answer;
  const latencyMs = performance.now() - started;
  const data = (answer.json as any)?.data;
  const connection = data?.datasets;
  const problem = connectionProblem(connection);
  if (problem) return { ok: false, problem: `url: probe answer: ${problem}` };
  if (!Array.isArray(data?.self))
    return {
      ok: false,
      problem: `url: probe answer: the Exchange entity ${JSON.stringify(options.exchange)} must come back as a list from _entities, got ${shortJson(data?.self)}`,
    };
  const stranger = identityProblem(data, options.exchange);
  if (stranger) return { ok: false, problem: `url: the exchange at ${url.href} ${stranger}` };
  return { ok: true, catalogVersion: answer.catalogVersion, totalCount: connection.totalCount, latencyMs };
}

function connectionProblem(connection: any): string | null {
  if (connection === null || typeof connection !== 'object' || Array.isArray(connection)) {
    return `data.datasets must be a connection object, got ${shortJson(connection)}`;
  }
  const { totalCount, edges } = connection;
  if (!Number.isInteger(totalCount) || totalCount < 0) {
    return `datasets.totalCount must be a non-negative integer, got ${shortJson(totalCount)}`;
  }
  if (!Array.isArray(edges)) return `datasets.edges must be a list, got ${shortJson(edges)}`;
  if (edges.length > 1) return `asked for first: 1, got ${edges.length} edges`;
  for (const [index, edge] of edges.entries()) {
    // A null edge is allowed by the contract (one failed item must not null the list).
    if (edge === null) continue;
    if (typeof edge !== 'object' || typeof edge.cursor !== 'string' || edge.cursor === '') {
      return `datasets.edges[${index}].cursor must be a non-empty string, got ${shortJson(edge?.cursor)}`;
    }
  }
  if (totalCount > 0 && edges.length === 0) return `datasets.totalCount is ${totalCount} but no edge came back`;
  if (totalCount === 0 && edges.length > 0) return 'datasets.totalCount is 0 but an edge came back';
  return null;
}
