/**
 * `GATEWAY_TOKEN=<token> npm run --silent register -- --gateway <url> --id sz --url <exchange graphql url>
 *    [--name ...] [--name-zh ...] [--city ...] [--province ...] [--division-code ...] [--remove]`
 *
 * Registers (or updates, or with --remove removes) an exchange with a gateway and prints the verdict,
 * every problem included. Exits 0 when accepted, 1 when refused, 2 on bad arguments.
 *
 * The token comes from GATEWAY_TOKEN (recommended), or --token-file <path> (its first line), or
 * --token <token>, which is kept for compatibility but shows the token to anyone who can list processes
 * (and npm echoes it unless run with --silent). A flag wins over GATEWAY_TOKEN.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

const USAGE = `usage: GATEWAY_TOKEN=<token> npm run --silent register -- --gateway <url> --id <code> --url <exchange graphql url>
    [--name <English name>] [--name-zh <Chinese name>] [--city <city>] [--province <province>] [--division-code <6 digits>]
    [--remove] [--token-file <path>] [--token <token> (visible in ps; prefer GATEWAY_TOKEN)]`;

function fail(message: string): number {
  console.error(`register: ${message}\n${USAGE}`);
  return 2;
}

/** The token from --token, --token-file (not both) or else GATEWAY_TOKEN, or a problem. */
function tokenOf(values: Record<string, string | boolean | undefined>): { token: string } | { problem: string } {
  if (values.token && values['token-file']) return { problem: 'give --token or --token-file, not both' };
  if (!values.token && !values['token-file'] && !process.env.GATEWAY_TOKEN?.trim()) {
    return { problem: 'missing token: set GATEWAY_TOKEN (recommended), or give --token-file <path>' };
  }
  if (values.token) return { token: String(values.token) };
  if (!values['token-file']) return { token: process.env.GATEWAY_TOKEN!.trim() };
  const path = String(values['token-file']);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    return { problem: `--token-file: cannot read ${JSON.stringify(path)} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})` };
  }
  const token = text.split(/\r?\n/)[0].trim();
  return token ? { token } : { problem: `--token-file: ${JSON.stringify(path)} is empty` };
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

async function main(): Promise<number> {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      options: {
        gateway: { type: 'string' }, token: { type: 'string' }, 'token-file': { type: 'string' }, id: { type: 'string' }, url: { type: 'string' },
        name: { type: 'string' }, 'name-zh': { type: 'string' }, city: { type: 'string' }, province: { type: 'string' },
        'division-code': { type: 'string' }, remove: { type: 'boolean' }, help: { type: 'boolean' },
      },
      strict: true,
    }));
  } catch (err) {
    return fail((err as Error).message);
  }
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const missing = ['gateway', 'id', ...(values.remove ? [] : ['url'])].filter((k) => !values[k]);
  if (missing.length) return fail(`missing ${missing.map((k) => `--${k}`).join(', ')}`);
  const token = tokenOf(values);
  if ('problem' in token) return fail(token.problem);
  const admin = adminUrl(String(values.gateway), values.remove ? `/admin/exchanges/${encodeURIComponent(String(values.id))}` : '/admin/exchanges');
  if (!admin) return fail(`--gateway must be the gateway's http(s) URL, e.g. http://localhost:4000, got ${JSON.stringify(values.gateway)}`);
  const id = String(values.id);
  // Only what was given: the gateway names every missing or bad field, and nothing is made up here.
  const body = values.remove ? undefined : JSON.stringify({
    id,
    url: values.url,
    name: values.name,
    nameZh: values['name-zh'],
    city: values.city,
    province: values.province,
    divisionCode: values['division-code'],
  });
  let response: Response;
  try {
    response = await fetch(admin, {
      method: values.remove ? 'DELETE' : 'POST',
      headers: { authorization: `Bearer ${token.token}`, 'content-type': 'application/json' },
      body,
    });
  } catch (err) {
    console.error(`register: cannot reach the gateway at ${admin.href}: ${(err as Error & { cause?: Error }).cause?.message ?? (err as Error).message}`);
    return 1;
  }
  const text = await response.text();
  let verdict: { problems?: string[]; error?: string; created?: boolean; catalogVersion?: string | null };
  try {
    verdict = JSON.parse(text);
  } catch {
    verdict = { error: text.slice(0, 500) };
  }
  if (response.ok) {
    const what = values.remove ? 'removed' : verdict.created ? 'registered' : 'updated';
    console.log(`${what}: exchange ${id}${verdict.catalogVersion ? ` (catalog version ${verdict.catalogVersion})` : ''} — HTTP ${response.status}`);
    return 0;
  }
  console.error(`refused: HTTP ${response.status}`);
  for (const problem of verdict.problems ?? [verdict.error ?? 'no reason given']) console.error(`  - ${problem}`);
  return 1;
}

main().then((code) => process.exit(code));
