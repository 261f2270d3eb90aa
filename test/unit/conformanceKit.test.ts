import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CONTRACT_SDL } from '../../conformance/exchangeContract.ts';
import { comparePositions, decodeCursor, formatMicros, microsOf } from '../../conformance/contractOrder.ts';
import { mergeSketches, parseSketch, quantileCandidates, sameSketch } from '../../conformance/priceSketch.ts';
import { orderProblem } from '../../conformance/checks/walkAnalysis.ts';
import type { Walk } from '../../conformance/walkPages.ts';

describe('conformance kit: its own reading of the contract', () => {
  it('carries the contract exactly as schema/exchange.graphql has it (npm run conformance:contract rewrites it)', () => {
    expect(CONTRACT_SDL).toBe(readFileSync(new URL('../../schema/exchange.graphql', import.meta.url), 'utf8'));
  });

  it('reads Decimal amounts as integer micro-yuan and writes them back', () => {
    expect([microsOf('1200.00'), microsOf('0.003'), microsOf('7'), microsOf('1.5')]).toEqual([1_200_000_000, 3_000, 7_000_000, 1_500_000]);
    expect([microsOf('-1'), microsOf('1e3'), microsOf(' 5'), microsOf('0.0000001')]).toEqual([null, null, null, null]);
    expect([formatMicros(1_200_000_000), formatMicros(3_000), formatMicros(1_510_000), formatMicros(1)]).toEqual(['1200.00', '0.003', '1.51', '0.000001']);
  });

  it('breaks ties by id in the direction of the sort, comparing UTF-8 bytes', () => {
    expect(comparePositions('PRICE_ASC', { key: 5, id: 'sh:b' }, { key: 5, id: 'sh:a' })).toBeGreaterThan(0);
    expect(comparePositions('PRICE_DESC', { key: 5, id: 'sh:b' }, { key: 5, id: 'sh:a' })).toBeLessThan(0);
    expect(comparePositions('UPDATED_DESC', { key: 2, id: 'sh:a' }, { key: 1, id: 'sh:b' })).toBeLessThan(0);
    // By UTF-8 bytes U+FFFD (EF BF BD) comes before U+1F600 (F0 9F 98 80); by UTF-16 units it comes after.
    expect(comparePositions('TITLE_ASC', { key: '\uFFFD', id: 'sh:1' }, { key: '\u{1F600}', id: 'sh:2' })).toBeLessThan(0);
    expect('\uFFFD' > '\u{1F600}').toBe(true);
    expect(comparePositions('TITLE_ASC', { key: 'Zebra', id: 'sh:1' }, { key: 'apple', id: 'sh:2' })).toBeLessThan(0);
  });

  it('decodes a cursor as base64url of [sort, key, id] and explains one it cannot read', () => {
    const cursor = Buffer.from('["PRICE_ASC",3000,"sh:ds-000001"]').toString('base64url');
    expect(decodeCursor(cursor)).toEqual({ sort: 'PRICE_ASC', key: 3000, id: 'sh:ds-000001' });
    expect(decodeCursor('abc=')).toBe('cursor "abc=" is not base64url');
    expect(decodeCursor(Buffer.from('{"a":1}').toString('base64url'))).toMatch(/decodes to \{"a":1\}, not \[sort, key, id\]$/);
  });

  it('finds the first listing out of order in a walk, naming both', () => {
    const node = (id: string, amount: string | null) => ({ id, price: { model: amount === null ? 'NEGOTIABLE' : 'PER_CALL', amount, currency: 'CNY' } }) as any;
    const edge = (id: string, amount: string | null, key: number) => ({
      cursor: Buffer.from(JSON.stringify(['PRICE_ASC', key, id])).toString('base64url'),
      node: node(id, amount),
      page: 1,
    });
    const walk = (edges: Walk['edges']): Walk => ({
      sort: 'PRICE_ASC',
      filter: {},
      pageSize: 10,
      edges,
      complete: true,
      pages: [{ totalCount: edges.length, hasNextPage: false, endCursor: edges.at(-1)!.cursor, edgeCount: edges.length, after: null }],
    });
    expect(orderProblem(walk([edge('sh:1', '1.00', 1_000_000), edge('sh:2', '1.00', 1_000_000), edge('sh:0', null, 9007199254740991)]))).toBeNull();
    expect(orderProblem(walk([edge('sh:2', '1.00', 1_000_000), edge('sh:1', '1.00', 1_000_000)]))).toBe(
      'sort PRICE_ASC, pages of 10: sh:2 (amount 1.00) comes before sh:1 (amount 1.00) at position 2 (page 1); equal keys are ordered by id, ascending',
    );
    expect(orderProblem(walk([edge('sh:1', '1.00', 1)]))).toBe('sort PRICE_ASC, pages of 10: the cursor of sh:1 holds key 1, expected 1000000 (amount 1.00)');
  });

  it('reads and merges price sketches as documented, and finds where two differ', () => {
    const a = parseSketch('{"v":1,"alpha":0.005,"zero":2,"bins":[[10,3],[20,1]]}');
    const b = parseSketch('{"v":1,"alpha":0.005,"zero":0,"bins":[[20,4]]}');
    if (typeof a === 'string' || typeof b === 'string') throw new Error('did not parse');
    const merged = mergeSketches([a, b]);
    expect(merged.zero).toBe(2);
    expect([...merged.bins.entries()]).toEqual([
      [10, 3],
      [20, 5],
    ]);
    expect(sameSketch(merged, a)).toBe('bin 20: 5 vs 1');
    // 10 amounts: ranks 0-1 zero, 2-4 bin 10, 5-9 bin 20; q = 0.5 sits between ranks 4 and 5.
    const gamma = 1.005 / 0.995;
    expect(quantileCandidates(merged, 0.5)).toEqual([(2 * gamma ** 10) / (gamma + 1), (2 * gamma ** 20) / (gamma + 1)]);
    expect(parseSketch('{"v":2}')).toBe('sketch: expected "v": 1, got 2');
    expect(parseSketch('{"v":1,"alpha":0.005,"zero":0,"bins":[[1,1],[1,2]]}')).toBe('sketch: bin index 1 appears twice');
  });
});
