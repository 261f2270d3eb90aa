import { describe, it, expect } from 'vitest';
import { ConfigError, configReader } from '../../shared/config/configReader.ts';
import { loadGatewayConfig } from '../../gateway/src/config.ts';
import { providersConfigFromArgs } from '../../subgraphs/providers/providersConfig.ts';
import { exchangeConfigFromArgs } from '../../subgraphs/exchange/exchangeConfig.ts';
import { startConfigFromEnv } from '../../scripts/startConfig.ts';

/** The error a read throws, checked to be a ConfigError of one line. */
function errorOf(read: () => unknown): string {
  try {
    read();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    const message = (err as Error).message;
    expect(message).not.toContain('\n');
    return message;
  }
  throw new Error('expected a ConfigError, and the read succeeded');
}

describe('configReader', () => {
  it('names the variable, the rule and the bad value in one line for each kind of setting', () => {
    const cases: Array<[() => unknown, string]> = [
      [() => configReader({ N: 'abc' }).int('N', { min: 50, max: 60000 }), 'N must be an integer from 50 to 60000, got "abc"'],
      [() => configReader({ N: '49' }).int('N', { min: 50, max: 60000 }), 'N must be an integer from 50 to 60000, got "49"'],
      [() => configReader({ N: '1.5' }).int('N'), 'N must be a positive integer, got "1.5"'],
      [() => configReader({ N: '0' }).durationMs('N'), 'N must be a positive integer (milliseconds), got "0"'],
      [() => configReader({ N: '5s' }).durationMs('N', { max: 1000 }), 'N must be an integer from 1 to 1000 (milliseconds), got "5s"'],
      [() => configReader({ P: '65536' }).port('P'), 'P must be a TCP port from 0 to 65535, got "65536"'],
      [() => configReader({ P: '-1' }).port('P'), 'P must be a TCP port from 0 to 65535, got "-1"'],
      [() => configReader({ B: 'maybe' }).bool('B', false), 'B must be one of 1, true, yes, on, 0, false, no, off, got "maybe"'],
      [() => configReader({ L: 'loud' }).oneOf('L', ['info', 'warn'], 'info'), 'L must be one of info, warn, got "loud"'],
      [() => configReader({ U: 'ftp://x/' }).url('U', 'http://a/'), 'U must be an absolute http or https URL, got "ftp://x/"'],
      [() => configReader({ U: 'not a url' }).url('U', 'http://a/'), 'U must be an absolute http or https URL, got "not a url"'],
      [() => configReader({ X: 'b' }).parsed('X', 'be "a"', (t) => (t === 'a' ? t : undefined)), 'X must be "a", got "b"'],
    ];
    expect(cases.length).toBeGreaterThan(0);
    for (const [read, message] of cases) expect(errorOf(read)).toBe(message);
  });

  it('parses good values, and gives the default when a value is unset, empty or blank', () => {
    const read = configReader({ I: ' 42 ', B: 'YES', F: 'off', U: 'https://x.example/p', L: ' a, ,b ', E: '', W: '   ', LEVEL: 'WARN' });
    expect(read.oneOf('LEVEL', ['info', 'warn'], 'info')).toBe('warn');
    expect(read.int('I', { max: 100 })).toBe(42);
    expect(read.bool('B', false)).toBe(true);
    expect(read.bool('F', true)).toBe(false);
    expect(read.url('U', 'http://a/')).toBe('https://x.example/p');
    expect(read.list('L')).toEqual(['a', 'b']);
    expect(read.int('E', { default: 7 })).toBe(7);
    expect(read.string('W', 'fallback')).toBe('fallback');
    expect(read.port('MISSING', 4000)).toBe(4000);
    expect(read.url('MISSING', 'http://127.0.0.1:4010/graphql')).toBe('http://127.0.0.1:4010/graphql');
  });

  it('lets a flag win over its variable, and names the one that was used in an error', () => {
    const read = configReader({ PORT: '5000', BAD: 'x' }, { port: '6000', other: 'y' });
    expect(read.port(['--port', 'PORT'])).toBe(6000);
    expect(configReader({ PORT: '5000' }, {}).port(['--port', 'PORT'])).toBe(5000);
    expect(errorOf(() => read.port(['--other', 'PORT']))).toBe('--other must be a TCP port from 0 to 65535, got "y"');
    expect(errorOf(() => configReader({ PORT: 'x' }).port(['--port', 'PORT']))).toBe('PORT must be a TCP port from 0 to 65535, got "x"');
  });
});

