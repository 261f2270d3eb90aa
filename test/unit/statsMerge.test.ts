import { describe, it, expect, vi } from 'vitest';
import { mergePriceStats } from '../../gateway/src/shards/statsMerge.ts';
import { findAnswerProblem } from '../../gateway/src/shards/answerChecks.ts';
import { QuantileSketch } from '../../shared/sketch.ts';
import { HIDDEN, type Shape } from '../../gateway/src/shards/shardPlan.ts';
import { Rng } from '../../seed/rng.ts';
import { amountMicros, microsText, sketchJson, exactQuantile } from '../helpers/reference.ts';

// Each exchange's buckets are built here from raw amounts (the sketch in its documented wire form); the
// merged figures are checked against the same amounts pooled, never against the module's own helpers.

const SHAPE: Shape = new Map(['key', 'count', 'pricedCount', 'min', 'p50', 'p90', 'max', 'currency', '__typename'].map((f) => [f, { field: f }]));

/** Amounts as an exchange holds them: decimal strings, null for NEGOTIABLE. */
type Listing = { group: string; amount: string | null };

/** One exchange's answer: one bucket per group of its own listings, in the router's hidden fields. */
function bucketsOf(listings: Listing[]): Array<Record<string, unknown>> {
  const groups = [...new Set(listings.map((l) => l.group))];
  return groups.map((group) => {
    const mine = listings.filter((l) => l.group === group);
    const micros = mine.flatMap((l) => (l.amount === null ? [] : [amountMicros(l.amount)])).sort((a, b) => a - b);
    return {
      [HIDDEN.stats.key]: group,
      [HIDDEN.stats.count]: mine.length,
      [HIDDEN.stats.pricedCount]: micros.length,
      [HIDDEN.stats.min]: micros.length ? microsText(micros[0]) : null,
      [HIDDEN.stats.max]: micros.length ? microsText(micros.at(-1)!) : null,
      [HIDDEN.stats.sketch]: sketchJson(micros),
    };
  });
}

function randomListings(rng: Rng, n: number, groups: string[]): Listing[] {
  return Array.from({ length: n }, () => {
    const roll = rng.next();
    // Wide spread (0.01 to 100 000 CNY), some free, some negotiable.
    const amount = roll < 0.1 ? null : roll < 0.15 ? '0.00' : microsText(Math.round(10 ** rng.float(-2, 5) * 100) * 10_000);
    return { group: rng.pick(groups), amount };
  });
}

