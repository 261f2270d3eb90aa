import { promises as dns } from 'node:dns';
import type { LookupFunction } from 'node:net';
import { addressProblem, type HostAllowlist } from './hostAllowlist.ts';

/** Resolves a host name to every address it has, as dns.lookup with `all: true`. Injectable for tests. */
export type ResolveHost = (hostname: string) => Promise<Array<{ address: string; family: number }>>;

export const systemResolve: ResolveHost = (hostname) => dns.lookup(hostname, { all: true });

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
    resolve(hostname).then(
      (all) => {
        const addresses = options.family === 4 || options.family === 6 ? all.filter((a) => a.family === options.family) : all;
        const problem = allowlist
          ? addressProblem(
              hostname,
              addresses.map((a) => a.address),
              allowlist,
            )
          : null;
        if (problem || addresses.length === 0) {
          const err: NodeJS.ErrnoException = new Error(problem ?? `host ${JSON.stringify(hostname)} has no address`);
          err.code = problem ? ADDRESS_REFUSED : 'ENOTFOUND';
          callback(err, '', 0);
        } else if (options.all) {
          callback(null, addresses);
        } else {
          callback(null, addresses[0].address, addresses[0].family);
        }
      },
      (err: NodeJS.ErrnoException) => callback(err, '', 0),
    );
  };
}
