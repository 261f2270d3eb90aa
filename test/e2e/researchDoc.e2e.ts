import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import { graphql, type GraphQLResult } from '../helpers/graphql.ts';
import { startStack, type Stack } from '../../devkit/stack.ts';

/**
 * docs/research.md against a real stack seeded as `npm start` seeds (2,000 listings per exchange, the same
 * rows on every machine): every `gq '...'` query answers without errors, complete and non-empty; the
 * figures quoted in its excerpts are in the real answers; the export script writes every public-health
 * listing (counted from the exchanges' SQLite files) and refuses when an exchange is down.
 */

const run = promisify(execFile);
const EXCHANGES = ['bj', 'gy', 'sh', 'ty'];
const doc = readFileSync(new URL('../../docs/research.md', import.meta.url), 'utf8');
let stack: Stack;
let workDir: string;

interface Section {
  title: string;
  queries: string[];
  excerpts: string[];
}

function sections(): Section[] {
  return doc
    .split(/\n## /)
    .slice(1)
    .map((text) => {
      const blocks = (lang: string) => [...text.matchAll(new RegExp('```' + lang + '\\n([\\s\\S]*?)```', 'g'))].map((m) => m[1]);
      return {
        title: text.split('\n')[0],
        queries: blocks('sh').flatMap((block) => [...block.matchAll(/\bgq '([^']*)'/g)].map((m) => m[1])),
        excerpts: blocks('json'),
      };
    });
}

/** The flat objects of an excerpt (`{...}` with no object inside), skipping those with elided values. */
function flatObjects(excerpt: string): Record<string, unknown>[] {
  return [...excerpt.matchAll(/\{[^{}]*\}/g)]
    .map((m) => m[0])
    .filter((text) => !text.includes('...'))
    .map((text) => JSON.parse(text));
}

function containsObject(tree: unknown, wanted: Record<string, unknown>): boolean {
  if (tree === null || typeof tree !== 'object') return false;
  if (!Array.isArray(tree) && Object.entries(wanted).every(([k, v]) => JSON.stringify((tree as any)[k]) === JSON.stringify(v))) return true;
  return Object.values(tree).some((child) => containsObject(child, wanted));
}

function missingLists(tree: unknown): unknown[] {
  if (tree === null || typeof tree !== 'object') return [];
  const own = !Array.isArray(tree) && 'missingExchanges' in tree ? [(tree as any).missingExchanges] : [];
  return [...own, ...Object.values(tree).flatMap(missingLists)];
}

function expectComplete(result: GraphQLResult) {
  expect(result.errors).toBeUndefined();
  expect(result.extensions?.catalog?.missingExchanges).toEqual([]);
  expect(Object.keys(result.extensions?.catalog?.exchanges ?? {}).sort()).toEqual(EXCHANGES);
  const lists = missingLists(result.data);
  expect(lists.length).toBeGreaterThan(0);
  for (const list of lists) expect(list).toEqual([]);
}

function publicHealthListings(): number {
  return EXCHANGES.reduce((sum, exchange) => {
    const db = new Database(join(stack.dataDir, `${exchange}.db`), { readonly: true, fileMustExist: true });
    try {
      return sum + (db.prepare("SELECT count(*) AS n FROM datasets WHERE category = 'PUBLIC_HEALTH'").get() as { n: number }).n;
    } finally {
      db.close();
    }
  }, 0);
}

async function runExport(csvPath: string): Promise<{ code: number; stderr: string }> {
  const scriptPath = join(workDir, 'export_public_health.py');
  const scripts = [...doc.matchAll(/```python\n([\s\S]*?)```/g)].map((m) => m[1]);
  expect(scripts).toHaveLength(1);
  writeFileSync(scriptPath, scripts[0]);
  const env = { ...process.env, GATEWAY: new URL(stack.gatewayUrl).host };
  try {
    const { stderr } = await run('python3', [scriptPath, csvPath], { env, timeout: 120_000 });
    return { code: 0, stderr };
  } catch (err: any) {
    if (typeof err.code !== 'number') throw err;
    return { code: err.code, stderr: err.stderr };
  }
}

async function waitForStatus(exchange: string, status: string, timeoutMs = 20_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const result = await graphql(stack.gatewayUrl, '{ exchanges { id status } }');
    if ((result.data as any)?.exchanges.find((e: any) => e.id === exchange)?.status === status) return;
    if (performance.now() > deadline) throw new Error(`${exchange} did not become ${status} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

beforeAll(async () => {
  workDir = mkdtempSync(join(tmpdir(), 'research-doc-'));
  // Probes every 200 ms: the gateway sees the stopped exchange OFFLINE (and retires the cached answers
  // that hold its data) within a second, as it does within HEALTH_INTERVAL_MS under `npm start`.
  stack = await startStack({ perExchange: 2000, exchangeTimeoutMs: 5000, healthIntervalMs: 200, proxies: false });
  // On a loaded machine an exchange may miss its check at start and begin OFFLINE; the probes bring it back.
  for (const exchange of EXCHANGES) await waitForStatus(exchange, 'ONLINE');
}, 300_000);
afterAll(async () => {
  await stack?.stop();
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});

describe('docs/research.md', () => {
  it('has six questions, each with one query', () => {
    const questions = sections().filter((s) => /^\d\. /.test(s.title));
    expect(questions.map((s) => s.title.slice(0, 2))).toEqual(['1.', '2.', '3.', '4.', '5.', '6.']);
    for (const question of questions) expect(question.queries).toHaveLength(1);
  });

  it('answers every query completely, without errors, with data, and with the figures its excerpts quote', async () => {
    const questions = sections().filter((s) => s.queries.length > 0);
    expect(questions.length).toBe(6);
    for (const { title, queries, excerpts } of questions) {
      const result = await graphql(stack.gatewayUrl, queries[0]);
      expectComplete(result);
      const fields = Object.values(result.data ?? {});
      expect(fields.length, title).toBeGreaterThan(0);
      for (const field of fields as any[]) expect(field.buckets?.length ?? field.totalCount, title).toBeGreaterThan(0);
      const quoted = excerpts.flatMap(flatObjects);
      expect(quoted.length, title).toBeGreaterThan(0);
      for (const object of quoted) expect(containsObject(result.data, object), `${title}: ${JSON.stringify(object)}`).toBe(true);
    }
  }, 120_000);

  it('exports every public-health listing to CSV with the documented script', async () => {
    const csvPath = join(workDir, 'public-health.csv');
    const { code, stderr } = await runExport(csvPath);
    expect({ code, stderr }).toMatchObject({ code: 0 });
    const expected = publicHealthListings();
    expect(expected).toBeGreaterThan(100);
    expect(stderr).toMatch(new RegExp(`^${expected} rows from bj@\\S+, gy@\\S+, sh@\\S+, ty@\\S+`));
    const lines = readFileSync(csvPath, 'utf8').trim().split(/\r?\n/);
    expect(lines[0]).toMatch(/^id,exchange,productCode,title,/);
    const ids = lines.slice(1).map((line) => line.split(',')[0]);
    expect(ids).toHaveLength(expected);
    expect(new Set(ids).size).toBe(expected);
    expect(new Set(ids.map((id) => id.split(':')[0]))).toEqual(new Set(EXCHANGES));
  }, 120_000);

  // Last: it stops an exchange process for good.
  it('refuses the export, writing nothing, when an exchange is down', async () => {
    await stack.services.gy.stop();
    await waitForStatus('gy', 'OFFLINE');
    const csvPath = join(workDir, 'refused.csv');
    const { code, stderr } = await runExport(csvPath);
    expect(code).toBe(1);
    expect(stderr.trim()).toBe("export refused: errors ['exchange gy is offline']");
    expect(existsSync(csvPath)).toBe(false);
    const documented = [...doc.matchAll(/\n(export refused: [^\n]*)/g)].map((m) => m[1]);
    expect(documented).toEqual([stderr.trim()]);
  }, 120_000);
});
