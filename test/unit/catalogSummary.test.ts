import { describe, it, expect, beforeAll, afterAll, vi } from 'vitest';
import { DatasetStore } from '../../subgraphs/exchange/store/DatasetStore.ts';
import { catalogSummary } from '../../subgraphs/exchange/catalogSummary.ts';
import { generateDatasets } from '../../seed/generate.ts';
import { graphql } from 'graphql';
import { createContext, createExchangeSchema } from '../../subgraphs/exchange/schema.ts';

/**
 * The exchange's catalog summary after price changes: it keeps what a price change cannot move and reads
 * the rest again, so it must stay equal to the table as plain SQL counts it (docs/scale-out.md).
 */
let store: DatasetStore;

beforeAll(() => {
  store = new DatasetStore('bj', ':memory:');
  store.ingest(generateDatasets({ exchange: 'bj', divisionCode: '110000', count: 1500 }));
});
afterAll(() => store.db.close());

/** Listings per pricing model and the price and updatedAt ranges, as plain SQL over the table. */
function plain() {
  const models = store.db.prepare('SELECT price_model AS value, count(*) AS n FROM datasets GROUP BY price_model').all() as Array<{ value: string; n: number }>;
  const range = store.db
    .prepare('SELECT min(price_micros) AS lo, max(price_micros) AS hi, min(updated_ms) AS since, max(updated_ms) AS until FROM datasets')
    .get() as { lo: number; hi: number; since: number; until: number };
  return {
    models: Object.fromEntries(models.map((m) => [m.value, m.n])),
    lo: range.lo,
    hi: range.hi,
    updatedFrom: new Date(range.since).toISOString(),
    updatedTo: new Date(range.until).toISOString(),
  };
}

function micros(amount: string): number {
  const [whole, fraction = ''] = amount.split('.');
  return Number(whole) * 1_000_000 + Number(fraction.padEnd(6, '0'));
}

describe('catalogSummary across price changes', () => {
  it('follows each change of pricing model, price range and updatedAt, and keeps the other counts', () => {
    const first = catalogSummary(store);
    const others = first.counts.filter((c) => c.field !== 'pricingModels');
    expect(others.length).toBeGreaterThan(0);
    const ids = (store.db.prepare('SELECT id FROM datasets ORDER BY rowid LIMIT 3').all() as Array<{ id: string }>).map((r) => r.id);
    // A new lowest price, a new highest one, and a listing that becomes NEGOTIABLE (no price).
    const changes: Array<[string, 'PER_CALL' | 'ANNUAL' | 'NEGOTIABLE', string | null]> = [
      [ids[0], 'PER_CALL', '0.01'],
      [ids[1], 'ANNUAL', '987654321'],
      [ids[2], 'NEGOTIABLE', null],
    ];
    for (const [id, model, amount] of changes) {
      store.updatePrice(id, model, amount, new Date(Date.UTC(2031, 0, 1)));
      const summary = catalogSummary(store);
      const expected = plain();
      expect(summary.catalogVersion).toBe(store.catalogVersion);
      const models = summary.counts.filter((c) => c.field === 'pricingModels');
      expect(Object.fromEntries(models.map((c) => [c.value, c.count]))).toEqual(expected.models);
      expect(micros(summary.prices[0].min)).toBe(expected.lo);
      expect(micros(summary.prices[0].max)).toBe(expected.hi);
      expect(summary.updatedFrom).toBe(expected.updatedFrom);
      expect(summary.updatedTo).toBe(expected.updatedTo);
      expect(summary.counts.filter((c) => c.field !== 'pricingModels')).toEqual(others);
      expect(summary.tokens).toEqual(first.tokens);
    }
    expect(plain().updatedTo).toBe('2031-01-01T00:00:00.000Z');
    expect(plain().hi).toBe(987_654_321_000_000);
  });

  it('counts listings per pricing model after a price change without a GROUP BY over the table', () => {
    catalogSummary(store);
    const id = (store.db.prepare("SELECT id FROM datasets WHERE price_model = 'MONTHLY' LIMIT 1").get() as { id: string }).id;
    const prepared = vi.spyOn(store.db, 'prepare');
    let summary: ReturnType<typeof catalogSummary>;
    let statements: string[];
    try {
      store.updatePrice(id, 'ONE_TIME', '55.00');
      summary = catalogSummary(store);
      statements = prepared.mock.calls.map(([sql]) => String(sql));
    } finally {
      prepared.mockRestore();
    }
    expect(statements.length).toBeGreaterThan(0);
    expect(statements.filter((sql) => /GROUP BY/i.test(sql))).toEqual([]);
    const models = summary.counts.filter((c) => c.field === 'pricingModels');
    expect(models.length).toBeGreaterThan(0);
    expect(Object.fromEntries(models.map((c) => [c.value, c.count]))).toEqual(plain().models);
    // In the order GROUP BY lists them: by value.
    expect(models.map((c) => c.value)).toEqual([...models.map((c) => c.value)].sort());
  });

  it('reads everything again after a load', () => {
    const before = catalogSummary(store);
    // The same generator's next 200 listings (it is deterministic: the first 1,500 are the ones loaded).
    store.ingest([...generateDatasets({ exchange: 'bj', divisionCode: '110000', count: 1700 })].slice(1500));
    const after = catalogSummary(store);
    const { n } = store.db.prepare('SELECT count(*) AS n FROM datasets').get() as { n: number };
    expect(after.datasetCount).toBe(n);
    expect(after.datasetCount).toBeGreaterThan(before.datasetCount);
    const categories = store.db.prepare('SELECT category AS value, count(*) AS n FROM datasets GROUP BY category').all() as Array<{ value: string; n: number }>;
    expect(categories.length).toBeGreaterThan(0);
    for (const { value, n: count } of categories) expect(after.counts.find((c) => c.field === 'categories' && c.value === value)?.count).toBe(count);
  });
});

