/**
 * The settings of `npm start`. The services it starts read their own (every variable in the environment
 * reaches them, e.g. REDIS_URL and LOG_LEVEL); these are the ones the launcher itself uses.
 */
import { DEFAULT_EXCHANGES, DEFAULT_PORTS } from '../shared/domain.ts';
import { configReader, type ConfigSource } from '../shared/config/configReader.ts';
import { DEFAULT_READY_TIMEOUT_MS } from '../devkit/processes.ts';

export interface StartConfig {
  /** STARTUP_TIMEOUT_MS, default 120 000: how long each service may take to log its ready line. */
  timeoutMs: number;
  /** PORT, default 4000. */
  gatewayPort: number;
  /** PROVIDERS_PORT, default 4010. */
  providersPort: number;
  /** BJ_PORT, SH_PORT, TY_PORT, GY_PORT: the default exchanges' ports, defaults 4011 to 4014. */
  exchanges: Array<{ id: string; port: number }>;
}

export function startConfigFromEnv(env: ConfigSource): StartConfig {
  const read = configReader(env);
  // Spelled out rather than built from the ids, so the environment reference can be checked against them.
  const exchangePorts: Record<string, number | undefined> = {
    bj: read.port('BJ_PORT', DEFAULT_PORTS.bj),
    sh: read.port('SH_PORT', DEFAULT_PORTS.sh),
    ty: read.port('TY_PORT', DEFAULT_PORTS.ty),
    gy: read.port('GY_PORT', DEFAULT_PORTS.gy),
  };
  return {
    timeoutMs: read.durationMs('STARTUP_TIMEOUT_MS', { default: DEFAULT_READY_TIMEOUT_MS, max: 3_600_000 }),
    gatewayPort: read.port('PORT', DEFAULT_PORTS.gateway)!,
    providersPort: read.port('PROVIDERS_PORT', DEFAULT_PORTS.providers)!,
    exchanges: DEFAULT_EXCHANGES.map((e) => {
      const port = exchangePorts[e.id];
      if (port === undefined) throw new Error(`startConfig.ts reads no port variable for the default exchange ${e.id}`);
      return { id: e.id, port };
    }),
  };
}
