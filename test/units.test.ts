import { describe, it, expect } from 'vitest';
import { encodeCursor, decodeCursor, comparePositions } from '../shared/datasetOrder.ts';
import { QuantileSketch, SKETCH_RELATIVE_ACCURACY } from '../shared/sketch.ts';
import { parseAmountMicros, formatMicros } from '../shared/money.ts';
import { ftsPhrase } from '../subgraphs/exchange/store/filterSql.ts';

describe('cursors', () => {
  it('round-trip the sort, key and id', () => {
    const position = { sort: 'TITLE_ASC' as const, key: '疫苗 "data"', id: 'sh:ds-000123' };
    expect(decodeCursor(encodeCursor(position), 'TITLE_ASC')).toEqual(position);
    const price = { sort: 'PRICE_DESC' as const, key: 1234567, id: 'bj:ds-000001' };
    expect(decodeCursor(encodeCursor(price), 'PRICE_DESC')).toEqual(price);
  });

  it('say why a cursor is refused', () => {
    expect(decodeCursor('%%%', 'UPDATED_DESC')).toBe('not a cursor returned by this API');
    expect(decodeCursor(Buffer.from('{"a":1}').toString('base64url'), 'UPDATED_DESC')).toBe('not a cursor returned by this API');
    expect(decodeCursor(encodeCursor({ sort: 'PRICE_ASC', key: 5, id: 'x:1' }), 'UPDATED_DESC')).toMatch(/belongs to sort PRICE_ASC/);
    expect(decodeCursor(Buffer.from('["UPDATED_DESC","text","x:1"]').toString('base64url'), 'UPDATED_DESC')).toBe('not a cursor returned by this API');
  });

  it('order by key, then id, in the direction of the sort', () => {
    expect(comparePositions('PRICE_ASC', { key: 1, id: 'b' }, { key: 2, id: 'a' })).toBeLessThan(0);
    expect(comparePositions('PRICE_ASC', { key: 1, id: 'a' }, { key: 1, id: 'b' })).toBeLessThan(0);
    expect(comparePositions('UPDATED_DESC', { key: 5, id: 'a' }, { key: 5, id: 'b' })).toBeGreaterThan(0);
    expect(comparePositions('TITLE_ASC', { key: 'Zebra', id: 'a' }, { key: 'apple', id: 'a' })).toBeLessThan(0);
  });
});

describe('quantile sketch', () => {
  function exactQuantile(values: number[], q: number): number {
    const sorted = [...values].sort((a, b) => a - b);
    return sorted[Math.floor(q * (sorted.length - 1))];
  }

  it('keeps every quantile within its relative accuracy', () => {
    const values = Array.from({ length: 5000 }, (_, i) => Math.exp(Math.sin(i) * 8) * (1 + (i % 7)));
    const sketch = new QuantileSketch();
    for (const v of values) sketch.add(v);
    for (const q of [0, 0.1, 0.5, 0.9, 0.99, 1]) {
      const exact = exactQuantile(values, q);
      expect(Math.abs(sketch.quantile(q)! - exact) / exact).toBeLessThanOrEqual(SKETCH_RELATIVE_ACCURACY + 1e-12);
    }
  });

  it('merges two sketches into the sketch of the union, through the wire form', () => {
    const a = [0, 0, 0.003, 0.5, 12, 3000];
    const b = [0.07, 0.45, 18000, 250000, 0];
    const merged = QuantileSketch.fromJSON(sketchOf(a).toJSON());
    merged.merge(QuantileSketch.fromJSON(sketchOf(b).toJSON()));
    const union = sketchOf([...a, ...b]);
    expect(merged.toWire()).toEqual(union.toWire());
    expect(merged.count).toBe(11);
    expect(merged.quantile(0)).toBe(0);
  });

  it('refuses a malformed wire form', () => {
    expect(() => QuantileSketch.fromJSON('{"v":2}')).toThrow(/sketch/);
    expect(() => QuantileSketch.fromJSON(JSON.stringify({ v: 1, alpha: SKETCH_RELATIVE_ACCURACY, zero: 0, bins: [[1, -5]] }))).toThrow(/bin/);
  });

  function sketchOf(values: number[]): QuantileSketch {
    const sketch = new QuantileSketch();
    for (const v of values) sketch.add(v);
    return sketch;
  }
});

describe('money', () => {
  it('parses and formats decimal strings exactly', () => {
    expect(parseAmountMicros('1200')).toBe(1_200_000_000);
    expect(parseAmountMicros('0.003')).toBe(3000);
    expect(parseAmountMicros('-1')).toBeNull();
    expect(parseAmountMicros('1e5')).toBeNull();
    expect(parseAmountMicros('0.0000001')).toBeNull();
    expect(formatMicros(1_200_000_000)).toBe('1200.00');
    expect(formatMicros(3000)).toBe('0.003');
    expect(formatMicros(0)).toBe('0.00');
    expect(formatMicros(250_000)).toBe('0.25');
  });
});

describe('FTS escaping', () => {
  it('quotes every term so operators stay text', () => {
    expect(ftsPhrase('NEAR(a')).toBe('"NEAR(a"');
    expect(ftsPhrase('a"b')).toBe('"a""b"');
  });
});
