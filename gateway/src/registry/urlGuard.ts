import { promises as dns } from 'node:dns';
import { BlockList, isIP, type LookupFunction } from 'node:net';
import { domainToASCII } from 'node:url';
import { Agent, request } from 'undici';
import { CATALOG_VERSION_HEADER } from '../../../shared/headers.ts';
import { rootCause } from '../shards/exchangeErrors.ts';
import { IDENTITY_FIELDS, IDENTITY_VARIABLES_DECLARATION, identityProblem, identityVariables } from '../directory/exchangeIdentity.ts';

/**
 * Before the gateway calls a URL that an exchange registered, it checks it: the gateway sits inside the
 * network, and a registration must not be a way to make it call anything else (its own admin API, a
 * cloud metadata address, a database). Every problem is one string starting with "url:", the field of
 * the registration it is about, worded for the person who registers the exchange.
 *
 * The allowlist is by NAME: an entry allows a host name or IP literal as written in the URL, and the
 * operator who writes a name on it vouches for what that name resolves to. The default (no
 * EXCHANGE_URL_ALLOWLIST) is stricter, because nobody vouched for anything: only loopback names and
 * addresses are allowed, and every address the name resolves to must be loopback as well, checked when
 * the URL is registered (`checkResolvedAddresses`) and again at every connect (`connectLookup`): by the
 * calls below when they are given the allowlist, and by every exchange's long-lived pool
 * (ExchangeClient), so a name that resolves to loopback at check time and elsewhere a moment
 * later (DNS rebinding) is refused too. `localhost` and `*.localhost` must resolve to loopback under any
 * allowlist (RFC 6761 reserves them for it).
 */
export const EXCHANGE_URL_ALLOWLIST_ENV = 'EXCHANGE_URL_ALLOWLIST';

export interface HostAllowlist {
  /** Host names and IP addresses allowed exactly: lowercase, ASCII (punycode), IPv6 without brackets. */
  readonly hosts: ReadonlySet<string>;
  /** `*.example.cn` entries, kept as ".example.cn": any name ending in it is allowed, at any depth. */
  readonly suffixes: readonly string[];
  /** True for the default (EXCHANGE_URL_ALLOWLIST unset): resolved addresses must be loopback too. */
  readonly loopbackOnly: boolean;
  /** The entries as they read in messages: "localhost, 127.0.0.1, ::1". */
  readonly description: string;
}

/** Loopback only: what the gateway allows when EXCHANGE_URL_ALLOWLIST is unset or empty. */
export const DEFAULT_ALLOWLIST: HostAllowlist = Object.freeze({
  hosts: new Set(['localhost', '127.0.0.1', '::1']),
  suffixes: [],
  loopbackOnly: true,
  description: 'localhost, 127.0.0.1, ::1',
});

/** Default time allowed for one registration call (SDL fetch or probe), whole call. */
export const DEFAULT_CHECK_TIMEOUT_MS = 3000;
/**
 * Default cap on the `_service { sdl }` answer: 64 KiB. The contract's SDL is about 8 KiB; checking an
 * SDL against it and composing the supergraph takes time in proportion (most of a second at the cap).
 */
export const DEFAULT_SDL_MAX_BYTES = 64 * 1024;
/** Default cap on the probe's answer (one edge and a count). */
export const DEFAULT_PROBE_MAX_BYTES = 64 * 1024;

const MAX_URL_LENGTH = 2048;
const LABEL = '[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?';
const HOST_NAME = new RegExp(`^${LABEL}(?:\\.${LABEL})*$`);

/**
 * Parses EXCHANGE_URL_ALLOWLIST: comma-separated host names, IP addresses (IPv6 with or without
 * brackets) and `*.domain` wildcards. Unset or empty means loopback only (DEFAULT_ALLOWLIST).
 * Throws on an entry that is not one of those, naming the variable, the rule and the entry.
 */
export function parseAllowlist(text: string | undefined): HostAllowlist {
  const entries = (text ?? '').split(',').map((e) => e.trim()).filter((e) => e !== '');
  if (entries.length === 0) return DEFAULT_ALLOWLIST;
  const hosts = new Set<string>();
  const suffixes: string[] = [];
  for (const entry of entries) {
    const parsed = parseEntry(entry);
    if (parsed.kind === 'suffix') suffixes.push(parsed.value);
    else hosts.add(parsed.value);
  }
  return { hosts, suffixes, loopbackOnly: false, description: entries.join(', ') };
}

