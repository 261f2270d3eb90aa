/**
 * Several exchanges in one process (the scale-out benchmark's layout: 32 exchanges on two cores in a few
 * processes rather than 32). Each exchange is what main.ts serves: its own HTTP server and port, SQLite
 * database, DatasetStore, catalog version and Apollo Server; only the process, its event loop and its
 * logger are shared. A gateway sees independent exchanges. Started with `--exchanges-file` (docs/scale-out.md).
 */
import { exchangeHostConfigFromArgs } from './hostConfig.ts';
import { startExchange, type RunningExchange } from './startExchange.ts';
import { runService } from '../../shared/runService.ts';
import { lifecycleLogger } from '../../shared/logger.ts';

runService({
  name: 'exchange-host',
  config: () => exchangeHostConfigFromArgs(process.argv.slice(2), process.env),
  start: async (config, logger) => {
    const running: RunningExchange[] = [];
    const stop = async () => void (await Promise.all(running.map((exchange) => exchange.stop())));
    try {
      // One at a time: seeding is synchronous anyway, and a failure names its exchange.
      for (const exchangeConfig of config.exchanges) running.push(await startExchange(exchangeConfig, logger.child({ exchange: exchangeConfig.info.id })));
    } catch (err) {
      await stop();
      throw err;
    }
    // Printed at any LOG_LEVEL: launchers wait for it and read every exchange's URL from it.
    lifecycleLogger(logger).info(
      { exchanges: running.map((exchange) => ({ id: exchange.id, url: exchange.url, catalogVersion: exchange.catalogVersion })) },
      'exchange host ready',
    );
    return { stop };
  },
});