describe('catalogSummary.tokensVersion', () => {
  /** The whole token filter as the summary serves it, and its version. */
  const tokensOf = (s: DatasetStore) => {
    const summary = catalogSummary(s);
    return { version: summary.tokensVersion, base64: summary.tokens.base64, bits: summary.tokens.bits };
  };

  it('stays through price changes, which never change the token filter', () => {
    const before = tokensOf(store);
    const ids = (store.db.prepare('SELECT id FROM datasets LIMIT 3').all() as Array<{ id: string }>).map((r) => r.id);
    expect(ids.length).toBe(3);
    for (const [i, id] of ids.entries()) {
      const version = store.catalogVersion;
      store.updatePrice(id, 'ONE_TIME', `${100 + i}.25`);
      expect(store.catalogVersion).not.toBe(version);
      expect(tokensOf(store)).toEqual(before);
    }
  });

  it('names the content: two stores loaded alike name the same version, a load with new terms moves it', () => {
    const records = [...generateDatasets({ exchange: 'sh', divisionCode: '310000', count: 300 })];
    const a = new DatasetStore('sh', ':memory:');
    const b = new DatasetStore('sh', ':memory:');
    try {
      a.ingest(records);
      b.ingest(records);
      expect(tokensOf(a)).toEqual(tokensOf(b));
      const before = tokensOf(a);
      // One more listing whose title holds a word no other listing has.
      const extra = [...generateDatasets({ exchange: 'sh', divisionCode: '310000', count: 301 })][300];
      a.ingest([{ ...extra, title: `${extra.title} Zyxwvutq` }]);
      const after = tokensOf(a);
      expect(after.base64).not.toBe(before.base64);
      expect(after.version).not.toBe(before.version);
    } finally {
      a.db.close();
      b.db.close();
    }
  });

  it('CatalogSummary.tokens is null exactly when unlessVersion is the current tokensVersion', async () => {
    const schema = createExchangeSchema(store);
    const ask = async (unlessVersion: string | null) => {
      const result = await graphql({
        schema,
        source: 'query($v: String) { catalogSummary { tokensVersion tokens(unlessVersion: $v) { bits base64 } } }',
        variableValues: { v: unlessVersion },
        contextValue: createContext(store),
      });
      expect(result.errors).toBeUndefined();
      return (result.data as any).catalogSummary as { tokensVersion: string; tokens: { bits: number; base64: string } | null };
    };
    const whole = await ask(null);
    expect(whole.tokens?.base64.length).toBeGreaterThan(100);
    expect((await ask(whole.tokensVersion)).tokens).toBeNull();
    expect((await ask(`${whole.tokensVersion}x`)).tokens).toEqual(whole.tokens);
  });
});

describe('FacetCounts.countBy without lists (the totals kept per column)', () => {
  it('follows price changes exactly, a pricing model left with no listing included', () => {
    const small = new DatasetStore('gy', ':memory:');
    try {
      small.ingest(generateDatasets({ exchange: 'gy', divisionCode: '520000', count: 60 }));
      const bySql = () =>
        new Map(
          (small.db.prepare('SELECT price_model AS v, count(*) AS n FROM datasets GROUP BY price_model').all() as Array<{ v: string; n: number }>).map((r) => [
            r.v,
            r.n,
          ]),
        );
      expect(small.facets().countBy([], 'price_model')).toEqual(bySql());
      // Every PER_CALL listing becomes ANNUAL: PER_CALL has no listing left and is absent.
      const perCall = (small.db.prepare("SELECT id FROM datasets WHERE price_model = 'PER_CALL'").all() as Array<{ id: string }>).map((r) => r.id);
      expect(perCall.length).toBeGreaterThan(0);
      for (const [i, id] of perCall.entries()) {
        small.updatePrice(id, 'ANNUAL', `${200 + i}.00`);
        expect(small.facets().countBy([], 'price_model')).toEqual(bySql());
      }
      expect(small.facets().countBy([], 'price_model').has('PER_CALL')).toBe(false);
      // Back again: it reappears.
      small.updatePrice(perCall[0], 'PER_CALL', '1.50');
      expect(small.facets().countBy([], 'price_model')).toEqual(bySql());
      expect(small.facets().countBy([], 'price_model').get('PER_CALL')).toBe(1);
      // Categories (never moved by a price change) as SQL counts them.
      const categories = new Map(
        (small.db.prepare('SELECT category AS v, count(*) AS n FROM datasets GROUP BY category').all() as Array<{ v: string; n: number }>).map((r) => [
          r.v,
          r.n,
        ]),
      );
      expect(small.facets().countBy([], 'category')).toEqual(categories);
    } finally {
      small.close();
    }
  });
});
