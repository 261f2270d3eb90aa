import { loadGatewayConfig, GatewayConfigError } from './config.ts';
import { startGateway } from './createGateway.ts';
import { createLogger } from './logger.ts';
import { CacheConfigError } from './cache/Cache.ts';
import { runService } from '../../shared/runService.ts';

runService('gateway', async () => {
  const config = loadGatewayConfig();
  const logger = createLogger(config.logLevel);
  const gateway = await startGateway(config, { logger });
  // The ready line is printed at any LOG_LEVEL: `npm start` and the tests wait for it.
  logger.child({}, { level: 'info' }).info({ url: gateway.url, exchanges: gateway.directory.all().map((e) => e.id) }, 'gateway ready');
  return { stop: () => gateway.close() };
}, (err) => err instanceof GatewayConfigError || err instanceof CacheConfigError);
