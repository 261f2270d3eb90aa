import { ADDRESS_REFUSED } from './guardedLookup.ts';
import { rootCause } from './exchangeErrors.ts';

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
export function connectionWords(err: unknown, host: string): string {
  const cause = rootCause(err);
  const code = cause.code ?? (err as { code?: string } | null)?.code;
  if (code === ADDRESS_REFUSED) return cause.message.replace(/^url: /, '');
  const words = code ? CONNECTION_ERRORS[code] : undefined;
  if (words && (code === 'ENOTFOUND' || code === 'EAI_AGAIN')) return `${words}: ${JSON.stringify(host)} (${code})`;
  if (words) return `${words} (${code})`;
  return `request failed: ${clean(cause.message, 300)}${code ? ` (${code})` : ''}`;
}

export function clean(text: string, maxChars: number): string {
  // Control characters are exactly what must not reach a log line or a client message.
  // eslint-disable-next-line no-control-regex
  const flat = text.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
  return flat.length > maxChars ? `${flat.slice(0, maxChars)}…` : flat;
}

/** A value in a message: JSON, flattened and cut to 100 characters. */
export function shortJson(value: unknown): string {
  return clean(value === undefined ? 'nothing' : (JSON.stringify(value) ?? String(value)), 100);
}
