import { describe, it, expect } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { exchangeHostConfigFromArgs, hostedExchangeConfigs, MAX_HOSTED_EXCHANGES } from '../../subgraphs/exchange/hostConfig.ts';
import { pathOf } from '../../subgraphs/exchange/server.ts';

const file = (exchanges: unknown) => JSON.stringify({ exchanges });

describe('exchange host file', () => {
  it('reads each exchange as main.ts would, with its own environment over the host one', () => {
    const configs = hostedExchangeConfigs(
      file([
        { args: ['--id', 'xa', '--port', '0', '--division-code', '440300'], env: { SEED_CATEGORIES: 'AUDIO_SAMPLES', SEED_PER_EXCHANGE: '20' } },
        { args: ['--id', 'xb', '--port', '4101'] },
      ]),
      { DATA_DIR: '/srv/exchanges', SEED_PER_EXCHANGE: '30', LOG_LEVEL: 'warn' },
    );
    expect(configs.map((c) => [c.info.id, c.port, c.dbPath, c.seedCount, c.seedCategories ?? null, c.info.divisionCode])).toEqual([
      ['xa', 0, resolve('/srv/exchanges/xa.db'), 20, ['AUDIO_SAMPLES'], '440300'],
      ['xb', 4101, resolve('/srv/exchanges/xb.db'), 30, null, '000000'],
    ]);
  });

  it('refuses bad files, naming the entry and the rule', () => {
    const env = {};
    const cases: Array<[string, RegExp]> = [
      ['not json', /host file must be JSON/],
      [JSON.stringify({}), /host file: exchanges must be an array of 1 to 64 entries/],
      [file([]), /exchanges must be an array of 1 to 64 entries/],
      [file(Array.from({ length: MAX_HOSTED_EXCHANGES + 1 }, (_, i) => ({ args: ['--id', `x${String.fromCharCode(97 + (i % 26))}`] }))), /1 to 64 entries/],
      [file([{ args: '--id xa' }]), /exchanges\[0\]\.args must be an array of strings/],
      [file([{ args: ['--id', 'xa', '--port', '0'], env: { SEED_PER_EXCHANGE: 20 } }]), /exchanges\[0\]\.env must be an object of strings/],
      [file([{ args: ['--id', 'xa', '--port', '0'] }, { args: ['--id', 'Bad1', '--port', '0'] }]), /exchanges\[1\]: --id must match .* got "Bad1"/],
      [file([{ args: ['--id', 'xa', '--port', '0', '--colour', 'red'] }]), /exchanges\[0\]: .*--colour/],
      [file([{ args: ['--id', 'xa', '--port', '0'] }, { args: ['--id', 'xa', '--port', '0'] }]), /exchanges\[1\] --id xa is already exchanges\[0\]'s/],
      [
        file([{ args: ['--id', 'xa', '--port', '4101'] }, { args: ['--id', 'xb', '--port', '4101'] }]),
        /exchanges\[1\] --port 4101 is already exchanges\[0\]'s/,
      ],
      [file([{ args: ['--id', 'xa', '--port', '0'], env: { SEED_CATEGORIES: 'NOPE' } }]), /exchanges\[0\]: SEED_CATEGORIES must be a comma-separated list/],
    ];
    expect(cases.length).toBeGreaterThan(0);
    for (const [text, message] of cases) expect(() => hostedExchangeConfigs(text, env), text.slice(0, 80)).toThrow(message);
  });

  it('takes its file from --exchanges-file, which is required', () => {
    const dir = mkdtempSync(join(tmpdir(), 'exchange-host-'));
    try {
      const path = join(dir, 'host.json');
      writeFileSync(path, file([{ args: ['--id', 'xa', '--port', '0'] }, { args: ['--id', 'xb', '--port', '0'] }]));
      const config = exchangeHostConfigFromArgs(['--exchanges-file', path], { LOG_LEVEL: 'error' });
      expect(config.exchanges.map((c) => c.info.id)).toEqual(['xa', 'xb']);
      expect(config.logLevel).toBe('error');
      expect(() => exchangeHostConfigFromArgs([], {})).toThrow(/--exchanges-file must name a JSON file/);
      expect(() => exchangeHostConfigFromArgs(['--exchanges-file', join(dir, 'missing.json')], {})).toThrow(/--exchanges-file .*missing\.json cannot be read/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('exchange request path', () => {
  it('reads the path of a request target as the URL parser does', () => {
    const targets = ['/graphql', '/graphql?x=1', '/health', '/admin/prices', '/admin/prices/', '/', '', '/a/../graphql', '//graphql', '/graph ql'];
    targets.push('/gr%61phql', '/graphql#x', 'http://h/graphql', '/x.y', '/admin//prices', '/é', '/graphql?a#b', '/./health', '/admin/%2e%2e/x');
    expect(targets.length).toBeGreaterThan(0);
    for (const target of targets) expect(pathOf(target), target).toBe(new URL(target, 'http://localhost').pathname);
    expect(pathOf(undefined)).toBe('/');
  });
});
