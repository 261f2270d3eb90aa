/**
 * The price sketch as documented (README "Price sketch"): JSON `{ v: 1, alpha, zero, bins: [[i, n], ...] }`.
 * An amount x > 0 falls in bin i = ceil(ln x / ln γ), γ = (1 + α) / (1 − α), whose value 2γ^i / (γ + 1)
 * is within α of every amount in it. Sketches merge by adding the counts of equal bins.
 */
export interface PriceSketch {
  alpha: number;
  zero: number;
  bins: Map<number, number>;
}

/** Parses a sketch, or returns what is wrong with it. */
export function parseSketch(text: string): PriceSketch | string {
  let wire: any;
  try {
    wire = JSON.parse(text);
  } catch {
    return `sketch is not JSON: ${text.slice(0, 80)}`;
  }
  if (wire?.v !== 1) return `sketch: expected "v": 1, got ${JSON.stringify(wire?.v)}`;
  if (typeof wire.alpha !== 'number' || !(wire.alpha > 0 && wire.alpha < 1))
    return `sketch: alpha must be a number between 0 and 1, got ${JSON.stringify(wire.alpha)}`;
  if (!Number.isInteger(wire.zero) || wire.zero < 0) return `sketch: zero must be a non-negative integer, got ${JSON.stringify(wire.zero)}`;
  if (!Array.isArray(wire.bins)) return 'sketch: bins must be an array';
  const bins = new Map<number, number>();
  for (const bin of wire.bins) {
    if (!Array.isArray(bin) || !Number.isInteger(bin[0]) || !Number.isInteger(bin[1]) || bin[1] < 0)
      return `sketch: bin ${JSON.stringify(bin)} is not [integer index, non-negative count]`;
    if (bins.has(bin[0])) return `sketch: bin index ${bin[0]} appears twice`;
    bins.set(bin[0], bin[1]);
  }
  return { alpha: wire.alpha, zero: wire.zero, bins };
}

export function sketchCount(sketch: PriceSketch): number {
  let total = sketch.zero;
  for (const n of sketch.bins.values()) total += n;
  return total;
}

export function mergeSketches(sketches: PriceSketch[]): PriceSketch {
  const merged: PriceSketch = { alpha: sketches[0]?.alpha ?? 0.005, zero: 0, bins: new Map() };
  for (const sketch of sketches) {
    merged.zero += sketch.zero;
    for (const [i, n] of sketch.bins) merged.bins.set(i, (merged.bins.get(i) ?? 0) + n);
  }
  return merged;
}

/** The bin values (in CNY) around the q-quantile: the values at ranks floor and ceil of q·(n−1). */
export function quantileCandidates(sketch: PriceSketch, q: number): number[] {
  const total = sketchCount(sketch);
  if (total === 0) return [];
  const gamma = (1 + sketch.alpha) / (1 - sketch.alpha);
  const ranks = [Math.floor(q * (total - 1)), Math.ceil(q * (total - 1))];
  const ordered = [...sketch.bins.entries()].filter(([, n]) => n > 0).sort((a, b) => a[0] - b[0]);
  return ranks.map((rank) => {
    if (rank < sketch.zero) return 0;
    let seen = sketch.zero;
    for (const [i, n] of ordered) {
      seen += n;
      if (seen > rank) return (2 * Math.pow(gamma, i)) / (gamma + 1);
    }
    return NaN;
  });
}

export function sameSketch(a: PriceSketch, b: PriceSketch): string | null {
  if (a.zero !== b.zero) return `zero ${a.zero} vs ${b.zero}`;
  const indexes = new Set([...a.bins.keys(), ...b.bins.keys()]);
  for (const i of [...indexes].sort((x, y) => x - y)) {
    if ((a.bins.get(i) ?? 0) !== (b.bins.get(i) ?? 0)) return `bin ${i}: ${a.bins.get(i) ?? 0} vs ${b.bins.get(i) ?? 0}`;
  }
  return null;
}
