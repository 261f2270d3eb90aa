import { parseArgs } from 'node:util';
import { resolve } from 'node:path';
import { DEFAULT_EXCHANGES, DEFAULT_PORTS, type ExchangeInfo } from '../../shared/domain.ts';
import { PROVINCE_DIVISION_CODES } from '../../shared/provinces.ts';

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
  const provinceCode = values.province ? PROVINCE_DIVISION_CODES[values.province.toLowerCase()] : undefined;
  const divisionCode = values['division-code'] ?? known?.divisionCode ?? provinceCode ?? '000000';
  if (!/^\d{6}$/.test(divisionCode)) throw new ConfigError(`--division-code must be 6 digits, got ${JSON.stringify(divisionCode)}`);
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
      province: values.province ?? known?.province ?? 'Unknown',
      divisionCode,
    },
    port,
    host: values.host ?? env.HOST ?? '127.0.0.1',
    dbPath: resolve(values.db ?? `${dataDir(env)}/${id}.db`),
    seedCount: parseSeedCount(values['per-exchange'] ?? env.SEED_PER_EXCHANGE, '--per-exchange'),
    adminToken: env.EXCHANGE_ADMIN_TOKEN || undefined,
  };
}
