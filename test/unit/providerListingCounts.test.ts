import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { DatasetStore } from '../../subgraphs/exchange/store/DatasetStore.ts';
import type { DatasetFilterInput } from '../../subgraphs/exchange/store/filterSql.ts';
import { generateDatasets } from '../../seed/generate.ts';
import { listingCountsProblem } from '../../gateway/src/providers/ProviderListings.ts';

/**
 * providerListingCounts (the exchange's gateway-only field) against the same counts written as plain SQL
 * over the table, for each path the store takes: unfiltered, filter columns, an equality, text.
 */
let store: DatasetStore;

beforeAll(() => {
  store = new DatasetStore('bj', ':memory:');
  store.ingest(generateDatasets({ exchange: 'bj', divisionCode: '110000', count: 3000 }));
});
afterAll(() => store.db.close());

function plain(where: string, params: unknown[] = []): Array<{ uscc: string; count: number }> {
  return store.db
    .prepare(`SELECT provider_uscc AS uscc, count(*) AS count FROM datasets ${where} GROUP BY provider_uscc ORDER BY provider_uscc`)
    .all(...params) as never;
}

describe('StoreSession.providerListingCounts', () => {
  const cases: Array<[string, DatasetFilterInput | null, string, unknown[]]> = [
    ['no filter', null, '', []],
    [
      'provider kinds',
      { providerKinds: ['PUBLIC_INSTITUTION', 'GOVERNMENT_DEPARTMENT'] },
      "WHERE provider_kind IN ('PUBLIC_INSTITUTION', 'GOVERNMENT_DEPARTMENT')",
      [],
    ],
    ['a category and minors', { categories: ['PUBLIC_HEALTH'], containsMinorsData: true }, "WHERE category = 'PUBLIC_HEALTH' AND contains_minors = 1", []],
    ['a price bound', { minPrice: '1000' }, 'WHERE price_micros >= 1000000000', []],
  ];
  for (const [name, filter, where, params] of cases) {
    it(`counts each provider's listings as a GROUP BY would, filtered by ${name}, in USCC order`, () => {
      const expected = plain(where, params);
      expect(expected.length).toBeGreaterThan(0);
      expect(store.session().providerListingCounts(filter)).toEqual(expected);
    });
  }

  it('counts one provider alone when the filter names it, and nothing for another exchange', () => {
    const [first] = plain('');
    expect(store.session().providerListingCounts({ providerUscc: first.uscc })).toEqual([first]);
    expect(store.session().providerListingCounts({ exchanges: ['sh'] })).toEqual([]);
  });

  it('adds up to the count of the same text filter', () => {
    const session = store.session();
    const rows = session.providerListingCounts({ text: 'data' });
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.reduce((sum, r) => sum + r.count, 0)).toBe(session.count({ text: 'data' }));
  });
});

describe("listingCountsProblem (the gateway's check of an exchange's answer)", () => {
  const A = '11110101MB5RK99PXP';
  const B = '91110108125010595J';
  it('accepts rows of a USCC and a positive count in strictly ascending USCC order, and an empty list', () => {
    expect(
      listingCountsProblem([
        { uscc: A, count: 5 },
        { uscc: B, count: 1 },
      ]),
    ).toBeNull();
    expect(listingCountsProblem([])).toBeNull();
  });
  it('refuses a non-list, a zero or fractional count, a missing USCC, and rows out of order or repeated', () => {
    expect(listingCountsProblem(null)).toBe('is not a list');
    expect(listingCountsProblem([{ uscc: A, count: 0 }])).toBe('holds a row without a USCC and a positive count');
    expect(listingCountsProblem([{ uscc: A, count: 1.5 }])).toBe('holds a row without a USCC and a positive count');
    expect(listingCountsProblem([{ count: 1 }])).toBe('holds a row without a USCC and a positive count');
    expect(
      listingCountsProblem([
        { uscc: B, count: 1 },
        { uscc: A, count: 1 },
      ]),
    ).toBe('is not in strictly ascending USCC order');
    expect(
      listingCountsProblem([
        { uscc: A, count: 1 },
        { uscc: A, count: 1 },
      ]),
    ).toBe('is not in strictly ascending USCC order');
  });
});
