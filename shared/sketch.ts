/**
 * A mergeable quantile sketch with bounded relative error, after DDSketch (Masson, Rim, Lee, VLDB 2019).
 * The buckets and the wire form (the `sketch` field of PriceStatsBucket): docs/contract.md#price-statistics.
 */
export const SKETCH_RELATIVE_ACCURACY = 0.005;
const GAMMA = (1 + SKETCH_RELATIVE_ACCURACY) / (1 - SKETCH_RELATIVE_ACCURACY);
const LOG_GAMMA = Math.log(GAMMA);

export interface SketchWire {
  v: 1;
  alpha: number;
  zero: number;
  bins: Array<[number, number]>;
}

export function bucketIndexOf(value: number): number | null {
  if (value <= 0) return null;
  return Math.ceil(Math.log(value) / LOG_GAMMA);
}

export class QuantileSketch {
  private zero = 0;
  private readonly bins = new Map<number, number>();
  /** The sum of `bins`, kept as they change. */
  private binTotal = 0;
  /**
   * The bins in index order, built once per change: p50, p90 and the wire form of one bucket read the
   * same order (at 250,000 listings a category has ~700 bins, and sorting them with a comparator three
   * times per bucket cost an exchange's priceStats more than reading its rows did).
   */
  private sorted: Array<[number, number]> | null = null;

  get count(): number {
    return this.zero + this.binTotal;
  }

  add(value: number, times = 1): void {
    const index = bucketIndexOf(value);
    if (index === null) this.zero += times;
    else this.addToBucket(index, times);
  }

  /** Adds `times` values already placed in bucket `index` (the exchange computes indexes in SQL). */
  addToBucket(index: number, times: number): void {
    this.bins.set(index, (this.bins.get(index) ?? 0) + times);
    this.binTotal += times;
    this.sorted = null;
  }

  addZeros(times: number): void {
    this.zero += times;
  }

  merge(other: QuantileSketch): void {
    this.zero += other.zero;
    for (const [index, n] of other.bins) this.addToBucket(index, n);
  }

  /** The bins in index order (a typed array sorts numbers without a comparator call per comparison). */
  private sortedBins(): Array<[number, number]> {
    if (!this.sorted) {
      const indexes = Float64Array.from(this.bins.keys()).sort();
      this.sorted = Array.from(indexes, (index): [number, number] => [index, this.bins.get(index)!]);
    }
    return this.sorted;
  }

  /** The q-quantile (0..1) within the relative accuracy, or null for an empty sketch. */
  quantile(q: number): number | null {
    const total = this.count;
    if (total === 0) return null;
    const rank = Math.floor(q * (total - 1));
    if (rank < this.zero) return 0;
    let seen = this.zero;
    for (const [index, n] of this.sortedBins()) {
      seen += n;
      if (seen > rank) return (2 * Math.pow(GAMMA, index)) / (GAMMA + 1);
    }
    return null;
  }

  toWire(): SketchWire {
    return { v: 1, alpha: SKETCH_RELATIVE_ACCURACY, zero: this.zero, bins: this.sortedBins().map(([index, n]): [number, number] => [index, n]) };
  }

  toJSON(): string {
    return JSON.stringify(this.toWire());
  }

  /** Parses the wire form; throws a plain Error naming what is wrong (the gateway treats it as a bad response). */
  static fromJSON(text: string): QuantileSketch {
    const wire = JSON.parse(text) as SketchWire;
    if (wire?.v !== 1 || wire.alpha !== SKETCH_RELATIVE_ACCURACY || !Array.isArray(wire.bins) || !Number.isInteger(wire.zero)) {
      throw new Error(`sketch: expected {"v":1,"alpha":${SKETCH_RELATIVE_ACCURACY},...}`);
    }
    const sketch = new QuantileSketch();
    sketch.addZeros(wire.zero);
    for (const bin of wire.bins) {
      if (!Array.isArray(bin) || !Number.isInteger(bin[0]) || !Number.isInteger(bin[1]) || bin[1] < 0) {
        throw new Error('sketch: every bin must be [integer index, non-negative integer count]');
      }
      sketch.addToBucket(bin[0], bin[1]);
    }
    return sketch;
  }
}
