/**
 * `npm run register -- --gateway <url> --token <token> --id sz --url <exchange graphql url>
 *    [--name ...] [--name-zh ...] [--city ...] [--province ...] [--division-code ...] [--remove]`
 *
 * Registers (or updates, or with --remove removes) an exchange with a gateway and prints the verdict,
 * every problem included. Exits 0 when accepted, 1 when refused, 2 on bad arguments.
 */
import { parseArgs } from 'node:util';

const USAGE = `usage: npm run register -- --gateway <url> --token <token> --id <code> --url <exchange graphql url>
    [--name <English name>] [--name-zh <Chinese name>] [--city <city>] [--province <province>] [--division-code <6 digits>]
    [--remove]`;

async function main(): Promise<number> {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      options: {
        gateway: { type: 'string' }, token: { type: 'string' }, id: { type: 'string' }, url: { type: 'string' },
        name: { type: 'string' }, 'name-zh': { type: 'string' }, city: { type: 'string' }, province: { type: 'string' },
        'division-code': { type: 'string' }, remove: { type: 'boolean' }, help: { type: 'boolean' },
      },
      strict: true,
    }));
  } catch (err) {
    console.error(`register: ${(err as Error).message}\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const missing = ['gateway', 'token', 'id', ...(values.remove ? [] : ['url'])].filter((k) => !values[k]);
  if (missing.length) {
    console.error(`register: missing ${missing.map((k) => `--${k}`).join(', ')}\n${USAGE}`);
    return 2;
  }
  const base = new URL(String(values.gateway));
  const admin = new URL(values.remove ? `/admin/exchanges/${encodeURIComponent(String(values.id))}` : '/admin/exchanges', base.origin);
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
      headers: { authorization: `Bearer ${values.token}`, 'content-type': 'application/json' },
      body,
    });
  } catch (err) {
    console.error(`register: cannot reach the gateway at ${admin.origin}: ${(err as Error & { cause?: Error }).cause?.message ?? (err as Error).message}`);
    return 1;
  }
  const text = await response.text();
  let verdict: { problems?: string[]; error?: string; created?: boolean; catalogVersion?: string | null } = {};
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
