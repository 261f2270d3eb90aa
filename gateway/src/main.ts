import { loadGatewayConfig } from './config.ts';
import { runService } from '../../shared/runService.ts';
import { lifecycleLogger } from '../../shared/logger.ts';

runService({
  name: 'gateway',
  config: () => loadGatewayConfig(process.env),
  start: async (config, logger) => {
    // Imported once tracing is registered (runService starts it first): @apollo/gateway takes its tracer
    // through its own copy of @opentelemetry/api when its module loads, and a tracer taken before the
    // SDK's provider was registered stays a no-op (docs/tracing.md).
    const { startGateway } = await import('./createGateway.ts');
    const gateway = await startGateway(config, { logger });
    // Printed at any LOG_LEVEL: `npm start` and the tests wait for it.
    lifecycleLogger(logger).info({ url: gateway.url, exchanges: gateway.directory.all().map((e) => e.id) }, 'gateway ready');
    return { stop: () => gateway.close() };
  },
});
