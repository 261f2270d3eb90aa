import { QuantileSketch } from '../../../shared/sketch.ts';

/** Sketches already read, by the bucket of an exchange's answer that carried them. */
const read = new WeakMap<object, QuantileSketch>();

/**
 * The sketch a bucket of an exchange's answer carries in `field`, parsed once: the answer check reads
 * it first (a bad sketch drops the exchange), the merge then adds the same object instead of parsing
 * the text again (half of the parsing at 250,000 listings an exchange: ~700 bins a bucket). Throws a
 * plain Error when the text is not a sketch (QuantileSketch.fromJSON). The sketch is only read from.
 */
export function bucketSketch(bucket: Record<string, unknown>, field: string): QuantileSketch {
  let sketch = read.get(bucket);
  if (!sketch) {
    sketch = QuantileSketch.fromJSON(String(bucket[field]));
    read.set(bucket, sketch);
  }
  return sketch;
}
