/**
 * `GATEWAY_TOKEN=<token> npm run --silent register -- --gateway <url> --id sz --url <exchange graphql url> ...`:
 * registers (or updates, or with --remove removes) an exchange with a gateway and prints the verdict. Flags,
 * token sources and exit codes: docs/registration.md#3-register.
 */
import { ConfigError } from '../shared/config/configReader.ts';
import { registerConfigFromArgs, REGISTER_SYNOPSIS, REGISTER_USAGE, type RegisterConfig } from './registerConfig.ts';

function fail(message: string): number {
  console.error(`register: ${message}\n${REGISTER_SYNOPSIS}\n(npm run register -- --help says each flag's rule)`);
  return 2;
}

async function main(): Promise<number> {
  let config: RegisterConfig | 'help';
  try {
    config = registerConfigFromArgs(process.argv.slice(2), process.env);
  } catch (err) {
    if (err instanceof ConfigError || String((err as { code?: unknown }).code ?? '').startsWith('ERR_PARSE_ARGS')) return fail((err as Error).message);
    throw err;
  }
  if (config === 'help') {
    console.log(REGISTER_USAGE);
    return 0;
  }
  const { values, admin, token } = config;
  const id = String(values.id);
  // Only what was given: the gateway names every missing or bad field, and nothing is made up here.
  const body = values.remove
    ? undefined
    : JSON.stringify({
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
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body,
    });
  } catch (err) {
    console.error(`register: cannot reach the gateway at ${admin.href}: ${(err as Error & { cause?: Error }).cause?.message ?? (err as Error).message}`);
    return 1;
  }
  const text = await response.text();
  // Every admin refusal has one shape (docs/registration.md, "Refusals"): `problems` holds their messages.
  let verdict: { problems?: string[]; error?: { message?: string }; created?: boolean; catalogVersion?: string | null };
  try {
    verdict = JSON.parse(text);
  } catch {
    verdict = { error: { message: text.slice(0, 500) } };
  }
  if (response.ok) {
    const what = values.remove ? 'removed' : verdict.created ? 'registered' : 'updated';
    console.log(`${what}: exchange ${id}${verdict.catalogVersion ? ` (catalog version ${verdict.catalogVersion})` : ''} — HTTP ${response.status}`);
    return 0;
  }
  console.error(`refused: HTTP ${response.status}`);
  if (verdict.error?.message && verdict.problems?.length !== 1) console.error(verdict.error.message);
  for (const problem of verdict.problems ?? [verdict.error?.message ?? 'no reason given']) console.error(`  - ${problem}`);
  return 1;
}

main().then((code) => process.exit(code));
