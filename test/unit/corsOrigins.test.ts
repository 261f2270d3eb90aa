import { describe, expect, it } from 'vitest';
import { loadGatewayConfig } from '../../gateway/src/config.ts';
import { ConfigError } from '../../shared/config/configReader.ts';

function errorOf(run: () => unknown): string {
  try {
    run();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error('no error thrown');
}

describe('CORS_ORIGINS', () => {
  it('defaults to every origin', () => {
    expect(loadGatewayConfig({}).corsOrigins).toBe('*');
    expect(loadGatewayConfig({ CORS_ORIGINS: ' * ' }).corsOrigins).toBe('*');
  });

  it('reads a list of origins as browsers send them: lowercase host, no default port, no trailing slash', () => {
    expect(loadGatewayConfig({ CORS_ORIGINS: 'https://App.Example.com, http://localhost:5173/,https://x.example:443' }).corsOrigins).toEqual([
      'https://app.example.com',
      'http://localhost:5173',
      'https://x.example',
    ]);
  });

  it('refuses an entry that is not an origin, naming the variable, the rule and the entry', () => {
    const rule = 'CORS_ORIGINS must be * or a comma-separated list of origins (scheme://host[:port], no path), like https://app.example.com';
    expect(errorOf(() => loadGatewayConfig({ CORS_ORIGINS: 'https://ok.example,https://app.example.com/dashboard' }))).toBe(
      `${rule}, got "https://app.example.com/dashboard"`,
    );
    expect(errorOf(() => loadGatewayConfig({ CORS_ORIGINS: 'app.example.com' }))).toBe(`${rule}, got "app.example.com"`);
    expect(errorOf(() => loadGatewayConfig({ CORS_ORIGINS: 'https://ok.example,*' }))).toBe(`${rule}, got "*"`);
    expect(errorOf(() => loadGatewayConfig({ CORS_ORIGINS: 'ftp://files.example' }))).toBe(`${rule}, got "ftp://files.example"`);
    expect(errorOf(() => loadGatewayConfig({ CORS_ORIGINS: ',' }))).toBe(`${rule}, got ","`);
  });
});