function parseEntry(entry: string): { kind: 'host' | 'suffix'; value: string } {
  const unbracketed = entry.startsWith('[') && entry.endsWith(']') ? entry.slice(1, -1) : entry;
  if (isIP(unbracketed) === 6) return { kind: 'host', value: new URL(`http://[${unbracketed}]/`).hostname.slice(1, -1) };
  if (isIP(unbracketed) === 4) return { kind: 'host', value: unbracketed };
  if (entry.includes('*')) {
    const domain = entry.startsWith('*.') ? asciiHostName(entry.slice(2)) : null;
    if (!domain || domain.includes('*') || domain.split('.').length < 2 || isNumericLabel(domain)) {
      throw allowlistError('a wildcard is "*." followed by a domain of at least two labels (e.g. *.exchanges.example.cn), and * only as the first label', entry);
    }
    return { kind: 'suffix', value: `.${domain}` };
  }
  const name = asciiHostName(entry);
  if (!name) {
    throw allowlistError('each entry is a host name, an IP address or a *.domain wildcard, without scheme, port or path', entry);
  }
  if (isNumericLabel(name)) throw allowlistError('an IP address must be a complete IPv4 (a.b.c.d) or IPv6 address', entry);
  return { kind: 'host', value: name };
}

function allowlistError(rule: string, entry: string): Error {
  return new Error(`${EXCHANGE_URL_ALLOWLIST_ENV}: ${rule}, but got ${JSON.stringify(entry)}`);
}

/** The ASCII (punycode) lowercase form of a host name, as URL parsing writes it; null when it is not one. */
function asciiHostName(text: string): string | null {
  const ascii = domainToASCII(text.toLowerCase());
  return ascii !== '' && HOST_NAME.test(ascii) ? ascii : null;
}

/** A last label of digits makes URL parsing read the name as an IPv4 address ("10.1" is 10.0.0.1). */
function isNumericLabel(name: string): boolean {
  return /^(?:0x[0-9a-f]*|\d+)$/.test(name.split('.').at(-1)!);
}

function isAllowed(host: string, allowlist: HostAllowlist): boolean {
  if (allowlist.hosts.has(host)) return true;
  // An IP literal is allowed exactly or not at all: "*.0.1" is not a way to allow a range.
  return isIP(host) === 0 && allowlist.suffixes.some((suffix) => host.endsWith(suffix));
}

/** The URL's host as compared with the allowlist: IPv6 without brackets. */
function hostOf(url: URL): string {
  return url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
}

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
  if (!isAllowed(host, allowlist)) {
    return { ok: false, problem: `url: host ${JSON.stringify(host)} is not on ${EXCHANGE_URL_ALLOWLIST_ENV} (allowed: ${allowlist.description})` };
  }
  return { ok: true, url };
}

/** Resolves a host name to every address it has, as dns.lookup with `all: true`. Injectable for tests. */
export type ResolveHost = (hostname: string) => Promise<Array<{ address: string; family: number }>>;

const systemResolve: ResolveHost = (hostname) => dns.lookup(hostname, { all: true });

const LOOPBACK = new BlockList();
LOOPBACK.addSubnet('127.0.0.0', 8, 'ipv4');
LOOPBACK.addAddress('::1', 'ipv6');