describe('statistics merge', () => {
  const rng = new Rng('stats-merge');
  const exchanges = [
    randomListings(rng, 400, ['TELECOM', 'WEATHER']),
    randomListings(rng, 300, ['TELECOM', 'TRANSPORT']),
    randomListings(rng, 500, ['WEATHER', 'TELECOM']),
  ];
  const merged = mergePriceStats(exchanges.map(bucketsOf), SHAPE);
  const pooled = exchanges.flat();
  /** The priced amounts of one group over every exchange, in micros, ascending. */
  const pooledMicros = (key: string) =>
    pooled
      .filter((l) => l.group === key && l.amount !== null)
      .map((l) => amountMicros(l.amount!))
      .sort((a, b) => a - b);

  it('answers one bucket per group of any exchange, sorted by key', () => {
    expect(merged.map((b) => b.key)).toEqual(['TELECOM', 'TRANSPORT', 'WEATHER']);
  });

  it('adds counts and keeps the exact min and max of the pooled amounts', () => {
    expect(merged).toHaveLength(3);
    for (const bucket of merged) {
      const mine = pooled.filter((l) => l.group === bucket.key);
      const micros = mine.flatMap((l) => (l.amount === null ? [] : [amountMicros(l.amount)])).sort((a, b) => a - b);
      expect(micros.length).toBeGreaterThan(50);
      expect(bucket.count).toBe(mine.length);
      expect(bucket.pricedCount).toBe(micros.length);
      expect(amountMicros(bucket.min as string)).toBe(micros[0]);
      expect(amountMicros(bucket.max as string)).toBe(micros.at(-1));
      expect(bucket.currency).toBe('CNY');
      expect(bucket.__typename).toBe('PriceStatsBucket');
    }
  });

  it("gives p50 and p90 within 1% of the pooled amounts' exact quantiles, inside [min, max]", () => {
    expect(merged).toHaveLength(3);
    for (const bucket of merged) {
      const micros = pooledMicros(String(bucket.key));
      for (const [field, q] of [
        ['p50', 0.5],
        ['p90', 0.9],
      ] as const) {
        const exact = exactQuantile(micros, q);
        const got = amountMicros(bucket[field] as string);
        expect(Math.abs(got - exact)).toBeLessThanOrEqual(exact * 0.01 + 1);
        expect(got).toBeGreaterThanOrEqual(micros[0]);
        expect(got).toBeLessThanOrEqual(micros.at(-1)!);
      }
    }
  });

  it('gives as p50 and p90 the value of the sketch bin holding the pooled amount of rank floor(q(n-1)), clamped to [min, max]', () => {
    const gamma = (1 + 0.005) / (1 - 0.005);
    expect(merged).toHaveLength(3);
    for (const bucket of merged) {
      const micros = pooledMicros(String(bucket.key));
      expect(micros.length).toBeGreaterThan(50);
      for (const [field, q] of [
        ['p50', 0.5],
        ['p90', 0.9],
      ] as const) {
        const m = micros[Math.floor(q * (micros.length - 1))];
        const value = m === 0 ? 0 : (2 * Math.pow(gamma, Math.ceil(Math.log(m / 1_000_000) / Math.log(gamma)))) / (gamma + 1);
        const want = Math.min(micros.at(-1)!, Math.max(micros[0], Math.round(value * 1_000_000)));
        expect(amountMicros(bucket[field] as string)).toBe(want);
      }
    }
  });

  it('parses each sketch at most once when the answer check has read it before the merge', () => {
    const answers = exchanges.map((listings) => ({ priceStats: bucketsOf(listings) }));
    const buckets = answers.reduce((n, a) => n + a.priceStats.length, 0);
    expect(buckets).toBeGreaterThan(3);
    const parses = vi.spyOn(QuantileSketch, 'fromJSON');
    try {
      for (const answer of answers) expect(findAnswerProblem(answer, 'bj', new Set())).toBeNull();
      // The texts were parsed by the merge above already: kept by text, they are parsed no more.
      expect(parses.mock.calls.length).toBeLessThanOrEqual(buckets);
      const checked = parses.mock.calls.length;
      expect(
        mergePriceStats(
          answers.map((a) => a.priceStats),
          SHAPE,
        ),
      ).toEqual(merged);
      expect(parses).toHaveBeenCalledTimes(checked);
    } finally {
      parses.mockRestore();
    }
  });

  it('parses a sketch text once across answers: an unchanged group is not parsed again, a changed one is', () => {
    const local = new Rng('stats-merge-across-answers');
    const first = [randomListings(local, 300, ['A1', 'A2', 'A3']), randomListings(local, 200, ['A1', 'A3'])];
    const parses = vi.spyOn(QuantileSketch, 'fromJSON');
    try {
      const before = mergePriceStats(first.map(bucketsOf), SHAPE);
      const groups = first.reduce((n, listings) => n + bucketsOf(listings).length, 0);
      expect(groups).toBe(5);
      expect(parses).toHaveBeenCalledTimes(groups);
      // The same answers again (new objects, same texts): nothing parsed, the same figures.
      expect(mergePriceStats(first.map(bucketsOf), SHAPE)).toEqual(before);
      expect(parses).toHaveBeenCalledTimes(groups);
      // One listing of A2 on the first exchange changes price: only that group's text is new.
      const changed = first[0].map((l) => ({ ...l }));
      const moved = changed.findIndex((l) => l.group === 'A2' && l.amount !== null);
      expect(moved).toBeGreaterThanOrEqual(0);
      changed[moved].amount = '987654.32';
      const after = mergePriceStats([bucketsOf(changed), bucketsOf(first[1])], SHAPE);
      expect(parses).toHaveBeenCalledTimes(groups + 1);
      // Against the pooled amounts: A2's max is the new price (one exchange lists A2).
      expect(after.find((b) => b.key === 'A2')!.max).toBe('987654.32');
      expect(after.find((b) => b.key === 'A1')).toEqual(before.find((b) => b.key === 'A1'));
    } finally {
      parses.mockRestore();
    }
  });

  it("differs from any one exchange's quantiles when the exchanges differ (the sketches are really merged)", () => {
    const cheap = [...Array(200)].map(() => ({ group: 'G', amount: '1.00' }));
    const dear = [...Array(300)].map(() => ({ group: 'G', amount: '500.00' }));
    const [bucket] = mergePriceStats([bucketsOf(cheap), bucketsOf(dear)], SHAPE);
    // 500 values, rank floor(0.5 * 499) = 249 is the 50th of the dear ones; rank 449 too.
    expect(amountMicros(bucket.p50 as string)).toBeGreaterThan(495_000_000);
    expect(bucket.min).toBe('1.00');
    const [flipped] = mergePriceStats([bucketsOf(cheap.concat(cheap)), bucketsOf(dear.slice(0, 100))], SHAPE);
    expect(flipped.p50).toBe('1.00');
  });

  it('answers null amounts for a group of NEGOTIABLE listings only, with its counts', () => {
    const [bucket] = mergePriceStats(
      [
        bucketsOf([{ group: 'G', amount: null }]),
        bucketsOf([
          { group: 'G', amount: null },
          { group: 'G', amount: null },
        ]),
      ],
      SHAPE,
    );
    expect(bucket).toEqual({ key: 'G', count: 3, pricedCount: 0, min: null, p50: null, p90: null, max: null, currency: 'CNY', __typename: 'PriceStatsBucket' });
  });

  it('counts free listings (0.00) as priced, at the bottom', () => {
    const [bucket] = mergePriceStats(
      [
        bucketsOf([
          { group: 'G', amount: '0.00' },
          { group: 'G', amount: '0.00' },
        ]),
        bucketsOf([{ group: 'G', amount: '8.00' }]),
      ],
      SHAPE,
    );
    expect(bucket).toMatchObject({ count: 3, pricedCount: 3, min: '0.00', p50: '0.00', max: '8.00' });
  });

  it('skips a null bucket and answers nothing for no exchange', () => {
    expect(mergePriceStats([[null, ...bucketsOf([{ group: 'G', amount: '2.00' }])]], SHAPE).map((b) => b.count)).toEqual([1]);
    expect(mergePriceStats([], SHAPE)).toEqual([]);
  });
});
