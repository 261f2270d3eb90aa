/** The settings of `npm run register` (see register.ts): its flags and GATEWAY_TOKEN. */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { ConfigError, configReader, type ConfigSource } from '../shared/config/configReader.ts';

/**
 * What `--help` prints: the two forms, and the rules the gateway applies to a registration (the same the
 * exchange applies to itself at start, shared/provinces.ts), so a command that follows them is accepted.
 */
export const REGISTER_SYNOPSIS = `usage:
  register or update an exchange (every flag required):
    GATEWAY_TOKEN=<token> npm run --silent register -- --gateway <url> --id <code> --url <exchange graphql url>
      --name <English name> --name-zh <Chinese name> --city <city> --province <province> --division-code <6 digits>
  remove an exchange:
    GATEWAY_TOKEN=<token> npm run --silent register -- --gateway <url> --id <code> --remove`;

export const REGISTER_USAGE = `${REGISTER_SYNOPSIS}

  --gateway        the gateway's http(s) URL, e.g. http://localhost:4000 (a path prefix is kept)
  --id             the exchange code: 2 to 8 lowercase letters (e.g. sz); every dataset id starts with <code>:
  --url            the exchange's GraphQL endpoint, http or https, on the gateway's EXCHANGE_URL_ALLOWLIST
                   (default: loopback only); no credentials, no redirects
  --name           the English name, 1 to 200 characters
  --name-zh        the Chinese name, 1 to 200 characters
  --city           the city, 1 to 200 characters
  --province       a province-level division of China in English, any case (Guangdong, inner mongolia, ...)
  --division-code  the GB/T 2260 code, 6 digits, inside --province (440300 is in Guangdong: codes 44....)
  --remove         remove the exchange instead (only --gateway and --id are needed)

  token: GATEWAY_TOKEN (recommended), or --token-file <path> (its first line), or --token <token> (visible in ps)
  Before the exchange joins, the gateway checks its schema against the contract and runs the conformance
  subset (npm run conformance -- --profile registration); a refusal lists every problem. Exit codes: 0
  accepted, 1 refused (or the gateway unreachable), 2 bad arguments.`;

export interface RegisterConfig {
  /** The flags as given (the exchange's fields go to the gateway as they are: it names every problem). */
  values: Record<string, string | boolean | undefined>;
  /** The admin URL to call, under the gateway's URL with its path prefix kept. */
  admin: URL;
  token: string;
}

/** Reads the command line and the environment, or throws a ConfigError saying what is wrong. */
export function registerConfigFromArgs(argv: string[], env: ConfigSource): RegisterConfig | 'help' {
  const { values: parsed } = parseArgs({
    args: argv,
    options: {
      gateway: { type: 'string' },
      token: { type: 'string' },
      'token-file': { type: 'string' },
      id: { type: 'string' },
      url: { type: 'string' },
      name: { type: 'string' },
      'name-zh': { type: 'string' },
      city: { type: 'string' },
      province: { type: 'string' },
      'division-code': { type: 'string' },
      remove: { type: 'boolean' },
      help: { type: 'boolean' },
    },
    strict: true,
  });
  const values: Record<string, string | boolean | undefined> = parsed;
  if (values.help) return 'help';
  const missing = ['gateway', 'id', ...(values.remove ? [] : ['url'])].filter((k) => !values[k]);
  if (missing.length) throw new ConfigError(`missing ${missing.map((k) => `--${k}`).join(', ')}`);
  const token = tokenOf(values, configReader(env).string('GATEWAY_TOKEN'));
  const admin = adminUrl(String(values.gateway), values.remove ? `/admin/exchanges/${encodeURIComponent(String(values.id))}` : '/admin/exchanges');
  if (!admin) throw new ConfigError(`--gateway must be the gateway's http(s) URL, e.g. http://localhost:4000, got ${JSON.stringify(values.gateway)}`);
  return { values, admin, token };
}

/** The token from --token, --token-file (not both) or else GATEWAY_TOKEN. */
function tokenOf(values: Record<string, string | boolean | undefined>, envToken: string | undefined): string {
  if (values.token && values['token-file']) throw new ConfigError('give --token or --token-file, not both');
  if (values.token) return String(values.token);
  if (!values['token-file']) {
    if (!envToken) throw new ConfigError('missing token: set GATEWAY_TOKEN (recommended), or give --token-file <path>');
    return envToken;
  }
  const path = String(values['token-file']);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(`--token-file: cannot read ${JSON.stringify(path)} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  const token = text.split(/\r?\n/)[0].trim();
  if (!token) throw new ConfigError(`--token-file: ${JSON.stringify(path)} is empty`);
  return token;
}

/** The admin URL under the gateway's URL, its path prefix kept: http://host/gw -> http://host/gw/admin/exchanges. */
function adminUrl(gateway: string, path: string): URL | null {
  let base: URL;
  try {
    base = new URL(gateway);
  } catch {
    return null;
  }
  if (base.protocol !== 'http:' && base.protocol !== 'https:') return null;
  const prefix = base.pathname.replace(/\/+$/, '');
  return new URL(`${prefix}${path}`, base.origin);
}
