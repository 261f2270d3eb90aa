import { parseArgs } from 'node:util';
import { resolve } from 'node:path';
import { DEFAULT_EXCHANGES, DEFAULT_PORTS, type ExchangeInfo } from '../../shared/domain.ts';
import { PROVINCE_DIVISION_CODES, provinceOfDivision } from '../../shared/provinces.ts';

export const DEFAULT_DATASETS_PER_EXCHANGE = 2000;
export const MAX_DATASETS_PER_EXCHANGE = 250_000;
export const EXCHANGE_ID_PATTERN = /^[a-z]{2,8}$/;

export interface ExchangeConfig {
  info: ExchangeInfo;
  port: number;
  host: string;
  dbPath: string;
  /** Datasets to seed when the database file is missing. */
  seedCount: number;
  adminToken?: string;
}

/** Misconfiguration stops the process with a message that names the option, the rule and the bad value. */
export class ConfigError extends Error {}

export function dataDir(env: NodeJS.ProcessEnv = process.env): string {
  return resolve(env.DATA_DIR ?? 'data');
}

export function parseSeedCount(value: string | undefined, option: string): number {
  if (value === undefined) return DEFAULT_DATASETS_PER_EXCHANGE;
  const count = Number(value);
  if (!Number.isInteger(count) || count < 1 || count > MAX_DATASETS_PER_EXCHANGE) {
    throw new ConfigError(`${option} must be an integer from 1 to ${MAX_DATASETS_PER_EXCHANGE}, got ${JSON.stringify(value)}`);
  }
  return count;
}

/** The division code of a province-level name ("Guangdong", "inner mongolia"), or a ConfigError listing the names. */
export function provinceDivisionCode(name: string): string {
  const code = PROVINCE_DIVISION_CODES[name.trim().toLowerCase()];
  if (code) return code;
  const names = Object.keys(PROVINCE_DIVISION_CODES).map((n) => provinceOfDivision(PROVINCE_DIVISION_CODES[n])).join(', ');
  throw new ConfigError(`--province must name a province-level division of China, in English, any case (listed in shared/provinces.ts), got ${JSON.stringify(name)}; one of: ${names}`);
}

/** Reads `npm run exchange -- --id sz --port 4015 [--name ...] [--city ...] [--province ...] [--division-code ...]`. */
export function exchangeConfigFromArgs(argv: string[], env: NodeJS.ProcessEnv = process.env): ExchangeConfig {
  const { values } = parseArgs({
    args: argv,
    options: {
      id: { type: 'string' }, port: { type: 'string' }, host: { type: 'string' },
      name: { type: 'string' }, 'name-zh': { type: 'string' }, city: { type: 'string' }, province: { type: 'string' },
      'division-code': { type: 'string' }, db: { type: 'string' }, 'per-exchange': { type: 'string' },
    },
    strict: true,
  });
  const id = values.id ?? env.EXCHANGE_ID;
  if (!id || !EXCHANGE_ID_PATTERN.test(id)) {
    throw new ConfigError(`--id must match ${EXCHANGE_ID_PATTERN} (e.g. "sz"), got ${JSON.stringify(id ?? '')}`);
  }
  const known = DEFAULT_EXCHANGES.find((e) => e.id === id);
  const provinceCode = values.province === undefined ? undefined : provinceDivisionCode(values.province);
  // --division-code wins; else a known exchange's own code if it lies in --province, else the province's.
  const fromProvince = provinceCode && known?.divisionCode.startsWith(provinceCode.slice(0, 2)) ? known.divisionCode : provinceCode;
  const divisionCode = values['division-code'] ?? fromProvince ?? known?.divisionCode ?? '000000';
  if (!/^\d{6}$/.test(divisionCode)) throw new ConfigError(`--division-code must be 6 digits, got ${JSON.stringify(divisionCode)}`);
  if (provinceCode && divisionCode.slice(0, 2) !== provinceCode.slice(0, 2)) {
    throw new ConfigError(`--division-code ${divisionCode} is not in --province ${values.province} (its codes start with ${provinceCode.slice(0, 2)})`);
  }
  const portText = values.port ?? env.PORT ?? String(DEFAULT_PORTS[id] ?? '');
  const port = Number(portText);
  if (!portText || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw new ConfigError(`--port must be a TCP port from 0 to 65535 (required for a new exchange code), got ${JSON.stringify(portText)}`);
  }
  return {
    info: {
      id,
      name: values.name ?? known?.name ?? `${id.toUpperCase()} Data Exchange`,
      nameZh: values['name-zh'] ?? known?.nameZh ?? `${id.toUpperCase()}数据交易所`,
      city: values.city ?? known?.city ?? id.toUpperCase(),
      province: provinceCode ? provinceOfDivision(provinceCode)! : known?.province ?? provinceOfDivision(divisionCode) ?? 'Unknown',
      divisionCode,
    },
    port,
    host: values.host ?? env.HOST ?? '127.0.0.1',
    dbPath: resolve(values.db ?? `${dataDir(env)}/${id}.db`),
    seedCount: parseSeedCount(values['per-exchange'] ?? env.SEED_PER_EXCHANGE, '--per-exchange'),
    adminToken: env.EXCHANGE_ADMIN_TOKEN || undefined,
  };
}
