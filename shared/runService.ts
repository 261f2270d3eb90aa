/**
 * The life of a service process: start it, stop it cleanly on SIGTERM or SIGINT (exit 0), and turn a
 * startup failure into one line (for configuration errors) or the error itself, with exit 1.
 */
export function runService(name: string, start: () => Promise<{ stop(): Promise<void> }>, isConfigError: (err: unknown) => boolean): void {
  start().then((running) => {
    let stopping = false;
    const stop = async (signal: string) => {
      if (stopping) return;
      stopping = true;
      console.log(JSON.stringify({ time: new Date().toISOString(), msg: 'stopping', service: name, signal }));
      await running.stop();
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
