import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { DatasetStore } from '../../subgraphs/exchange/store/DatasetStore.ts';
import { generateDatasets } from '../../seed/generate.ts';

/**
 * What the text indexes alone answer (a match's count, the words a prefix stands for) is kept until the
 * next load: a price change moves the catalog version but no text, so it costs the next text query no
 * statement (a term in every listing was counted again after each one: 11 ms at 250,000 listings).
 */
let store: DatasetStore;

beforeAll(() => {
  store = new DatasetStore('bj', ':memory:');
  store.ingest(generateDatasets({ exchange: 'bj', divisionCode: '110000', count: 1500 }));
});
afterAll(() => store.close());

/** Listings whose Chinese text holds `text`, by LIKE over the columns (not the text index). */
function likeCount(text: string): number {
  const like = `%${text}%`;
  return (
    store.db.prepare('SELECT count(*) AS n FROM datasets WHERE title_zh LIKE ? OR description_zh LIKE ? OR keywords LIKE ?').get(like, like, like) as {
      n: number;
    }
  ).n;
}

describe('text counts across price changes', () => {
  it('counts a common term after a price change without a statement, and the count is the rows holding it', () => {
    const filter = { text: '数据', synonyms: false };
    const want = likeCount('数据');
    expect(want).toBeGreaterThan(1000);
    const first = store.session();
    expect(first.count(filter)).toBe(want);
    expect(first.statementCount).toBe(1);
    const ids = (store.db.prepare('SELECT id FROM datasets ORDER BY rowid LIMIT 3').all() as Array<{ id: string }>).map((r) => r.id);
    expect(ids).toHaveLength(3);
    for (const [i, id] of ids.entries()) {
      const version = store.catalogVersion;
      store.updatePrice(id, 'PER_CALL', `${10 + i}.00`);
      expect(store.catalogVersion).not.toBe(version);
      const session = store.session();
      expect(session.count(filter)).toBe(want);
      expect(session.statementCount).toBe(0);
    }
  });

  it('reads a page sorted by price with its count in one statement after a price change', () => {
    const filter = { text: '数据', synonyms: false };
    store.session().page({ filter, sort: 'PRICE_ASC', limit: 20 });
    store.session().count(filter);
    const id = (store.db.prepare('SELECT id FROM datasets ORDER BY rowid DESC LIMIT 1').get() as { id: string }).id;
    store.updatePrice(id, 'ANNUAL', '77.00');
    const session = store.session();
    const rows = session.page({ filter, sort: 'PRICE_ASC', limit: 20 });
    expect(rows).toHaveLength(21);
    expect(session.count(filter)).toBe(likeCount('数据'));
    expect(session.statementCount).toBe(1);
  });

  it('counts again after a load', () => {
    const filter = { text: '数据', synonyms: false };
    const before = store.session().count(filter);
    // The same generator's next 300 listings (it is deterministic: the first 1,500 are the ones loaded).
    store.ingest([...generateDatasets({ exchange: 'bj', divisionCode: '110000', count: 1800 })].slice(1500));
    const after = store.session().count(filter);
    expect(after).toBe(likeCount('数据'));
    expect(after).toBeGreaterThan(before);
  });
});
