/**
 * A Bloom filter of strings, small enough to travel in a catalog summary (docs/scale-out.md): it answers
 * "certainly absent" or "maybe present", never a false "absent". Hand-rolled so that the exchange (which
 * builds it) and the gateway (which reads it) agree on the hash by this file alone, in any language:
 *
 *   h1 = FNV-1a 32 of the key's UTF-8 bytes (offset basis 0x811c9dc5, prime 0x01000193)
 *   h2 = FNV-1a 32 of the same bytes with offset basis 0x5bd1e995, made odd
 *   bit i (0 <= i < hashes) = (h1 + ((i * h2 mod 2^32) mod bits)) mod bits   (Kirsch–Mitzenmacher double hashing)
 *   bits are set little-endian within each byte, the bytes sent as base64.
 */
export interface TokenFilterJson {
  bits: number;
  hashes: number;
  base64: string;
}

/** Target false-positive rate: one "maybe" in a hundred absent keys costs one needless call. */
const FALSE_POSITIVE_RATE = 0.01;
const MIN_BITS = 64;

const encoder = new TextEncoder();

function fnv1a(bytes: Uint8Array, basis: number): number {
  let hash = basis >>> 0;
  for (const byte of bytes) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash >>> 0;
}

export class TokenBloom {
  private constructor(
    readonly bits: number,
    readonly hashes: number,
    private readonly array: Uint8Array,
  ) {}

  /** A filter sized for `count` keys at FALSE_POSITIVE_RATE. */
  static sizedFor(count: number): TokenBloom {
    const n = Math.max(1, count);
    const bits = Math.max(MIN_BITS, Math.ceil((-n * Math.log(FALSE_POSITIVE_RATE)) / (Math.LN2 * Math.LN2)));
    const hashes = Math.max(1, Math.round((bits / n) * Math.LN2));
    return new TokenBloom(bits, hashes, new Uint8Array(Math.ceil(bits / 8)));
  }

  static of(keys: Iterable<string>): TokenBloom {
    const all = [...new Set(keys)];
    const bloom = TokenBloom.sizedFor(all.length);
    for (const key of all) bloom.add(key);
    return bloom;
  }

  /** A filter sent by an exchange; null when it is not one (then nothing can be proved absent). */
  static fromJson(json: unknown): TokenBloom | null {
    const value = json as Partial<TokenFilterJson> | null;
    if (!value || !Number.isSafeInteger(value.bits) || !Number.isSafeInteger(value.hashes) || typeof value.base64 !== 'string') return null;
    if (value.bits! < 1 || value.hashes! < 1 || value.hashes! > 64) return null;
    const array = Buffer.from(value.base64, 'base64');
    if (array.length !== Math.ceil(value.bits! / 8)) return null;
    return new TokenBloom(value.bits!, value.hashes!, new Uint8Array(array));
  }

  private *positions(key: string): Generator<number> {
    const bytes = encoder.encode(key);
    const h1 = fnv1a(bytes, 0x811c9dc5);
    const h2 = fnv1a(bytes, 0x5bd1e995) | 1;
    for (let i = 0; i < this.hashes; i++) yield (h1 + ((Math.imul(i, h2) >>> 0) % this.bits)) % this.bits;
  }

  add(key: string): void {
    for (const p of this.positions(key)) this.array[p >> 3] |= 1 << (p & 7);
  }

  /** False only when the key was certainly never added. */
  mayHave(key: string): boolean {
    for (const p of this.positions(key)) if ((this.array[p >> 3] & (1 << (p & 7))) === 0) return false;
    return true;
  }

  toJson(): TokenFilterJson {
    return { bits: this.bits, hashes: this.hashes, base64: Buffer.from(this.array).toString('base64') };
  }
}
