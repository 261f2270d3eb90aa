/**
 * Text search with and without the synonym table, at the store, on one seeded exchange:
 * `npx tsx bench/diagnose/textSynonyms.ts [--count 250000] [--runs 7]`
 *
 * Seeds a fresh database in a temporary directory (removed at the end), then times, per text and each of
 * synonyms on and off: the count, a first page in two orders, a relevance page and priceStats by category.
 * "cold" empties the store's caches first (aggregates, text rowids, relevance orders: what the first request
 * after a load pays); "warm" is the median of the repeats that follow. Prints a markdown table.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { generateDatasets } from '../../seed/generate.ts';
import { DatasetStore } from '../../subgraphs/exchange/store/DatasetStore.ts';
import type { DatasetFilterInput } from '../../subgraphs/exchange/store/filterSql.ts';
import { markdownTable } from '../lib/markdown.ts';
import { median } from '../lib/stats.ts';

const { values } = parseArgs({ options: { count: { type: 'string', default: '250000' }, runs: { type: 'string', default: '7' } } });
const count = Number(values.count);
const runs = Number(values.runs);

const dir = mkdtempSync(join(tmpdir(), 'text-synonyms-'));
const store = new DatasetStore('sh', join(dir, 'sh.db'));
try {
  const seededAt = performance.now();
  store.ingest(generateDatasets({ exchange: 'sh', divisionCode: '310000', count }));
  store.filterColumns();
  store.facets();
  console.error(`seeded ${count} listings in ${((performance.now() - seededAt) / 1000).toFixed(1)} s`);

  const clear = () => {
    store.aggregates.clear();
    store.textRowids.clear();
    store.rankings.clear();
  };
  const time = (work: () => unknown): { cold: number; warm: number; result: unknown } => {
    clear();
    let started = performance.now();
    const result = work();
    const cold = performance.now() - started;
    const warm: number[] = [];
    for (let i = 0; i < runs; i++) {
      started = performance.now();
      work();
      warm.push(performance.now() - started);
    }
    return { cold, warm: median(warm), result };
  };

  const texts: Array<{ text: string; extra?: DatasetFilterInput }> = [
    { text: '疫苗' },
    { text: 'minors' },
    { text: 'children' },
    { text: '企业' },
    { text: 'company' },
    { text: 'credit', extra: { categories: ['FINANCE', 'SOCIAL_CREDIT'] } },
    { text: 'weather', extra: { textFields: ['TITLE'] } },
  ];
  const rows: string[][] = [];
  const format = (t: { cold: number; warm: number }) => `${t.cold.toFixed(1)} / ${t.warm.toFixed(2)}`;
  for (const { text, extra } of texts) {
    for (const synonyms of [false, true]) {
      const filter: DatasetFilterInput = { text, ...extra, synonyms };
      const session = store.session();
      const counted = time(() => session.count(filter));
      const updated = time(() => session.page({ filter, sort: 'UPDATED_DESC', limit: 20 }));
      const price = time(() => session.page({ filter, sort: 'PRICE_ASC', limit: 20 }));
      const relevance = time(() => session.page({ filter, sort: 'RELEVANCE', limit: 20 }));
      const stats = time(() => session.stats(filter, 'CATEGORY'));
      rows.push([
        `\`${JSON.stringify({ text, ...extra })}\``,
        synonyms ? 'on' : 'off',
        String(counted.result),
        format(counted),
        format(updated),
        format(price),
        format(relevance),
        format(stats),
      ]);
    }
  }
  console.log(`Store, ${count.toLocaleString('en')} listings (one exchange), ms cold / warm (median of ${runs}):\n`);
  console.log(
    markdownTable({
      headers: ['filter', 'synonyms', 'matches', 'count', 'page UPDATED_DESC', 'page PRICE_ASC', 'page RELEVANCE', 'priceStats CATEGORY'],
      rows,
    }),
  );
} finally {
  store.close();
  rmSync(dir, { recursive: true, force: true });
}
