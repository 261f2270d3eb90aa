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

  get count(): number {
    let total = this.zero;
    for (const n of this.bins.values()) total += n;
    return total;
  }

  add(value: number, times = 1): void {
    const index = bucketIndexOf(value);
    if (index === null) this.zero += times;
    else this.addToBucket(index, times);
  }

  /** Adds `times` values already placed in bucket `index` (the exchange computes indexes in SQL). */
  addToBucket(index: number, times: number): void {
    this.bins.set(index, (this.bins.get(index) ?? 0) + times);
  }

  addZeros(times: number): void {
    this.zero += times;
  }

  merge(other: QuantileSketch): void {
    this.zero += other.zero;
    for (const [index, n] of other.bins) this.addToBucket(index, n);
  }

  /** The q-quantile (0..1) within the relative accuracy, or null for an empty sketch. */
  quantile(q: number): number | null {
    const total = this.count;
    if (total === 0) return null;
    const rank = Math.floor(q * (total - 1));
    if (rank < this.zero) return 0;
    let seen = this.zero;
    for (const index of [...this.bins.keys()].sort((a, b) => a - b)) {
      seen += this.bins.get(index)!;
      if (seen > rank) return (2 * Math.pow(GAMMA, index)) / (GAMMA + 1);
    }
    return null;
  }

  toWire(): SketchWire {
    const bins = [...this.bins.entries()].sort((a, b) => a[0] - b[0]);
    return { v: 1, alpha: SKETCH_RELATIVE_ACCURACY, zero: this.zero, bins };
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
