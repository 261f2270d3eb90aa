import { parseArgs } from 'node:util';
import { resolve } from 'node:path';
import { CATEGORIES, DEFAULT_EXCHANGES, DEFAULT_PORTS, type Category, type ExchangeInfo } from '../../shared/domain.ts';
import { placeProblems, provinceCodeOf, provinceOfDivision, unknownProvince } from '../../shared/provinces.ts';
import { ConfigError, configReader, type ConfigReader, type ConfigSource } from '../../shared/config/configReader.ts';
import { readServiceSettings, type ServiceSettings } from '../../shared/config/serviceSettings.ts';
import { DEFAULT_CHANGE_RETENTION_DAYS, MIN_CHANGE_RETENTION_DAYS } from './store/PriceChangeLog.ts';

export { ConfigError };

export const DEFAULT_DATASETS_PER_EXCHANGE = 2000;
export const MAX_DATASETS_PER_EXCHANGE = 250_000;
export const EXCHANGE_ID_PATTERN = /^[a-z]{2,8}$/;
export const DEFAULT_DATA_DIR = 'data';

export interface ExchangeConfig extends ServiceSettings {
  info: ExchangeInfo;
  port: number;
  host: string;
  dbPath: string;
  /** Datasets to seed when the database file is missing. */
  seedCount: number;
  /** SEED_CATEGORIES: seed only listings of these categories (comma-separated). Default: every category. */
  seedCategories?: Category[];
  adminToken?: string;
  /** PRICE_CHANGE_RETENTION_DAYS, default 35, at least 30: how long the price change log keeps a change. */
  changeRetentionDays: number;
}

/** --data-dir (npm run seed), else DATA_DIR, resolved; default ./data. */
export function readDataDir(read: ConfigReader): string {
  return resolve(read.string(['--data-dir', 'DATA_DIR'], DEFAULT_DATA_DIR)!);
}

/** Datasets per exchange: --per-exchange, else SEED_PER_EXCHANGE; default 2000. */
export function readSeedCount(read: ConfigReader): number {
  return read.int(['--per-exchange', 'SEED_PER_EXCHANGE'], { min: 1, max: MAX_DATASETS_PER_EXCHANGE, default: DEFAULT_DATASETS_PER_EXCHANGE });
}

/** The division code of a province-level name ("Guangdong", "inner mongolia"), or a ConfigError listing the names. */
export function provinceDivisionCode(name: string): string {
  const code = provinceCodeOf(name);
  if (code) return code;
  throw new ConfigError(`--province ${unknownProvince(name).text}`);
}

/**
 * Reads `npm run exchange -- --id sz --port 4015 [--name ...] [--city ...] [--province ...] [--division-code ...]`
 * and the environment (a flag wins over its variable).
 */
export function exchangeConfigFromArgs(argv: string[], env: ConfigSource): ExchangeConfig {
  const { values } = parseArgs({
    args: argv,
    options: {
      id: { type: 'string' },
      port: { type: 'string' },
      host: { type: 'string' },
      name: { type: 'string' },
      'name-zh': { type: 'string' },
      city: { type: 'string' },
      province: { type: 'string' },
      'division-code': { type: 'string' },
      db: { type: 'string' },
      'per-exchange': { type: 'string' },
    },
    strict: true,
  });
  const read = configReader(env, values);
  const idRule = `match ${EXCHANGE_ID_PATTERN} (e.g. "sz")`;
  const id = read.parsed(['--id', 'EXCHANGE_ID'], idRule, (text) => (EXCHANGE_ID_PATTERN.test(text) ? text : undefined));
  if (!id) throw new ConfigError(`--id must ${idRule}, got ""`);
  const known = DEFAULT_EXCHANGES.find((e) => e.id === id);
  const provinceCode = values.province === undefined ? undefined : provinceDivisionCode(values.province);
  // --division-code wins; else a known exchange's own code if it lies in --province, else the province's.
  const fromProvince = provinceCode && known?.divisionCode.startsWith(provinceCode.slice(0, 2)) ? known.divisionCode : provinceCode;
  const divisionCode = values['division-code'] ?? fromProvince ?? known?.divisionCode ?? '000000';
  // The gateway applies the same rules at registration (shared/provinces.ts): what starts here can register.
  const [placeProblem] = placeProblems({ province: values.province, divisionCode }, { province: '--province', divisionCode: '--division-code' });
  if (placeProblem) throw new ConfigError(`--division-code ${placeProblem.text}`);
  const port = read.port(['--port', 'PORT'], DEFAULT_PORTS[id]);
  if (port === undefined) throw new ConfigError(`--port must be a TCP port from 0 to 65535 (required for a new exchange code), got ""`);
  return {
    info: {
      id,
      name: values.name ?? known?.name ?? `${id.toUpperCase()} Data Exchange`,
      nameZh: values['name-zh'] ?? known?.nameZh ?? `${id.toUpperCase()}数据交易所`,
      city: values.city ?? known?.city ?? id.toUpperCase(),
      province: provinceCode ? provinceOfDivision(provinceCode)! : (known?.province ?? provinceOfDivision(divisionCode) ?? 'Unknown'),
      divisionCode,
    },
    port,
    host: read.string(['--host', 'HOST'], '127.0.0.1')!,
    dbPath: resolve(values.db ?? `${readDataDir(read)}/${id}.db`),
    seedCount: readSeedCount(read),
    seedCategories: read.parsed('SEED_CATEGORIES', `be a comma-separated list of ${CATEGORIES.join(', ')}`, (text) => {
      const names = text.split(',').map((name) => name.trim());
      return names.every((name) => (CATEGORIES as readonly string[]).includes(name)) ? (names as Category[]) : undefined;
    }),
    adminToken: read.string('EXCHANGE_ADMIN_TOKEN'),
    changeRetentionDays: read.int('PRICE_CHANGE_RETENTION_DAYS', {
      default: DEFAULT_CHANGE_RETENTION_DAYS,
      min: MIN_CHANGE_RETENTION_DAYS,
      max: 36_500,
      unit: 'days',
    }),
    ...readServiceSettings(read),
  };
}
