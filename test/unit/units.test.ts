import { describe, it, expect } from 'vitest';
import { parse, Kind, type OperationDefinitionNode, type FieldNode, type FragmentDefinitionNode } from 'graphql';
import { encodeCursor, decodeCursor, comparePositions, cursorIdOf } from '../../shared/datasetOrder.ts';
import { datasetColumns } from '../../subgraphs/exchange/datasetColumns.ts';
import { QuantileSketch, SKETCH_RELATIVE_ACCURACY, MAX_BIN_SPAN } from '../../shared/sketch.ts';
import { sketchJson } from '../helpers/reference.ts';
import { Rng } from '../../seed/rng.ts';
import { parseAmountMicros, formatMicros } from '../../shared/money.ts';
import { ftsPhrase } from '../../subgraphs/exchange/store/filterSql.ts';
import { exchangeConfigFromArgs, ConfigError } from '../../subgraphs/exchange/exchangeConfig.ts';

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

  it('give the same answers when read again (decoded texts are remembered), valid or not', () => {
    const cursor = encodeCursor({ sort: 'UPDATED_DESC', key: 7, id: 'gy:ds-1' });
    for (let i = 0; i < 2; i++) {
      expect(decodeCursor(cursor, 'UPDATED_DESC')).toEqual({ sort: 'UPDATED_DESC', key: 7, id: 'gy:ds-1' });
      expect(decodeCursor(cursor, 'PRICE_ASC')).toMatch(/belongs to sort UPDATED_DESC/);
      expect(cursorIdOf(cursor)).toBe('gy:ds-1');
      expect(decodeCursor('%%%', 'UPDATED_DESC')).toBe('not a cursor returned by this API');
      expect(cursorIdOf('%%%')).toBeNull();
      expect(cursorIdOf(42)).toBeNull();
    }
    // Padding is not base64url: the merge refuses it; the id check reads the JSON all the same, as before.
    const padded = `${Buffer.from('["UPDATED_DESC",1,"bj:x"]').toString('base64')}==`;
    expect(decodeCursor(padded, 'UPDATED_DESC')).toBe('not a cursor returned by this API');
    expect(cursorIdOf(padded)).toBe('bj:x');
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

  it('merges only the span that holds counts: zero bins written out and a sketch merged into many leave the answer the same', () => {
    const values = [0.02, 0.5, 7, 7.01, 130, 99000];
    // The same bins with zero-count bins far out on both sides (the wire form allows them).
    const padded = QuantileSketch.fromJSON(JSON.stringify({ ...sketchOf(values).toWire(), bins: [[-1300, 0], ...sketchOf(values).toWire().bins, [2000, 0]] }));
    const shared = QuantileSketch.fromJSON(sketchOf([3, 4, 5]).toJSON());
    const merged = [new QuantileSketch(), new QuantileSketch()];
    for (const target of merged) {
      target.merge(padded);
      target.merge(shared);
    }
    const union = sketchOf([...values, 3, 4, 5]);
    for (const target of merged) {
      expect(target.toWire()).toEqual(union.toWire());
      for (const q of [0, 0.25, 0.5, 0.9, 1]) expect(target.quantile(q)).toBe(union.quantile(q));
    }
    // The merged-from sketches are unchanged.
    expect(shared.toWire()).toEqual(sketchOf([3, 4, 5]).toWire());
    expect(new QuantileSketch().quantile(0.5)).toBeNull();
  });

  it('refuses a malformed wire form', () => {
    expect(() => QuantileSketch.fromJSON('{"v":2}')).toThrow(/sketch/);
    expect(() => QuantileSketch.fromJSON(JSON.stringify({ v: 1, alpha: SKETCH_RELATIVE_ACCURACY, zero: 0, bins: [[1, -5]] }))).toThrow(/bin/);
  });

  /** Amounts in micros as an exchange holds them: 0.01 to 10,000,000 CNY, some free. */
  function randomMicros(rng: Rng, n: number): number[] {
    return Array.from({ length: n }, () => (rng.next() < 0.05 ? 0 : Math.round(10 ** rng.float(-2, 7) * 100) * 10_000));
  }

  it('writes the documented wire form: zeros apart, each bin once, in index order', () => {
    const rng = new Rng('sketch-wire');
    for (let round = 0; round < 20; round++) {
      const micros = randomMicros(rng, rng.int(0, 3000));
      const sketch = new QuantileSketch();
      // In random order, as rows arrive.
      for (const m of [...micros].sort(() => rng.next() - 0.5)) sketch.add(m / 1_000_000);
      expect(sketch.toJSON()).toBe(sketchJson(micros));
      expect(JSON.stringify(sketch.toWire())).toBe(sketchJson(micros));
    }
  });

  it('reads the wire form however the JSON is spelt, to the same sketch and quantiles', () => {
    const rng = new Rng('sketch-spelling');
    let compared = 0;
    for (let round = 0; round < 20; round++) {
      const text = sketchJson(randomMicros(rng, rng.int(1, 2000)));
      const wire = JSON.parse(text) as { v: number; alpha: number; zero: number; bins: Array<[number, number]> };
      const spellings = [
        JSON.stringify(wire, null, 2),
        JSON.stringify({ bins: wire.bins, zero: wire.zero, alpha: wire.alpha, v: wire.v }),
        text.replace(/,"bins"/, ', "bins"'),
        text.replace(/\]\]\}$/, '.0]]}'),
      ];
      const canonical = QuantileSketch.fromJSON(text);
      expect(canonical.toJSON()).toBe(text);
      for (const spelling of spellings) {
        const read = QuantileSketch.fromJSON(spelling);
        expect(read.toWire()).toEqual(canonical.toWire());
        for (const q of [0, 0.25, 0.5, 0.9, 1]) expect(read.quantile(q)).toBe(canonical.quantile(q));
        compared++;
      }
    }
    expect(compared).toBe(80);
  });

  it('adds the counts of a bin listed twice, as the merge of two sketches does', () => {
    const text = JSON.stringify({
      v: 1,
      alpha: SKETCH_RELATIVE_ACCURACY,
      zero: 2,
      bins: [
        [5, 3],
        [5, 4],
        [9, 1],
      ],
    });
    expect(QuantileSketch.fromJSON(text).toWire()).toEqual({
      v: 1,
      alpha: SKETCH_RELATIVE_ACCURACY,
      zero: 2,
      bins: [
        [5, 7],
        [9, 1],
      ],
    });
  });

  it('refuses bins further apart than any two amounts, and counts that are not counts, however spelt', () => {
    const wire = (bins: unknown) => JSON.stringify({ v: 1, alpha: SKETCH_RELATIVE_ACCURACY, zero: 0, bins });
    expect(() =>
      QuantileSketch.fromJSON(
        wire([
          [-10, 1],
          [MAX_BIN_SPAN, 1],
        ]),
      ),
    ).toThrow(/sketch/);
    expect(() => QuantileSketch.fromJSON(wire([[1, -5]]))).toThrow(/bin/);
    expect(() => QuantileSketch.fromJSON(wire([[1, 2.5]]))).toThrow(/bin/);
    expect(() => QuantileSketch.fromJSON(wire([[1.5, 2]]))).toThrow(/bin/);
    expect(() => QuantileSketch.fromJSON(wire([[1, 2]]).replace(']]}', ']'))).toThrow();
    // The span a real catalog reaches (0.000001 to 999,999,999 CNY) is read.
    const widest = new QuantileSketch();
    widest.add(0.000001);
    widest.add(999_999_999.999999);
    expect(QuantileSketch.fromJSON(widest.toJSON()).count).toBe(2);
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

describe('page columns', () => {
  const columnsOf = (query: string) => {
    const document = parse(query);
    const operation = document.definitions.find((d) => d.kind === Kind.OPERATION_DEFINITION) as OperationDefinitionNode;
    const fragments = Object.fromEntries(
      document.definitions.filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION).map((d) => [d.name.value, d]),
    );
    return datasetColumns({ fieldNodes: [operation.selectionSet.selections[0] as FieldNode], fragments });
  };

  it('reads the id, the sort keys and the columns of the fields asked, through fragments', () => {
    expect(columnsOf('{ datasets { totalCount nodes { id title price { amount } } edges { cursor } } }')!.sort()).toEqual(
      ['id', 'price_asc', 'price_desc', 'price_micros', 'price_model', 'title', 'updated_ms'].sort(),
    );
    expect(
      columnsOf('{ datasets { edges { node { ...F } } nodes { ... on Dataset { keywords } } } } fragment F on Dataset { provider { uscc } descriptionZh }'),
    ).toEqual(expect.arrayContaining(['provider_uscc', 'description_zh', 'keywords', 'id', 'updated_ms']));
  });

  it('reads every column when a field is unknown to it or a fragment is missing', () => {
    expect(columnsOf('{ datasets { nodes { id somethingNew } } }')).toBeNull();
    expect(columnsOf('{ datasets { nodes { ...Missing } } }')).toBeNull();
  });
});

describe('exchange options', () => {
  const args = (...rest: string[]) => exchangeConfigFromArgs(['--id', 'sz', '--port', '4015', ...rest], {});

  it('keeps --name, --name-zh, --city and --province (its canonical name and division code) for a new code', () => {
    expect(args('--name', 'Shenzhen Data Exchange', '--name-zh', '深圳数据交易所', '--city', 'Shenzhen', '--province', 'guangdong').info).toEqual({
      id: 'sz',
      name: 'Shenzhen Data Exchange',
      nameZh: '深圳数据交易所',
      city: 'Shenzhen',
      province: 'Guangdong',
      divisionCode: '440000',
    });
    expect(args('--province', 'INNER MONGOLIA').info).toMatchObject({ province: 'Inner Mongolia', divisionCode: '150000' });
    expect(args('--division-code', '440300').info).toMatchObject({ province: 'Guangdong', divisionCode: '440300' });
    expect(args('--division-code', '440300', '--province', 'Guangdong').info).toMatchObject({ province: 'Guangdong', divisionCode: '440300' });
  });

  it('refuses an unknown province, listing the valid names and where they are kept', () => {
    expect(() => args('--province', 'Atlantis')).toThrow(ConfigError);
    expect(() => args('--province', 'Atlantis')).toThrow(
      /^--province must name a province-level division of China, in English, any case \(listed in shared\/provinces\.ts\), got "Atlantis"; one of: Beijing, Tianjin, .*Inner Mongolia, .*Xinjiang$/,
    );
  });

  it('refuses a division code outside the province', () => {
    expect(() => args('--province', 'Guangdong', '--division-code', '110105')).toThrow(
      '--division-code 110105 is not in --province Guangdong (its codes start with 44)',
    );
  });
});
