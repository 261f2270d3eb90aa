import { describe, it, expect } from 'vitest';
import { spawn } from 'node:child_process';
import { REPO_ROOT } from '../../devkit/processes.ts';

/** Runs an entry file with the given environment and collects what it prints until it exits. */
function run(file: string, env: Record<string, string>, args: string[] = []): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', file, ...args], {
      cwd: REPO_ROOT,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    // A service that did start would not exit by itself; the test fails on its output instead of hanging.
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

describe('a service started with a bad setting', () => {
  it.each([
    ['gateway/src/main.ts', { PORT: 'abc' }, [], 'gateway: PORT must be a TCP port from 0 to 65535, got "abc"'],
    [
      'subgraphs/providers/main.ts',
      { LOG_LEVEL: 'loud' },
      [],
      'providers: LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent, got "loud"',
    ],
    [
      'subgraphs/exchange/main.ts',
      { SEED_PER_EXCHANGE: 'many' },
      ['--id', 'sz', '--port', '0'],
      'exchange: SEED_PER_EXCHANGE must be an integer from 1 to 250000, got "many"',
    ],
    ['scripts/start.ts', { BJ_PORT: '4o11' }, [], 'start: BJ_PORT must be a TCP port from 0 to 65535, got "4o11"'],
  ] as const)('%s exits 1 printing one line that names the setting, the rule and the value, and no stack', async (file, env, args, line) => {
    const { code, stdout, stderr } = await run(file, env, [...args]);
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toBe(`${line}\n`);
  });
});
