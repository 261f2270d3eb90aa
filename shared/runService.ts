/** How long a stop may take before the process exits anyway (SERVICE_STOP_TIMEOUT_MS). */
export const DEFAULT_STOP_TIMEOUT_MS = 5000;

function logLine(record: Record<string, unknown>): void {
  console.log(JSON.stringify({ time: new Date().toISOString(), ...record }));
}

/**
 * The life of a service process: start it, stop it cleanly on SIGTERM or SIGINT (exit 0), and turn a
 * startup failure into one line (for configuration errors) or the error itself, with exit 1.
 *
 * Stopping is bounded: when `stop()` has not resolved (or rejected) after SERVICE_STOP_TIMEOUT_MS
 * (default 5000), or a second signal arrives meanwhile, the process logs why and exits with code 1 anyway,
 * so an orchestrator's SIGTERM never waits for its SIGKILL.
 */
export function runService(name: string, start: () => Promise<{ stop(): Promise<void> }>, isConfigError: (err: unknown) => boolean): void {
  const stopTimeoutMs = stopTimeout(process.env.SERVICE_STOP_TIMEOUT_MS);
  start().then((running) => {
    let stopping = false;
    const stop = async (signal: string) => {
      if (stopping) {
        logLine({ msg: 'second signal while stopping; exiting now', service: name, signal });
        process.exit(1);
      }
      stopping = true;
      logLine({ msg: 'stopping', service: name, signal });
      const timer = setTimeout(() => {
        logLine({ msg: `stop did not finish within ${stopTimeoutMs} ms; exiting anyway`, service: name, signal });
        process.exit(1);
      }, stopTimeoutMs);
      try {
        await running.stop();
      } catch (err) {
        clearTimeout(timer);
        logLine({ msg: 'stop failed', service: name, err: (err as Error)?.message ?? String(err) });
        process.exit(1);
      }
      clearTimeout(timer);
      process.exit(0);
    };
    process.on('SIGTERM', () => void stop('SIGTERM'));
    process.on('SIGINT', () => void stop('SIGINT'));
  }).catch((err: unknown) => {
    const known = isConfigError(err) || (err as { code?: string }).code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION';
    console.error(known ? `${name}: ${(err as Error).message}` : err);
    process.exit(1);
  });
}

function stopTimeout(text: string | undefined): number {
  if (text === undefined || text.trim() === '') return DEFAULT_STOP_TIMEOUT_MS;
  const value = Number(text);
  if (!Number.isInteger(value) || value <= 0) {
    console.error(`SERVICE_STOP_TIMEOUT_MS must be a positive integer (milliseconds), got ${JSON.stringify(text)}`);
    process.exit(1);
  }
  return value;
}
