/**
 * Where seeding one exchange spends its time: `npx tsx bench/diagnose/seedPhases.ts [--count 250000] [--id bj]`
 *
 * Runs the same code as `npm run seed` for one exchange (DatasetStore.ingest over the seed generator, with
 * the seed's pragmas) into a temporary file, timing every SQL statement ingest prepares or executes, and
 * the generator alone. Prints one line per phase. The file is removed at the end.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type Database from 'better-sqlite3';
import { generateDatasets } from '../../seed/generate.ts';
import { DatasetStore } from '../../subgraphs/exchange/store/DatasetStore.ts';
import { exchangeInfo } from '../lib/stack.ts';
import { markdownTable } from '../lib/markdown.ts';
import { oneLine } from '../lib/sqlite.ts';

function phaseOf(sql: string): string {
  const text = oneLine(sql);
  if (text.startsWith('INSERT INTO datasets (')) return 'insert rows (includes the generator, which feeds the loop)';
  if (text.startsWith('INSERT INTO datasets_fts_zh (')) return 'build Chinese bigram text index (zh_bigrams per row)';
  if (text.startsWith('INSERT INTO datasets_fts_en (')) return 'build English word text index';
  if (text.includes('CREATE INDEX')) return 'create the B-tree indexes';
  if (text === 'ANALYZE') return 'ANALYZE';
  return `other: ${text.slice(0, 60)}`;
}

async function main(): Promise<void> {
  // Output piped into `head` must not kill the script before it removes what it started.
  process.stdout.on('error', () => {});
  const { values } = parseArgs({ options: { count: { type: 'string', default: '250000' }, id: { type: 'string', default: 'bj' } } });
  const count = Number(values.count);
  const info = exchangeInfo(values.id!);
  const dir = mkdtempSync(join(tmpdir(), 'bench-seedphases-'));
  try {
    // The generator alone (what the insert loop pulls from).
    let started = performance.now();
    let generated = 0;
    for (const record of generateDatasets({ exchange: info.id, divisionCode: info.divisionCode, count })) if (record) generated++;
    const generatorMs = performance.now() - started;

    const path = join(dir, `${info.id}.db`);
    const store = new DatasetStore(info.id, path);
    store.db.pragma('journal_mode = OFF');
    store.db.pragma('synchronous = OFF');
    const phases = new Map<string, number>();
    const add = (sql: string, ms: number) => phases.set(phaseOf(sql), (phases.get(phaseOf(sql)) ?? 0) + ms);
    const db = store.db as Database.Database & Record<string, unknown>;
    const prepare = db.prepare.bind(db);
    const exec = db.exec.bind(db);
    db.prepare = ((sql: string) => {
      const statement = prepare(sql);
      const run = statement.run.bind(statement);
      statement.run = ((...params: unknown[]) => {
        const t = performance.now();
        try {
          return run(...params);
        } finally {
          add(sql, performance.now() - t);
        }
      }) as typeof statement.run;
      return statement;
    }) as typeof db.prepare;
    const indexMs = new Map<string, number>();
    db.exec = ((sql: string) => {
      // The index script runs one statement at a time here, to time each index (same statements, same order).
      if (sql.includes('CREATE INDEX')) {
        for (const statement of sql
          .split(';')
          .map((x) => x.trim())
          .filter(Boolean)) {
          const t = performance.now();
          exec(statement);
          const took = performance.now() - t;
          add(statement, took);
          indexMs.set(/INDEX IF NOT EXISTS (\w+) ON datasets (\([^)]*\))/.exec(statement)?.slice(1).join(' ') ?? statement, took);
        }
        return db;
      }
      const t = performance.now();
      try {
        return exec(sql);
      } finally {
        add(sql, performance.now() - t);
      }
    }) as typeof db.exec;

    started = performance.now();
    const ingested = store.ingest(generateDatasets({ exchange: info.id, divisionCode: info.divisionCode, count }));
    const ingestMs = performance.now() - started;
    store.db.pragma('journal_mode = WAL');
    store.close();
    const measured = [...phases.values()].reduce((a, b) => a + b, 0);
    const rows = [...phases].sort((a, b) => b[1] - a[1]).map(([phase, ms]) => [phase, (ms / 1000).toFixed(1), `${((ms / ingestMs) * 100).toFixed(0)}%`]);
    rows.push([
      "outside the statements: the generator, the loop's JavaScript, and COMMIT (writing every page to the file)",
      ((ingestMs - measured) / 1000).toFixed(1),
      `${(((ingestMs - measured) / ingestMs) * 100).toFixed(0)}%`,
    ]);
    console.log(`# Seeding ${ingested} datasets for ${info.id} (one process)\n`);
    console.log(markdownTable({ headers: ['phase', 's', 'share of ingest'], rows }));
    console.log(
      '\n' + markdownTable({ headers: ['index', 's'], rows: [...indexMs].sort((a, b) => b[1] - a[1]).map(([name, ms]) => [name, (ms / 1000).toFixed(2)]) }),
    );
    console.log(
      `\ningest total ${(ingestMs / 1000).toFixed(1)} s; the generator alone (${generated} records, no database) ${(generatorMs / 1000).toFixed(1)} s; file ${(statSync(path).size / 2 ** 20).toFixed(0)} MiB.`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
