import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { ConfigError, configReader, type ConfigSource } from '../../shared/config/configReader.ts';
import { readServiceSettings, type ServiceSettings } from '../../shared/config/serviceSettings.ts';
import { exchangeConfigFromArgs, type ExchangeConfig } from './exchangeConfig.ts';

/** The most exchanges one host process serves. */
export const MAX_HOSTED_EXCHANGES = 64;

/**
 * One exchange of a host file: the arguments `npm run exchange --` takes (`--id` required, `--port 0`
 * picks a free port) and environment variables that override the host's own for this exchange only
 * (SEED_CATEGORIES, SEED_PER_EXCHANGE, DATA_DIR, EXCHANGE_ADMIN_TOKEN, ...).
 */
export interface HostedExchange {
  args: string[];
  env?: Record<string, string>;
}

export interface ExchangeHostConfig extends ServiceSettings {
  exchanges: ExchangeConfig[];
}

function isStringRecord(value: unknown): value is Record<string, string> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && Object.values(value).every((v) => typeof v === 'string');
}

/** The exchanges of a host file's text (`{"exchanges": [{"args": [...], "env": {...}}]}`), each read as main.ts reads its own. */
export function hostedExchangeConfigs(text: string, env: ConfigSource, where = 'host file'): ExchangeConfig[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new ConfigError(`${where} must be JSON: ${(err as Error).message}`);
  }
  const list = (parsed as { exchanges?: unknown } | null)?.exchanges;
  if (!Array.isArray(list) || list.length === 0 || list.length > MAX_HOSTED_EXCHANGES) {
    throw new ConfigError(`${where}: exchanges must be an array of 1 to ${MAX_HOSTED_EXCHANGES} entries`);
  }
  const configs = list.map((entry: unknown, i) => {
    const field = `${where}: exchanges[${i}]`;
    const { args, env: own } = (entry ?? {}) as { args?: unknown; env?: unknown };
    if (!Array.isArray(args) || !args.every((a) => typeof a === 'string')) throw new ConfigError(`${field}.args must be an array of strings`);
    if (own !== undefined && !isStringRecord(own)) throw new ConfigError(`${field}.env must be an object of strings`);
    try {
      return exchangeConfigFromArgs(args, { ...env, ...own });
    } catch (err) {
      throw new ConfigError(`${field}: ${(err as Error).message}`);
    }
  });
  const seen = new Map<string, number>();
  configs.forEach((config, i) => {
    const before = seen.get(config.info.id);
    if (before !== undefined)
      throw new ConfigError(`${where}: exchanges[${i}] --id ${config.info.id} is already exchanges[${before}]'s (ids must be distinct)`);
    seen.set(config.info.id, i);
  });
  const ports = new Map<number, number>();
  configs.forEach((config, i) => {
    const before = ports.get(config.port);
    if (config.port !== 0 && before !== undefined)
      throw new ConfigError(`${where}: exchanges[${i}] --port ${config.port} is already exchanges[${before}]'s (ports must be distinct, or 0)`);
    ports.set(config.port, i);
  });
  return configs;
}

/** `npx tsx subgraphs/exchange/host.ts --exchanges-file hosts.json` and the environment (shared by every exchange). */
export function exchangeHostConfigFromArgs(argv: string[], env: ConfigSource): ExchangeHostConfig {
  const { values } = parseArgs({ args: argv, options: { 'exchanges-file': { type: 'string' } }, strict: true });
  const read = configReader(env, values);
  const file = read.string('--exchanges-file');
  if (!file) throw new ConfigError('--exchanges-file must name a JSON file of the exchanges to serve, got ""');
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`--exchanges-file ${file} cannot be read: ${(err as Error).message}`);
  }
  return { exchanges: hostedExchangeConfigs(text, env, file), ...readServiceSettings(read) };
}
