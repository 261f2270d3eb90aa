/**
 * Boots the providers subgraph as a process:
 *   tsx subgraphs/providers/main.ts [--port <n>] [--host <address>]
 * The port defaults to $PORT, then 4010; the host to $HOST, then 127.0.0.1.
 */
import { parseArgs } from 'node:util';
import { DEFAULT_PORTS } from '../../shared/domain.ts';
import { startProvidersServer } from './server.ts';
import { runService } from '../../shared/runService.ts';

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

runService('providers', async () => {
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

  return { stop: () => running.close() };
}, (err) => err instanceof ConfigError);