describe('service configuration', () => {
  it('refuses a bad value of each service in one line naming it', () => {
    expect(errorOf(() => loadGatewayConfig({ EXCHANGE_TIMEOUT_MS: 'abc' }))).toBe(
      'EXCHANGE_TIMEOUT_MS must be an integer from 1 to 600000 (milliseconds), got "abc"',
    );
    expect(errorOf(() => loadGatewayConfig({ CACHE_DISABLED: 'sometimes' }))).toMatch(/^CACHE_DISABLED must be one of 1, true, .* got "sometimes"$/);
    expect(errorOf(() => loadGatewayConfig({ EXCHANGE_URLS: 'bj=ftp://x' }))).toBe('EXCHANGE_URLS (bj) must be an absolute http or https URL, got "ftp://x"');
    expect(errorOf(() => loadGatewayConfig({ EXCHANGES_FILE: '/nonexistent/exchanges.json' }))).toMatch(
      /^EXCHANGES_FILE must name a JSON file .* got "\/nonexistent\/exchanges\.json"/,
    );
    expect(errorOf(() => loadGatewayConfig({ LOG_LEVEL: 'verbose' }))).toBe(
      'LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent, got "verbose"',
    );
    expect(errorOf(() => providersConfigFromArgs([], { PROVIDERS_PORT: '99999' }))).toBe('PROVIDERS_PORT must be a TCP port from 0 to 65535, got "99999"');
    expect(errorOf(() => exchangeConfigFromArgs([], { EXCHANGE_ID: 'Shenzhen' }))).toBe('EXCHANGE_ID must match /^[a-z]{2,8}$/ (e.g. "sz"), got "Shenzhen"');
    expect(errorOf(() => exchangeConfigFromArgs(['--id', 'bj'], { SERVICE_STOP_TIMEOUT_MS: '-5' }))).toBe(
      'SERVICE_STOP_TIMEOUT_MS must be an integer from 1 to 600000 (milliseconds), got "-5"',
    );
    expect(errorOf(() => startConfigFromEnv({ GY_PORT: 'four' }))).toBe('GY_PORT must be a TCP port from 0 to 65535, got "four"');
  });

  it('reads the gateway defaults from an empty environment, Redis off', () => {
    const config = loadGatewayConfig({});
    expect(config).toMatchObject({
      port: 4000,
      host: '127.0.0.1',
      providersUrl: 'http://127.0.0.1:4010/graphql',
      exchangeTimeoutMs: 2000,
      healthIntervalMs: 5000,
      healthRecoveryIntervalMs: 2000,
      cacheDisabled: false,
      cacheTtlSeconds: 60,
      versionPollMs: 2000,
      maxQueryDepth: 15,
      maxQueryCost: 10000,
      maxQueryAliases: 30,
      maxQueryDirectives: 50,
      maxQueryTokens: 2000,
      introspection: true,
      logLevel: 'info',
      stopTimeoutMs: 5000,
      development: false,
      production: false,
      cache: { target: null },
    });
    expect(config.exchanges.map((e) => e.id)).toEqual(['bj', 'sh', 'ty', 'gy']);
  });

  it('gives the providers subgraph PROVIDERS_PORT over PORT, and --port over both', () => {
    expect(providersConfigFromArgs([], { PORT: '5001', PROVIDERS_PORT: '5002' }).port).toBe(5002);
    expect(providersConfigFromArgs([], { PORT: '5001' }).port).toBe(5001);
    expect(providersConfigFromArgs(['--port', '5003'], { PORT: '5001', PROVIDERS_PORT: '5002' }).port).toBe(5003);
    expect(providersConfigFromArgs([], {}).port).toBe(4010);
  });

  it('takes the exchange code from EXCHANGE_ID when --id is not given', () => {
    expect(exchangeConfigFromArgs([], { EXCHANGE_ID: 'sh' })).toMatchObject({ info: { id: 'sh', city: 'Shanghai' }, port: 4012 });
    expect(exchangeConfigFromArgs(['--id', 'ty'], { EXCHANGE_ID: 'sh' }).info.id).toBe('ty');
  });
});
