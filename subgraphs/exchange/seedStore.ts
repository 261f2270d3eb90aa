import { mkdirSync, existsSync, rmSync, renameSync } from 'node:fs';
import { dirname } from 'node:path';
import { generateDatasets } from '../../seed/generate.ts';
import type { Category, DatasetRecord } from '../../shared/domain.ts';
import { DatasetStore } from './store/DatasetStore.ts';

export interface SeedOptions {
  exchange: string;
  divisionCode: string;
  count: number;
  dbPath: string;
  /**
   * Only listings of these categories (SEED_CATEGORIES), for catalogs spread unevenly over exchanges
   * (the scale-out benchmark and the pruning tests). Default: every category.
   */
  categories?: readonly Category[];
}

/** The first `count` generated listings of the given categories (drawn from a longer generated catalog). */
function* onlyCategories(options: SeedOptions): Generator<DatasetRecord> {
  const wanted = new Set(options.categories);
  let kept = 0;
  // Categories are spread over the generated rows, so 40 times the count holds enough of any one.
  for (const record of generateDatasets({ exchange: options.exchange, divisionCode: options.divisionCode, count: options.count * 40 })) {
    if (kept >= options.count) return;
    if (!wanted.has(record.category)) continue;
    kept++;
    yield record;
  }
}

/** Writes a fresh database for one exchange from the deterministic generator (replacing any old file). */
export function seedExchangeDatabase(options: SeedOptions): { count: number; ms: number } {
  const started = performance.now();
  mkdirSync(dirname(options.dbPath), { recursive: true });
  const temporary = `${options.dbPath}.seeding`;
  for (const suffix of ['', '-wal', '-shm']) rmSync(`${temporary}${suffix}`, { force: true });
  const store = new DatasetStore(options.exchange, temporary);
  try {
    store.db.pragma('journal_mode = OFF');
    store.db.pragma('synchronous = OFF');
    const records = options.categories?.length
      ? onlyCategories(options)
      : generateDatasets({ exchange: options.exchange, divisionCode: options.divisionCode, count: options.count });
    const count = store.ingest(records);
    store.db.pragma('journal_mode = WAL');
    store.close();
    // Renamed into place only when complete, so a crash mid-seed never leaves a half-filled catalog.
    for (const suffix of ['-wal', '-shm']) rmSync(`${options.dbPath}${suffix}`, { force: true });
    renameInto(temporary, options.dbPath);
    return { count, ms: Math.round(performance.now() - started) };
  } finally {
    store.close();
  }
}

function renameInto(from: string, to: string): void {
  renameSync(from, to); // atomic replace on POSIX
  for (const suffix of ['-wal', '-shm']) if (existsSync(`${from}${suffix}`)) rmSync(`${from}${suffix}`, { force: true });
}
