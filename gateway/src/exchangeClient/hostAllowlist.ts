import { BlockList, isIP } from 'node:net';
import { domainToASCII } from 'node:url';

/**
 * Which hosts a registered exchange may live on (EXCHANGE_URL_ALLOWLIST), and the address rule applied to
 * what they resolve to; problems start with "url:". Why by name, and when it is checked:
 * docs/registration.md#the-allow-list-is-by-name.
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

const LABEL = '[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?';
const HOST_NAME = new RegExp(`^${LABEL}(?:\\.${LABEL})*$`);

/**
 * Parses EXCHANGE_URL_ALLOWLIST: comma-separated host names, IP addresses (IPv6 with or without
 * brackets) and `*.domain` wildcards. Unset or empty means loopback only (DEFAULT_ALLOWLIST).
 * Throws on an entry that is not one of those, naming the variable, the rule and the entry.
 */
export function parseAllowlist(text: string | undefined): HostAllowlist {
  const entries = (text ?? '')
    .split(',')
    .map((e) => e.trim())
    .filter((e) => e !== '');
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
      throw allowlistError(
        'a wildcard is "*." followed by a domain of at least two labels (e.g. *.exchanges.example.cn), and * only as the first label',
        entry,
      );
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

/** The host (as hostOf gives it) is on the allowlist. */
export function isAllowedHost(host: string, allowlist: HostAllowlist): boolean {
  if (allowlist.hosts.has(host)) return true;
  // An IP literal is allowed exactly or not at all: "*.0.1" is not a way to allow a range.
  return isIP(host) === 0 && allowlist.suffixes.some((suffix) => host.endsWith(suffix));
}

/** The URL's host as compared with the allowlist: IPv6 without brackets. */
export function hostOf(url: URL): string {
  return url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
}

const LOOPBACK = new BlockList();
LOOPBACK.addSubnet('127.0.0.0', 8, 'ipv4');
LOOPBACK.addAddress('::1', 'ipv6');

/** 127.0.0.0/8, ::1, and IPv4-mapped forms of them (::ffff:127.0.0.1). */
export function isLoopbackAddress(address: string): boolean {
  const family = isIP(address);
  return family !== 0 && LOOPBACK.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

const LINK_LOCAL = new BlockList();
LINK_LOCAL.addSubnet('169.254.0.0', 16, 'ipv4');
LINK_LOCAL.addSubnet('fe80::', 10, 'ipv6');

/**
 * 169.254.0.0/16, fe80::/10, and IPv4-mapped forms of them (::ffff:169.254.169.254): where clouds serve
 * instance metadata and credentials. No exchange lives there, so a name resolving there is refused even
 * on a configured allow-list that otherwise trusts the name (only the address itself, listed, allows it).
 */
export function isLinkLocalAddress(address: string): boolean {
  const family = isIP(address);
  return family !== 0 && LINK_LOCAL.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

export function mustResolveToLoopback(host: string, allowlist: HostAllowlist): boolean {
  return allowlist.loopbackOnly || host === 'localhost' || host.endsWith('.localhost');
}

/** The problem with these addresses of `host`, or null. */
export function addressProblem(host: string, addresses: string[], allowlist: HostAllowlist): string | null {
  const linkLocal = addresses.filter((a) => isLinkLocalAddress(a) && !allowlist.hosts.has(a));
  if (linkLocal.length > 0) {
    return `url: host ${JSON.stringify(host)} resolves to ${linkLocal.join(', ')}, a link-local address (cloud metadata lives there); never allowed unless the address itself is on ${EXCHANGE_URL_ALLOWLIST_ENV}`;
  }
  if (!mustResolveToLoopback(host, allowlist)) return null;
  const outside = addresses.filter((a) => !isLoopbackAddress(a));
  if (outside.length === 0) return null;
  const why = allowlist.loopbackOnly
    ? `with ${EXCHANGE_URL_ALLOWLIST_ENV} unset only loopback exchanges are allowed`
    : `"localhost" names must resolve to loopback`;
  return `url: host ${JSON.stringify(host)} resolves to ${outside.join(', ')}, which is not a loopback address; ${why}`;
}
