/**
 * Boots the providers subgraph as a process:
 *   tsx subgraphs/providers/main.ts [--port <n>] [--host <address>]
 * The port defaults to $PORT, then 4010; the host to $HOST, then 127.0.0.1.
 */
import { parseArgs } from 'node:util';
import { DEFAULT_PORTS } from '../../shared/domain.ts';
import { startProvidersServer } from './server.ts';

function log(fields: Record<string, unknown>): void {
  console.log(JSON.stringify({ time: new Date().toISOString(), ...fields }));
}

class ConfigError extends Error {}

function parsePort(text: string, source: string): number {
  const port = Number(text);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new ConfigError(`${source} must be an integer port between 0 and 65535, got "${text}"`);
  }
  return port;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    args: process.argv.slice(2),
    options: { port: { type: 'string' }, host: { type: 'string' } },
    strict: true,
  });
  const port = values.port !== undefined ? parsePort(values.port, '--port')
    : process.env.PORT ? parsePort(process.env.PORT, 'PORT')
      : DEFAULT_PORTS.providers;
  const running = await startProvidersServer({ port, host: values.host ?? process.env.HOST ?? '127.0.0.1' });
  log({ msg: 'providers ready', url: running.url });

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log({ msg: 'stopping', signal });
    await running.close();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

main().catch((err: unknown) => {
  if (err instanceof ConfigError || (err as { code?: string }).code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
    console.error(`providers: ${(err as Error).message}`);
  } else {
    console.error(err);
  }
  process.exit(1);
});
