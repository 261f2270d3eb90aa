import type { IncomingMessage } from 'node:http';

/**
 * The client's IP address. With `trustedHops` 0 it is the socket's peer, whatever X-Forwarded-For says
 * (a client could write any address there). Behind n trusted proxies, each appending the address it got
 * the request from, it is the entry n places from the right of `X-Forwarded-For, peer`: with one proxy,
 * the last X-Forwarded-For entry (the one that proxy wrote).
 */
export function clientAddress(req: IncomingMessage, trustedHops: number): string {
  const peer = normalise(req.socket.remoteAddress ?? 'unknown');
  if (trustedHops <= 0) return peer;
  const header = req.headers['x-forwarded-for'];
  const forwarded = (Array.isArray(header) ? header.join(',') : (header ?? ''))
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
  const chain = [...forwarded, peer];
  // Fewer entries than trusted hops: the leftmost is the best anyone vouches for.
  return normalise(chain[Math.max(0, chain.length - 1 - trustedHops)]);
}

/** `::ffff:10.0.0.1` and `10.0.0.1` are one client. */
function normalise(address: string): string {
  return address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
}