/** 127.0.0.0/8, ::1, and IPv4-mapped forms of them (::ffff:127.0.0.1). */
export function isLoopbackAddress(address: string): boolean {
  const family = isIP(address);
  return family !== 0 && LOOPBACK.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

function mustResolveToLoopback(host: string, allowlist: HostAllowlist): boolean {
  return allowlist.loopbackOnly || host === 'localhost' || host.endsWith('.localhost');
}

/** The problem with these addresses of `host`, or null. */
function addressProblem(host: string, addresses: string[], allowlist: HostAllowlist): string | null {
  if (!mustResolveToLoopback(host, allowlist)) return null;
  const outside = addresses.filter((a) => !isLoopbackAddress(a));
  if (outside.length === 0) return null;
  const why = allowlist.loopbackOnly
    ? `with ${EXCHANGE_URL_ALLOWLIST_ENV} unset only loopback exchanges are allowed`
    : `"localhost" names must resolve to loopback`;
  return `url: host ${JSON.stringify(host)} resolves to ${outside.join(', ')}, which is not a loopback address; ${why}`;
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

export interface ExchangeCallOptions {
  /** The whole call: connect, answer and body. Default DEFAULT_CHECK_TIMEOUT_MS (3000). */
  timeoutMs?: number;
  /** Largest answer read, in bytes; a larger one is a problem. */
  maxBytes?: number;
  /**
   * When given, the address rule of this allowlist (see checkResolvedAddresses) is applied again to the
   * addresses the connection actually uses, so DNS cannot change its answer between check and call.
   */
  allowlist?: HostAllowlist;
  /** Host resolution for the connection (tests). Default: the system resolver, like dns.lookup. */
  resolve?: ResolveHost;
}

const SDL_QUERY = '{ _service { sdl } }';
const PROBE_QUERY = `query RegistrationProbe(${IDENTITY_VARIABLES_DECLARATION}) { ${IDENTITY_FIELDS} }`;

/** Fetches the exchange's subgraph SDL. Never throws: every failure is a problem string. */
export async function fetchServiceSdl(
  url: URL,
  options: ExchangeCallOptions & { timeoutMs: number; maxBytes: number },
): Promise<{ ok: true; sdl: string } | { ok: false; problem: string }> {
  const answer = await postGraphQL(url, SDL_QUERY, { ...options, tooLarge: `url: the answer to { _service { sdl } } is larger than ${options.maxBytes} bytes, the gateway's cap on an exchange's schema; serve a smaller SDL (the contract's is about 8 KiB)` });
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
  const answer = await postGraphQL(url, PROBE_QUERY, { ...options, maxBytes: options.maxBytes ?? DEFAULT_PROBE_MAX_BYTES }, identityVariables(options.exchange));
  if (!answer.ok) return answer;
  const latencyMs = performance.now() - started;
  const data = (answer.json as any)?.data;
  const connection = data?.datasets;
  const problem = connectionProblem(connection);
  if (problem) return { ok: false, problem: `url: probe answer: ${problem}` };
  if (!Array.isArray(data?.self)) return { ok: false, problem: `url: probe answer: the Exchange entity ${JSON.stringify(options.exchange)} must come back as a list from _entities, got ${shortJson(data?.self)}` };
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

type PostAnswer = { ok: true; json: unknown; catalogVersion: string | null } | { ok: false; problem: string };

/**
 * One POST of a GraphQL query, through an agent of its own (destroyed after the call, so a hung
 * connection never outlives it): no redirects followed (undici's `request` has no redirect interceptor
 * unless one is composed in), the answer cut off at maxBytes, a signal on the whole call.
 */
async function postGraphQL(url: URL, query: string, options: ExchangeCallOptions & { maxBytes: number; tooLarge?: string }, variables?: Record<string, unknown>): Promise<PostAnswer> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_CHECK_TIMEOUT_MS;
  const host = hostOf(url);
  const guarded = options.allowlist && isIP(host) === 0 && mustResolveToLoopback(host, options.allowlist);
  const agent = new Agent({
    connections: 1,
    ...(guarded || options.resolve ? { connect: { lookup: connectLookup(options.allowlist, options.resolve) } } : {}),
  });
  const signal = AbortSignal.timeout(timeoutMs);
  try {
    const response = await request(url, {
      dispatcher: agent,
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify(variables ? { query, variables } : { query }),
      signal,
    });
    const status = response.statusCode;
    if (status >= 300 && status < 400) {
      discard(response.body);
      return { ok: false, problem: redirectProblem(status, response.headers.location, url) };
    }
    const declared = Number(response.headers['content-length']);
    const text = declared > options.maxBytes ? null : await readCapped(response.body, options.maxBytes);
    if (text === null) {
      discard(response.body);
      return { ok: false, problem: options.tooLarge ?? `url: answer larger than ${options.maxBytes} bytes` };
    }
    const version = response.headers[CATALOG_VERSION_HEADER];
    const catalogVersion = (Array.isArray(version) ? version[0] : version) ?? null;
    return interpretAnswer(status, String(response.headers['content-type'] ?? ''), text, catalogVersion);
  } catch (err) {
    if (signal.aborted) return { ok: false, problem: `url: no answer within ${timeoutMs} ms` };
    return { ok: false, problem: `url: ${connectionWords(err, host)}` };
  } finally {
    await agent.destroy().catch(() => undefined);
  }
}

function interpretAnswer(status: number, contentType: string, text: string, catalogVersion: string | null): PostAnswer {
  let json: any;
  try {
    json = JSON.parse(text);
  } catch {
    if (status < 200 || status >= 300) return { ok: false, problem: `url: answered HTTP ${status}, not a GraphQL response` };
    return { ok: false, problem: `url: answer is not JSON (content-type ${JSON.stringify(contentType || 'none')})` };
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json) || (!('data' in json) && !('errors' in json))) {
    return { ok: false, problem: `url: answered HTTP ${status} with JSON that is not a GraphQL response (no data, no errors)` };
  }
  if (Array.isArray(json.errors) && json.errors.length > 0) {
    const messages = json.errors.slice(0, 3).map((e: any) => clean(String(e?.message ?? shortJson(e)), 300));
    const more = json.errors.length > 3 ? ` (and ${json.errors.length - 3} more)` : '';
    return { ok: false, problem: `url: answered GraphQL errors: ${messages.join('; ')}${more}` };
  }
  if (status < 200 || status >= 300) return { ok: false, problem: `url: answered HTTP ${status}` };
  return { ok: true, json, catalogVersion };
}

function redirectProblem(status: number, location: string | string[] | undefined, base: URL): string {
  const target = Array.isArray(location) ? location[0] : location;
  if (!target) return `url: answered a redirect (${status}) without a location; redirects are not followed`;
  let shown: string;
  try {
    shown = new URL(target, base).href;
  } catch {
    shown = clean(target, 300);
  }
  return `url: answered a redirect (${status}) to ${shown}; redirects are not followed`;
}

/** Drops an answer's body; destroying it unread emits an abort error that nobody needs to hear. */
function discard(body: { on(event: 'error', listener: () => void): unknown; destroy(): unknown }): void {
  body.on('error', () => undefined);
  body.destroy();
}

async function readCapped(body: AsyncIterable<Buffer>, maxBytes: number): Promise<string | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.length;
    if (size > maxBytes) return null;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** The code of the error a connection fails with when connectLookup refuses the addresses. */
export const ADDRESS_REFUSED = 'ERR_EXCHANGE_ADDRESS_REFUSED';

/**
 * The lookup a connection uses (net.connect's `lookup`, undici's `connect.lookup`): resolves every
 * address and applies the address rule of `allowlist` to them, failing the connection with an error of
 * code ADDRESS_REFUSED whose message states the rule. Node asks for one address, or for all of them when
 * it races IPv4 and IPv6 (autoSelectFamily).
 */
export function connectLookup(allowlist: HostAllowlist | undefined, resolve: ResolveHost = systemResolve): LookupFunction {
  return (hostname, options, callback) => {
    resolve(hostname).then((all) => {
      const addresses = options.family === 4 || options.family === 6 ? all.filter((a) => a.family === options.family) : all;
      const problem = allowlist ? addressProblem(hostname, addresses.map((a) => a.address), allowlist) : null;
      if (problem || addresses.length === 0) {
        const err: NodeJS.ErrnoException = new Error(problem ?? `host ${JSON.stringify(hostname)} has no address`);
        err.code = problem ? ADDRESS_REFUSED : 'ENOTFOUND';
        callback(err, '', 0);
      } else if (options.all) {
        callback(null, addresses);
      } else {
        callback(null, addresses[0].address, addresses[0].family);
      }
    }, (err: NodeJS.ErrnoException) => callback(err, '', 0));
  };
}

const CONNECTION_ERRORS: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  EPIPE: 'connection closed while sending',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host name lookup failed for now (DNS)',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ETIMEDOUT: 'connection timed out',
  UND_ERR_CONNECT_TIMEOUT: 'connection timed out',
  UND_ERR_SOCKET: 'connection closed before a complete answer',
  HPE_INVALID_CONSTANT: 'answer is not HTTP',
  EPROTO: 'TLS handshake failed',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'TLS certificate is self-signed',
  SELF_SIGNED_CERT_IN_CHAIN: 'TLS certificate chain is self-signed',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'TLS certificate could not be verified',
  CERT_HAS_EXPIRED: 'TLS certificate has expired',
  ERR_TLS_CERT_ALTNAME_INVALID: 'TLS certificate does not match the host name',
};

/** A connection or lookup failure in words, with its code: "connection refused (ECONNREFUSED)". */
function connectionWords(err: unknown, host: string): string {
  const cause = rootCause(err);
  const code = cause.code ?? (err as { code?: string } | null)?.code;
  if (code === ADDRESS_REFUSED) return cause.message.replace(/^url: /, '');
  const words = code ? CONNECTION_ERRORS[code] : undefined;
  if (words && (code === 'ENOTFOUND' || code === 'EAI_AGAIN')) return `${words}: ${JSON.stringify(host)} (${code})`;
  if (words) return `${words} (${code})`;
  return `request failed: ${clean(cause.message, 300)}${code ? ` (${code})` : ''}`;
}

function clean(text: string, maxChars: number): string {
  const flat = text.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
  return flat.length > maxChars ? `${flat.slice(0, maxChars)}…` : flat;
}

function shortJson(value: unknown): string {
  return clean(value === undefined ? 'nothing' : JSON.stringify(value) ?? String(value), 100);
}
