/** Per group and price bucket: the count, min and max (as StoreSession.stats returns them). */
export interface StatsRow {
  group: string;
  bucket: number | null;
  n: number;
  minMicros: number | null;
  maxMicros: number | null;
}

/** Bucket of a zero amount (FREE): below every real bucket index, so zeros group apart. */
export const ZERO_BUCKET = -1_000_000;
