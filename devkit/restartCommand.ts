/**
 * The shell command that starts a stopped service again exactly as the launcher started it: the variables
 * it reads, as they were set, then `npm run <script> -- <flags>`. `npm start` prints it when an exchange or
 * the providers subgraph dies (docs/operations.md, "The stack on one machine").
 */

export interface RestartCommandOptions {
  /** The npm script that runs the service's entry file, e.g. `exchange`. */
  npmScript: string;
  /** The flags the service was started with. */
  args: readonly string[];
  /** The port it listened on: replaces the value of `--port` (0, "pick one", would not bring back the same URL). */
  port?: number;
  /** The environment variables the service reads (those a flag in `args` overrides may be left out). */
  variables: readonly string[];
  /** The environment the service was started with. */
  env: Readonly<Record<string, string | undefined>>;
}

/** A variable whose value is not printed: the command names it, for the shell to fill in. */
export function isSecretVariable(name: string): boolean {
  return /TOKEN|SECRET|PASSWORD|PASSWD|CREDENTIAL/.test(name);
}

/** `text` as one shell word: plain when it is safe, else in single quotes. */
export function shellWord(text: string): string {
  if (/^[A-Za-z0-9_./:=,@%+-]+$/.test(text)) return text;
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

export function restartCommand(options: RestartCommandOptions): string {
  const assignments = options.variables
    .filter((name) => options.env[name] !== undefined && options.env[name] !== '')
    .map((name) => (isSecretVariable(name) ? `${name}="$${name}"` : `${name}=${shellWord(options.env[name]!)}`));
  const args = options.args.map((arg, i) => (options.port !== undefined && i > 0 && options.args[i - 1] === '--port' ? String(options.port) : arg));
  const flags = args.length ? ` -- ${args.map(shellWord).join(' ')}` : '';
  return [...assignments, `npm run ${options.npmScript}${flags}`].join(' ');
}
