/**
 * `npm start`: the providers subgraph and the four exchanges, then the gateway, as child processes, each in a
 * process group of its own (Ctrl-C reaches each once, through here). What it does when a service dies, and
 * the restart command it prints: docs/operations.md#the-stack-on-one-machine.
 */
import { spawnService, stopAll, describeExit, ServiceError, type Service, type ServiceOptions } from '../devkit/processes.ts';
import { EXCHANGE_VARIABLES, PROVIDERS_VARIABLES, exchangeService, gatewayService, providersService } from '../devkit/services.ts';
import { restartCommand } from '../devkit/restartCommand.ts';
import { ConfigError } from '../shared/config/configReader.ts';
import { startConfigFromEnv } from './startConfig.ts';
import { ensureWebBuilt, webBuildIsCurrent } from '../devkit/webBuild.ts';

/**
 * A child that dies in the same instant as our own stop (something that signals a whole cgroup or session,
 * such as systemd or a closed terminal, reaches the children too, and an exchange busy seeding dies at once)
 * must not be reported as a crash; we wait this long for our own signal handler to run before calling an
 * exit a failure.
 */
const SIGNAL_RACE_MS = 300;

/**
 * The ready line is the signal; /health is polled as well in case logging above info hides that line.
 * A port of 0 (pick a free one) has nothing to poll, so there the line is the only signal.
 */
function healthFallback(port: number): Pick<ServiceOptions, 'healthUrl' | 'urlWhenHealthy'> {
  if (port === 0) return {};
  return { healthUrl: `http://127.0.0.1:${port}/health`, urlWhenHealthy: `http://127.0.0.1:${port}/graphql` };
}

/** The port a ready URL names (a service started on port 0 tells us its real one this way). */
function portOf(url: string, fallback: number): number {
  try {
    const { port } = new URL(url);
    return port ? Number(port) : fallback;
  } catch {
    return fallback;
  }
}

async function main(): Promise<number> {
  const { timeoutMs, providersPort, gatewayPort, exchanges } = startConfigFromEnv(process.env);

  const services: Service[] = [];
  let stackReady = false;
  let shuttingDown = false;
  let failure: string | undefined;
  let wake: () => void = () => {};
  const stopped = new Promise<void>((resolve) => (wake = resolve));

  const shutDown = (reason: string) => {
    if (shuttingDown) return;
    shuttingDown = true;
    console.log(`start: ${reason}; stopping ${services.length} services`);
    wake();
  };
  process.on('SIGINT', () => shutDown('SIGINT'));
  process.on('SIGTERM', () => shutDown('SIGTERM'));
  process.on('SIGHUP', () => shutDown('SIGHUP'));

  const launch = (options: ServiceOptions): Service => {
    // Each child in a process group of its own: a Ctrl-C reaches only us, and each child gets one SIGTERM.
    const service = spawnService({ timeoutMs, ownProcessGroup: true, ...options });
    services.push(service);
    void service.exited.then(async (status) => {
      if (service.stopRequested || shuttingDown) return;
      await new Promise((resolve) => setTimeout(resolve, SIGNAL_RACE_MS));
      if (shuttingDown) return;
      if (stackReady && service.name !== 'gateway') {
        const again = restartCommand({
          npmScript: service.name === 'providers' ? 'providers' : 'exchange',
          variables: service.name === 'providers' ? PROVIDERS_VARIABLES : EXCHANGE_VARIABLES,
          args: options.args ?? [],
          port: portOf(service.url, 0),
          env: { ...process.env, ...options.env },
        });
        console.warn(
          `start: ${service.name} ${describeExit(status)}; the gateway goes on without it (its part of each answer is reported missing). Start it again with: ${again}`,
        );
        return;
      }
      failure ??= `${service.name} ${describeExit(status)}${service.readyRecord ? '' : ' before it was ready'}`;
      shutDown(`${service.name} failed`);
    });
    return service;
  };

  /** Waits for these services, or returns false as soon as the stack is shutting down. */
  const whenReady = async (batch: Service[]): Promise<boolean> => {
    const all = Promise.all(batch.map((s) => s.ready)).then(() => true);
    try {
      return await Promise.race([all, stopped.then(() => false)]);
    } catch (err) {
      // An early exit is left to the exit watcher above, which tells a crash from a Ctrl-C; a timeout is ours.
      if (!(err instanceof ServiceError) || err.reason === 'timeout') {
        failure ??= err instanceof Error ? err.message : String(err);
        shutDown(err instanceof ServiceError ? `${err.service} failed` : 'startup failed');
      }
      await stopped;
      return false;
    }
  };

  // The web app at / (docs/web-app.md): built before anything starts when web/ changed since the last build.
  if (!webBuildIsCurrent()) {
    console.log('start: building the web app (web/ changed since the last build)');
    const web = ensureWebBuilt();
    if (web.problem) console.warn(`start: the web app is not served: ${web.problem}`);
  }

  // Providers and exchanges do not depend on each other, so they start (and seed) at the same time.
  const providers = launch(providersService({ args: ['--port', String(providersPort)], ...healthFallback(providersPort) }));
  const exchangeServices = exchanges.map((e) => launch(exchangeService(e.id, { port: e.port, ...healthFallback(e.port) })));

  if (await whenReady([providers, ...exchangeServices])) {
    const gateway = launch(
      gatewayService({
        env: {
          PORT: String(gatewayPort),
          PROVIDERS_URL: providers.url,
          EXCHANGE_URLS: exchangeServices.map((s) => `${s.name}=${s.url}`).join(','),
        },
        ...healthFallback(gatewayPort),
      }),
    );
    if (await whenReady([gateway])) {
      stackReady = true;
      const width = Math.max(...services.map((s) => s.name.length));
      console.log(
        [
          '',
          `Gateway ready at http://localhost:${portOf(gateway.url, gatewayPort)}/graphql (the web app at /)`,
          ...[providers, ...exchangeServices].map((s) => `  ${s.name.padEnd(width)}  ${s.url}  (pid ${s.child.pid})`),
          'Press Ctrl-C to stop.',
          '',
        ].join('\n'),
      );
    }
  }

  await stopped;
  // A service that was answering must stop cleanly (exit 0); one still starting may die of the SIGTERM.
  const wereReady = services.filter((s) => s.state.phase === 'ready');
  await stopAll(services);
  for (const service of wereReady) {
    const status = service.state.phase === 'exited' ? service.state.status : undefined;
    if (status && (status.code !== 0 || status.signal)) failure ??= `${service.name} ${describeExit(status)} while stopping`;
  }
  if (failure) {
    console.error(`start: ${failure}; stopped the others`);
    return 1;
  }
  console.log('start: all services stopped');
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err instanceof ConfigError ? `start: ${err.message}` : err);
    process.exit(1);
  },
);
