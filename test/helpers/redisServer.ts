import { spawn, type ChildProcess } from 'node:child_process';
import { freePort } from '../../devkit/processes.ts';

export interface RedisServer {
  port: number;
  url: string;
  /** SIGKILL: the server is gone at once, as in a crash. */
  kill(): Promise<void>;
  /** Starts it again on the same port (after kill). */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Starts `redis-server` on `port` (nothing persisted; `extraArgs` e.g. for cluster mode) and resolves
 * once it accepts connections. Fails clearly when the binary is missing.
 */
export function launchRedisServer(port: number, extraArgs: string[] = []): Promise<ChildProcess> {
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', ...extraArgs], { stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => reject(new Error(`redis-server on port ${port} did not start:\n${output}`)), 10_000);
    child.once('error', (err) => reject(new Error(`cannot start redis-server (install Debian's redis-server): ${err.message}`)));
    child.once('exit', (code) => reject(new Error(`redis-server on port ${port} exited with ${code}:\n${output}`)));
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('Ready to accept connections')) {
        clearTimeout(timer);
        resolve(child);
      }
    });
  });
}

function exited(child: ChildProcess): Promise<void> {
  return child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise((resolve) => child.once('exit', () => resolve()));
}

/** A throwaway redis-server of the test's own, on a free port, so it can be killed and restarted. */
export async function startRedisServer(): Promise<RedisServer> {
  const port = await freePort();
  let child = await launchRedisServer(port);
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    kill: async () => {
      child.kill('SIGKILL');
      await exited(child);
    },
    restart: async () => {
      child = await launchRedisServer(port);
    },
    stop: async () => {
      child.kill('SIGTERM');
      await exited(child);
    },
  };
}
