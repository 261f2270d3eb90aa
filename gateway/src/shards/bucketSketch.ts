import { LRUCache } from 'lru-cache';
import { QuantileSketch } from '../../../shared/sketch.ts';

/** Sketches already read, by the bucket of an exchange's answer that carried them. */
const read = new WeakMap<object, QuantileSketch>();

/**
 * The characters of sketch text kept with their parsed sketches, at most (about 3 bytes of memory a
 * character: the text and the dense counts): 4 MiB characters, ~600 sketches of ~700 bins.
 */
export const MAX_PARSED_SKETCH_CHARS = 4 * 1024 * 1024;

/**
 * Parsed sketches by their wire text, across answers: an exchange serves the same text for a group its
 * data has not changed in (a version move touches one or two groups of a grouping: docs/scale-out.md), so
 * the next answer's other sketches are found here instead of parsed again (at 250,000 listings an
 * exchange, ~700 bins a bucket and 19 categories: most of the gateway's CPU for priceStats by category).
 * A hit costs a hash and a comparison of the text. Only texts that parse are kept.
 */
const parsed = new LRUCache<string, QuantileSketch>({ maxSize: MAX_PARSED_SKETCH_CHARS, sizeCalculation: (_sketch, text) => Math.max(1, text.length) });

/**
 * The sketch a bucket of an exchange's answer carries in `field`, parsed once: the answer check reads
 * it first (a bad sketch drops the exchange), the merge then adds the same object instead of parsing
 * the text again (half of the parsing at 250,000 listings an exchange: ~700 bins a bucket). Throws a
 * plain Error when the text is not a sketch (QuantileSketch.fromJSON). The sketch is shared (with other
 * buckets of the same text, and other requests): only read from.
 */
export function bucketSketch(bucket: Record<string, unknown>, field: string): QuantileSketch {
  let sketch = read.get(bucket);
  if (!sketch) {
    const text = String(bucket[field]);
    sketch = parsed.get(text);
    if (!sketch) {
      sketch = QuantileSketch.fromJSON(text);
      if (text.length <= MAX_PARSED_SKETCH_CHARS) parsed.set(text, sketch);
    }
    read.set(bucket, sketch);
  }
  return sketch;
}
