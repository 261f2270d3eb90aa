import { mkdirSync, existsSync, rmSync, renameSync } from 'node:fs';
import { dirname } from 'node:path';
import { generateDatasets } from '../../seed/generate.ts';
import { DatasetStore } from './store/DatasetStore.ts';

export interface SeedOptions {
  exchange: string;
  divisionCode: string;
  count: number;
  dbPath: string;
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
    const count = store.ingest(generateDatasets({ exchange: options.exchange, divisionCode: options.divisionCode, count: options.count }));
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
