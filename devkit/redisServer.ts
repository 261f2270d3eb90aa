import { spawn, type ChildProcess } from 'node:child_process';
import { freePort } from './processes.ts';

export interface RedisServer {
  port: number;
  url: string;
  /** SIGKILL: the server is gone at once, as in a crash. */
  kill(): Promise<void>;
  /** Starts it again on the same port (after kill). */
  restart(): Promise<void>;
  /** SIGSTOP: the server keeps its sockets open and answers nothing, as a hung host does. */
  pause(): void;
  /** SIGCONT after pause(). */
  resume(): void;
  stop(): Promise<void>;
}

/** How many ports a server is tried on before giving up (another process may take a free port first). */
export const BIND_ATTEMPTS = 5;

/** A redis-server that exited because its port (or, in cluster mode, its bus port) could not be bound. */
export class RedisBindError extends Error {}

/** Lines redis-server logs when it cannot listen on the port it was given. */
const BIND_FAILURE = /Address already in use|Could not create server TCP listening socket|port number too high/i;

/**
 * Starts `redis-server` on `port` (nothing persisted; `extraArgs` e.g. for cluster mode) and resolves
 * once it accepts connections. Fails clearly when the binary is missing; a port taken meanwhile by
 * another process is a RedisBindError, so callers can try another one.
 */
export function launchRedisServer(port: number, extraArgs: string[] = []): Promise<ChildProcess> {
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', ...extraArgs], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`redis-server on port ${port} did not start:\n${output}`));
    }, 10_000);
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(new Error(`cannot start redis-server (install Debian's redis-server): ${err.message}`));
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      const message = `redis-server on port ${port} exited with ${code}:\n${output}`;
      reject(BIND_FAILURE.test(output) ? new RedisBindError(message) : new Error(message));
    });
    for (const stream of [child.stdout!, child.stderr!]) {
      stream.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes('Ready to accept connections')) {
          clearTimeout(timer);
          resolve(child);
        }
      });
    }
  });
}

/**
 * A redis-server on a port that was free a moment ago; when another process took it first (the port
 * was free when asked, not when bound), tries a new one, up to BIND_ATTEMPTS times. `argsFor` gives the
 * extra arguments for a port (a cluster node names its config file after it). Cluster nodes also bind
 * port + 10000, so `maxPort` keeps that below 65536.
 */
export async function launchRedisOnFreePort(argsFor: (port: number) => string[] = () => [], maxPort = 65535): Promise<{ port: number; child: ChildProcess }> {
  let lastError: Error | undefined;
  for (let attempt = 0; attempt < BIND_ATTEMPTS; attempt++) {
    const port = await freePort();
    if (port > maxPort) continue;
    try {
      return { port, child: await launchRedisServer(port, argsFor(port)) };
    } catch (err) {
      if (!(err instanceof RedisBindError)) throw err;
      lastError = err;
    }
  }
  throw new Error(`redis-server found no free port in ${BIND_ATTEMPTS} attempts${lastError ? `; last: ${lastError.message}` : ''}`);
}

/** Starts redis-server on `port` again, retrying a bind failure a few times (the old socket may linger a moment). */
export async function relaunchRedisServer(port: number, extraArgs: string[] = []): Promise<ChildProcess> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await launchRedisServer(port, extraArgs);
    } catch (err) {
      if (!(err instanceof RedisBindError) || attempt >= BIND_ATTEMPTS) throw err;
      await new Promise((resolve) => setTimeout(resolve, 200 * attempt));
    }
  }
}

function exited(child: ChildProcess): Promise<void> {
  return child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise((resolve) => child.once('exit', () => resolve()));
}

/** A throwaway redis-server of the test's own, on a free port, so it can be killed and restarted. */
export async function startRedisServer(): Promise<RedisServer> {
  const launched = await launchRedisOnFreePort();
  const { port } = launched;
  let child = launched.child;
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    kill: async () => {
      child.kill('SIGKILL');
      await exited(child);
    },
    restart: async () => {
      child = await relaunchRedisServer(port);
    },
    pause: () => {
      child.kill('SIGSTOP');
    },
    resume: () => {
      child.kill('SIGCONT');
    },
    stop: async () => {
      // A stopped process would hold SIGTERM pending forever.
      child.kill('SIGCONT');
      child.kill('SIGTERM');
      await exited(child);
    },
  };
}
