/**
 * The settings of `npm run seed [-- --per-exchange N] [--exchange bj,sh] [--data-dir DIR] [--workers N]`:
 * flags, else SEED_PER_EXCHANGE and DATA_DIR, read by the same rules as an exchange's own.
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_EXCHANGES } from '../shared/domain.ts';
import { ConfigError, configReader, type ConfigSource } from '../shared/config/configReader.ts';
import { exchangeConfigFromArgs, readDataDir, readSeedCount, EXCHANGE_ID_PATTERN } from '../subgraphs/exchange/exchangeConfig.ts';

export interface SeedJob {
  id: string;
  divisionCode: string;
  count: number;
  dbPath: string;
}

export interface SeedPlan {
  jobs: SeedJob[];
  workers: number;
}

/** The plan of a seed run, or 'help'; `cores` is the default number of workers. */
export function planFromArgs(argv: string[], env: ConfigSource, cores: number): SeedPlan | 'help' {
  const { values } = parseArgs({
    args: argv,
    options: {
      'per-exchange': { type: 'string' },
      exchange: { type: 'string' },
      'data-dir': { type: 'string' },
      workers: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) return 'help';

  const read = configReader(env, values);
  const count = readSeedCount(read);
  const ids = values.exchange !== undefined ? [...new Set(read.list('--exchange'))] : DEFAULT_EXCHANGES.map((e) => e.id);
  if (ids.length === 0) throw new ConfigError(`--exchange must name at least one exchange code, got ${JSON.stringify(values.exchange)}`);
  for (const id of ids) {
    if (!EXCHANGE_ID_PATTERN.test(id)) throw new ConfigError(`--exchange codes must match ${EXCHANGE_ID_PATTERN} (e.g. "bj,sh"), got ${JSON.stringify(id)}`);
  }
  const dir = readDataDir(read);
  const workers = read.int('--workers', { min: 1, max: 64, default: cores });

  // The same rules as `npm run exchange -- --id X` (a new code gets division code 000000), so a database
  // seeded here is the one that exchange would have seeded itself.
  const jobs = ids.map((id) => {
    const config = exchangeConfigFromArgs(['--id', id, '--port', '0', '--db', resolve(dir, `${id}.db`), '--per-exchange', String(count)], {});
    return { id, divisionCode: config.info.divisionCode, count: config.seedCount, dbPath: config.dbPath };
  });
  return { jobs, workers: Math.min(workers, jobs.length) };
}
