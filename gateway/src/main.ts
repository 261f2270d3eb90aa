import { loadGatewayConfig, GatewayConfigError } from './config.ts';
import { startGateway } from './createGateway.ts';
import { createLogger } from './logger.ts';
import { CacheConfigError } from './cache/Cache.ts';

async function main(): Promise<void> {
  const config = loadGatewayConfig();
  const logger = createLogger(config.logLevel);
  const gateway = await startGateway(config, { logger });
  // The ready line is printed at any LOG_LEVEL: `npm start` and the tests wait for it.
  logger.child({}, { level: 'info' }).info({ url: gateway.url, exchanges: config.exchanges.map((e) => e.id) }, 'gateway ready');
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping');
    await gateway.close();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

main().catch((err: unknown) => {
  const known = err instanceof GatewayConfigError || err instanceof CacheConfigError;
  console.error(known ? `gateway: ${(err as Error).message}` : err);
  process.exit(1);
});
