/** The settings of `npm run register` (see register.ts): its flags and GATEWAY_TOKEN. */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { ConfigError, configReader, type ConfigSource } from '../shared/config/configReader.ts';

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
      gateway: { type: 'string' }, token: { type: 'string' }, 'token-file': { type: 'string' }, id: { type: 'string' }, url: { type: 'string' },
      name: { type: 'string' }, 'name-zh': { type: 'string' }, city: { type: 'string' }, province: { type: 'string' },
      'division-code': { type: 'string' }, remove: { type: 'boolean' }, help: { type: 'boolean' },
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
