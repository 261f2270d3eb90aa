import { parseArgs } from 'node:util';
import { DEFAULT_PORTS } from '../../shared/domain.ts';
import { configReader, type ConfigSource } from '../../shared/config/configReader.ts';
import { readServiceSettings, type ServiceSettings } from '../../shared/config/serviceSettings.ts';

export interface ProvidersConfig extends ServiceSettings {
  /** --port, else PROVIDERS_PORT (as `npm start` sets it), else PORT (one service a container), else 4010. */
  port: number;
  /** --host, else HOST, else 127.0.0.1. */
  host: string;
}

/** Reads `tsx subgraphs/providers/main.ts [--port <n>] [--host <address>]` and the environment. */
export function providersConfigFromArgs(argv: string[], env: ConfigSource): ProvidersConfig {
  const { values } = parseArgs({ args: argv, options: { port: { type: 'string' }, host: { type: 'string' } }, strict: true });
  const read = configReader(env, values);
  return {
    port: read.port(['--port', 'PROVIDERS_PORT', 'PORT'], DEFAULT_PORTS.providers)!,
    host: read.string(['--host', 'HOST'], '127.0.0.1')!,
    ...readServiceSettings(read),
  };
}
