/**
 * What-if for the exchange speed misses: `npx tsx bench/diagnose/exchangeWhatIf.ts <exchange .db> [--runs 9]`
 *
 * Copies the database to a temporary directory (the original is never written), times the SQL the store
 * runs today for the slow cases, adds the proposed indexes, and times the proposed statements (same
 * rows, checked). Prints a markdown table with both plans. The copy is removed at the end.
 *
 * Proposals measured (see bench/RESULTS.md and the benchmark report):
 *  1. enum lists as literal placeholders `IN (?, ?)` instead of `IN (SELECT value FROM json_each(?))`, so the
 *     planner knows the list sizes, plus one covering "filter" index led by the low-cardinality enums, which
 *     SQLite then uses by skip-scan for counts and statistics of any enum combination;
 *  2. IN lists on the leading column of a (column, sort key, id) index: one ordered LIMIT n+1 subquery per
 *     value, merged (UNION ALL ... ORDER BY ... LIMIT), i.e. a k-way merge like the gateway's;
 *  3. text: count straight from the FTS table; for a common term (many matches) scan the sort index in
 *     order and test membership (`+d.rowid IN (...)`) instead of sorting every match.
 */
import Database from 'better-sqlite3';
import { copyFileSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { checkPageArgs, cursorOf } from '../../subgraphs/exchange/connection.ts';
import type { DatasetSort } from '../../shared/domain.ts';
import type { ColumnStatsGroup } from '../../subgraphs/exchange/store/UnfilteredStats.ts';
import type { DatasetFilterInput } from '../../subgraphs/exchange/store/filterSql.ts';
import { ReadOnlyStore } from '../lib/sqlite.ts';
import { markdownTable, codeBlock } from '../lib/markdown.ts';
import { median, ms } from '../lib/stats.ts';

export const PROPOSED_INDEXES_SQL = `
CREATE INDEX IF NOT EXISTS ix_filter_cover ON datasets (category, provider_kind, price_model, security_level, type,
  personal_info, data_origin, delivery, contains_minors, price_bucket, price_micros);
CREATE INDEX IF NOT EXISTS ix_model_price_asc ON datasets (price_model, price_asc, id);
`;

const KINDS = ['PRIVATE_ENTERPRISE', 'STATE_OWNED_ENTERPRISE'];
const MODELS = ['PER_CALL', 'ANNUAL', 'MONTHLY'];
const CATEGORIES = ['PUBLIC_HEALTH', 'TELECOM'];
const KINDS_MODELS: DatasetFilterInput = { providerKinds: KINDS, pricingModels: MODELS };

const marks = (values: unknown[]) => values.map(() => '?').join(', ');

interface Statement {
  sql: string;
  params: unknown[];
}

interface Case {
  label: string;
  /** Today's statement, as the store builds it. */
  current: (store: ReadOnlyStore) => Statement;
  proposed: Statement;
  /** Compare ids in order (pages) or the whole rows (counts, statistics, as sets). */
  compare: 'ids' | 'rows';
}

function storeStatement(store: ReadOnlyStore, run: (session: ReturnType<ReadOnlyStore['session']>) => void, index: number): Statement {
  const session = store.session();
  run(session);
  const statement = session.statements[index];
  return { sql: statement.sql, params: statement.params };
}

function currentPage(filter: DatasetFilterInput | null, sort: DatasetSort, after: string | null = null) {
  return (store: ReadOnlyStore) => {
    const page = checkPageArgs({ first: 20, after, sort });
    return storeStatement(store, (s) => s.page({ filter, sort, limit: 20, after: page.after }), 0);
  };
}

function currentCount(filter: DatasetFilterInput | null) {
  return (store: ReadOnlyStore) => storeStatement(store, (s) => s.count(filter), 0);
}

function currentStats(filter: DatasetFilterInput | null, groupBy: ColumnStatsGroup) {
  return (store: ReadOnlyStore) => storeStatement(store, (s) => s.stats(filter, groupBy), 0);
}

/** The cursor after `offset` rows of an order, read with the store. */
function cursorAt(store: ReadOnlyStore, filter: DatasetFilterInput | null, sort: DatasetSort, offset: number): string {
  let after: string | null = null;
  let seen = 0;
  while (seen < offset) {
    const take = Math.min(100, offset - seen);
    const page = checkPageArgs({ first: take, after, sort });
    const rows = store.session().page({ filter, sort, limit: take, after: page.after }).slice(0, take);
    if (rows.length === 0) break;
    seen += rows.length;
    after = cursorOf(rows[rows.length - 1], sort);
  }
  if (!after) throw new Error('no cursor');
  return after;
}

/** One ordered subquery per value of `column`, each LIMIT n, merged by the same order. */
function mergedPerValue(column: string, values: string[], orderBy: string, where: string, whereParams: unknown[], limit: number): Statement {
  const branches = values.map(
    () => `SELECT * FROM (SELECT d.* FROM datasets d WHERE d.${column} = ?${where ? ` AND ${where}` : ''} ORDER BY ${orderBy} LIMIT ?)`,
  );
  return {
    sql: `SELECT * FROM (${branches.join(' UNION ALL ')}) d ORDER BY ${orderBy.replace(/d\./g, '')} LIMIT ?`,
    params: [...values.flatMap((v) => [v, ...whereParams, limit]), limit],
  };
}

function cases(store: ReadOnlyStore): Case[] {
  const statsSql = (where: string) =>
    `SELECT d.category AS "group", d.price_bucket AS bucket, count(*) AS n, min(d.price_micros) AS minMicros, max(d.price_micros) AS maxMicros FROM datasets d ${where} GROUP BY 1, 2`;
  const kindsModelsWhere = `d.provider_kind IN (${marks(KINDS)}) AND d.price_model IN (${marks(MODELS)})`;
  const deepPriceAfter = cursorAt(store, KINDS_MODELS, 'PRICE_ASC', 499 * 20);
  const deepPriceCursor = checkPageArgs({ first: 20, after: deepPriceAfter, sort: 'PRICE_ASC' }).after!;
  return [
    {
      label: 'count: providerKinds + pricingModels',
      current: currentCount(KINDS_MODELS),
      proposed: { sql: `SELECT count(*) AS n FROM datasets d WHERE ${kindsModelsWhere}`, params: [...KINDS, ...MODELS] },
      compare: 'rows',
    },
    {
      label: 'count: delivery [API] + personalInfo [NONE]',
      current: currentCount({ delivery: ['API'], personalInfo: ['NONE'] }),
      proposed: {
        sql: 'SELECT count(*) AS n FROM datasets d INDEXED BY ix_filter_cover WHERE d.delivery IN (?) AND d.personal_info IN (?)',
        params: ['API', 'NONE'],
      },
      compare: 'rows',
    },
    {
      label: 'priceStats(CATEGORY): providerKinds + pricingModels',
      current: currentStats(KINDS_MODELS, 'CATEGORY'),
      proposed: { sql: statsSql(`WHERE ${kindsModelsWhere}`), params: [...KINDS, ...MODELS] },
      compare: 'rows',
    },
    {
      label: 'priceStats(CATEGORY): no filter',
      current: currentStats(null, 'CATEGORY'),
      proposed: { sql: statsSql(''), params: [] },
      compare: 'rows',
    },
    {
      label: 'page 1: providerKinds + pricingModels, PRICE_ASC',
      current: currentPage(KINDS_MODELS, 'PRICE_ASC'),
      proposed: mergedPerValue('price_model', MODELS, 'd.price_asc ASC, d.id ASC', `d.provider_kind IN (${marks(KINDS)})`, KINDS, 21),
      compare: 'ids',
    },
    {
      label: 'page 500: providerKinds + pricingModels, PRICE_ASC',
      current: currentPage(KINDS_MODELS, 'PRICE_ASC', deepPriceAfter),
      proposed: mergedPerValue(
        'price_model',
        MODELS,
        'd.price_asc ASC, d.id ASC',
        `d.provider_kind IN (${marks(KINDS)}) AND (d.price_asc, d.id) > (?, ?)`,
        [...KINDS, deepPriceCursor.key, deepPriceCursor.id],
        21,
      ),
      compare: 'ids',
    },
    {
      label: 'page 1: categories [PUBLIC_HEALTH, TELECOM], TITLE_ASC',
      current: currentPage({ categories: CATEGORIES }, 'TITLE_ASC'),
      proposed: mergedPerValue('category', CATEGORIES, 'd.title ASC, d.id ASC', '', [], 21),
      compare: 'ids',
    },
    ...(
      [
        ['疫苗', 'datasets_fts_zh', '"疫苗"'],
        ['数据', 'datasets_fts_zh', '"数据"'],
        ['vaccination', 'datasets_fts_en', '"vaccination"*'],
        ['data', 'datasets_fts_en', '"data"*'],
      ] as const
    ).flatMap(([text, table, match]): Case[] => [
      {
        label: `text "${text}": count`,
        current: currentCount({ text }),
        proposed: { sql: `SELECT count(*) AS n FROM ${table} WHERE ${table} MATCH ?`, params: [match] },
        compare: 'rows',
      },
      {
        label: `text "${text}": page 1, UPDATED_DESC`,
        current: currentPage({ text }, 'UPDATED_DESC'),
        proposed: {
          sql: `SELECT d.*, 0.0 AS rank FROM datasets d WHERE +d.rowid IN (SELECT rowid FROM ${table} WHERE ${table} MATCH ?) ORDER BY d.updated_ms DESC, d.id DESC LIMIT ?`,
          params: [match, 21],
        },
        compare: 'ids',
      },
    ]),
  ];
}

function time(db: Database.Database, statement: Statement, runs: number): { ms: number; rows: unknown[] } {
  const prepared = db.prepare(statement.sql);
  let rows: unknown[] = [];
  const durations: number[] = [];
  for (let i = 0; i < runs + 2; i++) {
    const started = performance.now();
    rows = prepared.all(...statement.params);
    if (i >= 2) durations.push(performance.now() - started);
  }
  return { ms: median(durations), rows };
}

function plan(db: Database.Database, statement: Statement): string {
  return (db.prepare(`EXPLAIN QUERY PLAN ${statement.sql}`).all(...statement.params) as Array<{ detail: string }>).map((r) => r.detail).join('; ');
}

function same(a: unknown[], b: unknown[], compare: Case['compare']): boolean {
  if (compare === 'ids') return JSON.stringify(a.map((r) => (r as { id: string }).id)) === JSON.stringify(b.map((r) => (r as { id: string }).id));
  const canon = (rows: unknown[]) =>
    rows
      .map((r) => JSON.stringify(Object.values(r as object)))
      .sort()
      .join('\n');
  return canon(a) === canon(b);
}

async function main(): Promise<void> {
  // Output piped into `head` must not kill the script before it removes what it started.
  process.stdout.on('error', () => {});
  const { values, positionals } = parseArgs({ options: { runs: { type: 'string', default: '9' } }, allowPositionals: true });
  const source = positionals[0];
  if (!source) {
    console.error('usage: npx tsx bench/diagnose/exchangeWhatIf.ts <exchange .db> [--runs 9]');
    process.exit(2);
  }
  const runs = Number(values.runs);
  const dir = mkdtempSync(join(tmpdir(), 'bench-whatif-'));
  try {
    const copy = join(dir, 'exchange.db');
    copyFileSync(source, copy);
    const exchangeId = new Database(copy, { readonly: true })
      .prepare("SELECT substr(id, 1, instr(id, ':') - 1) AS e FROM datasets LIMIT 1")
      .pluck()
      .get() as string;
    const sizeBefore = statSync(copy).size;

    // Today's statements and timings, on the unchanged copy.
    const before = new ReadOnlyStore(exchangeId, copy);
    const list = cases(before);
    const current = list.map((c) => {
      const statement = c.current(before);
      return { statement, ...time(before.db, statement, runs), plan: plan(before.db, statement) };
    });
    before.close();

    // The proposed indexes.
    const writer = new Database(copy);
    const started = performance.now();
    writer.exec(PROPOSED_INDEXES_SQL);
    writer.exec('ANALYZE');
    const indexMs = performance.now() - started;
    writer.pragma('wal_checkpoint(TRUNCATE)');
    writer.close();
    const sizeAfter = statSync(copy).size;

    const after = new ReadOnlyStore(exchangeId, copy);
    const rows = list.map((c, i) => {
      const proposed = time(after.db, c.proposed, runs);
      const currentWithIndexes = time(after.db, current[i].statement, runs);
      const ok = same(current[i].rows, proposed.rows, c.compare);
      return [c.label, ms(current[i].ms), ms(currentWithIndexes.ms), ms(proposed.ms), ok ? 'yes' : '**NO**', current[i].plan, plan(after.db, c.proposed)];
    });
    after.close();

    console.log(`# Exchange what-if (${exchangeId}, ${source})\n`);
    console.log(
      `Proposed indexes built in ${(indexMs / 1000).toFixed(1)} s (with ANALYZE); file ${(sizeBefore / 2 ** 20).toFixed(0)} MiB -> ${(sizeAfter / 2 ** 20).toFixed(0)} MiB.\n`,
    );
    console.log(codeBlock(PROPOSED_INDEXES_SQL.trim(), 'sql'));
    console.log();
    console.log(
      markdownTable({
        headers: ['case', 'today ms', "today's SQL + new indexes ms", 'proposed ms', 'same rows', 'plan today', 'plan proposed'],
        rows,
      }),
    );
    console.log(`\nMedians of ${runs} runs of the statement alone (in process), after 2 unmeasured runs.`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
