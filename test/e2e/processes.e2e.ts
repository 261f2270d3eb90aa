import { describe, it, expect } from 'vitest';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { spawn, type ChildProcess } from 'node:child_process';
import { startService, freePort, REPO_ROOT, type ServiceError } from '../../devkit/processes.ts';
import { graphql, dataOf } from '../helpers/graphql.ts';

/** Free ports for every service `npm start` launches, by the variables it reads them from. */
async function stackPorts(): Promise<Record<string, number>> {
  const names = ['PORT', 'PROVIDERS_PORT', 'BJ_PORT', 'SH_PORT', 'TY_PORT', 'GY_PORT'];
  const ports: Record<string, number> = {};
  for (const name of names) ports[name] = await freePort();
  return ports;
}

/** The launcher's output as it comes, its exit, and a wait for a line of it. */
function watchLauncher(start: ChildProcess) {
  let text = '';
  start.stdout!.on('data', (chunk: Buffer) => (text += chunk.toString()));
  start.stderr!.on('data', (chunk: Buffer) => (text += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => start.once('exit', (code) => resolve(code)));
  const waitFor = async (pattern: RegExp, ms: number) => {
    const deadline = Date.now() + ms;
    while (!pattern.test(text)) {
      if (Date.now() > deadline || start.exitCode !== null) throw new Error(`no ${pattern} in:\n${text.slice(-3000)}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    return pattern.exec(text)!;
  };
  return { exited, waitFor, output: () => text };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('service processes', () => {
  it('an exchange seeds itself on first start, and SIGTERM closes its server and database cleanly', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'exchange-process-'));
    try {
      const exchange = await startService({
        name: 'sz',
        file: 'subgraphs/exchange/main.ts',
        readyMsg: 'exchange ready',
        quiet: true,
        args: [
          '--id',
          'sz',
          '--port',
          String(await freePort()),
          '--province',
          'Guangdong',
          '--per-exchange',
          '50',
          '--name',
          'Shenzhen Data Exchange',
          '--name-zh',
          '深圳数据交易所',
          '--city',
          'Shenzhen',
        ],
        env: { DATA_DIR: dir },
      });
      // Who the exchange is, as its operator gave it, in /health.
      const health = await (await fetch(exchange.url.replace(/\/graphql$/, '/health'))).json();
      expect(health).toMatchObject({
        status: 'ok',
        exchange: 'sz',
        name: 'Shenzhen Data Exchange',
        nameZh: '深圳数据交易所',
        city: 'Shenzhen',
        province: 'Guangdong',
        divisionCode: '440000',
      });
      const data: any = dataOf(await graphql(exchange.url, '{ datasets(first: 1) { totalCount nodes { id } } }'));
      expect(data.datasets.totalCount).toBe(50);
      expect(data.datasets.nodes[0].id).toMatch(/^sz:/);
      const status = await exchange.stop();
      expect(status).toEqual({ code: 0, signal: null });
      // A clean close checkpoints the write-ahead log into the database and removes it.
      expect(existsSync(join(dir, 'sz.db-wal'))).toBe(false);
      const db = new Database(join(dir, 'sz.db'), { readonly: true });
      expect((db.prepare('SELECT count(*) AS n FROM datasets').get() as { n: number }).n).toBe(50);
      db.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a bad exchange id at start with the rule and the value, and exits 1', async () => {
    await expect(
      startService({
        name: 'bad',
        file: 'subgraphs/exchange/main.ts',
        readyMsg: 'exchange ready',
        quiet: true,
        args: ['--id', 'Shenzhen1', '--port', '0'],
      }),
    ).rejects.toThrow(/--id must match .* got "Shenzhen1"/);
  });

  it('refuses an unknown province at start in one line, naming the valid ones, with no stack trace, and exits 1', async () => {
    const refused = await startService({
      name: 'atlantis',
      file: 'subgraphs/exchange/main.ts',
      readyMsg: 'exchange ready',
      quiet: true,
      args: ['--id', 'at', '--port', '0', '--province', 'Atlantis'],
    }).then(
      () => null,
      (err: ServiceError) => err,
    );
    expect(refused?.status).toEqual({ code: 1, signal: null });
    expect(refused?.outputTail.map((l) => l.replace(/^!\s*/, ''))).toEqual([
      expect.stringMatching(
        /^exchange: --province must name a province-level division of China, .*\(listed in shared\/provinces\.ts\), got "Atlantis"; one of: Beijing, .*Xinjiang$/,
      ),
    ]);
  });

  it('npm start: the stack goes on without an exchange that dies, and SIGTERM stops every process', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'start-'));
    const ports = await stackPorts();
    const start = spawn(process.execPath, ['--import', 'tsx', 'scripts/start.ts'], {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...process.env,
        ...Object.fromEntries(Object.entries(ports).map(([k, v]) => [k, String(v)])),
        DATA_DIR: dir,
        SEED_PER_EXCHANGE: '60',
        REDIS_URL: '',
        LOG_LEVEL: 'warn',
      },
    });
    const { exited, waitFor, output } = watchLauncher(start);
    try {
      await waitFor(/Gateway ready at (\S+)/, 120_000);
      const gateway = `http://127.0.0.1:${ports.PORT}/graphql`;
      const pids = Object.fromEntries([...output().matchAll(/^ {2}(\w+)\s+http\S+\s+\(pid (\d+)\)$/gm)].map((m) => [m[1], Number(m[2])]));
      expect(Object.keys(pids).sort()).toEqual(['bj', 'gy', 'providers', 'sh', 'ty']);
      process.kill(pids.gy, 'SIGKILL');
      await waitFor(/start: gy .*the gateway goes on without it.*npm run exchange -- --id gy --port \d+/, 10_000);
      // Until its probes find gy down (three failed probes make it OFFLINE), a page none of whose rows are
      // gy's may skip it by its last catalog summary (docs/scale-out.md#leading-cursors); then it is named.
      const deadline = Date.now() + 30_000;
      let result = await graphql(gateway, '{ datasets(first: 5) { totalCount missingExchanges nodes { id } } }');
      while (!(result.data as any).datasets.missingExchanges.includes('gy') && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 250));
        result = await graphql(gateway, '{ datasets(first: 5) { totalCount missingExchanges nodes { id } } }');
      }
      expect((result.data as any).datasets.missingExchanges).toEqual(['gy']);
      expect((result.data as any).datasets.totalCount).toBe(3 * 60);
      expect(result.errors?.map((e) => e.extensions?.code)).toEqual(['EXCHANGE_UNAVAILABLE']);
      expect(start.exitCode).toBeNull();
      start.kill('SIGTERM');
      expect(await exited).toBe(0);
      for (const name of ['bj', 'sh', 'ty', 'providers']) expect(alive(pids[name]), name).toBe(false);
    } finally {
      if (start.exitCode === null) start.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  }, 180_000);
  it('npm start: the printed restart command brings back the same exchange, and a Ctrl-C to the process group stops each service once, all with exit 0', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'start-restart-'));
    const ports = await stackPorts();
    const token = 'restart-test-token';
    // The launcher in a process group of its own, as a terminal runs a foreground job. (Not through npm, whose
    // own exit status on SIGINT is the signal's whatever the launcher returns.)
    const start = spawn(process.execPath, ['--import', 'tsx', 'scripts/start.ts'], {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
      env: {
        ...process.env,
        ...Object.fromEntries(Object.entries(ports).map(([k, v]) => [k, String(v)])),
        DATA_DIR: dir,
        SEED_PER_EXCHANGE: '60',
        REDIS_URL: '',
        LOG_LEVEL: 'warn',
        HEALTH_INTERVAL_MS: '300',
        EXCHANGE_ADMIN_TOKEN: token,
        NODE_ENV: 'test',
      },
    });
    const { exited, waitFor, output } = watchLauncher(start);
    const gateway = `http://127.0.0.1:${ports.PORT}/graphql`;
    const gyNow = async () =>
      dataOf(
        await graphql(
          gateway,
          '{ exchange(id: "gy") { status } datasets(filter: { exchanges: ["gy"] }, sort: TITLE_ASC, first: 100) { totalCount nodes { id } } }',
        ),
      ) as any;
    let restarted: ReturnType<typeof spawn> | undefined;
    try {
      await waitFor(/Gateway ready at (\S+)/, 120_000);
      const pids = Object.fromEntries([...output().matchAll(/^ {2}(\w+)\s+http\S+\s+\(pid (\d+)\)$/gm)].map((m) => [m[1], Number(m[2])]));
      expect(Object.keys(pids).sort()).toEqual(['bj', 'gy', 'providers', 'sh', 'ty']);
      const before = await gyNow();
      expect(before.exchange.status).toBe('ONLINE');
      expect(before.datasets.totalCount).toBe(60);

      process.kill(pids.gy, 'SIGKILL');
      const command = (await waitFor(/start: gy .*Start it again with: (.+)$/m, 10_000))[1];
      expect(command).toBe(
        `DATA_DIR=${dir} SEED_PER_EXCHANGE=60 EXCHANGE_ADMIN_TOKEN="$EXCHANGE_ADMIN_TOKEN" LOG_LEVEL=warn NODE_ENV=test npm run exchange -- --id gy --port ${ports.GY_PORT}`,
      );
      // Run as pasted into a shell that has the token but none of the stack's other settings: the command alone
      // must bring back the same database (without DATA_DIR the exchange would seed 2000 new listings in ./data).
      const shellEnv: NodeJS.ProcessEnv = { ...process.env, EXCHANGE_ADMIN_TOKEN: token };
      for (const name of ['DATA_DIR', 'SEED_PER_EXCHANGE', 'LOG_LEVEL', 'NODE_ENV', 'PORT']) delete shellEnv[name];
      restarted = spawn('sh', ['-c', command], { cwd: REPO_ROOT, stdio: 'ignore', detached: true, env: shellEnv });
      const deadline = Date.now() + 60_000;
      let after = await gyNow().catch(() => undefined);
      while (after?.exchange.status !== 'ONLINE' || after.datasets.totalCount !== 60) {
        if (Date.now() > deadline) throw new Error(`gy not back: ${JSON.stringify(after)}`);
        await new Promise((resolve) => setTimeout(resolve, 300));
        after = await gyNow().catch(() => undefined);
      }
      expect(after.datasets.nodes.map((n: { id: string }) => n.id)).toEqual(before.datasets.nodes.map((n: { id: string }) => n.id));
      // The admin token reached it: the token is accepted and the empty change refused (400); an exchange
      // without a token answers 404, one with another token 401.
      const admin = await fetch(`http://127.0.0.1:${ports.GY_PORT}/admin/prices`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: '{}',
      });
      expect(admin.status).toBe(400);

      // Ctrl-C as a terminal sends it: SIGINT to every process of the foreground group.
      process.kill(-start.pid!, 'SIGINT');
      expect(await exited).toBe(0);
      expect(output()).not.toMatch(/second signal/);
      expect(output()).toMatch(/start: all services stopped/);
      const stack = ['bj', 'sh', 'ty', 'providers', 'gateway'];
      for (const name of stack) {
        const stops = [...output().matchAll(new RegExp(`^\\[${name}\\] .*"msg":"stopping"`, 'gm'))].map((m) => m[0]);
        expect(stops, name).toHaveLength(1);
        expect(stops[0], name).toContain('"signal":"SIGTERM"');
      }
      for (const name of ['bj', 'sh', 'ty', 'providers']) expect(alive(pids[name]), name).toBe(false);
    } finally {
      if (start.exitCode === null)
        try {
          process.kill(-start.pid!, 'SIGKILL');
        } catch {
          /* already gone */
        }
      if (restarted?.pid)
        try {
          process.kill(-restarted.pid, 'SIGTERM');
        } catch {
          /* already gone */
        }
      rmSync(dir, { recursive: true, force: true });
    }
  }, 240_000);
  it('a service in a process group of its own still stops when its launcher is killed with SIGKILL', async () => {
    // A launcher of one service, as `npm start` starts each: ownProcessGroup, so only the IPC channel ties them.
    const launcherCode = `
      import { spawnService } from './devkit/processes.ts';
      const s = spawnService({ name: 'providers', file: 'subgraphs/providers/main.ts', args: ['--port', '0'], readyMsg: 'providers ready', quiet: true, ownProcessGroup: true });
      await s.ready;
      console.log('child ' + s.child.pid);
      setInterval(() => {}, 1000);`;
    const launcher = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', launcherCode], {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let output = '';
    launcher.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    const alive = (pid: number) => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    };
    let childPid = 0;
    try {
      const deadline = Date.now() + 60_000;
      while (!/child (\d+)/.test(output)) {
        if (Date.now() > deadline || launcher.exitCode !== null) throw new Error(`launcher said: ${output}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      childPid = Number(/child (\d+)/.exec(output)![1]);
      expect(alive(childPid)).toBe(true);
      launcher.kill('SIGKILL');
      const gone = Date.now() + 10_000;
      while (alive(childPid) && Date.now() < gone) await new Promise((resolve) => setTimeout(resolve, 100));
      expect(alive(childPid)).toBe(false);
    } finally {
      if (launcher.exitCode === null) launcher.kill('SIGKILL');
      if (childPid && alive(childPid)) process.kill(childPid, 'SIGKILL');
    }
  }, 90_000);
});
