import { describe, it, expect } from 'vitest';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { REPO_ROOT } from '../../devkit/processes.ts';

// The reference in docs/operations.md against what the source reads, found by reading the source text:
// independent of the config modules' own types and lists.

const SERVICE_DIRS = ['gateway', 'subgraphs', 'shared', 'scripts', 'devkit'];
const READER_METHODS = 'string|int|durationMs|port|bool|oneOf|url|list|parsed';
const VARIABLE = /^[A-Z][A-Z0-9_]*$/;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (name === 'node_modules') return [];
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return path.endsWith('.ts') ? [path] : [];
  });
}

const files = SERVICE_DIRS.flatMap((dir) => sourceFiles(join(REPO_ROOT, dir))).map((path) => ({
  path: relative(REPO_ROOT, path),
  text: readFileSync(path, 'utf8'),
}));

/** Every `<reader>.<method>('NAME' | ['--flag', 'NAME'], ...)` call, with the file it is in. */
function readerCalls() {
  const calls: Array<{ path: string; names: string[]; literal: boolean }> = [];
  for (const { path, text } of files) {
    for (const match of text.matchAll(new RegExp(`\\.(?:${READER_METHODS})\\(\\s*(\\[[^\\]]*\\]|'[^']*'|[^,)]*)`, 'g'))) {
      const argument = match[1].trim();
      const literal = /^'[^']*'$/.test(argument) || /^\[('[^']*',?\s*)+\]$/.test(argument);
      const names = [...argument.matchAll(/'([^']*)'/g)].map((m) => m[1]).filter((name) => VARIABLE.test(name));
      calls.push({ path, names, literal });
    }
  }
  return calls;
}

/** `process.env.NAME`, `process.env['NAME']` and `env.NAME`: reads that bypass the reader. */
function directReads(): Array<{ path: string; name: string }> {
  return files.flatMap(({ path, text }) =>
    [...text.matchAll(/\b(?:process\.env|env)(?:\.([A-Z][A-Z0-9_]*)|\[\s*['"`]([A-Z][A-Z0-9_]*)['"`]\s*\])/g)].map((m) => ({ path, name: m[1] ?? m[2] })),
  );
}

function documentedVariables(): string[] {
  const doc = readFileSync(join(REPO_ROOT, 'docs/operations.md'), 'utf8');
  const start = doc.indexOf('\n## Environment\n');
  expect(start, 'docs/operations.md has a "## Environment" section').toBeGreaterThanOrEqual(0);
  const rest = doc.slice(start + 1);
  const next = rest.indexOf('\n## ', 1);
  const section = next < 0 ? rest : rest.slice(0, next);
  return section
    .split('\n')
    .filter((line) => line.startsWith('| `'))
    .flatMap((line) => [...line.split('|')[1].matchAll(/`([^`]+)`/g)].map((m) => m[1]));
}

describe('the environment reference (docs/operations.md)', () => {
  it('lists exactly the variables the services read, none missing and none extra', () => {
    const calls = readerCalls();
    expect(calls.length).toBeGreaterThan(20);
    const read = new Set([...calls.flatMap((c) => c.names), ...directReads().map((r) => r.name)]);
    const documented = documentedVariables();
    expect(documented.length).toBeGreaterThan(20);
    expect(new Set(documented).size, 'each variable has one row').toBe(documented.length);
    expect([...read].sort()).toEqual([...documented].sort());
  });

  it('names every variable as a literal where it is read, so that a search finds it', () => {
    const computed = readerCalls().filter((c) => !c.literal);
    expect(computed).toEqual([]);
  });

  it('is read through the config reader only: no process.env.NAME or env.NAME anywhere in service code', () => {
    expect(files.length).toBeGreaterThan(50);
    expect(directReads()).toEqual([]);
  });

  it('is read in config modules only', () => {
    const readers = new Set(
      readerCalls()
        .filter((c) => c.names.length > 0)
        .map((c) => c.path),
    );
    expect(readers.size).toBeGreaterThan(0);
    for (const path of readers) expect(path).toMatch(/(^|\/)([a-z]+Config|config|serviceSettings)\.ts$/);
  });

  it('passes process.env whole only from entry points and the process launcher', () => {
    const users = files
      .filter(({ text }) => /\bprocess\.env\b/.test(text))
      .map(({ path }) => path)
      .sort();
    expect(users).toEqual([
      'devkit/processes.ts',
      'devkit/webBuild.ts',
      'gateway/src/main.ts',
      'scripts/register.ts',
      'scripts/seed.ts',
      'scripts/start.ts',
      'subgraphs/exchange/host.ts',
      'subgraphs/exchange/main.ts',
      'subgraphs/providers/main.ts',
    ]);
  });
});
