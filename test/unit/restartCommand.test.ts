import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../../devkit/processes.ts';
import { EXCHANGE_VARIABLES, PROVIDERS_VARIABLES } from '../../devkit/services.ts';
import { restartCommand } from '../../devkit/restartCommand.ts';

/** Environment variable names read in these files, found in the source text (not through the config modules). */
function variablesReadIn(...files: string[]): string[] {
  const names = files.flatMap((file) => {
    const text = readFileSync(join(REPO_ROOT, file), 'utf8');
    return [...text.matchAll(/read\.\w+\(\s*(\[[^\]]*\]|'[^']*')/g)].flatMap((m) => [...m[1].matchAll(/'([A-Z][A-Z0-9_]*)'/g)].map((n) => n[1]));
  });
  return [...new Set(names)].sort();
}

describe('the restart command npm start prints', () => {
  it('knows every variable an exchange reads, besides those its --id and --port flags override', () => {
    const read = variablesReadIn('subgraphs/exchange/exchangeConfig.ts', 'shared/config/serviceSettings.ts');
    expect(read.length).toBeGreaterThan(5);
    expect([...EXCHANGE_VARIABLES, 'EXCHANGE_ID', 'PORT'].sort()).toEqual(read);
  });

  it('knows every variable the providers subgraph reads, besides those its --port flag overrides', () => {
    const read = variablesReadIn('subgraphs/providers/providersConfig.ts', 'shared/config/serviceSettings.ts');
    expect(read.length).toBeGreaterThan(3);
    expect([...PROVIDERS_VARIABLES, 'PROVIDERS_PORT', 'PORT'].sort()).toEqual(read);
  });

  it('repeats the settings that were set, names secrets without their value, and puts back the real port', () => {
    const command = restartCommand({
      npmScript: 'exchange',
      args: ['--id', 'gy', '--port', '0'],
      port: 41234,
      variables: EXCHANGE_VARIABLES,
      env: { DATA_DIR: '/tmp/my data', SEED_PER_EXCHANGE: '60', EXCHANGE_ADMIN_TOKEN: 's3cret', LOG_LEVEL: 'warn', HOST: '', PATH: '/usr/bin' },
    });
    expect(command).toBe(
      `DATA_DIR='/tmp/my data' SEED_PER_EXCHANGE=60 EXCHANGE_ADMIN_TOKEN="$EXCHANGE_ADMIN_TOKEN" LOG_LEVEL=warn npm run exchange -- --id gy --port 41234`,
    );
    expect(command).not.toContain('s3cret');
  });

  it('quotes a value with a single quote so the shell reads it back unchanged', () => {
    expect(restartCommand({ npmScript: 'providers', args: [], variables: ['HOST'], env: { HOST: "it's" } })).toBe(`HOST='it'\\''s' npm run providers`);
  });
});
