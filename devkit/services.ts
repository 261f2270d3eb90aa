/**
 * What each of our services is as a process: its entry file, the line it logs when it listens and its
 * usual arguments. `npm start` (scripts/start.ts), the end-to-end tests (devkit/stack.ts) and the benchmark
 * (bench/lib/stack.ts) all start services from these, through devkit/processes.ts.
 */
import { writeFileSync } from 'node:fs';
import { DEFAULT_EXCHANGES, type ExchangeInfo } from '../shared/domain.ts';
import type { ServiceOptions } from './processes.ts';

/** Anything a caller adds to or overrides in a service's options (name, env, quiet, timeouts, health URL...). */
export type ServiceExtras = Partial<Omit<ServiceOptions, 'file' | 'readyMsg'>>;

/**
 * The environment variables each service reads (its config module and shared/config/serviceSettings.ts),
 * for the command that restarts it as it was (devkit/restartCommand.ts). Left out: those the launcher
 * always overrides with a flag (`--id`, `--port`). test/unit/restartCommand.test.ts checks these lists
 * against the config modules.
 */
/** The standard OpenTelemetry variables every service reads (shared/config/serviceSettings.ts, docs/tracing.md). */
const TRACING_VARIABLES = [
  'OTEL_EXPORTER_OTLP_ENDPOINT',
  'OTEL_SERVICE_NAME',
  'OTEL_BSP_SCHEDULE_DELAY',
  'OTEL_TRACES_SAMPLER',
  'OTEL_TRACES_SAMPLER_ARG',
] as const;
export const PROVIDERS_VARIABLES = ['HOST', 'LOG_LEVEL', 'SERVICE_STOP_TIMEOUT_MS', 'NODE_ENV', ...TRACING_VARIABLES] as const;
export const EXCHANGE_VARIABLES = [
  'DATA_DIR',
  'SEED_PER_EXCHANGE',
  'SEED_CATEGORIES',
  'HOST',
  'EXCHANGE_ADMIN_TOKEN',
  'PRICE_CHANGE_RETENTION_DAYS',
  'LOG_LEVEL',
  'SERVICE_STOP_TIMEOUT_MS',
  'NODE_ENV',
  ...TRACING_VARIABLES,
] as const;

export function providersService(extras: ServiceExtras = {}): ServiceOptions {
  return { name: 'providers', file: 'subgraphs/providers/main.ts', readyMsg: 'providers ready', ...extras };
}

/** One exchange subgraph; `port` 0 (the default) lets it pick a free one, `dbPath` opens an existing database. */
export function exchangeService(id: string, options: ServiceExtras & { port?: number; dbPath?: string } = {}): ServiceOptions {
  const { port = 0, dbPath, args = [], ...extras } = options;
  return {
    name: id,
    file: 'subgraphs/exchange/main.ts',
    args: ['--id', id, '--port', String(port), ...(dbPath ? ['--db', dbPath] : []), ...args],
    readyMsg: 'exchange ready',
    ...extras,
  };
}

export function gatewayService(extras: ServiceExtras = {}): ServiceOptions {
  return { name: 'gateway', file: 'gateway/src/main.ts', readyMsg: 'gateway ready', ...extras };
}

export function exchangeInfo(id: string): ExchangeInfo {
  const info = DEFAULT_EXCHANGES.find((e) => e.id === id);
  if (!info) throw new Error(`unknown exchange ${id}`);
  return info;
}

/** Writes the EXCHANGES_FILE a gateway reads: each known exchange's details with the URL it answers at. */
export function writeExchangesFile(path: string, exchanges: Array<{ id: string; url: string }>): void {
  writeFileSync(path, JSON.stringify({ exchanges: exchanges.map((e) => ({ ...exchangeInfo(e.id), url: e.url })) }, null, 2));
}

/**
 * Several exchanges in one process (subgraphs/exchange/host.ts): `file` is the JSON file of their arguments
 * (`{"exchanges": [{"args": ["--id", "xa", "--port", "0"], "env": {...}}]}`). Ready once every exchange
 * listens; its ready line (`readyRecord.exchanges`) gives each one's id and URL.
 */
export function exchangeHostService(name: string, file: string, extras: ServiceExtras = {}): ServiceOptions {
  const { args = [], ...rest } = extras;
  return { name, file: 'subgraphs/exchange/host.ts', args: ['--exchanges-file', file, ...args], readyMsg: 'exchange host ready', ...rest };
}

/** The exchanges of a host's ready line: id and URL of each, in the order of its file. */
export function hostedExchangesOf(readyRecord: Record<string, unknown> | undefined): Array<{ id: string; url: string }> {
  const list = readyRecord?.exchanges;
  if (!Array.isArray(list)) throw new Error('the exchange host logged no list of exchanges in its ready line');
  return list.map((entry: { id?: unknown; url?: unknown }) => {
    if (typeof entry?.id !== 'string' || typeof entry.url !== 'string')
      throw new Error(`the exchange host's ready line has a malformed exchange: ${JSON.stringify(entry)}`);
    return { id: entry.id, url: entry.url };
  });
}
